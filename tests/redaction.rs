//! Every secret shape of the README's table, printed by a real command with its line cut
//! between two reads at every byte boundary, on a pipe and on a narrow terminal where it wraps:
//! no secret reaches the pane (settled lines and the rows still being written) or the run's log
//! file.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use warroom::jobs::runner;
use warroom::jobs::{JobKind, RunMsg};
use warroom::jobs::{JobSpec, RunContext, Step};
use warroom::output::Redactor;

use common::secrets::PLANTED;

/// A script printing `text` once per byte boundary, cut there with a pause between the two
/// writes (longer than the runner's pause between reads), so each half is a read of its own.
fn split_script(text: &str) -> String {
    let mut s = String::new();
    for cut in 1..text.len() {
        let (a, b) = text.split_at(cut);
        s.push_str(&format!(
            "printf '%s' '{a}'; sleep 0.04; printf '%s\\n' '{b}'\n"
        ));
    }
    s
}

struct Seen {
    pane: Vec<String>,
    log: String,
}

/// Runs the script as a deploy on a screen `cols` wide, on a pseudo-terminal when `tty`.
async fn run(dir: &Path, name: &str, script: String, (tty, cols): (bool, u16)) -> Seen {
    let path = dir.join(format!("{name}.sh"));
    std::fs::write(&path, script).expect("script");
    let (tx, mut rx) = mpsc::channel(1024);
    let ctx = RunContext {
        tx,
        cwd: dir.to_path_buf(),
        logs_dir: dir.join(format!("logs-{name}")),
        shell: "sh".into(),
        grace: Duration::from_millis(300),
        scrollback: 10_000,
        redactor: Arc::new(Redactor::new(vec!["hunter2-planted-secret".into()])),
        size: (cols, 24),
    };
    let _job = runner::start(
        JobSpec {
            id: 1,
            kind: JobKind::Deploy,
            steps: vec![Step::Shell {
                name: "deploy".into(),
                command: format!("sh {}", path.display()),
                tty,
            }],
            stop_on_failure: true,
        },
        ctx,
    );
    let mut pane = Vec::new();
    let mut log = None;
    while let Some(msg) = tokio::time::timeout(Duration::from_secs(60), rx.recv())
        .await
        .expect("the run reports in time")
    {
        match msg {
            RunMsg::Output { lines, live, .. } => {
                pane.extend(lines);
                pane.extend(live);
            }
            RunMsg::StepFinished { log: l, .. } => log = Some(l),
            RunMsg::JobFinished { .. } => break,
            _ => {}
        }
    }
    let log = std::fs::read_to_string(log.expect("a log file")).expect("log");
    Seen { pane, log }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_cut_between_two_reads_is_still_redacted() {
    let dir = tempfile::tempdir().expect("tmp");
    // On a pipe and a wide screen; on a terminal 17 columns wide, where every secret crosses
    // the edge and wraps.
    let runs = PLANTED.iter().enumerate().flat_map(|(i, (text, secret))| {
        [(false, 120), (true, 17)].map(|screen| {
            let dir = dir.path().to_path_buf();
            tokio::spawn(async move {
                let name = format!("shape{i}-{}", screen.1);
                let seen = run(&dir, &name, split_script(text), screen).await;
                (text, secret, seen)
            })
        })
    });
    for r in futures_join(runs).await {
        let (text, secret, seen) = r;
        // Rows of a wrapped line run on: a secret in halves on two rows is still a leak.
        let pane: String = seen.pane.concat();
        assert!(
            !pane.contains(secret),
            "{secret} reached the pane: {:?}",
            seen.pane
        );
        assert!(
            !seen.log.contains(secret),
            "{secret} reached the log file:\n{}",
            seen.log
        );
        let lines_per_print = text.lines().count();
        let redacted = seen.log.matches("[redacted]").count();
        assert!(
            redacted >= text.len() - 1,
            "{secret}: {redacted} redactions for {} prints of {lines_per_print} line(s)\n{}",
            text.len() - 1,
            seen.log
        );
    }
}

async fn futures_join<T>(tasks: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for t in tasks.collect::<Vec<_>>() {
        out.push(t.await.expect("task"));
    }
    out
}
