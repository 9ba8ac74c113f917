//! The pull request's facts as GitHub and `gh` decide them, and taken back when GitHub takes them
//! back: every page of every list, every check conclusion bucketed as `gh pr checks` buckets it,
//! the latest review of each reviewer (dismissals included), the checks of the current head only,
//! a closed PR followed until it is reopened, rate limits waited out, and a failure that stays
//! on screen until it clears. The follower runs against the local GitHub stand-in; what it
//! reports goes through `update` into the fold, as in the console.

mod common;

use std::time::Duration;

use common::github::FakeGithub;
use common::{send, t};
use tokio::sync::mpsc;
use warroom::app::{Model, Msg};
use warroom::github::api::CheckRun;
use warroom::github::client::{Client, GithubError};
use warroom::github::follow::{self, Bucket, GithubMsg};
use warroom::github::pr::{self, Opening};
use warroom::github::remote;
use warroom::github::{Checks, PrState};
use warroom::incident::ItemStatus;
use warroom::journal::{Draft, kinds};

const TOKEN: &str = "ghp_fakefakefakefakefakefakefakefake0002";

fn client(gh: &FakeGithub) -> Client {
    let repo = remote::parse("git@github.com:acme/api.git", Some(&gh.api)).expect("repo");
    Client::new(repo, TOKEN.into(), Duration::from_secs(5)).expect("client")
}

fn opening() -> Opening {
    Opening {
        title: "🚨 [RELEASE] ENG-1: Auth bypass [HOTFIX] [P1]".into(),
        body: "## Urgency".into(),
        head: "hotfix/ENG-1-auth-bypass".into(),
        base: "main".into(),
        draft: false,
        labels: vec![],
        create_labels: false,
    }
}

/// `gh pr checks`' bucket for a check run (cli/cli, pkg/cmd/pr/checks/aggregate.go): the state
/// is the conclusion once completed, else the status, upper-cased, then SUCCESS → pass;
/// SKIPPED, NEUTRAL → skipping; ERROR, FAILURE, CANCELLED, TIMED_OUT, ACTION_REQUIRED → fail;
/// anything else (EXPECTED, REQUESTED, WAITING, QUEUED, PENDING, IN_PROGRESS, STALE) → pending.
/// warroom differs in one place, said in the README: STARTUP_FAILURE fails, as the PR page
/// shows it, where `gh` leaves it pending for ever.
fn gh_bucket(status: &str, conclusion: Option<&str>) -> Bucket {
    let state = if status == "completed" {
        conclusion.unwrap_or_default().to_ascii_uppercase()
    } else {
        status.to_ascii_uppercase()
    };
    match state.as_str() {
        "SUCCESS" => Bucket::Pass,
        "SKIPPED" | "NEUTRAL" => Bucket::Skipping,
        "ERROR" | "FAILURE" | "CANCELLED" | "TIMED_OUT" | "ACTION_REQUIRED" => Bucket::Fail,
        "STARTUP_FAILURE" => Bucket::Fail,
        _ => Bucket::Pending,
    }
}

/// Every status and conclusion in GitHub's description of a check run.
const STATUSES: &[&str] = &[
    "queued",
    "in_progress",
    "completed",
    "waiting",
    "requested",
    "pending",
];
const CONCLUSIONS: &[&str] = &[
    "action_required",
    "cancelled",
    "failure",
    "neutral",
    "success",
    "skipped",
    "stale",
    "timed_out",
    "startup_failure",
];

fn run(name: &str, status: &str, conclusion: Option<&str>) -> CheckRun {
    serde_json::from_value(serde_json::json!({
        "name": name, "status": status, "conclusion": conclusion,
        "html_url": format!("https://github.com/acme/api/runs/{name}"),
        "started_at": "2026-11-26T14:10:00Z"
    }))
    .expect("a check run as GitHub writes it")
}

#[test]
fn every_status_and_conclusion_is_bucketed_as_gh_buckets_it() {
    for status in STATUSES {
        let conclusions: Vec<Option<&str>> = if *status == "completed" {
            CONCLUSIONS.iter().map(|c| Some(*c)).collect()
        } else {
            vec![None]
        };
        for c in conclusions {
            let r = run("ci", status, c);
            let want = gh_bucket(status, c);
            assert_eq!(follow::run_bucket(&r), want, "{status} {c:?}");
            // With one passing run beside it, the head's checks as a whole.
            let runs = [run("lint", "completed", Some("success")), r];
            let whole = follow::combine(&runs, 2, &[], 0);
            match want {
                Bucket::Fail => assert!(
                    matches!(&whole, Checks::Failure { name, .. } if name == "ci"),
                    "{status} {c:?}: {whole:?}"
                ),
                Bucket::Pending => assert_eq!(whole, Checks::Pending, "{status} {c:?}"),
                Bucket::Pass => assert_eq!(
                    whole,
                    Checks::Success {
                        passed: 2,
                        skipped: 0
                    }
                ),
                Bucket::Skipping => assert_eq!(
                    whole,
                    Checks::Success {
                        passed: 1,
                        skipped: 1
                    }
                ),
            }
        }
    }
}

#[test]
fn a_list_read_short_of_its_total_is_never_all_of_it() {
    let runs: Vec<CheckRun> = (0..100)
        .map(|i| run(&format!("job {i}"), "completed", Some("success")))
        .collect();
    assert_eq!(
        follow::combine(&runs, 130, &[], 0),
        Checks::Pending,
        "100 of 130 read: not all passed"
    );
    assert_eq!(
        follow::combine(&runs, 100, &[], 0),
        Checks::Success {
            passed: 100,
            skipped: 0
        }
    );
}

async fn next(rx: &mut mpsc::Receiver<GithubMsg>) -> GithubMsg {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a report in time")
        .expect("open")
}

async fn next_state(rx: &mut mpsc::Receiver<GithubMsg>) -> PrState {
    loop {
        match next(rx).await {
            GithubMsg::State(s) => return s,
            GithubMsg::Error(e) => panic!("{e}"),
            GithubMsg::Opened(_) => {}
        }
    }
}

async fn followed(gh: &FakeGithub) -> (mpsc::Receiver<GithubMsg>, tokio::task::JoinHandle<()>) {
    let c = client(gh);
    let o = pr::open(&c, &opening()).await.expect("open");
    let (tx, rx) = mpsc::channel(64);
    let task = tokio::spawn(follow::run(c, o.pr.number, Duration::from_millis(80), tx));
    (rx, task)
}

#[tokio::test]
async fn one_failure_on_the_second_page_of_130_runs_fails_the_head() {
    let gh = FakeGithub::start("acme", "api");
    let (mut rx, task) = followed(&gh).await;
    next_state(&mut rx).await;
    let mut runs: Vec<(String, &str, Option<&str>)> = (0..130)
        .map(|i| (format!("job {i:03}"), "completed", Some("success")))
        .collect();
    runs[120].2 = Some("failure");
    let refs: Vec<(&str, &str, Option<&str>)> =
        runs.iter().map(|(n, s, c)| (n.as_str(), *s, *c)).collect();
    gh.checks(7, &refs);
    let s = next_state(&mut rx).await;
    assert!(
        matches!(&s.checks, Checks::Failure { name, .. } if name == "job 120"),
        "{:?}",
        s.checks
    );
    let paged = gh
        .seen()
        .iter()
        .any(|r| r.path.ends_with("/check-runs") && r.query.contains("page=2"));
    assert!(paged, "the second page was read through the Link header");

    runs[120].2 = Some("success");
    let refs: Vec<(&str, &str, Option<&str>)> =
        runs.iter().map(|(n, s, c)| (n.as_str(), *s, *c)).collect();
    gh.checks(7, &refs);
    assert_eq!(
        next_state(&mut rx).await.checks,
        Checks::Success {
            passed: 130,
            skipped: 0
        }
    );
    task.abort();
}

#[tokio::test]
async fn a_head_that_comes_back_is_read_again_whole() {
    let gh = FakeGithub::start("acme", "api");
    let (mut rx, task) = followed(&gh).await;
    next_state(&mut rx).await;
    gh.checks(7, &[("test", "completed", Some("success"))]);
    assert!(matches!(
        next_state(&mut rx).await.checks,
        Checks::Success { .. }
    ));
    // A force-push, then a force-push back: the first head's pages were let go, its ETags
    // were not.
    gh.push_head(7, &"b".repeat(40));
    assert_eq!(next_state(&mut rx).await.checks, Checks::None);
    gh.push_head(7, &"a".repeat(40));
    let s = next_state(&mut rx).await;
    assert_eq!(s.head_sha, "a".repeat(40));
    assert!(matches!(s.checks, Checks::Success { .. }), "{:?}", s.checks);
    task.abort();
}

#[tokio::test]
async fn reviews_are_read_to_the_last_page_and_a_dismissal_replaces_the_approval() {
    let gh = FakeGithub::start("acme", "api");
    let (mut rx, task) = followed(&gh).await;
    next_state(&mut rx).await;
    gh.with(|h| {
        for i in 0..120 {
            h.reviews
                .push((7, format!("commenter{i}"), "COMMENTED".into()));
        }
    });
    gh.approve(7, "carol");
    let s = next_state(&mut rx).await;
    assert_eq!(s.reviews.get("carol").map(String::as_str), Some("APPROVED"));
    assert!(
        !s.reviews.contains_key("commenter3"),
        "a comment alone is no verdict"
    );
    gh.dismiss(7, "carol");
    let s = next_state(&mut rx).await;
    assert_eq!(
        s.reviews.get("carol").map(String::as_str),
        Some("DISMISSED")
    );
    task.abort();
}

fn item_done(m: &Model, id: &str) -> bool {
    let it = m.incident.checklist.item(id).expect("item").clone();
    matches!(m.incident.status(&it), ItemStatus::Done(_))
}

/// What the follower reports goes through `update`, its drafts back through the journal.
async fn pump(m: &mut Model, rx: &mut mpsc::Receiver<GithubMsg>) -> Vec<String> {
    let s = next_state(rx).await;
    m.now += chrono::Duration::seconds(5);
    let before = m.incident.count;
    send(m, Msg::Github(GithubMsg::State(s)));
    let new = m.incident.count - before;
    let mut said: Vec<String> = m
        .incident
        .recent
        .iter()
        .rev()
        .take(new)
        .map(|e| e.text.clone())
        .collect();
    said.reverse();
    said
}

#[tokio::test]
async fn each_withdrawal_unticks_its_item_with_a_line_saying_why() {
    let gh = FakeGithub::start("acme", "api");
    let mut m = common::model("P1", t(10));
    let (mut rx, task) = followed(&gh).await;
    send(
        &mut m,
        Msg::Journal(warroom::journal::ReadBatch {
            events: vec![
                Draft::new(kinds::PR_OPENED, "Opened PR #7")
                    .field("number", 7)
                    .field("url", "https://github.com/acme/api/pull/7")
                    .stamp(t(11)),
            ],
            warnings: vec![],
        }),
    );
    pump(&mut m, &mut rx).await;

    gh.approve(7, "carol");
    gh.checks(7, &[("test", "completed", Some("success"))]);
    let said = pump(&mut m, &mut rx).await;
    assert!(
        item_done(&m, "pr-approved") && item_done(&m, "ci-green"),
        "{said:?}"
    );

    // carol's approval is dismissed: the item unticks, and the timeline says why.
    gh.dismiss(7, "carol");
    let said = pump(&mut m, &mut rx).await;
    assert_eq!(said, ["PR #7: carol's approval was dismissed"]);
    assert!(!item_done(&m, "pr-approved"));
    let why = &m.incident.why_not["pr-approved"].1;
    assert!(why.contains("carol's approval was dismissed"), "{why}");

    // A force-push: the new head's checks are queued; the old head's pass no longer counts.
    gh.push_head(7, &"b".repeat(40));
    gh.with(|h| {
        h.runs
            .insert("b".repeat(40), vec![("test".into(), "queued".into(), None)]);
    });
    let said = pump(&mut m, &mut rx).await;
    assert_eq!(said, ["PR #7: new commits (bbbbbbb): checks running again"]);
    assert!(!item_done(&m, "ci-green"));

    // They fail: the banner, and no tick.
    gh.checks(7, &[("test", "completed", Some("failure"))]);
    pump(&mut m, &mut rx).await;
    assert!(!item_done(&m, "ci-green"));
    assert!(
        m.banner
            .as_ref()
            .is_some_and(|b| b.text.contains("check test failed"))
    );

    // A re-run passes: the tick, and the banner is gone.
    gh.rerun(7, "test", "completed", Some("success"));
    let said = pump(&mut m, &mut rx).await;
    assert!(
        said[0].starts_with("PR #7: all checks passed on bbbbbbb"),
        "{said:?}"
    );
    assert!(item_done(&m, "ci-green"));
    assert!(m.banner.is_none(), "{:?}", m.banner);

    // Closed, then reopened and merged: followed all along.
    gh.set_state(7, "closed");
    let said = pump(&mut m, &mut rx).await;
    assert!(
        said[0].starts_with("PR #7 was closed without merging"),
        "{said:?}"
    );
    gh.approve(7, "dave");
    gh.set_state(7, "open");
    let said = pump(&mut m, &mut rx).await;
    assert!(said.contains(&"PR #7 was reopened".to_string()), "{said:?}");
    assert!(item_done(&m, "pr-approved"));
    gh.merge(7, &"c".repeat(40));
    let said = pump(&mut m, &mut rx).await;
    assert!(said[0].starts_with("PR #7 merged into main"), "{said:?}");
    assert!(item_done(&m, "pr-merged"));

    // A restart folds the same journal to the same ticks.
    let again = warroom::incident::Incident::from_events(
        "ENG-1234",
        m.incident.checklist.clone(),
        m.incident.recent.iter().map(|e| (**e).clone()),
    );
    for id in ["pr-approved", "ci-green", "pr-merged"] {
        let it = again.checklist.item(id).expect("item");
        assert!(matches!(again.status(it), ItemStatus::Done(_)), "{id}");
    }
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the follower stops once merged")
        .expect("join");
}

#[tokio::test]
async fn a_secondary_limit_without_retry_after_waits_at_least_a_minute() {
    let gh = FakeGithub::start("acme", "api");
    let c = client(&gh);
    pr::open(&c, &opening()).await.expect("open");
    let body = r#"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits","status":"403"}"#;
    gh.fault("/pulls/7", 403, &[], body);
    match c.poll::<serde_json::Value>("pulls/7").await {
        Err(e @ GithubError::RateLimited { named: false, .. }) => {
            assert!(
                e.wait().is_some_and(|w| w >= Duration::from_secs(60)),
                "{e}"
            )
        }
        other => panic!("{other:?}"),
    }
    let (tx, mut rx) = mpsc::channel(8);
    let task = tokio::spawn(follow::run(c, 7, Duration::from_millis(50), tx));
    assert!(matches!(next(&mut rx).await, GithubMsg::Error(e) if e.contains("secondary")));
    let asked = gh.seen().len();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        gh.seen().len(),
        asked,
        "nothing asked again within the minute (at a 50 ms interval)"
    );
    task.abort();
}

#[tokio::test]
async fn a_revoked_token_stays_on_screen_until_a_poll_succeeds() {
    let gh = FakeGithub::start("acme", "api");
    let mut m = common::model("P1", t(10));
    m.incident.apply(
        Draft::new(kinds::PR_OPENED, "Opened PR #7")
            .field("number", 7)
            .field("url", "https://github.com/acme/api/pull/7")
            .stamp(t(11)),
    );
    let (mut rx, task) = followed(&gh).await;
    next_state(&mut rx).await;
    gh.fault(
        "/pulls/7",
        401,
        &[],
        r#"{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}"#,
    );
    let e = next(&mut rx).await;
    send(&mut m, Msg::Github(e));
    // Long after the status line has moved on.
    for _ in 0..12 {
        m.now += chrono::Duration::seconds(10);
        let now = m.now;
        send(&mut m, Msg::Tick(now));
    }
    let screen = format!("{:?}", common::render(&m, 120, 40).backend().buffer());
    let flat: String = screen.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(
        flat.contains("PR#7notfollowedsince"),
        "the header says it: {screen}"
    );
    assert!(
        m.github
            .error
            .as_ref()
            .is_some_and(|(_, e)| e.contains("refused the token"))
    );
    gh.clear_faults();
    // A poll that succeeds again clears it.
    loop {
        match next(&mut rx).await {
            GithubMsg::State(s) => {
                send(&mut m, Msg::Github(GithubMsg::State(s)));
                break;
            }
            GithubMsg::Error(_) => {}
            GithubMsg::Opened(_) => {}
        }
    }
    assert!(m.github.error.is_none());
    task.abort();
}

/// The real binary in tmux: each change on GitHub ticks or unticks the PR's items on screen as
/// the PR page and `gh pr checks` would conclude, with a timeline line saying why.
#[test]
fn the_console_ticks_and_unticks_as_github_concludes() {
    use common::tmux::{Tmux, tmux_available};
    if !tmux_available() {
        return;
    }
    let gh = FakeGithub::start("acme", "api");
    let project = common::github::Project::open(&gh, TOKEN, "ENG-8", "P1", "Double charges");
    let (repo, run) = (&project.repo, |args: &[&str]| project.run(args));
    repo.write("src/charge.ts", "export const once = true;\n");
    repo.write("tests/charge.test.ts", "test('once', () => {});\n");
    let head = repo.commit("fix: charge once").to_string();
    gh.with(|h| h.next_head_sha = head.clone());
    run(&["git", "pr", "ENG-8"]);

    let tmux = Tmux::new("github-facts");
    project.console(&tmux, "ENG-8");
    tmux.wait_for("[✓] PR opened with [RELEASE]");
    gh.approve(7, "carol");
    gh.checks(7, &[("test", "completed", Some("success"))]);
    tmux.wait_for("[✓] PR approved by at least one reviewer");
    tmux.wait_for("[✓] All CI checks pass");

    gh.dismiss(7, "carol");
    tmux.wait_for("PR #7: carol's approval was dismissed");
    tmux.wait_for("[ ] PR approved by at least one reviewer");

    gh.push_head(7, &"b".repeat(40));
    gh.with(|h| {
        h.runs
            .insert("b".repeat(40), vec![("test".into(), "queued".into(), None)]);
    });
    tmux.wait_for("PR #7: new commits (bbbbbbb): checks running again");
    tmux.wait_for("[ ] All CI checks pass");

    gh.checks(7, &[("test", "completed", Some("failure"))]);
    // The banner (the timeline's line says "failed on bbbbbbb").
    let banner = "✗ PR #7: check test failed — https://github.com/acme/api/runs/";
    tmux.wait_for(banner);
    assert!(tmux.screen().contains("[ ] All CI checks pass"));

    gh.rerun(7, "test", "completed", Some("success"));
    tmux.wait_for("[✓] All CI checks pass");
    let start = std::time::Instant::now();
    while tmux.screen().contains(banner) {
        assert!(
            start.elapsed() < common::tmux::timeout(),
            "the failure banner outlived the passing re-run:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    tmux.keys(&["q"]);
    tmux.wait_gone("Checklist");

    // After a restart the record folds to the same: approval withdrawn, checks green.
    let v: serde_json::Value =
        serde_json::from_str(&run(&["export", "ENG-8", "--format", "json"])).expect("json");
    let status = |id: &str| {
        v["checklist"]
            .as_array()
            .expect("checklist")
            .iter()
            .find(|i| i["id"] == id)
            .map(|i| i["status"].as_str().unwrap_or_default().to_string())
            .expect("item")
    };
    assert_eq!(status("pr-approved"), "pending");
    assert_eq!(status("ci-green"), "done");
}
