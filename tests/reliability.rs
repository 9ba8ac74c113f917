//! Bad input of every kind: random keys in every mode, pastes and resizes down to 1×1 into the
//! model and the view; random bytes into the journal, config and checklist readers.

mod common;

use std::sync::Arc;

use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use proptest::prelude::*;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use warroom::app::{Effect, Model, Msg, update};
use warroom::checklist::Checklist;
use warroom::incident::Incident;
use warroom::journal::{Event, ReadBatch};

const KEYS: &[KeyCode] = &[
    KeyCode::Enter,
    KeyCode::Esc,
    KeyCode::Backspace,
    KeyCode::Tab,
    KeyCode::BackTab,
    KeyCode::Up,
    KeyCode::Down,
    KeyCode::Left,
    KeyCode::Right,
    KeyCode::PageUp,
    KeyCode::PageDown,
    KeyCode::Home,
    KeyCode::End,
    KeyCode::Delete,
    KeyCode::F(1),
];
const CHARS: &str = "abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789/?!:-é✓";

fn random_msg(rng: &mut fastrand::Rng) -> Msg {
    match rng.u32(0..100) {
        0..=54 => {
            let chars: Vec<char> = CHARS.chars().collect();
            let c = chars[rng.usize(0..chars.len())];
            let mods = if rng.u32(0..20) == 0 {
                KeyModifiers::CONTROL
            } else {
                KeyModifiers::NONE
            };
            Msg::Key(KeyEvent::new(KeyCode::Char(c), mods))
        }
        55..=84 => Msg::Key(KeyEvent::new(
            KEYS[rng.usize(0..KEYS.len())],
            KeyModifiers::NONE,
        )),
        85..=89 => {
            let len = rng.usize(0..300);
            let s: String = (0..len)
                .map(|_| char::from_u32(rng.u32(0..0x3000)).unwrap_or('?'))
                .collect();
            Msg::Paste(s)
        }
        90..=94 => Msg::Resize(rng.u16(1..220), rng.u16(1..70)),
        _ => Msg::Tick(t(0) + chrono::Duration::seconds(rng.i64(0..20_000))),
    }
}

/// Feeds `n` random messages; appends are stamped and read back as the journal would.
/// Returns the journal so far.
fn run(seed: u64, n: usize) -> (Model, Vec<Event>) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut m = model("P0", t(1));
    let mut journal = vec![opened("P0")];
    let mut clock = t(1);
    for i in 0..n {
        let msg = random_msg(&mut rng);
        if let Msg::Tick(at) = &msg {
            clock = clock.max(*at);
        }
        for effect in update(&mut m, msg) {
            match effect {
                Effect::Append(d) => {
                    clock += chrono::Duration::milliseconds(1);
                    let ev = d.stamp(clock);
                    journal.push(ev.clone());
                    update(
                        &mut m,
                        Msg::Journal(ReadBatch {
                            events: vec![ev],
                            warnings: vec![],
                        }),
                    );
                }
                Effect::Quit => m.quitting = false,
                _ => {}
            }
        }
        if i % 97 == 0 {
            let (w, h) = (rng.u16(1..200), rng.u16(1..60));
            let area = Rect::new(0, 0, w, h);
            let mut buf = Buffer::empty(area);
            warroom::ui::draw(&m, area, &mut buf);
        }
    }
    (m, journal)
}

#[test]
fn a_hundred_thousand_random_inputs_never_panic_and_the_record_rebuilds_the_model() {
    let mut total_events = 0;
    for seed in 0..10u64 {
        let (m, journal) = run(seed, 10_000);
        total_events += journal.len();
        let replayed = Incident::from_events(
            "ENG-1234",
            Arc::new(Checklist::builtin().expect("c")),
            journal,
        );
        assert_eq!(
            replayed, m.incident,
            "seed {seed}: the journal replayed differs from the live model"
        );
    }
    assert!(
        total_events > 200,
        "the random input did record things: {total_events} events"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_journal_reader_survives_any_bytes(lines in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..200), 0..30), tail in proptest::collection::vec(any::<u8>(), 0..50)) {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("journal.jsonl");
        let mut bytes = Vec::new();
        for l in &lines {
            bytes.extend(l.iter().filter(|b| **b != b'\n'));
            bytes.push(b'\n');
        }
        bytes.extend(&tail);
        std::fs::write(&path, &bytes).expect("write");
        let batch = warroom::journal::file::read_all(&path).expect("read");
        let pieces = bytes.split(|b| *b == b'\n').count();
        prop_assert!(batch.events.len() + batch.warnings.len() <= pieces);
    }

    #[test]
    fn valid_events_survive_garbage_around_them(garbage in "[^\n]{0,80}", text in "\\PC{0,60}") {
        let dir = tempfile::tempdir().expect("tmp");
        let w = warroom::journal::JournalWriter::new(dir.path().join("journal.jsonl"));
        std::fs::write(w.path(), format!("{garbage}\n")).expect("write");
        w.append(warroom::journal::Draft::new("note", text.clone())).expect("append");
        let batch = warroom::journal::file::read_all(w.path()).expect("read");
        prop_assert!(batch.events.iter().any(|e| e.kind.as_str() == "note"));
    }

    #[test]
    fn the_config_reader_survives_any_text(text in "\\PC{0,400}") {
        let _ = warroom::config::Config::parse(&text, "fuzz.toml");
    }

    #[test]
    fn the_config_reader_survives_toml_shaped_text(
        section in prop::sample::select(vec!["sla", "cadence", "ui", "keys", "deploy", "sentry", "git", "commands", "smoke", "checks", "logs"]),
        key in "[a-zA-Z_]{1,12}",
        value in prop::sample::select(vec!["\"30s\"", "\"off\"", "true", "3", "-1", "\"\"", "[]", "{}", "\"x y\"", "1e99", "\"ctrl-\""]),
    ) {
        let text = format!("[{section}]\n{key} = {value}\n");
        if let Err(e) = warroom::config::Config::parse(&text, "fuzz.toml") {
            prop_assert!(!e.message.is_empty());
        }
        let arr = format!("[[{section}]]\nname = \"x\"\n{key} = {value}\n");
        let _ = warroom::config::Config::parse(&arr, "fuzz.toml");
    }

    #[test]
    fn the_checklist_reader_survives_any_text(text in "\\PC{0,300}") {
        let _ = Checklist::parse(&text, "fuzz.toml");
    }
}
