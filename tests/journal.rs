//! The journal on real files: torn tails, garbage lines, unknown kinds, size.

use std::fs::OpenOptions;
use std::io::Write;

use warroom::journal::file::read_all;
use warroom::journal::{Draft, JournalReader, JournalWriter, kinds};

fn journal() -> (tempfile::TempDir, JournalWriter) {
    let dir = tempfile::tempdir().expect("tmp");
    let w = JournalWriter::new(dir.path().join("journal.jsonl"));
    (dir, w)
}

fn raw_append(w: &JournalWriter, bytes: &[u8]) {
    let mut f = OpenOptions::new()
        .append(true)
        .create(true)
        .open(w.path())
        .expect("open");
    f.write_all(bytes).expect("write");
}

#[test]
fn appends_are_whole_lines_read_back_in_order() {
    let (_d, w) = journal();
    for i in 0..20 {
        w.append(Draft::new(kinds::NOTE, format!("note {i}")).field("n", i))
            .expect("append");
    }
    let text = std::fs::read_to_string(w.path()).expect("read");
    assert_eq!(text.lines().count(), 20);
    assert!(text.ends_with('\n'));
    let batch = read_all(w.path()).expect("read");
    assert!(batch.warnings.is_empty());
    let ns: Vec<i64> = batch
        .events
        .iter()
        .filter_map(|e| e.i64_field("n"))
        .collect();
    assert_eq!(ns, (0..20).collect::<Vec<_>>());
}

#[test]
fn a_torn_last_line_is_skipped_with_a_warning_and_repaired_by_the_next_append() {
    let (_d, w) = journal();
    w.append(Draft::new(kinds::NOTE, "before the crash"))
        .expect("append");
    raw_append(&w, br#"{"at":"2026-11-26T14:00:00Z","kind":"note","te"#);

    let mut reader = JournalReader::new(w.path());
    let batch = reader.read_new().expect("read");
    assert_eq!(batch.events.len(), 1);
    assert_eq!(batch.warnings.len(), 1);
    assert!(
        batch.warnings[0].contains("line 2 is incomplete"),
        "{:?}",
        batch.warnings
    );
    // Reading again without a change does not repeat the warning.
    assert!(reader.read_new().expect("read").warnings.is_empty());

    w.append(Draft::new(kinds::NOTE, "after the resume"))
        .expect("append");
    let batch = reader.read_new().expect("read");
    assert_eq!(batch.events.len(), 1, "{:?}", batch.warnings);
    assert_eq!(batch.events[0].text, "after the resume");
    assert!(batch.warnings[0].contains("line 2 is not a valid event"));

    let all = read_all(w.path()).expect("read");
    let texts: Vec<&str> = all.events.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(texts, ["before the crash", "after the resume"]);
}

#[test]
fn a_garbage_line_in_the_middle_loses_nothing_else() {
    let (_d, w) = journal();
    w.append(Draft::new(kinds::NOTE, "one")).expect("append");
    raw_append(&w, b"\x00\xffnot json at all\n");
    w.append(Draft::new(kinds::NOTE, "three")).expect("append");
    let batch = read_all(w.path()).expect("read");
    assert_eq!(batch.events.len(), 2);
    assert_eq!(batch.warnings.len(), 1);
    assert!(batch.warnings[0].starts_with("journal line 2 is not a valid event"));
}

#[test]
fn a_zero_length_journal_reads_as_empty() {
    let (_d, w) = journal();
    std::fs::write(w.path(), b"").expect("write");
    let batch = read_all(w.path()).expect("read");
    assert!(batch.events.is_empty() && batch.warnings.is_empty());
}

#[test]
fn lines_from_a_newer_version_are_kept() {
    let (_d, w) = journal();
    raw_append(
        &w,
        br#"{"at":"2026-11-26T14:00:00Z","kind":"hologram_projected","text":"new thing","intensity":7,"nested":{"a":[1,2]}}
"#,
    );
    let batch = read_all(w.path()).expect("read");
    assert!(batch.warnings.is_empty());
    let ev = &batch.events[0];
    assert_eq!(ev.kind.as_str(), "hologram_projected");
    assert_eq!(ev.fields["nested"]["a"][1], 2);
    // Written back out, the unknown fields survive.
    let line = serde_json::to_string(ev).expect("json");
    assert!(line.contains(r#""intensity":7"#) && line.contains(r#""nested":{"a":[1,2]}"#));
}

#[test]
fn the_reader_follows_growth_and_notices_a_shrink() {
    let (_d, w) = journal();
    let mut reader = JournalReader::new(w.path());
    w.append(Draft::new(kinds::NOTE, "a")).expect("append");
    assert_eq!(reader.read_new().expect("r").events.len(), 1);
    assert_eq!(reader.read_new().expect("r").events.len(), 0);
    w.append(Draft::new(kinds::NOTE, "b")).expect("append");
    w.append(Draft::new(kinds::NOTE, "c")).expect("append");
    assert_eq!(reader.read_new().expect("r").events.len(), 2);
    std::fs::write(w.path(), b"").expect("truncate");
    w.append(Draft::new(kinds::NOTE, "d")).expect("append");
    let batch = reader.read_new().expect("r");
    assert!(batch.warnings[0].contains("shrank"));
    assert_eq!(batch.events.len(), 1);
}

#[test]
fn a_hundred_thousand_events_read_back_whole() {
    let (_d, w) = journal();
    let mut buf = Vec::new();
    let at = chrono::Utc::now();
    for i in 0..100_000 {
        let ev = Draft::new(kinds::NOTE, format!("note number {i}"))
            .field("n", i)
            .stamp(at);
        serde_json::to_writer(&mut buf, &ev).expect("json");
        buf.push(b'\n');
    }
    std::fs::write(w.path(), &buf).expect("write");
    let batch = read_all(w.path()).expect("read");
    assert!(batch.warnings.is_empty());
    assert_eq!(batch.events.len(), 100_000);
    assert_eq!(batch.events[99_999].i64_field("n"), Some(99_999));
}
