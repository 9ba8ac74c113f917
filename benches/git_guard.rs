//! The minimal-change guard as the console runs it: in a running process whose git thread
//! keeps the repository open. Run by `bench/git_guard.sh` with
//! the repository's path in WARROOM_BENCH_REPO; without it, it says so and exits.

use std::time::{Duration, Instant};

use warroom::config::GitConfig;
use warroom::git::{Git, Subject, ops};

fn main() {
    let Some(repo) = std::env::var_os("WARROOM_BENCH_REPO") else {
        println!("git_guard: set WARROOM_BENCH_REPO (bench/git_guard.sh builds the repository)");
        return;
    };
    // The branch bench/git_guard.sh checked out, named as `--branch` names one.
    let branch = git2::Repository::open(&repo)
        .ok()
        .and_then(|r| r.head().ok()?.shorthand().ok().map(String::from));
    let incident = Subject {
        ticket: "BENCH-1".into(),
        title: "guard".into(),
        hotfix: None,
        merge_commit: None,
        branch,
    };
    let open = || {
        Git::open(
            &GitConfig::default(),
            std::path::Path::new(&repo),
            incident.clone(),
        )
    };
    // The first call pays libgit2's one-time start (OpenSSL's CA bundle): the console pays it
    // once, when it starts.
    let t = Instant::now();
    let first = open().and_then(|g| ops::measure(&g));
    let first_ms = t.elapsed().as_secs_f64() * 1e3;
    let report = match first {
        Ok(r) => r,
        Err(e) => {
            println!("git_guard: {e}");
            return;
        }
    };
    let git = match open() {
        Ok(g) => g,
        Err(e) => {
            println!("git_guard: {e}");
            return;
        }
    };
    let mut runs: Vec<Duration> = (0..30)
        .map(|_| {
            let t = Instant::now();
            let files = ops::measure(&git).map(|r| r.files);
            assert_eq!(files.ok(), Some(report.files));
            t.elapsed()
        })
        .collect();
    runs.sort();
    println!(
        "guard in a running console (its git thread keeps the repository open): median {:.2} ms, first call in the process {first_ms:.1} ms ({} commit(s), {} files, +{} -{})",
        runs[runs.len() / 2].as_secs_f64() * 1e3,
        report.commits,
        report.files,
        report.insertions,
        report.deletions
    );
}
