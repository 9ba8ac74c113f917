//! The real binary in tmux through a scripted session — ticks, notes, a deploy, git steps —
//! killed with SIGKILL at 50 random points. After each: the journal parses (at most a torn
//! last line), everything the screen had shown is on the record, and the documents can be
//! written. Then 4 writers × 1,000 events while the console runs and a deploy streams.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::repo::TestRepo;
use common::{bin, stderr, warroom};

fn tmux(socket: &str, args: &[&str]) -> std::process::Output {
    Command::new("tmux")
        .arg("-L")
        .arg(socket)
        .args(args)
        .output()
        .expect("tmux")
}

fn screen(socket: &str) -> String {
    String::from_utf8_lossy(&tmux(socket, &["capture-pane", "-p", "-t", "main"]).stdout)
        .into_owned()
}

fn wait_for(socket: &str, needle: &str, secs: u64) -> String {
    let start = Instant::now();
    loop {
        let s = screen(socket);
        if s.contains(needle) {
            return s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "waited for {needle:?}:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(40));
    }
}

fn have_tmux() -> bool {
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok || std::env::var("WARROOM_SKIP_TMUX").is_ok(),
        "tmux is needed (the README's test command installs it)"
    );
    ok
}

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
    if !have_tmux() {
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
    let socket = format!("warroom-crash-{}", std::process::id());
    tmux(
        &socket,
        &[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            "140",
            "-y",
            "45",
            "sh",
        ],
    );
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
        tmux(
            &socket,
            &[
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
            ],
        );
        tmux(&socket, &["send-keys", "-t", "main", "Enter"]);
        wait_for(&socket, "Checklist", 20);
        let deadline = Instant::now() + Duration::from_millis(rng.u64(100..1500));
        let mut i = rng.usize(0..steps.len());
        while Instant::now() < deadline {
            for call in steps[i % steps.len()] {
                let mut args = vec!["send-keys", "-t", "main"];
                args.extend_from_slice(call);
                tmux(&socket, &args);
            }
            i += 1;
            std::thread::sleep(Duration::from_millis(rng.u64(20..200)));
        }
        let shown = timeline_texts(&screen(&socket));
        let shell = String::from_utf8_lossy(
            &tmux(
                &socket,
                &["display-message", "-p", "-t", "main", "#{pane_pid}"],
            )
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
        tmux(
            &socket,
            &["send-keys", "-t", "main", "-l", "stty sane; clear"],
        );
        tmux(&socket, &["send-keys", "-t", "main", "C-j"]);
        let start = Instant::now();
        while screen(&socket).contains("Checklist") {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the shell did not come back:\n{}",
                screen(&socket)
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
    let _ = tmux(&socket, &["kill-server"]);
    assert!(kills >= 45, "{kills} kills");
    eprintln!("crash loop: {kills} SIGKILLs, {torn} torn lines skipped");
}

#[test]
fn four_writers_while_the_console_runs_and_a_deploy_streams() {
    if !have_tmux() {
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
    let socket = format!("warroom-conc-{}", std::process::id());
    tmux(
        &socket,
        &[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            "140",
            "-y",
            "45",
            "sh",
        ],
    );
    tmux(
        &socket,
        &[
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
        ],
    );
    tmux(&socket, &["send-keys", "-t", "main", "Enter"]);
    wait_for(&socket, "Checklist", 20);
    tmux(&socket, &["send-keys", "-t", "main", "d"]);
    wait_for(&socket, "Deploy to production", 10);
    tmux(&socket, &["send-keys", "-t", "main", "y"]);
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
                                "ci_step",
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
        let s = screen(&socket);
        if s.contains(&format!("Timeline · {total} events")) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the console does not show all {total} events:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    tmux(&socket, &["send-keys", "-t", "main", "q"]);
    std::thread::sleep(Duration::from_millis(300));
    tmux(&socket, &["send-keys", "-t", "main", "y"]);
    let _ = tmux(&socket, &["kill-server"]);
}
