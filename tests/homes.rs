//! A home that cannot be written, and one that fills up, through the real binary on a real
//! file system: a small tmpfs, mounted read-only or full. Every error names the path and what
//! to do; nothing panics; the console starts without its log file and says so; a note cut
//! short by the full disk leaves no torn line for later commands to warn about.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::tmux::{Tmux, tmux_available};
use common::{bin, stderr, warroom};

/// A tmpfs of `kib` KiB at a new folder; unmounted on drop. `None` where mounting is not
/// allowed (not root, no CAP_SYS_ADMIN): said, and the test has nothing to try.
struct Tmpfs {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Tmpfs {
    fn new(kib: u32) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("home");
        std::fs::create_dir(&path).expect("mkdir");
        let o = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(&path)
            .output()
            .ok()?;
        if !o.status.success() {
            eprintln!(
                "cannot mount a tmpfs here ({}): nothing to try",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            return None;
        }
        Some(Tmpfs { _dir: dir, path })
    }

    fn read_only(&self) {
        let o = Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.path)
            .output()
            .expect("mount");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).output();
    }
}

fn open(home: &Path, ticket: &str) -> std::process::Output {
    warroom(
        home,
        &[
            "open",
            ticket,
            "--priority",
            "P1",
            "--title",
            "x",
            "--no-console",
        ],
    )
}

fn says_where_and_what(err: &str, path: &Path, what: &str) {
    assert!(
        err.contains(&path.display().to_string()),
        "no path in {err:?}"
    );
    assert!(err.contains(what), "no advice in {err:?}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_read_only_home_is_named_and_the_console_runs_without_its_log() {
    let Some(fs) = Tmpfs::new(256) else { return };
    let home = &fs.path;
    let o = open(home, "RO-1");
    assert!(o.status.success(), "{}", stderr(&o));
    fs.read_only();
    let o = open(home, "RO-2");
    assert_eq!(o.status.code(), Some(1));
    says_where_and_what(
        &stderr(&o),
        &home.join("incidents"),
        "set WARROOM_HOME to a folder you can write",
    );
    let o = warroom(home, &["note", "RO-1", "hello"]);
    assert_eq!(o.status.code(), Some(1));
    says_where_and_what(
        &stderr(&o),
        &home.join("incidents/RO-1/journal.jsonl"),
        "set WARROOM_HOME",
    );
    // The console: no log file, no lock file; it runs, says so, and a note is said unrecorded.
    if !tmux_available() {
        return;
    }
    let tmux = Tmux::new("read-only-home");
    tmux.start(home);
    tmux.line(&format!(
        "{} resume RO-1; echo RO-'EXIT'-$?",
        bin().display()
    ));
    tmux.wait_for("Running without warroom.log");
    tmux.keys(&["n"]);
    tmux.line("hello");
    tmux.wait_for("NOT RECORDED");
    tmux.keys(&["q"]);
    let s = tmux.wait_for("RO-EXIT-");
    assert!(s.contains("RO-EXIT-0") && !s.contains("panicked"), "{s}");
}

#[test]
fn a_full_disk_is_named_and_leaves_no_torn_line() {
    let Some(fs) = Tmpfs::new(64) else { return };
    let home = &fs.path;
    let o = open(home, "FULL-1");
    assert!(o.status.success(), "{}", stderr(&o));
    let filler = home.join("filler");
    let _ = std::fs::write(&filler, vec![0u8; 48 * 1024]);
    let big = "x".repeat(3000);
    let mut refused = None;
    for _ in 0..20 {
        let o = warroom(home, &["note", "FULL-1", &big]);
        if !o.status.success() {
            refused = Some(stderr(&o));
            break;
        }
    }
    let err = refused.expect("the disk filled up");
    says_where_and_what(
        &err,
        &home.join("incidents/FULL-1/journal.jsonl"),
        "the disk is full",
    );
    std::fs::remove_file(&filler).expect("rm");
    let o = warroom(home, &["note", "FULL-1", "after"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = warroom(home, &["export", "FULL-1", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).is_empty(),
        "a later command warns: {}",
        stderr(&o)
    );
    let journal =
        std::fs::read_to_string(home.join("incidents/FULL-1/journal.jsonl")).expect("journal");
    for line in journal.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("every line whole");
    }
    assert!(journal.ends_with("\"text\":\"after\"}\n"), "{journal}");
}
