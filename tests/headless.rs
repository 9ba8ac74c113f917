//! The real loop, headless: keys through the channel, the real journal, the real file watcher.

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use common::{code, key};
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;
use warroom::app::{Effect, Model, Msg, update};
use warroom::checklist::Checklist;
use warroom::clock::Policy;
use warroom::console::sources::watch_journal;
use warroom::console::{Executor, run_loop};
use warroom::incident::Incident;
use warroom::journal::file::read_all;
use warroom::journal::{Draft, JournalReader, JournalWriter, Store, kinds};
use warroom::keys::Keymap;
use warroom::output::Redactor;

fn setup() -> (
    tempfile::TempDir,
    Store,
    Model,
    Executor,
    mpsc::Sender<Msg>,
    mpsc::Receiver<Msg>,
) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::new(dir.path());
    let opened = Draft::new(kinds::INCIDENT_OPENED, "opened")
        .field("ticket", "ENG-9")
        .field("title", "Payments down")
        .field("priority", "P1")
        .stamp(Utc::now());
    let writer = store.create("ENG-9", &opened).expect("create");
    let mut reader = JournalReader::new(store.journal_path("ENG-9"));
    let batch = reader.read_new().expect("read");
    let inc = Incident::from_events(
        "ENG-9",
        Arc::new(Checklist::builtin().expect("c")),
        batch.events,
    );
    let model = Model::new(inc, Policy::default(), Keymap::default(), Utc::now());
    let (tx, rx) = mpsc::channel(64);
    let io = Executor::new(
        writer,
        warroom::journal::Reader::One(reader),
        store.incident_dir("ENG-9"),
        Arc::new(Redactor::new(vec![])),
        tx.clone(),
    );
    (dir, store, model, io, tx, rx)
}

fn screen(term: &Terminal<TestBackend>) -> String {
    let buf = term.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                + "\n"
        })
        .collect()
}

#[tokio::test]
async fn keys_reach_the_journal_and_the_screen() {
    let (_dir, store, mut model, mut io, tx, mut rx) = setup();
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("term");
    for msg in [key(' '), key('n')] {
        tx.send(msg).await.expect("send");
    }
    for c in "pods restarted".chars() {
        tx.send(key(c)).await.expect("send");
    }
    tx.send(code(KeyCode::Enter)).await.expect("send");
    tx.send(key('q')).await.expect("send");
    run_loop(&mut term, &mut model, &mut io, &mut rx)
        .await
        .expect("loop");

    let events = read_all(&store.journal_path("ENG-9")).expect("read").events;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["incident_opened", "checklist_done", "note"]);
    assert_eq!(events[1].str_field("item"), Some("on-call-alerted"));
    assert_eq!(
        model.incident.count, 3,
        "the model holds what the journal holds"
    );
    term.draw(|f| warroom::ui::view(&model, f)).expect("draw");
    let s = screen(&term);
    assert!(
        s.contains("pods restarted") && s.contains("[x] On-call engineer alerted"),
        "{s}"
    );
}

#[tokio::test]
async fn another_process_appending_shows_up_through_the_watcher() {
    let (_dir, store, mut model, mut io, tx, mut rx) = setup();
    let _watcher = watch_journal(&store.incident_dir("ENG-9"), tx.clone()).expect("watch");
    let other = JournalWriter::new(store.journal_path("ENG-9"));
    let handle = tokio::spawn(async move {
        let mut term = Terminal::new(TestBackend::new(120, 40)).expect("term");
        run_loop(&mut term, &mut model, &mut io, &mut rx)
            .await
            .expect("loop");
        (model, term)
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    other
        .append(Draft::new(kinds::NOTE, "from the CI pipeline"))
        .expect("append");
    other
        .append(Draft::new(kinds::DEPLOY_FINISHED, "deploy ok").field("exit_code", 0))
        .expect("append");
    tokio::time::sleep(Duration::from_millis(700)).await;
    tx.send(Msg::Quit { exit: 0 }).await.expect("send");
    let (model, term) = handle.await.expect("join");
    assert_eq!(model.incident.count, 3);
    assert!(model.incident.deployed_at.is_some());
    let s = screen(&term);
    assert!(
        s.contains("from the CI pipeline") && s.contains("Deployed in"),
        "{s}"
    );
}

#[tokio::test]
async fn a_failed_append_is_said_and_shows_nothing_as_done() {
    let (dir, store, mut model, mut io, tx, mut rx) = setup();
    // Make the journal unwritable by replacing it with a directory.
    let path = store.journal_path("ENG-9");
    std::fs::remove_file(&path).expect("rm");
    std::fs::create_dir(&path).expect("dir");
    tx.send(key(' ')).await.expect("send");
    tx.send(key('q')).await.expect("send");
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("term");
    run_loop(&mut term, &mut model, &mut io, &mut rx)
        .await
        .expect("loop");
    assert!(
        model
            .status
            .as_ref()
            .is_some_and(|s| s.text.starts_with("NOT RECORDED")),
        "{:?}",
        model.status
    );
    assert_eq!(model.incident.marks.get("on-call-alerted"), None);
    drop(dir);
}

#[tokio::test]
async fn a_journal_that_shrinks_is_folded_again_from_its_start() {
    let (_dir, store, mut model, mut io, _tx, _rx) = setup();
    let path = store.journal_path("ENG-9");
    let other = JournalWriter::new(&path);
    for text in ["first", "second", "third"] {
        other.append(Draft::new(kinds::NOTE, text)).expect("append");
    }
    let apply = |model: &mut Model, io: &mut Executor| {
        for msg in io.perform(Effect::ReadJournal, model) {
            for e in update(model, msg) {
                assert!(!matches!(e, Effect::Append(_)), "{e:?}");
            }
        }
    };
    apply(&mut model, &mut io);
    assert_eq!(model.incident.count, 4);
    // Restored from a backup: the opening line and one other note.
    let text = std::fs::read_to_string(&path).expect("read");
    let opened = text.lines().next().expect("opened").to_string();
    std::fs::write(&path, format!("{opened}\n")).expect("rewrite");
    other
        .append(Draft::new(kinds::NOTE, "from the backup"))
        .expect("append");
    apply(&mut model, &mut io);
    let whole = Incident::from_events(
        "ENG-9",
        model.incident.checklist.clone(),
        read_all(&path).expect("read").events,
    );
    assert_eq!(
        model.incident, whole,
        "the fold is the new journal's, not both"
    );
    assert_eq!(model.incident.count, 2);
}
