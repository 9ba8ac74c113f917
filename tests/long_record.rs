//! A record whose cost does not grow with its length: the checkpoint beside the journal is an
//! optimisation only (a fold from it and the tail equals the fold of the whole journal, and a
//! bad one is ignored and rebuilt), the timeline reads old rows through the journal's index, and
//! the review of a long incident stays readable while the data exports hold every event.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use crossterm::event::KeyCode;
use proptest::prelude::*;
use tokio::sync::mpsc;

use common::{code, warroom, warroom_env};
use warroom::app::{Model, Msg, Pane, update};
use warroom::checklist::Checklist;
use warroom::clock::Policy;
use warroom::console::Executor;
use warroom::incident::{Incident, Record, checkpoint};
use warroom::journal::{Draft, Event, JournalReader, JournalWriter, kinds};
use warroom::keys::Keymap;
use warroom::output::Redactor;

fn t0() -> DateTime<Utc> {
    "2026-11-26T09:00:00Z".parse().expect("t0")
}

fn checklist() -> Arc<Checklist> {
    Arc::new(Checklist::builtin().expect("checklist"))
}

fn opened(ticket: &str) -> Event {
    Draft::new(kinds::INCIDENT_OPENED, "Incident opened")
        .field("ticket", ticket)
        .field("title", "A long incident")
        .field("priority", "P1")
        .stamp(t0())
}

/// Writes events as journal lines, the way a writer does, without an fsync per line.
fn write_journal(path: &Path, events: &[Event]) {
    std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
    let mut f = std::io::BufWriter::new(
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("open"),
    );
    for ev in events {
        serde_json::to_writer(&mut f, ev).expect("json");
        f.write_all(b"\n").expect("write");
    }
    f.flush().expect("flush");
}

/// `n` notes after the opening line, each naming its number: `row 0000042`.
fn numbered(n: usize) -> Vec<Event> {
    std::iter::once(opened("LONG-1"))
        .chain((1..n).map(|i| {
            Draft::new(kinds::NOTE, format!("row {i:07}"))
                .stamp(t0() + Duration::milliseconds(i as i64 * 10))
        }))
        .collect()
}

fn full_fold(path: &Path, ticket: &str) -> Incident {
    let mut reader = JournalReader::new(path);
    Incident::load(&mut reader, ticket, checklist())
        .expect("fold")
        .0
}

fn journal_in(dir: &Path) -> PathBuf {
    dir.join("incidents").join("LONG-1").join("journal.jsonl")
}

/// Events that move every part of the fold.
fn any_event() -> impl Strategy<Value = (usize, String, i64)> {
    let items = [
        "impact-scoped",
        "on-call-alerted",
        "test-suite",
        "hotfix-branch",
        "root-cause",
    ];
    (0usize..14, prop::sample::select(items.to_vec()), 0i64..3)
        .prop_map(|(k, item, n)| (k, item.to_string(), n))
}

fn event_of((k, item, n): &(usize, String, i64), i: usize) -> Event {
    let at = t0() + Duration::seconds(i as i64 * 7);
    let d = match k {
        0 => Draft::new(kinds::NOTE, format!("note {i}")),
        1 => Draft::new(kinds::CHECKLIST_DONE, "done").field("item", item.as_str()),
        2 => Draft::new(kinds::CHECKLIST_REOPENED, "reopened").field("item", item.as_str()),
        3 => Draft::new(kinds::CHECKLIST_WAIVED, "waived")
            .field("item", item.as_str())
            .field("reason", "time"),
        4 => Draft::new(kinds::MILESTONE, "Root cause identified")
            .field("milestone", "root_cause_identified"),
        5 => Draft::new(kinds::DEPLOY_STARTED, "deploy").field("command", "./deploy.sh"),
        6 => Draft::new(kinds::DEPLOY_FINISHED, "deploy finished").field("exit_code", *n),
        7 => Draft::new(kinds::PRIORITY_CHANGED, "priority")
            .field("from", "P1")
            .field("to", format!("P{n}")),
        8 => Draft::new(kinds::ERROR_RATE, "verdict")
            .field("deploy_at", format!("d{n}"))
            .field("verdict", if *n == 0 { "dropped" } else { "rose" }),
        9 => Draft::new(kinds::SENTRY_ISSUE, "issue").field("id", format!("{n}")),
        10 => Draft::new(kinds::GIT_BRANCH_CREATED, "branch")
            .field("branch", format!("hotfix/{n}"))
            .field("commit", "abc1234"),
        11 => Draft::new(kinds::STATUS_UPDATE, "status"),
        12 => Draft::new("x_ci_step", format!("ci {n}")),
        _ => Draft::new(kinds::MILESTONE, "Verified resolved")
            .field("milestone", "verified_resolved"),
    };
    d.stamp(at)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn a_checkpoint_and_its_tail_fold_as_the_whole_journal(
        events in prop::collection::vec(any_event(), 1..120),
        cut in 0usize..120,
    ) {
        let dir = tempfile::tempdir().expect("tmp");
        let path = journal_in(dir.path());
        let all: Vec<Event> = std::iter::once(opened("LONG-1"))
            .chain(events.iter().enumerate().map(|(i, e)| event_of(e, i + 1)))
            .collect();
        let cut = cut.min(all.len());
        write_journal(&path, &all[..cut]);
        if cut > 0 {
            let mut reader = JournalReader::new(&path);
            let (prefix, _) = Incident::load(&mut reader, "LONG-1", checklist()).expect("fold");
            checkpoint::save(&path, &prefix, reader.position());
        }
        write_journal(&path, &all[cut..]);
        prop_assert_eq!(
            checkpoint::load(&path, "LONG-1", &checklist()).is_some(),
            cut > 0,
            "the checkpoint of the prefix still matches the grown journal"
        );
        let resumed = Record::open(&path, "LONG-1", checklist()).expect("open");
        let whole = full_fold(&path, "LONG-1");
        prop_assert_eq!(&resumed.incident, &whole);
        prop_assert_eq!(&resumed.incident, &Incident::from_events("LONG-1", checklist(), all.clone()));
        let mut reader = JournalReader::new(&path);
        reader.read_each(|_| {}).expect("read");
        prop_assert_eq!(resumed.reader.position(), Some(reader.position()), "the index goes on where it stopped");
    }
}

/// A journal longer than a checkpoint's stride, its checkpoint, and the fold of the whole.
fn long_journal() -> (tempfile::TempDir, PathBuf, Incident) {
    let dir = tempfile::tempdir().expect("tmp");
    let path = journal_in(dir.path());
    write_journal(&path, &numbered(checkpoint::EVERY + 500));
    let whole = full_fold(&path, "LONG-1");
    (dir, path, whole)
}

fn assert_rebuilt(path: &Path, whole: &Incident, what: &str) {
    let rec = Record::open(path, "LONG-1", checklist()).expect("open");
    assert_eq!(
        &rec.incident, whole,
        "{what}: the fold is the whole journal's"
    );
    let (again, _) = checkpoint::load(path, "LONG-1", &checklist())
        .unwrap_or_else(|| panic!("{what}: a new checkpoint was written"));
    assert_eq!(&again, whole, "{what}: the new checkpoint holds the fold");
}

#[test]
fn a_missing_corrupt_truncated_or_foreign_checkpoint_is_ignored_and_rebuilt() {
    let (dir, path, whole) = long_journal();
    let cp = checkpoint::path_for(&path);
    assert_rebuilt(&path, &whole, "no checkpoint");
    let good = std::fs::read(&cp).expect("checkpoint");

    std::fs::write(&cp, b"{\"version\": 7, garbage").expect("corrupt");
    assert_rebuilt(&path, &whole, "corrupt");

    std::fs::write(&cp, &good[..good.len() / 2]).expect("truncate");
    assert_rebuilt(&path, &whole, "truncated");

    let text = String::from_utf8(good.clone()).expect("utf8");
    std::fs::write(&cp, text.replacen("/fold-11", "/fold-0", 1)).expect("version");
    assert!(checkpoint::load(&path, "LONG-1", &checklist()).is_none());
    assert_rebuilt(&path, &whole, "another version");

    // Another incident's checkpoint copied beside this journal.
    let other = dir.path().join("incidents/OTHER-2/journal.jsonl");
    let mut events = numbered(checkpoint::EVERY + 10);
    events[0] = opened("OTHER-2");
    write_journal(&other, &events);
    Record::open(&other, "OTHER-2", checklist()).expect("other");
    std::fs::copy(checkpoint::path_for(&other), &cp).expect("copy");
    assert!(checkpoint::load(&path, "LONG-1", &checklist()).is_none());
    assert_rebuilt(&path, &whole, "another incident's");

    // A checklist of the repository's own makes the old fold's ticks meaningless.
    let mut fewer = Checklist::builtin().expect("c");
    fewer.phases.truncate(2);
    assert!(checkpoint::load(&path, "LONG-1", &Arc::new(fewer)).is_none());

    // The journal rewritten under the checkpoint, to the same length.
    std::fs::write(&cp, &good).expect("restore");
    let bytes = std::fs::read(&path).expect("journal");
    let mut edited = bytes.clone();
    let at = bytes
        .windows(11)
        .position(|w| w == b"row 0000001")
        .expect("row 1");
    edited[at + 10] = b'9';
    std::fs::write(&path, &edited).expect("edit");
    let rec = Record::open(&path, "LONG-1", checklist()).expect("open");
    assert_eq!(
        rec.incident,
        full_fold(&path, "LONG-1"),
        "the edit is folded"
    );
    std::fs::write(&path, &bytes).expect("put back");

    // The journal cut shorter than what the checkpoint covers.
    Record::open(&path, "LONG-1", checklist()).expect("open");
    let shorter = &bytes[..bytes.len() - 2000];
    let shorter = &shorter[..=shorter.iter().rposition(|b| *b == b'\n').expect("line")];
    std::fs::write(&path, shorter).expect("cut");
    assert!(checkpoint::load(&path, "LONG-1", &checklist()).is_none());
    let rec = Record::open(&path, "LONG-1", checklist()).expect("open");
    assert_eq!(rec.incident, full_fold(&path, "LONG-1"));
}

fn stdout_json(o: &std::process::Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("json")
}

#[test]
fn a_kill_while_the_checkpoint_is_written_loses_nothing() {
    let home = tempfile::tempdir().expect("tmp");
    let path = journal_in(home.path());
    write_journal(&path, &numbered(checkpoint::EVERY + 300));
    let cp = checkpoint::path_for(&path);
    let dir = path.parent().expect("dir").to_path_buf();
    let temps = || {
        std::fs::read_dir(&dir)
            .expect("dir")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp"))
            .count()
    };
    for round in 0..2 {
        let journal = std::fs::read(&path).expect("journal");
        let mut child = std::process::Command::new(common::bin())
            .args(["export", "LONG-1", "--format", "json"])
            .env("WARROOM_HOME", home.path())
            .env("WARROOM_CHECKPOINT_STALL_MS", "5000")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while temps() == 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "round {round}: no write began"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        child.kill().expect("kill -9");
        child.wait().expect("wait");
        assert!(
            std::fs::read(&path).expect("journal") == journal,
            "round {round}: the journal is untouched"
        );
        if round == 0 {
            assert!(!cp.exists(), "no half checkpoint was put in place");
        } else {
            assert!(
                checkpoint::load(&path, "LONG-1", &checklist()).is_some(),
                "the previous checkpoint is whole"
            );
        }
        let resumed = stdout_json(&warroom(
            home.path(),
            &["export", "LONG-1", "--format", "json"],
        ));
        assert_eq!(
            resumed["events"].as_array().map(Vec::len),
            Some(journal_lines(&journal))
        );
        std::fs::remove_file(&cp).expect("remove the checkpoint");
        let from_scratch = stdout_json(&warroom(
            home.path(),
            &["export", "LONG-1", "--format", "json"],
        ));
        assert_eq!(
            resumed, from_scratch,
            "round {round}: the checkpoint changed nothing"
        );
        if round == 0 {
            // Next round: a whole checkpoint is there, and the journal has grown past it.
            Record::open(&path, "LONG-1", checklist()).expect("checkpoint");
            let more = numbered(2 * checkpoint::EVERY + 300);
            write_journal(&path, &more[checkpoint::EVERY + 300..]);
        }
    }
}

fn journal_lines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| **b == b'\n').count()
}

/// The console's model and executor over the journal at `path`, as `console::prepare` makes them.
fn console(path: &Path) -> (Model, Executor) {
    let rec = Record::open(path, "LONG-1", checklist()).expect("open");
    let mut m = Model::new(
        rec.incident,
        Policy::default(),
        Keymap::default(),
        Utc::now(),
    );
    m.size = (120, 40);
    let (tx, _rx) = mpsc::channel(8);
    let ex = Executor::new(
        JournalWriter::new(path),
        rec.reader,
        path.parent().expect("dir").to_path_buf(),
        Arc::new(Redactor::new(vec![])),
        tx,
    );
    (m, ex)
}

/// Sends a message and performs what it asks, as the loop does, until nothing follows.
fn drive(m: &mut Model, ex: &mut Executor, msg: Msg) {
    let mut queue = vec![msg];
    while let Some(msg) = queue.pop() {
        for effect in update(m, msg) {
            queue.extend(ex.perform(effect, m));
        }
    }
}

fn timeline_rows(m: &Model) -> Vec<String> {
    let term = common::render(m, 120, 40);
    let buf = term.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
        })
        .filter_map(|row| {
            let at = row.find("row ")?;
            Some(row[at..at + 11].to_string())
        })
        .collect()
}

#[test]
fn the_timeline_of_a_million_events_shows_the_right_rows_at_any_depth() {
    const N: usize = 1_000_000;
    let dir = tempfile::tempdir().expect("tmp");
    let path = journal_in(dir.path());
    write_journal(&path, &numbered(N));
    let (mut m, mut ex) = console(&path);
    assert_eq!(m.incident.count, N);
    assert!(
        m.incident.recent.len() < 1000,
        "the fold keeps only the newest events"
    );
    m.focus = Pane::Timeline;
    drive(&mut m, &mut ex, Msg::Resize(120, 40));

    let newest = timeline_rows(&m);
    assert_eq!(newest.last().map(String::as_str), Some("row 0999999"));
    let height = newest.len();
    assert!(height >= 5, "{newest:?}");

    drive(&mut m, &mut ex, code(KeyCode::Home));
    let oldest = timeline_rows(&m);
    // Event 0 is the opening line; the notes start at 1.
    assert_eq!(
        oldest.first().map(String::as_str),
        Some("row 0000001"),
        "{oldest:?}"
    );
    assert_eq!(oldest.len(), height - 1);

    m.timeline.from_bottom = N / 2;
    drive(&mut m, &mut ex, Msg::Resize(120, 40));
    let middle = timeline_rows(&m);
    let last = N / 2 - 1;
    assert_eq!(
        middle.last().cloned(),
        Some(format!("row {last:07}")),
        "{middle:?}"
    );
    assert_eq!(
        middle.first().cloned(),
        Some(format!("row {:07}", last + 1 - height))
    );
    let numbers: Vec<usize> = middle
        .iter()
        .map(|r| r[4..].parse().expect("number"))
        .collect();
    assert!(
        numbers.windows(2).all(|w| w[1] == w[0] + 1),
        "consecutive rows"
    );
    assert!(
        m.timeline.page.events.len() <= 3 * 40,
        "a few screens are read, not the journal"
    );
}

#[test]
fn a_long_review_lists_both_ends_and_the_data_exports_hold_every_event() {
    let home = tempfile::tempdir().expect("tmp");
    let path = journal_in(home.path());
    let mut events = numbered(3000);
    let at = events.last().expect("last").at;
    events.extend(
        (0..400).map(|i| {
            Draft::new("x_ci_step", "CI step passed").stamp(at + Duration::seconds(i + 1))
        }),
    );
    write_journal(&path, &events);
    let o = warroom(home.path(), &["export", "LONG-1", "--format", "pir"]);
    let pir = String::from_utf8(o.stdout).expect("utf8");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = pir.lines().filter(|l| l.contains("| row ")).count();
    assert!(
        rows <= 2 * warroom::export::rows::TIMELINE_KEEP,
        "{rows} rows"
    );
    assert!(
        pir.contains("row 0000001") && pir.contains("row 0002999"),
        "both ends"
    );
    assert!(
        pir.contains("more rows are not listed here") && pir.contains("note ×"),
        "the gap is said, with what it holds"
    );
    assert!(
        pir.contains("CI step passed (×400"),
        "identical events are one row with their count"
    );
    let csv = warroom(home.path(), &["export", "LONG-1", "--format", "timeline"]);
    assert_eq!(
        journal_lines(&csv.stdout),
        events.len() + 1,
        "timeline.csv: a header and every event"
    );
    let json = stdout_json(&warroom(
        home.path(),
        &["export", "LONG-1", "--format", "json"],
    ));
    assert_eq!(json["events"].as_array().map(Vec::len), Some(events.len()));
    let out = home.path().join("out.json");
    let o = warroom_env(
        home.path(),
        home.path(),
        &[
            "export",
            "LONG-1",
            "--format",
            "json",
            "--out",
            out.to_str().expect("path"),
        ],
        &[],
    );
    assert!(o.status.success());
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).expect("out")).expect("json");
    assert_eq!(written, json, "--out writes what stdout shows");
}

/// A shared incident: this seat's journal and Bob's file, with a share file beside them.
fn shared_incident(dir: &Path, events: usize) -> PathBuf {
    let journal = journal_in(dir);
    let folder = journal.parent().expect("folder").to_path_buf();
    write_journal(&journal, &numbered(events));
    let bob: Vec<Event> = (0..events / 2)
        .map(|i| {
            Draft::new(kinds::NOTE, format!("bob {i:07}"))
                .field("by", "Bob")
                .field("seat", "bob-0002")
                .stamp(t0() + Duration::milliseconds(i as i64 * 20 + 5))
        })
        .collect();
    write_journal(&folder.join("seats").join("bob-0002.jsonl"), &bob);
    warroom::journal::Share {
        remote: "origin".into(),
        seat: "alice-0001".into(),
        by: "Alice".into(),
        email: String::new(),
        moved: 0,
        backend: Default::default(),
    }
    .save(&folder)
    .expect("share");
    journal
}

#[test]
fn a_shared_incident_resumes_from_its_checkpoint_and_a_late_batch_folds_it_again() {
    let dir = tempfile::tempdir().expect("dir");
    let journal = shared_incident(dir.path(), 30_000);
    // 45,000 events folded: the open leaves a checkpoint of every seat's position.
    let first = Record::open(&journal, "LONG-1", checklist()).expect("open");
    assert_eq!(first.reader.events(), 45_000);
    let cp = checkpoint::path_for(&journal);
    assert!(cp.exists(), "a long shared fold leaves a checkpoint");
    // Planted in the checkpoint: a resumed fold shows it, a fold from the start cannot.
    let text = std::fs::read_to_string(&cp).expect("read");
    std::fs::write(&cp, text.replace("A long incident", "FROM THE CHECKPOINT")).expect("plant");
    let later = |i: i64| t0() + Duration::hours(2) + Duration::seconds(i);
    write_journal(
        &journal,
        &[Draft::new(kinds::NOTE, "alice later").stamp(later(1))],
    );
    let resumed = Record::open(&journal, "LONG-1", checklist()).expect("open");
    assert_eq!(
        resumed.incident.title, "FROM THE CHECKPOINT",
        "resumed, not folded again"
    );
    assert_eq!(resumed.reader.events(), 45_001);
    let top = resumed.reader.read_range(45_000, 1).expect("range");
    assert_eq!(top[0].text, "alice later");
    // A batch of Bob's that arrives late: Bob's seat keeps its own order, so it comes after
    // Bob's last event, which is before Alice's last in the checkpoint: folded from the start.
    let bob = journal
        .parent()
        .expect("f")
        .join("seats")
        .join("bob-0002.jsonl");
    write_journal(
        &bob,
        &[Draft::new(kinds::NOTE, "bob, late")
            .field("by", "Bob")
            .field("seat", "bob-0002")
            .stamp(t0() + Duration::milliseconds(3))],
    );
    let again = Record::open(&journal, "LONG-1", checklist()).expect("open");
    assert_eq!(again.incident.title, "A long incident");
    assert_eq!(again.reader.events(), 45_002);
    let newest = again.reader.read_range(44_999, 3).expect("range");
    assert_eq!(
        texts_of(&newest),
        ["bob, late", "row 0029999", "alice later"]
    );
    // Bob's file cut short (a crash repaired): the checkpoint does not cover it; folded whole.
    let bytes = std::fs::read(&bob).expect("bob");
    std::fs::write(&bob, &bytes[..bytes.len() / 2]).expect("cut");
    let cut = Record::open(&journal, "LONG-1", checklist()).expect("open");
    assert_eq!(cut.incident.title, "A long incident");
    assert!(cut.reader.events() < 45_000);
}

fn texts_of(events: &[Event]) -> Vec<&str> {
    events.iter().map(|e| e.text.as_str()).collect()
}
