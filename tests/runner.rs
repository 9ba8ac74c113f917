//! Jobs against real child processes and a real local HTTP server.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use warroom::config::SmokeConfig;
use warroom::jobs::runner;
use warroom::jobs::{JobKind, Outcome, RunMsg};
use warroom::jobs::{JobSpec, RunContext, Step};
use warroom::output::Redactor;

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts")
}

fn ctx(tx: mpsc::Sender<RunMsg>, logs: &Path, scrollback: usize) -> RunContext {
    RunContext {
        tx,
        cwd: scripts(),
        logs_dir: logs.to_path_buf(),
        shell: "sh".into(),
        grace: Duration::from_millis(300),
        scrollback,
        redactor: Arc::new(Redactor::new(vec!["hunter2-planted-secret".into()])),
        size: (120, 40),
    }
}

fn shell(name: &str, command: &str) -> Step {
    Step::Shell {
        name: name.into(),
        command: command.into(),
        tty: false,
    }
}

fn on_tty(name: &str, command: &str) -> Step {
    Step::Shell {
        name: name.into(),
        command: command.into(),
        tty: true,
    }
}

#[derive(Default, Debug)]
struct Report {
    lines: Vec<String>,
    skipped: u64,
    finished: Vec<(String, Outcome, PathBuf, Option<bool>)>,
    job: Option<(usize, usize)>,
}

async fn collect(rx: &mut mpsc::Receiver<RunMsg>) -> Report {
    let mut r = Report::default();
    while let Some(msg) = tokio::time::timeout(Duration::from_secs(30), rx.recv())
        .await
        .expect("job reports in time")
    {
        match msg {
            RunMsg::Output { lines, skipped, .. } => {
                r.lines.extend(lines);
                r.skipped += skipped;
            }
            RunMsg::StepFinished {
                name,
                outcome,
                log,
                all_passed,
                ..
            } => r.finished.push((name, outcome, log, all_passed)),
            RunMsg::JobFinished { passed, total, .. } => {
                r.job = Some((passed, total));
                break;
            }
            RunMsg::StepStarted { .. } => {}
        }
    }
    r
}

async fn run(
    kind: JobKind,
    steps: Vec<Step>,
    stop: bool,
    scrollback: usize,
) -> (Report, tempfile::TempDir) {
    let logs = tempfile::tempdir().expect("tmp");
    let (tx, mut rx) = mpsc::channel(64);
    let _job = runner::start(
        JobSpec {
            id: 1,
            kind,
            steps,
            stop_on_failure: stop,
        },
        ctx(tx, logs.path(), scrollback),
    );
    (collect(&mut rx).await, logs)
}

#[tokio::test]
async fn a_deploy_streams_colours_rewrites_progress_and_redacts() {
    let cmd = "PLANTED_SECRET=hunter2-planted-secret ./deploy_ok.sh";
    let (r, _logs) = run(JobKind::Deploy, vec![shell("deploy", cmd)], true, 1000).await;
    assert_eq!(r.finished[0].1, Outcome::Exited(0));
    assert!(
        r.lines
            .contains(&"\x1b[0;36m▲ Deploying to production\x1b[0m".to_string()),
        "{:?}",
        r.lines
    );
    assert!(r.lines.contains(&"Uploading [#####] 100%".to_string()));
    assert!(
        !r.lines.iter().any(|l| l.contains("20%")),
        "the progress line was rewritten: {:?}",
        r.lines
    );
    assert!(r.lines.contains(&"using token [redacted]".to_string()));
    assert!(
        r.lines.iter().any(|l| l.contains("✓ Ready in 1s")),
        "stderr too"
    );
    let log = std::fs::read_to_string(&r.finished[0].2).expect("log file");
    assert!(
        log.contains("▲ Deploying to production\n"),
        "plain text in the log file: {log}"
    );
    assert!(log.contains("using token [redacted]") && !log.contains("hunter2"));
    assert!(
        log.starts_with("# warroom deploy: PLANTED_SECRET=[redacted] ./deploy_ok.sh"),
        "{log}"
    );
}

/// What a command learns of where it writes, and what it reads: `stty size` and `tput` ask the
/// terminal, `COLUMNS`/`LINES` are set on both.
const WHERE: &str = "if [ -t 1 ]; then echo on-a-terminal; else echo on-a-pipe; fi; \
    stty size <&1 2>/dev/null || echo no-size; echo \"env $COLUMNS $LINES\"; \
    if read answer; then echo \"read $answer\"; else echo 'read: end of input'; fi; \
    if { read answer </dev/tty; } 2>/dev/null; then echo 'tty answered'; else echo 'no tty to wait on'; fi";

#[tokio::test]
async fn a_tty_command_gets_a_terminal_of_the_panes_size_and_never_waits_for_input() {
    let started = Instant::now();
    let (r, _l) = run(JobKind::Deploy, vec![on_tty("deploy", WHERE)], true, 100).await;
    assert_eq!(r.finished[0].1, Outcome::Exited(0));
    let shown: Vec<&str> = r.lines.iter().map(|l| l.trim_end()).collect();
    assert_eq!(
        shown[..5],
        [
            "on-a-terminal",
            "40 120",
            "env 120 40",
            "read: end of input",
            "no tty to wait on"
        ],
        "{shown:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    // The terminal's line discipline ends lines with CR LF: the log file holds plain lines.
    let log = std::fs::read_to_string(&r.finished[0].2).expect("log");
    assert!(log.contains("\non-a-terminal\n40 120\n"), "{log:?}");

    let (r, _l) = run(JobKind::Deploy, vec![shell("deploy", WHERE)], true, 100).await;
    let shown: Vec<&str> = r.lines.iter().map(|l| l.trim_end()).collect();
    assert_eq!(
        shown[..5],
        [
            "on-a-pipe",
            "no-size",
            "env 120 40",
            "read: end of input",
            "no tty to wait on"
        ],
        "{shown:?}"
    );
}

#[tokio::test]
async fn a_line_longer_than_the_pane_wraps_and_a_secret_across_the_wrap_is_still_found() {
    // The token starts 10 columns before the edge of a 120-column screen.
    let token = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
    let cmd = format!("printf '%110s{token} after\\n' ''");
    for step in [shell("deploy", &cmd), on_tty("deploy", &cmd)] {
        let (r, _l) = run(JobKind::Deploy, vec![step], true, 100).await;
        assert!(
            r.lines
                .iter()
                .all(|l| !l.contains("ghp_") && !l.contains("abcdefghij")),
            "{:?}",
            r.lines
        );
        // The redacted line is as long as the screen is wide: " after" wraps to the next row.
        assert_eq!(
            r.lines[..2],
            [
                format!("{}[redacted]", " ".repeat(110)),
                " after".to_string()
            ]
        );
        let log = std::fs::read_to_string(&r.finished[0].2).expect("log");
        assert!(
            log.contains(&format!("{}[redacted] after\n", " ".repeat(110))),
            "{log}"
        );
    }
}

#[tokio::test]
async fn stdout_and_stderr_arrive_in_order() {
    let (r, _l) = run(
        JobKind::Checks,
        vec![shell("order", "./interleave.sh")],
        true,
        100,
    )
    .await;
    let got: Vec<&str> = r
        .lines
        .iter()
        .map(String::as_str)
        .filter(|l| l.starts_with("out") || l.starts_with("err"))
        .collect();
    assert_eq!(got, ["out 1", "err 1", "out 2", "err 2", "out 3", "err 3"]);
}

#[tokio::test]
async fn hostile_output_is_inert() {
    let (r, _l) = run(
        JobKind::Checks,
        vec![shell("hostile", "./hostile.sh")],
        true,
        100,
    )
    .await;
    // The screen clear replaces the command's own frame, as on a terminal; nothing else acts.
    assert!(r.lines.contains(&"after".to_string()), "{:?}", r.lines);
    let nul = r
        .lines
        .iter()
        .find(|l| l.starts_with("nul"))
        .expect("nul line");
    assert!(
        nul.starts_with("nulbyte ") && nul.contains('\u{fffd}') && nul.ends_with(" end"),
        "{nul:?}"
    );
    for l in &r.lines {
        assert!(
            !l.chars().any(|c| c.is_control() && c != '\x1b'),
            "control character in {l:?}"
        );
        assert!(
            !l.contains("\x1b]") && !l.contains("\x1b[2J") && !l.contains("\x1b[H"),
            "{l:?}"
        );
    }
}

#[tokio::test]
async fn bad_commands_end_with_a_clear_outcome() {
    let cases = [
        (
            "nonexistent-command-xyz",
            Outcome::Exited(127),
            "command not found",
        ),
        (
            "./not_executable.txt",
            Outcome::Exited(126),
            "not executable",
        ),
        ("exit 3", Outcome::Exited(3), "exit 3"),
        ("kill -9 $$", Outcome::Signalled(9), "killed by signal 9"),
        (
            "exec >&- 2>&-; sleep 0.5; exit 4",
            Outcome::Exited(4),
            "exit 4",
        ),
    ];
    std::fs::write(scripts().join("not_executable.txt"), "echo hi\n").expect("write");
    for (cmd, want, words) in cases {
        let started = Instant::now();
        let (r, _l) = run(JobKind::Checks, vec![shell("bad", cmd)], true, 100).await;
        assert_eq!(r.finished[0].1, want, "{cmd}");
        assert!(
            r.finished[0].1.describe().contains(words),
            "{cmd}: {}",
            r.finished[0].1.describe()
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{cmd} took {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn a_background_child_holding_the_pipe_does_not_hold_the_step() {
    let started = Instant::now();
    let (r, _l) = run(
        JobKind::Checks,
        vec![shell("bg", "sleep 5 & echo spawned; exit 0")],
        true,
        100,
    )
    .await;
    assert_eq!(r.finished[0].1, Outcome::Exited(0));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn cancel_sends_sigterm_then_sigkill_to_the_group() {
    let logs = tempfile::tempdir().expect("tmp");
    let (tx, mut rx) = mpsc::channel(64);
    let job = runner::start(
        JobSpec {
            id: 7,
            kind: JobKind::Deploy,
            steps: vec![shell("deploy", "./ignore_term.sh")],
            stop_on_failure: true,
        },
        ctx(tx, logs.path(), 100),
    );
    // Wait for the script to start.
    loop {
        match rx.recv().await.expect("msg") {
            RunMsg::Output { lines, live, .. }
                if lines.iter().chain(&live).any(|l| l == "started") =>
            {
                break;
            }
            _ => {}
        }
    }
    let t = Instant::now();
    job.cancel();
    let r = collect(&mut rx).await;
    assert_eq!(r.finished[0].1, Outcome::Cancelled);
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_secs(3),
        "SIGKILL after the grace: {took:?}"
    );
    assert!(r.lines.iter().any(|l| l.contains("cancelled: SIGTERM")));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let left = std::process::Command::new("pgrep")
        .args(["-f", "ignore_term.sh"])
        .output()
        .expect("pgrep");
    // Zombies are dead, only not yet reaped by whoever adopted them.
    let alive: Vec<String> = String::from_utf8_lossy(&left.stdout)
        .lines()
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
                s.rsplit(')')
                    .next()
                    .is_some_and(|rest| !rest.trim_start().starts_with('Z'))
            })
        })
        .map(String::from)
        .collect();
    assert!(
        alive.is_empty(),
        "no process of the group survives: {alive:?}"
    );
}

#[tokio::test]
async fn checks_stop_at_the_first_failure() {
    let steps = vec![
        shell("test", "echo ok"),
        shell("typecheck", "echo bad >&2; exit 2"),
        shell("build", "echo never"),
    ];
    let (r, _l) = run(JobKind::Checks, steps, true, 100).await;
    let names: Vec<&str> = r.finished.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(names, ["test", "typecheck"]);
    assert_eq!(r.finished[1].1, Outcome::Exited(2));
    assert_eq!(r.finished[1].3, Some(false));
    assert_eq!(r.job, Some((1, 3)));
    assert!(!r.lines.iter().any(|l| l == "never"));
}

#[tokio::test]
async fn an_enormous_line_is_cut_and_kept_whole_in_the_log_file() {
    let started = Instant::now();
    let cmd = "head -c 10000000 /dev/zero | tr '\\0' x";
    let (r, _l) = run(JobKind::Deploy, vec![shell("deploy", cmd)], true, 50).await;
    assert_eq!(r.finished[0].1, Outcome::Exited(0));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(
        r.lines.iter().all(|l| l.len() <= 64 * 1024 + 8),
        "pieces are bounded"
    );
    let log = std::fs::metadata(&r.finished[0].2).expect("log").len();
    assert!(
        log >= 10_000_000,
        "the whole line is in the log file: {log}"
    );
}

#[tokio::test]
async fn a_flood_loses_no_line_in_the_log_file_and_stays_bounded_on_screen() {
    let (r, _l) = run(
        JobKind::Deploy,
        vec![shell("deploy", "./flood.sh 200000")],
        true,
        1000,
    )
    .await;
    assert_eq!(r.finished[0].1, Outcome::Exited(0));
    let text = std::fs::read_to_string(&r.finished[0].2).expect("log");
    let steps = text
        .lines()
        .filter(|l| l.contains("INFO deploy[web] step"))
        .count();
    assert_eq!(steps, 200_000);
    let shown = r
        .lines
        .iter()
        .filter(|l| l.contains("INFO deploy[web] step"))
        .count() as u64;
    assert_eq!(
        shown + r.skipped,
        200_000,
        "every line either reached the pane or was counted"
    );
    assert!(
        r.lines.iter().any(|l| l.contains("step 000199999")),
        "the newest line is delivered"
    );
}

// ---- smoke tests against a real local server ----

async fn server() -> (
    String,
    tokio::task::JoinHandle<()>,
    Arc<std::sync::Mutex<Vec<String>>>,
) {
    use axum::{Router, http::HeaderMap, http::StatusCode, routing::get, routing::post};
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let app = Router::new()
        .route("/health", get(|| async { "ok: all systems" }))
        .route(
            "/auth/login",
            post(move |headers: HeaderMap, body: String| {
                let seen = s2.clone();
                async move {
                    if let Some(v) = headers.get("x-smoke-key").and_then(|v| v.to_str().ok()) {
                        seen.lock().expect("lock").push(v.to_string());
                    }
                    if body.contains("expired") {
                        (StatusCode::UNAUTHORIZED, "expired token")
                    } else {
                        (StatusCode::OK, "welcome")
                    }
                }
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let h = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), h, seen)
}

fn smoke(name: &str, url: String) -> SmokeConfig {
    let text = format!("[[smoke]]\nname = {name:?}\nurl = {url:?}\n");
    warroom::config::Config::parse(&text, "t")
        .expect("config")
        .smoke
        .remove(0)
}

#[tokio::test]
async fn smoke_tests_check_status_and_body_and_say_why_they_fail() {
    let (base, _h, seen) = server().await;
    let mut expired = smoke("expired token rejected", format!("{base}/auth/login"));
    expired.method = "POST".into();
    expired.body = Some(r#"{"token":"expired"}"#.into());
    expired.expect_status = 401;
    expired.headers = BTreeMap::from([("x-smoke-key".to_string(), "${HOME}".to_string())]);
    let mut health = smoke("health", format!("{base}/health"));
    health.expect_body = Some("all systems".into());
    let mut wrong = smoke("wrong status", format!("{base}/health"));
    wrong.expect_status = 204;
    let mut body = smoke("wrong body", format!("{base}/health"));
    body.expect_body = Some("degraded".into());
    let mut slow = smoke("slow", format!("{base}/slow"));
    slow.timeout = Duration::from_millis(300);
    let refused = smoke("refused", "http://127.0.0.1:1/health".into());
    let steps = [expired, health, wrong, body, slow, refused]
        .into_iter()
        .map(Step::Smoke)
        .collect();
    let (r, _l) = run(JobKind::Smoke, steps, false, 100).await;
    let got: Vec<(&str, bool, String)> = r
        .finished
        .iter()
        .map(|(n, o, _, _)| (n.as_str(), o.is_success(), o.describe()))
        .collect();
    assert_eq!(got.len(), 6);
    assert!(got[0].1 && got[0].2.starts_with("401 in"), "{got:?}");
    assert!(got[1].1, "{got:?}");
    assert!(
        !got[2].1 && got[2].2.starts_with("expected 204, got 200"),
        "{got:?}"
    );
    assert!(
        !got[3].1 && got[3].2.contains("lacks \"degraded\""),
        "{got:?}"
    );
    assert!(!got[4].1 && got[4].2.contains("timed out"), "{got:?}");
    assert!(
        !got[5].1 && got[5].2.starts_with("cannot connect to 127.0.0.1:1"),
        "{got:?}"
    );
    assert_eq!(
        r.finished[5].3,
        Some(false),
        "the last step says not all passed"
    );
    assert_eq!(r.job, Some((2, 6)));
    let home = std::env::var("HOME").unwrap_or_default();
    assert_eq!(
        seen.lock().expect("lock").as_slice(),
        [home],
        "${{VAR}} in a header reads the environment"
    );
}

#[tokio::test]
async fn a_terminal_loses_no_line_at_the_start_or_the_end() {
    let cmd = "i=0; while [ $i -lt 300 ]; do i=$((i + 1)); printf 'line %d\\n' $i; done; \
        printf 'last words'";
    for _ in 0..5 {
        let (r, _l) = run(JobKind::Deploy, vec![on_tty("deploy", cmd)], true, 1000).await;
        let log = std::fs::read_to_string(&r.finished[0].2).expect("log");
        let body: Vec<&str> = log.lines().skip(2).collect();
        assert_eq!(body.len(), 302, "{log}");
        assert_eq!(body[0], "line 1");
        assert_eq!(body[300], "last words");
    }
}
