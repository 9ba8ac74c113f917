//! Shared test helpers: a fixed clock, models built from events, the real binary, a fake Sentry.
#![allow(dead_code)]

pub mod github;
pub mod jira;
pub mod linear;
pub mod nats;
pub mod openapi;
pub mod pagerduty;
pub mod prometheus;
pub mod record;
pub mod repo;
pub mod rollbar;
pub mod seats;
pub mod secrets;
pub mod sentry;
pub mod statuspage;
pub mod teams;
pub mod tmux;
pub mod unleash;

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
    warroom_env(home, cwd, args, &[])
}

/// As [`warroom_in`], with these environment variables set (a secret, say).
pub fn warroom_env(home: &Path, cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(bin())
        .args(args)
        .env("WARROOM_HOME", home)
        .env_remove("WARROOM_CONFIG")
        .env("XDG_CONFIG_HOME", home.join("xdg-config"))
        .envs(env.iter().copied())
        .current_dir(cwd)
        .output()
        .expect("run warroom")
}

/// `warroom open TICKET --priority P --title T --no-console`, which must succeed.
pub fn open_incident(home: &Path, ticket: &str, priority: &str, title: &str) {
    let o = warroom(
        home,
        &[
            "open",
            ticket,
            "--priority",
            priority,
            "--title",
            title,
            "--no-console",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

/// The events of one kind on the record, oldest first (from `warroom export … json`).
pub fn events_of(home: &Path, ticket: &str, kind: &str) -> Vec<serde_json::Value> {
    export_json(home, ticket)["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == kind)
        .cloned()
        .collect()
}

/// `warroom export TICKET --format json`, parsed.
pub fn export_json(home: &Path, ticket: &str) -> serde_json::Value {
    let o = warroom(home, &["export", ticket, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("json")
}

/// A checklist item's status in that export.
pub fn item_status(v: &serde_json::Value, id: &str) -> String {
    v["checklist"]
        .as_array()
        .expect("checklist")
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("item {id}"))["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
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

/// An incident an hour in: milestones, a note, a tick, a waiver, a passed and a failed check.
pub fn busy_model() -> Model {
    let mut m = model("P0", t(62));
    let events = vec![
        Draft::new(kinds::MILESTONE, "On-call engineer alerted")
            .field("milestone", "on_call_alerted")
            .stamp(t(2)),
        Draft::new(
            kinds::NOTE,
            "Expired JWTs accepted by /api/session since the 13:40 deploy",
        )
        .stamp(t(5)),
        Draft::new(kinds::MILESTONE, "Root cause identified")
            .field("milestone", "root_cause_identified")
            .stamp(t(12)),
        Draft::new(
            kinds::CHECKLIST_DONE,
            "Done: Impact scoped: who is affected, and how",
        )
        .field("item", "impact-scoped")
        .stamp(t(14)),
        Draft::new(
            kinds::CHECKLIST_WAIVED,
            "Waived: PR approved by at least one reviewer — CTO on the call",
        )
        .field("item", "pr-approved")
        .field("reason", "CTO on the call")
        .stamp(t(30)),
        Draft::new(kinds::CHECK_FINISHED, "test passed")
            .field("name", "test")
            .field("exit_code", 0)
            .stamp(t(40)),
        Draft::new(kinds::CHECK_FINISHED, "typecheck failed (exit 2)")
            .field("name", "typecheck")
            .field("exit_code", 2)
            .stamp(t(41)),
        Draft::new("ci_pipeline_green", "CI pipeline green").stamp(t(45)),
    ];
    update(
        &mut m,
        Msg::Journal(ReadBatch {
            events,
            warnings: vec![],
        }),
    );
    m
}

/// The whole screen drawn at this size.
pub fn render(m: &Model, w: u16, h: u16) -> ratatui::Terminal<ratatui::backend::TestBackend> {
    let mut term =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).expect("terminal");
    term.draw(|f| warroom::ui::view(m, f)).expect("draw");
    term
}

/// Serves `app` on 127.0.0.1 from a thread and runtime of its own (so sync tests can use it).
pub fn serve(app: axum::Router) -> std::net::SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("rt");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            tx.send(listener.local_addr().expect("addr")).expect("send");
            let _ = axum::serve(listener, app).await;
        });
    });
    rx.recv().expect("addr")
}

/// A request to a stand-in, read whole: method, path, query pairs, headers and body.
pub struct Incoming {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: axum::http::HeaderMap,
    pub bytes: axum::body::Bytes,
}

impl Incoming {
    pub async fn read(req: axum::extract::Request) -> Incoming {
        let query = req
            .uri()
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        Incoming {
            method: req.method().to_string(),
            path: req.uri().path().to_string(),
            query,
            headers: req.headers().clone(),
            bytes: axum::body::to_bytes(req.into_body(), 1 << 20)
                .await
                .unwrap_or_default(),
        }
    }
}
