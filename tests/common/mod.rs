//! Shared test helpers: a fixed clock, models built from events, the real binary, a fake Sentry.
#![allow(dead_code)]

pub mod repo;
pub mod secrets;
pub mod sentry;
pub mod tmux;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use warroom::app::{Effect, Model, Msg, update};
use warroom::checklist::Checklist;
use warroom::clock::Policy;
use warroom::incident::Incident;
use warroom::journal::{Draft, Event, ReadBatch, kinds};
use warroom::keys::Keymap;

/// 2026-11-26 14:00:00 UTC plus `min` minutes.
pub fn t(min: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 14, 0, 0)
        .single()
        .expect("time")
        + chrono::Duration::minutes(min)
}

pub fn opened(priority: &str) -> Event {
    Draft::new(
        kinds::INCIDENT_OPENED,
        format!("Incident opened: {priority} Auth bypass on expired tokens"),
    )
    .field("ticket", "ENG-1234")
    .field("title", "Auth bypass on expired tokens")
    .field("priority", priority)
    .field("detected_at", "2026-11-26T13:50:00.000Z")
    .stamp(t(0))
}

pub fn model(priority: &str, now: DateTime<Utc>) -> Model {
    let checklist = Arc::new(Checklist::builtin().expect("checklist"));
    let inc = Incident::from_events("ENG-1234", checklist, [opened(priority)]);
    let mut m = Model::new(inc, Policy::default(), Keymap::default(), now);
    m.utc = true;
    m
}

pub fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

pub fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

/// Sends a message; appends are stamped at the model's `now` and fed back, as the journal would.
pub fn send(m: &mut Model, msg: Msg) -> Vec<Effect> {
    let effects = update(m, msg);
    for e in &effects {
        if let Effect::Append(d) = e {
            let ev = d.clone().stamp(m.now);
            update(
                m,
                Msg::Journal(ReadBatch {
                    events: vec![ev],
                    warnings: vec![],
                }),
            );
        }
    }
    effects
}

pub fn type_text(m: &mut Model, s: &str) {
    for c in s.chars() {
        send(m, key(c));
    }
}

pub fn appended(effects: &[Effect]) -> Vec<&Draft> {
    effects
        .iter()
        .filter_map(|e| {
            if let Effect::Append(d) = e {
                Some(d)
            } else {
                None
            }
        })
        .collect()
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_warroom"))
}

/// Runs `warroom` with this home and no config from the machine.
pub fn warroom(home: &Path, args: &[&str]) -> Output {
    warroom_in(home, home, args)
}

/// The binary run in `cwd` (a checkout), its record in `home`.
pub fn warroom_in(home: &Path, cwd: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .env("WARROOM_HOME", home)
        .env_remove("WARROOM_CONFIG")
        .env("XDG_CONFIG_HOME", home.join("xdg-config"))
        .current_dir(cwd)
        .output()
        .expect("run warroom")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A pane rendered into a buffer, as text lines.
pub fn render_pane(
    m: &Model,
    w: u16,
    h: u16,
    render: fn(&Model, ratatui::layout::Rect, &mut ratatui::buffer::Buffer),
) -> String {
    let area = ratatui::layout::Rect::new(0, 0, w, h);
    let mut buf = ratatui::buffer::Buffer::empty(area);
    render(m, area, &mut buf);
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}
