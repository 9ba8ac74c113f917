//! The real binary in tmux through a scripted session — ticks, notes, a deploy, git steps —
//! killed with SIGKILL at 50 random points. After each: the journal parses (at most a torn
//! last line), everything the screen had shown is on the record, and the documents can be
//! written. Then 4 writers × 1,000 events while the console runs and a deploy streams.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::repo::TestRepo;
use common::tmux::{Tmux, tmux_available};
use common::{bin, stderr, warroom};

/// The timeline rows on screen: the texts after the time and the icon.
fn timeline_texts(s: &str) -> Vec<String> {
    s.lines()
        .filter_map(|l| l.strip_prefix('│'))
        .filter(|l| l.len() > 22 && l.as_bytes()[4] == b'-' && l.as_bytes()[13] == b':')
        .filter_map(|l| {
            let rest = l.trim_end_matches('│').trim_end().splitn(3, ' ').nth(2)?;
            rest.split_once(' ')
                .map(|(_icon, text)| text.trim().to_string())
        })
        .filter(|t| t.len() > 8)
        .map(|t| t.chars().take(40).collect())
        .collect()
}

fn config(home: &Path) {
    std::fs::write(
        home.join("warroom.toml"),
        "[deploy]\ncommand = \"for i in 1 2 3 4 5 6; do echo deploy step $i; sleep 0.1; done\"\n\n[[checks]]\nname = \"test\"\ncommand = \"echo ok\"\n",
    )
    .expect("config");
}

#[test]
fn fifty_random_kills_lose_nothing_shown() {
    if !tmux_available() {
        return;
    }
    let repo = TestRepo::new();
    let home = tempfile::tempdir().expect("tmp");
    config(home.path());
    std::fs::copy(
        home.path().join("warroom.toml"),
        repo.work.join("warroom.toml"),
    )
    .expect("copy");
    let o = warroom(
        home.path(),
        &[
            "open",
            "ENG-200",
            "--priority",
            "P0",
            "--title",
            "Crash test",
            "--no-console",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let t = Tmux::new("crash");
    t.start(home.path());
    let mut rng = fastrand::Rng::with_seed(20261126);
    // Each step is one or more tmux send-keys calls.
    let steps: &[&[&[&str]]] = &[
        &[&["Space"]],
        &[&["j"]],
        &[&["Space"]],
        &[&["n"], &["-l", "note from the crash loop"], &["Enter"]],
        &[&["m", "2"]],
        &[&["t"]],
        &[&["d"], &["y"]],
        &[&["g", "2"]],
        &[&["j", "Space"]],
        &[&["w"], &["-l", "no time"], &["Enter"]],
    ];
    let mut kills = 0;
    let mut torn = 0;
    for round in 0..50 {
        t.cmd(&[
            "send-keys",
            "-t",
            "main",
            "-l",
            &format!(
                "cd '{}' && WARROOM_HOME='{}' XDG_CONFIG_HOME=/nonexistent {} resume ENG-200",
                repo.work.display(),
                home.path().display(),
                bin().display()
            ),
        ]);
        t.cmd(&["send-keys", "-t", "main", "Enter"]);
        t.wait_for("Checklist");
        let deadline = Instant::now() + Duration::from_millis(rng.u64(100..1500));
        let mut i = rng.usize(0..steps.len());
        while Instant::now() < deadline {
            for call in steps[i % steps.len()] {
                let mut args = vec!["send-keys", "-t", "main"];
                args.extend_from_slice(call);
                t.cmd(&args);
            }
            i += 1;
            std::thread::sleep(Duration::from_millis(rng.u64(20..200)));
        }
        let shown = timeline_texts(&t.screen());
        let shell = String::from_utf8_lossy(
            &t.cmd(&["display-message", "-p", "-t", "main", "#{pane_pid}"])
                .stdout,
        )
        .trim()
        .to_string();
        let child = String::from_utf8_lossy(
            &Command::new("pgrep")
                .args(["-P", &shell])
                .output()
                .expect("pgrep")
                .stdout,
        )
        .lines()
        .next()
        .map(str::to_string);
        let Some(pid) = child else { continue };
        assert!(
            Command::new("kill")
                .args(["-9", &pid])
                .status()
                .expect("kill")
                .success()
        );
        kills += 1;
        let start = Instant::now();
        while Command::new("pgrep")
            .args(["-P", &shell])
            .output()
            .is_ok_and(|o| !o.stdout.is_empty())
        {
            assert!(start.elapsed() < Duration::from_secs(10));
            std::thread::sleep(Duration::from_millis(20));
        }
        // The console died in raw mode: a line feed still ends the line for the shell.
        t.cmd(&["send-keys", "-t", "main", "-l", "stty sane; clear"]);
        t.cmd(&["send-keys", "-t", "main", "C-j"]);
        let start = Instant::now();
        while t.screen().contains("Checklist") {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the shell did not come back:\n{}",
                t.screen()
            );
            std::thread::sleep(Duration::from_millis(40));
        }
        // The record: parses, holds what was shown, and makes the documents.
        let batch =
            warroom::journal::file::read_all(&home.path().join("incidents/ENG-200/journal.jsonl"))
                .expect("read");
        torn += batch.warnings.len();
        assert!(
            batch.warnings.len() <= 1,
            "round {round}: {:?}",
            batch.warnings
        );
        let texts: Vec<String> = batch
            .events
            .iter()
            .map(|e| e.text.chars().take(40).collect())
            .collect();
        for s in &shown {
            assert!(
                texts
                    .iter()
                    .any(|t| t.starts_with(s.as_str()) || s.starts_with(t.as_str())),
                "round {round}: {s:?} was on screen but not on the record"
            );
        }
        let o = warroom(home.path(), &["export", "ENG-200", "--format", "pir"]);
        assert!(o.status.success(), "round {round}: {}", stderr(&o));
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(kills >= 45, "{kills} kills");
    eprintln!("crash loop: {kills} SIGKILLs, {torn} torn lines skipped");
}

#[test]
fn four_writers_while_the_console_runs_and_a_deploy_streams() {
    if !tmux_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    std::fs::write(
        home.path().join("warroom.toml"),
        "[deploy]\ncommand = \"yes 'deploy output line' | head -n 3000000\"\n",
    )
    .expect("config");
    assert!(
        warroom(
            home.path(),
            &[
                "open",
                "ENG-201",
                "--priority",
                "P1",
                "--title",
                "Concurrency",
                "--no-console"
            ]
        )
        .status
        .success()
    );
    let t = Tmux::new("conc");
    t.start(home.path());
    t.cmd(&[
        "send-keys",
        "-t",
        "main",
        "-l",
        &format!(
            "cd '{}' && WARROOM_HOME='{}' XDG_CONFIG_HOME=/nonexistent {} resume ENG-201",
            home.path().display(),
            home.path().display(),
            bin().display()
        ),
    ]);
    t.cmd(&["send-keys", "-t", "main", "Enter"]);
    t.wait_for("Checklist");
    t.cmd(&["send-keys", "-t", "main", "d"]);
    t.wait_for("Deploy to production");
    t.cmd(&["send-keys", "-t", "main", "y"]);
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let home = home.path().to_path_buf();
            std::thread::spawn(move || {
                for i in 0..1000 {
                    let o = if i % 2 == 0 {
                        warroom(&home, &["note", "ENG-201", &format!("writer {w} note {i}")])
                    } else {
                        warroom(
                            &home,
                            &[
                                "event",
                                "ENG-201",
                                "x_ci_step",
                                &format!("writer {w} event {i}"),
                                "-f",
                                &format!("n={i}"),
                            ],
                        )
                    };
                    assert!(o.status.success(), "{}", stderr(&o));
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer");
    }
    let batch =
        warroom::journal::file::read_all(&home.path().join("incidents/ENG-201/journal.jsonl"))
            .expect("read");
    assert!(batch.warnings.is_empty(), "{:?}", batch.warnings);
    for w in 0..4 {
        let mine = batch
            .events
            .iter()
            .filter(|e| e.text.starts_with(&format!("writer {w} ")))
            .count();
        assert_eq!(mine, 1000, "writer {w}");
    }
    // All shown: the console's timeline counts every event on the record.
    let start = Instant::now();
    loop {
        let total =
            warroom::journal::file::read_all(&home.path().join("incidents/ENG-201/journal.jsonl"))
                .expect("read")
                .events
                .len();
        let s = t.screen();
        if s.contains(&format!("Timeline · {total} events")) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the console does not show all {total} events:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    t.cmd(&["send-keys", "-t", "main", "q"]);
    std::thread::sleep(Duration::from_millis(300));
    t.cmd(&["send-keys", "-t", "main", "y"]);
}
