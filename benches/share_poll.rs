//! One poll of a shared incident when nothing moved, as the share thread makes it (the refs
//! listed through libgit2 on a local bare remote), beside `git ls-remote` of the same refs in
//! the same run. Three seats, set up with the git command line and the real binary.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use warroom::journal::Share;
use warroom::share::worker::{ShareSetup, Sync};

const T: &str = "BENCH-POLL";
const RUNS: usize = 300;

fn git(cwd: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(args)
        .current_dir(cwd)
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok, "git {args:?}");
}

fn warroom(home: &Path, cwd: &Path, args: &[&str]) {
    let ok = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(args)
        .env("WARROOM_HOME", home)
        .env_remove("WARROOM_CONFIG")
        .env("XDG_CONFIG_HOME", home.join("xdg"))
        .current_dir(cwd)
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok, "warroom {args:?}");
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 * p) as usize).min(v.len() - 1)]
}

fn main() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path();
    git(root, &["init", "-q", "--bare", "-b", "main", "origin.git"]);
    let mut seats = Vec::new();
    for name in ["Alice", "Bob", "Carol"] {
        let d = root.join(name.to_lowercase());
        std::fs::create_dir_all(&d).expect("dir");
        git(&d, &["clone", "-q", "../origin.git", "service"]);
        let work = d.join("service");
        git(&work, &["config", "user.name", name]);
        git(&work, &["config", "user.email", "x@example.com"]);
        seats.push((d.join("home"), work));
    }
    let (home, work) = &seats[0];
    warroom(
        home,
        work,
        &[
            "open",
            T,
            "--priority",
            "P1",
            "--title",
            "poll",
            "--no-console",
            "--share",
        ],
    );
    for (h, w) in &seats[1..] {
        warroom(h, w, &["join", T, "--no-console"]);
        warroom(h, w, &["note", T, "here"]);
    }
    let incident = home.join("incidents").join(T);
    let share = Share::load(&incident).expect("read").expect("shared");
    let mut sync = Sync::open(ShareSetup {
        git: Default::default(),
        cfg: Default::default(),
        cwd: work.clone(),
        dir: incident,
        ticket: T.into(),
        share,
    })
    .expect("open");
    let (taken, _) = sync.poll();
    assert!(taken > 0, "the first poll takes the other seats' events");
    let mut ours = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        let (n, _) = sync.poll();
        ours.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(n, 0, "nothing moved");
    }
    let mut theirs = Vec::with_capacity(RUNS);
    let pattern = format!("refs/warroom/{T}/*");
    for _ in 0..RUNS {
        let t = Instant::now();
        git(work, &["ls-remote", "origin", &pattern]);
        theirs.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let (p50, p95) = (percentile(&mut ours, 0.5), percentile(&mut ours, 0.95));
    let (g50, g95) = (percentile(&mut theirs, 0.5), percentile(&mut theirs, 0.95));
    println!(
        "share_poll nothing moved (3 seats, local bare remote) runs={RUNS} median_ms={p50:.3} p95_ms={p95:.3}"
    );
    println!(
        "git ls-remote of the same refs                        runs={RUNS} median_ms={g50:.3} p95_ms={g95:.3}"
    );
    println!("ratio warroom/git-ls-remote median={:.2}", p50 / g50);
}
