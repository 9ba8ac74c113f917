//! The one order of a shared record: merged, read again when a batch arrives late, and
//! read from the nearest mark.

use super::*;
use crate::journal::{Draft, JournalWriter};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .expect("time")
}

fn share(seat: &str) -> Share {
    Share {
        remote: "origin".into(),
        seat: seat.into(),
        by: seat.split('-').next().unwrap_or(seat).into(),
        email: format!("{seat}@example.com"),
        moved: 0,
        backend: Default::default(),
    }
}

fn write(path: &Path, events: &[(&str, &str)]) {
    let w = JournalWriter::new(path);
    for (t, text) in events {
        w.append_event(&Draft::new("note", *text).stamp(at(t)))
            .expect("append");
    }
}

fn refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(t, x)| (t.as_str(), x.as_str())).collect()
}

fn texts(events: &[Event]) -> Vec<String> {
    events.iter().map(|e| e.text.clone()).collect()
}

#[test]
fn seats_merge_in_one_order_whatever_arrives_first() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(dir.path().join(SEATS_DIR)).expect("seats");
    write(
        &dir.path().join(JOURNAL_FILE),
        &[
            ("2026-11-26T14:00:00Z", "a1"),
            ("2026-11-26T14:00:02Z", "a2"),
        ],
    );
    let mut reader = SeatsReader::new(dir.path(), share("alice-0001"));
    let first = reader.read_new().expect("read");
    assert_eq!(texts(&first.events), ["a1", "a2"]);
    assert!(!reader.take_restarted());
    // Bob's batch arrives late and belongs between a1 and a2: the reader starts over.
    write(
        &dir.path().join(SEATS_DIR).join("bob-0002.jsonl"),
        &[
            ("2026-11-26T14:00:01Z", "b1"),
            ("2026-11-26T14:00:03Z", "b2"),
        ],
    );
    let again = reader.read_new().expect("read");
    assert!(reader.take_restarted());
    assert_eq!(texts(&again.events), ["a1", "b1", "a2", "b2"]);
    assert_eq!(again.events[1].str_field("seat"), Some("bob-0002"));
    assert_eq!(again.events[0].str_field("by"), Some("alice"));
    // A later event is simply appended.
    write(
        &dir.path().join(JOURNAL_FILE),
        &[("2026-11-26T14:00:04Z", "a3")],
    );
    let next = reader.read_new().expect("read");
    assert!(!reader.take_restarted());
    assert_eq!(texts(&next.events), ["a3"]);
    assert_eq!(
        texts(&reader.read_range(1, 3).expect("range")),
        ["b1", "a2", "b2"]
    );
    let mut all = Vec::new();
    reader
        .source()
        .each(&mut |ev| {
            all.push(ev.text);
            Ok(())
        })
        .expect("each");
    assert_eq!(all, ["a1", "b1", "a2", "b2", "a3"]);
}

#[test]
fn old_rows_are_read_from_the_nearest_mark_as_the_whole_merge_has_them() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(dir.path().join(SEATS_DIR)).expect("seats");
    let own = dir.path().join(JOURNAL_FILE);
    let bob = dir.path().join(SEATS_DIR).join("bob-0002.jsonl");
    let mut reader = SeatsReader::new(dir.path(), share("alice-0001"));
    // Batches that arrive in order and late, and a clock that steps back on Bob's seat.
    for round in 0..6 {
        let base = 10 * round;
        let a: Vec<(String, String)> = (0..50)
            .map(|i| {
                (
                    format!("2026-11-26T14:{base:02}:{:02}Z", i),
                    format!("a{round}-{i}"),
                )
            })
            .collect();
        let b: Vec<(String, String)> = (0..37)
            .map(|i| {
                let s = if i == 20 { 1 } else { i + 3 };
                (
                    format!("2026-11-26T14:{base:02}:{s:02}.5Z"),
                    format!("b{round}-{i}"),
                )
            })
            .collect();
        write(&own, &refs(&a));
        reader.read_new().expect("read");
        write(&bob, &refs(&b));
        reader.read_new().expect("read");
    }
    // Then batches in order, read as they come: the marks grow with them.
    for round in 0..5 {
        let later: Vec<(String, String)> = (0..30)
            .map(|i| {
                (
                    format!("2026-11-26T15:0{round}:{i:02}Z"),
                    format!("c{round}-{i}"),
                )
            })
            .collect();
        write(if round % 2 == 0 { &own } else { &bob }, &refs(&later));
        reader.read_new().expect("read");
        assert!(!reader.take_restarted() || round == 0);
    }
    let mut whole = Vec::new();
    reader
        .source()
        .each(&mut |ev| {
            whole.push(ev.text);
            Ok(())
        })
        .expect("each");
    assert_eq!(whole.len(), reader.events());
    for (first, count) in [
        (0, 10),
        (63, 5),
        (64, 64),
        (130, 200),
        (500, 30),
        (515, 10),
        (600, 90),
        (660, 10),
    ] {
        let got = texts(&reader.read_range(first, count).expect("range"));
        let end = (first + count).min(whole.len());
        assert_eq!(got, whole[first.min(end)..end], "{first}+{count}");
    }
}

#[test]
fn a_clock_that_steps_back_keeps_its_seats_order() {
    let dir = tempfile::tempdir().expect("dir");
    write(
        &dir.path().join(JOURNAL_FILE),
        &[
            ("2026-11-26T14:00:05Z", "late clock"),
            ("2026-11-26T14:00:01Z", "stepped back"),
        ],
    );
    std::fs::create_dir_all(dir.path().join(SEATS_DIR)).expect("seats");
    write(
        &dir.path().join(SEATS_DIR).join("bob-0002.jsonl"),
        &[("2026-11-26T14:00:03Z", "b")],
    );
    let mut reader = SeatsReader::new(dir.path(), share("alice-0001"));
    let all = reader.read_new().expect("read");
    assert_eq!(texts(&all.events), ["b", "late clock", "stepped back"]);
}

/// Seconds after the first of Alice's 600 events (one every 2 s).
fn stamp(s: i64) -> String {
    (at("2026-11-26T14:00:00Z") + chrono::Duration::seconds(s)).to_rfc3339()
}

/// A shared folder: Alice's journal of 600 notes (`a0`…, 2 s apart), Bob's file with `b0` at 1 s.
fn alice_600_and_bob() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(dir.path().join(SEATS_DIR)).expect("seats");
    let alice: Vec<(String, String)> = (0..600).map(|i| (stamp(2 * i), format!("a{i}"))).collect();
    write(&dir.path().join(JOURNAL_FILE), &refs(&alice));
    let bob = dir.path().join(SEATS_DIR).join("bob-0002.jsonl");
    write(&bob, &[(&stamp(1), "b0")]);
    (dir, bob)
}

#[test]
fn a_late_batch_is_merged_from_the_nearest_rewind_point() {
    let (dir, bob) = alice_600_and_bob();
    let mut reader = SeatsReader::new(dir.path(), share("alice-0001"));
    let first = reader.read_new().expect("read");
    assert_eq!(first.events.len(), 601);
    // Bob's next batch belongs at about event 1,001 s in: after a500, before a501.
    write(&bob, &[(&stamp(1001), "b1")]);
    let late = reader.read_new().expect("read");
    assert!(!reader.take_restarted());
    assert_eq!(reader.take_rewound(), Some(REWIND_EVERY));
    // What the fold keeps before the rewind point and what came, as one read of everything.
    let mut whole = texts(&first.events[..REWIND_EVERY]);
    whole.extend(texts(&late.events));
    let mut fresh = SeatsReader::new(dir.path(), share("alice-0001"));
    let all = fresh.read_new().expect("read");
    assert_eq!(whole, texts(&all.events));
    assert_eq!(
        texts(&reader.read_range(495, 10).expect("range")),
        texts(&fresh.read_range(495, 10).expect("range"))
    );
    assert_eq!(
        reader.state(),
        fresh.state(),
        "the same place to go on from"
    );
    // Before the first rewind point (a seat whose first batch comes late): the whole record
    // again.
    write(
        &dir.path().join(SEATS_DIR).join("carol-0003.jsonl"),
        &[(&stamp(3), "c0")],
    );
    reader.read_new().expect("read");
    assert!(reader.take_restarted());
    assert_eq!(reader.take_rewound(), None);
}

#[test]
fn a_late_batch_soon_after_a_resume_is_merged_from_where_the_fold_began() {
    let (dir, bob) = alice_600_and_bob();
    let mut before = SeatsReader::new(dir.path(), share("alice-0001"));
    let first = before.read_new().expect("read");
    // A console starts from the checkpoint at 601 events (not a multiple of the rewind step).
    let mut reader = SeatsReader::resume(dir.path(), share("alice-0001"), before.state());
    reader.origin_here();
    let more: Vec<(String, String)> = (600..620)
        .map(|i| (stamp(2 * i), format!("a{i}")))
        .collect();
    write(&dir.path().join(JOURNAL_FILE), &refs(&more));
    let second = reader.read_new().expect("read");
    assert_eq!(second.events.len(), 20);
    // Bob's note belongs between a605 and a606: after the start, in the step before it.
    write(&bob, &[(&stamp(1211), "b1")]);
    let late = reader.read_new().expect("read");
    assert!(!reader.take_restarted(), "not the whole record again");
    assert_eq!(reader.take_rewound(), Some(601));
    let mut whole = texts(&first.events);
    whole.extend(texts(&late.events));
    let all = SeatsReader::new(dir.path(), share("alice-0001"))
        .read_new()
        .expect("read");
    assert_eq!(whole, texts(&all.events));
    assert_eq!(whole[607], "b1");
}

#[test]
fn a_late_batch_before_every_kept_event_reads_everything_again() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(dir.path().join(SEATS_DIR)).expect("seats");
    let t0 = at("2026-11-26T14:00:00Z");
    let stamp = |s: i64| (t0 + chrono::Duration::seconds(s)).to_rfc3339();
    let alice: Vec<(String, String)> = (0..512).map(|i| (stamp(i), format!("a{i}"))).collect();
    write(&dir.path().join(JOURNAL_FILE), &refs(&alice));
    let mut reader = SeatsReader::new(dir.path(), share("alice-0001"));
    reader.read_new().expect("read");
    // Resumed from where it stood (a restart): nothing is kept yet.
    let mut resumed = SeatsReader::resume(dir.path(), share("alice-0001"), reader.state());
    write(
        &dir.path().join(SEATS_DIR).join("bob-0002.jsonl"),
        &[(&stamp(300), "b0")],
    );
    let again = resumed.read_new().expect("read");
    assert!(resumed.take_restarted());
    assert_eq!(resumed.take_rewound(), None);
    assert_eq!(again.events.len(), 513);
    assert_eq!(again.events[301].text, "b0");
}
