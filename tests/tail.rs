//! Following a real log file: growth, truncation, rotation, and live delivery via notify.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use warroom::jobs::tail::{Tail, TailRead};
use warroom::output::Redactor;

fn append(path: &std::path::Path, text: &str) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open");
    f.write_all(text.as_bytes()).expect("write");
}

fn redactor() -> Arc<Redactor> {
    Arc::new(Redactor::new(vec!["pa55w0rd-planted".into()]))
}

#[test]
fn follows_growth_from_the_end_truncation_and_rotation() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("app.log");
    append(&path, "old line before we started\n");
    let mut tail = Tail::new(path.clone(), redactor());
    assert_eq!(tail.read(), TailRead::default(), "starts at the end");

    append(
        &path,
        "GET /health 200\nPOST /login 401 pa55w0rd-planted\npartial",
    );
    let r = tail.read();
    assert_eq!(r.lines, ["GET /health 200", "POST /login 401 [redacted]"]);
    append(&path, " line\n");
    assert_eq!(tail.read().lines, ["partial line"]);

    std::fs::write(&path, "after truncate\n").expect("truncate");
    let r = tail.read();
    assert!(
        r.note.as_deref().is_some_and(|n| n.contains("truncated")),
        "{r:?}"
    );
    assert_eq!(r.lines, ["after truncate"]);

    append(&path, "last words of the old file\n");
    std::fs::rename(&path, dir.path().join("app.log.1")).expect("rotate");
    append(&path, "first line of the new file\n");
    let r = tail.read();
    assert!(
        r.note.as_deref().is_some_and(|n| n.contains("rotated")),
        "{r:?}"
    );
    assert_eq!(
        r.lines,
        ["last words of the old file", "first line of the new file"]
    );
}

#[test]
fn waits_for_a_file_that_does_not_exist_yet() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("later.log");
    let mut tail = Tail::new(path.clone(), redactor());
    assert_eq!(tail.read(), TailRead::default());
    append(&path, "hello\n");
    assert_eq!(tail.read().lines, ["hello"]);
}

#[tokio::test]
async fn lines_arrive_live_through_the_watcher() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("live.log");
    append(&path, "");
    let (tx, mut rx) = mpsc::channel(64);
    let task = warroom::jobs::tail::spawn(path.clone(), tx, redactor());
    // The first message says what is followed.
    let first = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("first")
        .expect("msg");
    assert!(matches!(first, TailRead { note: Some(ref n), .. } if n.contains("following")));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let t = std::time::Instant::now();
    append(&path, "deploy 42 rolled out\n");
    let got = loop {
        match tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("line in time")
        {
            Some(TailRead { lines, .. }) if !lines.is_empty() => break lines,
            Some(_) => continue,
            None => panic!("closed"),
        }
    };
    assert_eq!(got, ["deploy 42 rolled out"]);
    assert!(
        t.elapsed() < Duration::from_millis(900),
        "notify, not the 1 s poll: {:?}",
        t.elapsed()
    );
    task.abort();
}
