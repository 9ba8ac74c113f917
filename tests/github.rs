//! The hotfix PR against a local server speaking GitHub's REST shapes: opening (created, or
//! found), labels, following with conditional requests (an unchanged poll is a 304), every
//! error GitHub gives in words a person can act on, and what `update` records from it.

mod common;

use std::time::Duration;

use common::github::{self as fake, FakeGithub};
use common::{appended, t};
use tokio::sync::mpsc;
use warroom::app::{Effect, Msg, update};
use warroom::github::client::{Client, GithubError};
use warroom::github::follow::{self, GithubMsg};
use warroom::github::pr::{self, Opening};
use warroom::github::remote;
use warroom::github::{Checks, PrState};
use warroom::incident::ItemStatus;
use warroom::journal::{Draft, kinds};

const TOKEN: &str = "ghp_fakefakefakefakefakefakefakefake0001";

fn client(gh: &FakeGithub) -> Client {
    let repo = remote::parse("git@github.com:acme/api.git", Some(&gh.api)).expect("repo");
    Client::new(repo, TOKEN.into(), Duration::from_secs(5)).expect("client")
}

fn opening() -> Opening {
    Opening {
        title: "🚨 [RELEASE] ENG-1: Auth bypass [HOTFIX] [P0]".into(),
        body: "## Urgency\n\n- [x] P0".into(),
        head: "hotfix/ENG-1-auth-bypass".into(),
        base: "main".into(),
        draft: false,
        labels: vec!["hotfix".into(), "P0".into()],
        create_labels: true,
    }
}

#[tokio::test]
async fn opening_creates_the_pr_with_its_title_body_and_labels_and_finds_it_again() {
    let gh = FakeGithub::start("acme", "api");
    gh.with(|h| {
        h.labels.insert("hotfix".into());
    });
    let c = client(&gh);
    let o = pr::open(&c, &opening()).await.expect("open");
    assert!(!o.existed);
    assert_eq!(o.pr.number, 7);
    assert_eq!(o.pr.html_url, "https://github.com/acme/api/pull/7");
    assert_eq!(o.labels, ["hotfix", "P0"]);
    let (title, body, labels) = gh.with(|h| {
        let p = &h.pulls[0];
        (p.title.clone(), p.body.clone(), p.labels.clone())
    });
    assert_eq!(title, opening().title);
    assert_eq!(body, opening().body);
    assert_eq!(labels, ["hotfix", "P0"]);
    let seen = gh.seen();
    let calls: Vec<String> = seen
        .iter()
        .map(|s| format!("{} {} {}", s.method, s.path, s.status))
        .collect();
    assert_eq!(
        calls,
        [
            "GET /repos/acme/api/pulls 200",
            "POST /repos/acme/api/pulls 201",
            "GET /repos/acme/api/labels/hotfix 200",
            "GET /repos/acme/api/labels/P0 404",
            "POST /repos/acme/api/labels 201",
            "POST /repos/acme/api/issues/7/labels 200",
        ]
    );
    assert_eq!(
        seen[0].query,
        "head=acme%3Ahotfix%2FENG-1-auth-bypass&state=open"
    );
    for s in &seen {
        assert_eq!(s.auth.as_deref(), Some(format!("Bearer {TOKEN}").as_str()));
        assert_eq!(s.accept.as_deref(), Some("application/vnd.github+json"));
    }
    // Again: the open PR is found and used, not duplicated.
    let again = pr::open(&c, &opening()).await.expect("again");
    assert!(again.existed);
    assert_eq!(again.pr.number, 7);
    assert_eq!(gh.with(|h| h.pulls.len()), 1);
}

#[tokio::test]
async fn a_pr_opened_meanwhile_is_used_when_github_says_it_already_exists() {
    let gh = FakeGithub::start("acme", "api");
    let c = client(&gh);
    pr::open(&c, &opening()).await.expect("first");
    // A race: the list is read before another seat's PR shows in it, so the create gets
    // GitHub's 422; the PR is then found and used.
    gh.fault_on(
        Some("GET"),
        Some(1),
        "/pulls",
        200,
        &[("content-type", "application/json")],
        "[]",
    );
    let again = pr::open(&c, &opening()).await.expect("found");
    assert!(again.existed && again.pr.number == 7);
    assert_eq!(gh.with(|h| h.pulls.len()), 1, "not duplicated");
    let seen = gh.seen();
    let create = seen
        .iter()
        .rfind(|s| s.method == "POST" && s.path.ends_with("/pulls"))
        .expect("create");
    assert_eq!(create.status, 422);
    let e = c
        .post::<serde_json::Value>(
            "pulls",
            &serde_json::json!({"title": "t", "head": "hotfix/ENG-1-auth-bypass", "base": "main"}),
        )
        .await
        .expect_err("422");
    assert_eq!(
        e,
        GithubError::Invalid(
            "Validation Failed: A pull request already exists for acme:hotfix/ENG-1-auth-bypass."
                .into()
        )
    );
}

#[tokio::test]
async fn errors_say_what_to_do() {
    let gh = FakeGithub::start("acme", "api");
    let c = client(&gh);
    type Case<'a> = (u16, Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            401,
            vec![],
            r#"{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}"#,
            "GITHUB_TOKEN",
        ),
        (
            403,
            vec![],
            r#"{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest/pulls/pulls#create-a-pull-request","status":"403"}"#,
            "Pull requests: read and write",
        ),
        (
            404,
            vec![],
            r#"{"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"}"#,
            "cannot see it",
        ),
        (
            422,
            vec![],
            r#"{"message":"Validation Failed","errors":[{"resource":"PullRequest","code":"custom","message":"No commits between main and hotfix/x"}],"status":"422"}"#,
            "No commits between main and hotfix/x",
        ),
        (
            403,
            vec![
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1790000000"),
            ],
            r#"{"message":"API rate limit exceeded for user ID 1.","status":"403"}"#,
            "until 2026-09-21 14:13:20 UTC",
        ),
        (
            403,
            vec![("retry-after", "60")],
            r#"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","status":"403"}"#,
            "secondary limit",
        ),
        (
            429,
            vec![
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1790000000"),
            ],
            r#"{"message":"API rate limit exceeded","status":"429"}"#,
            "rate limit is spent",
        ),
    ];
    for (status, headers, body, says) in cases {
        gh.clear_faults();
        gh.fault("/pulls", status, &headers, body);
        let e = pr::open(&c, &opening()).await.expect_err("fault");
        let text = e.to_string();
        assert!(text.contains(says), "{status} {headers:?}: {text}");
        assert!(!text.contains(TOKEN));
        if !headers.is_empty() {
            assert!(
                e.wait().is_some(),
                "{status}: a rate limit says how long to wait"
            );
        }
    }
}

async fn next_state(rx: &mut mpsc::Receiver<GithubMsg>) -> PrState {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("a report in time")
            .expect("open")
        {
            GithubMsg::State(s) => return s,
            GithubMsg::Error(e) => panic!("{e}"),
            GithubMsg::Opened(_) => {}
        }
    }
}

#[tokio::test]
async fn following_sends_each_change_once_and_unchanged_polls_are_304s() {
    let gh = FakeGithub::start("acme", "api");
    let c = client(&gh);
    let o = pr::open(&c, &opening()).await.expect("open");
    let (tx, mut rx) = mpsc::channel(16);
    let task = tokio::spawn(follow::run(
        c.clone(),
        o.pr.number,
        Duration::from_millis(100),
        tx,
    ));
    let first = next_state(&mut rx).await;
    assert_eq!(first.checks, Checks::None);
    assert!(first.reviews.is_empty() && !first.merged);

    // Nothing changes for a few polls: every answer is a 304 and nothing is sent.
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert!(rx.try_recv().is_err(), "no state when nothing changed");
    let polls: Vec<fake::Seen> = gh
        .seen()
        .into_iter()
        .filter(|s| s.method == "GET" && s.if_none_match.is_some())
        .collect();
    assert!(polls.len() >= 8, "{}", polls.len());
    assert!(
        polls.iter().all(|s| s.status == 304),
        "conditional polls of an unchanged PR"
    );

    gh.approve(7, "alice");
    let s = next_state(&mut rx).await;
    assert_eq!(s.reviews.get("alice").map(String::as_str), Some("APPROVED"));

    gh.checks(
        7,
        &[
            ("test", "completed", Some("failure")),
            ("lint", "in_progress", None),
        ],
    );
    let s = next_state(&mut rx).await;
    assert_eq!(
        s.checks,
        Checks::Failure {
            name: "test".into(),
            url: Some("https://github.com/acme/api/runs/4".into())
        }
    );
    gh.checks(
        7,
        &[
            ("test", "completed", Some("success")),
            ("lint", "completed", Some("skipped")),
        ],
    );
    assert_eq!(
        next_state(&mut rx).await.checks,
        Checks::Success {
            passed: 1,
            skipped: 1
        }
    );
    gh.with(|h| {
        h.statuses
            .insert("a".repeat(40), vec![("ci/legacy".into(), "error".into())]);
    });
    assert!(
        matches!(next_state(&mut rx).await.checks, Checks::Failure { name, .. } if name == "ci/legacy")
    );
    gh.with(|h| h.statuses.clear());
    assert_eq!(
        next_state(&mut rx).await.checks,
        Checks::Success {
            passed: 1,
            skipped: 1
        }
    );

    gh.merge(7, &"c".repeat(40));
    let s = next_state(&mut rx).await;
    assert!(s.merged);
    assert_eq!(s.merge_commit.as_deref(), Some("c".repeat(40).as_str()));
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the follower stops once the PR is merged")
        .expect("join");
}

#[tokio::test]
async fn a_failing_poll_is_reported_and_polling_goes_on() {
    let gh = FakeGithub::start("acme", "api");
    let c = client(&gh);
    pr::open(&c, &opening()).await.expect("open");
    gh.fault("/pulls/7", 500, &[], r#"{"message":"Server Error"}"#);
    let (tx, mut rx) = mpsc::channel(16);
    let task = tokio::spawn(follow::run(c, 7, Duration::from_millis(100), tx));
    let e = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("in time")
        .expect("open");
    assert!(
        matches!(&e, GithubMsg::Error(t) if t.contains("500")),
        "{e:?}"
    );
    gh.clear_faults();
    let s = next_state(&mut rx).await;
    assert_eq!(s.number, 7);
    task.abort();
}

fn state(reviews: &[(&str, &str)], checks: Checks, merged: bool) -> PrState {
    PrState {
        number: 7,
        url: "https://github.com/acme/api/pull/7".into(),
        state: if merged { "closed" } else { "open" }.into(),
        merged,
        merge_commit: merged.then(|| "c".repeat(40)),
        base: "main".into(),
        head_sha: "a".repeat(40),
        reviews: reviews
            .iter()
            .map(|(w, s)| (w.to_string(), s.to_string()))
            .collect(),
        checks,
    }
}

/// Feeds the drafts back as the journal would, so the fold holds them.
fn apply(m: &mut warroom::app::Model, effects: &[Effect]) -> Vec<Draft> {
    let drafts: Vec<Draft> = appended(effects).into_iter().cloned().collect();
    for d in &drafts {
        m.incident.apply(d.clone().stamp(m.now));
    }
    drafts
}

#[test]
fn what_github_reports_is_recorded_once_and_ticks_the_pull_request_items() {
    let mut m = common::model("P0", t(10));
    let pr_opened = Draft::new(kinds::PR_OPENED, "Opened PR #7")
        .field("number", 7)
        .field("url", "https://github.com/acme/api/pull/7");
    m.incident.apply(pr_opened.stamp(t(11)));
    let item = |m: &warroom::app::Model, id: &str| {
        let it = m.incident.checklist.item(id).expect("item").clone();
        matches!(m.incident.status(&it), ItemStatus::Done(_))
    };
    assert!(item(&m, "pr-opened"));
    assert!(!item(&m, "pr-approved") && !item(&m, "ci-green") && !item(&m, "pr-merged"));

    let fx = update(
        &mut m,
        Msg::Github(GithubMsg::State(state(&[], Checks::Pending, false))),
    );
    assert!(apply(&mut m, &fx).is_empty(), "nothing new");

    let s = state(
        &[("alice", "APPROVED"), ("bob", "CHANGES_REQUESTED")],
        Checks::Failure {
            name: "test".into(),
            url: Some("https://ci/1".into()),
        },
        false,
    );
    let fx = update(&mut m, Msg::Github(GithubMsg::State(s.clone())));
    let d = apply(&mut m, &fx);
    let texts: Vec<&str> = d.iter().map(|d| d.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "PR #7 approved by alice",
            "PR #7: bob requested changes",
            "PR #7: check test failed on aaaaaaa — https://ci/1"
        ]
    );
    assert!(item(&m, "pr-approved") && !item(&m, "ci-green"));
    assert!(
        m.banner.as_ref().is_some_and(
            |b| b.text.contains("check test failed") && b.text.contains("https://ci/1")
        )
    );
    // The same state again (a restart, a repeated poll): nothing is recorded twice.
    let fx = update(&mut m, Msg::Github(GithubMsg::State(s)));
    assert!(apply(&mut m, &fx).is_empty());

    let fx = update(
        &mut m,
        Msg::Github(GithubMsg::State(state(
            &[("alice", "APPROVED")],
            Checks::Success {
                passed: 1,
                skipped: 0,
            },
            false,
        ))),
    );
    assert_eq!(apply(&mut m, &fx).len(), 1);
    assert!(item(&m, "ci-green"));
    let fx = update(
        &mut m,
        Msg::Github(GithubMsg::State(state(
            &[("alice", "APPROVED")],
            Checks::Success {
                passed: 1,
                skipped: 0,
            },
            true,
        ))),
    );
    let d = apply(&mut m, &fx);
    assert_eq!(d.len(), 1);
    assert_eq!(
        d[0].text,
        "PR #7 merged into main as ccccccc, approved by alice"
    );
    assert!(item(&m, "pr-merged"));
    assert_eq!(
        m.incident.pr.as_ref().and_then(|p| p.merge_commit.clone()),
        Some("c".repeat(40)),
        "the merge commit is on the record for tag and verify"
    );
    assert_eq!(
        warroom::git::Subject::of(&m.incident).merge_commit,
        Some("c".repeat(40))
    );
}

#[test]
fn a_p0_merge_without_approval_says_the_review_was_waived() {
    let mut m = common::model("P0", t(10));
    m.incident.apply(
        Draft::new(kinds::PR_OPENED, "Opened PR #7")
            .field("number", 7)
            .field("url", "u")
            .stamp(t(11)),
    );
    m.incident.apply(
        Draft::new(kinds::CHECKLIST_WAIVED, "waived")
            .field("item", "pr-approved")
            .field("reason", "reviewer asleep, P0")
            .stamp(t(12)),
    );
    let fx = update(
        &mut m,
        Msg::Github(GithubMsg::State(state(
            &[],
            Checks::Success {
                passed: 1,
                skipped: 0,
            },
            true,
        ))),
    );
    let d = apply(&mut m, &fx);
    let merged = d
        .iter()
        .find(|d| d.kind.as_str() == kinds::PR_MERGED)
        .expect("merged");
    assert_eq!(
        merged.text,
        "PR #7 merged into main as ccccccc, without an approval: the review was waived at P0"
    );
    // The review says so too.
    let events = vec![
        common::opened("P0"),
        Draft::new(kinds::PR_OPENED, "Opened PR #7")
            .field("number", 7)
            .field("url", "https://github.com/acme/api/pull/7")
            .stamp(t(11)),
        Draft::new(kinds::CHECKLIST_WAIVED, "waived")
            .field("item", "pr-approved")
            .field("reason", "reviewer asleep, P0")
            .stamp(t(12)),
        merged.clone().stamp(t(13)),
    ];
    let inc = warroom::incident::Incident::from_events(
        "ENG-1234",
        m.incident.checklist.clone(),
        events.clone(),
    );
    let exporter =
        warroom::export::Exporter::new(None, Default::default(), None, t(14)).expect("exporter");
    let pir = exporter
        .render(&inc, &events, warroom::export::Format::Pir)
        .expect("pir");
    assert!(
        pir.contains("- Pull request: #7 (https://github.com/acme/api/pull/7); no approval: the review was waived at P0 (reviewer asleep, P0); checks not reported; merged as ccccccc"),
        "{pir}"
    );
}

/// A `--no-ff` merge of the hotfix into main, pushed to origin, as the PR's merge button makes it.
fn merge_on_origin(repo: &common::repo::TestRepo, hotfix: &str) -> String {
    let r = repo.repo();
    let main = r
        .find_branch("main", git2::BranchType::Local)
        .expect("main")
        .get()
        .peel_to_commit()
        .expect("c");
    let fix = r
        .find_branch(hotfix, git2::BranchType::Local)
        .expect("hotfix")
        .get()
        .peel_to_commit()
        .expect("c");
    let sig = git2::Signature::now("GitHub", "noreply@github.com").expect("sig");
    let id = r
        .commit(
            Some("refs/heads/main"),
            &sig,
            &sig,
            &format!("Merge pull request #7 from acme/{hotfix}"),
            &fix.tree().expect("tree"),
            &[&main, &fix],
        )
        .expect("merge");
    repo.push(&["refs/heads/main"]);
    id.to_string()
}

#[test]
fn the_pr_opened_from_the_console_ticks_its_items_as_github_changes_and_the_tag_goes_on_the_merge()
{
    use common::tmux::{Tmux, tmux_available};
    if !tmux_available() {
        return;
    }
    let gh = FakeGithub::start("acme", "api");
    let project = fake::Project::open(&gh, TOKEN, "ENG-7", "P0", "Auth bypass");
    let (repo, home) = (&project.repo, &project.home);
    let run = |args: &[&str]| project.run(args);
    let hotfix = repo
        .head_name()
        .trim_start_matches("refs/heads/")
        .to_string();
    repo.write(
        "src/auth.ts",
        "export function check(token) {\n  return !!token && !token.expired;\n}\n",
    );
    repo.write(
        "tests/auth.test.ts",
        "test('expired', () => expect(check({expired: true})).toBe(false));\n",
    );
    let head_sha = repo.commit("fix: refuse expired tokens").to_string();
    gh.with(|h| h.next_head_sha = head_sha.clone());

    let tmux = Tmux::new("github-pr");
    project.console(&tmux, "ENG-7");
    tmux.wait_for("[ ] PR opened with [RELEASE]");
    // The console measures the guard of the new commit first; the PR text then includes it.
    tmux.wait_for("Guard: 1 commit");
    tmux.keys(&["g", "8"]);
    tmux.wait_for("Open this pull request on GitHub");
    tmux.wait_for("🚨 [RELEASE] ENG-7: Auth bypass [HOTFIX] [P0]");
    tmux.keys(&["y"]);
    tmux.wait_for("Opened PR #7: https://github.com/acme/api/pull/7 (labels hotfix, P0)");
    tmux.wait_for("[✓] PR opened with [RELEASE]");
    let (title, body, labels, head) = gh.with(|h| {
        let p = &h.pulls[0];
        (
            p.title.clone(),
            p.body.clone(),
            p.labels.clone(),
            p.head.clone(),
        )
    });
    assert_eq!(title, "🚨 [RELEASE] ENG-7: Auth bypass [HOTFIX] [P0]");
    assert_eq!(labels, ["hotfix", "P0"]);
    assert_eq!(head, hotfix);
    // The branch was pushed: origin has the hotfix commit.
    let origin = git2::Repository::open_bare(&repo.origin).expect("origin");
    assert_eq!(
        origin
            .find_reference(&format!("refs/heads/{hotfix}"))
            .expect("pushed")
            .target()
            .map(|o| o.to_string()),
        Some(head_sha.clone())
    );
    // The body is pr.md rendered from the record at that moment (its first line is the title).
    let pr_md = run(&["export", "ENG-7", "--format", "pr"]);
    let (md_title, md_body) = warroom::github::split_pr_md(&pr_md);
    assert_eq!(md_title, title);
    // Only the SLA's countdown (written to the minute) may have moved on since.
    let steady = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.contains("target left"))
            .map(String::from)
            .collect()
    };
    assert!(body.contains("target left"), "{body}");
    assert_eq!(steady(&md_body), steady(&body));

    gh.approve(7, "alice");
    tmux.wait_for("PR #7 approved by alice");
    tmux.wait_for("[✓] PR approved by at least one reviewer");
    gh.checks(7, &[("test", "completed", Some("failure"))]);
    tmux.wait_for("PR #7: check test failed");
    tmux.wait_for("https://github.com/acme/api/runs/4");
    assert!(tmux.screen().contains("[ ] All CI checks pass"));
    gh.checks(7, &[("test", "completed", Some("success"))]);
    tmux.wait_for("[✓] All CI checks pass");
    let merge = merge_on_origin(repo, &hotfix);
    gh.merge(7, &merge);
    tmux.wait_for(&format!("PR #7 merged into main as {}", &merge[..7]));
    tmux.wait_for("[✓] PR merged to main");
    tmux.keys(&["q"]);
    tmux.wait_gone("Checklist");

    // verify looks for the merge commit in the base; the tag goes on it, as git itself reads it.
    let verified = run(&["git", "verify", "ENG-7"]);
    assert!(
        verified.contains(&format!(
            "✓ main contains the PR's merge commit {}",
            &merge[..7]
        )),
        "{verified}"
    );
    run(&["git", "tag", "ENG-7"]);
    let tagged = std::process::Command::new("git")
        .args(["rev-parse", "v2.3.5^{commit}"])
        .current_dir(&repo.work)
        .output()
        .expect("git");
    assert_eq!(String::from_utf8_lossy(&tagged.stdout).trim(), merge);

    // The token is nowhere: not on the screen, in the record, the logs or the documents.
    run(&["export", "ENG-7", "--format", "json"]);
    for f in common::tmux::walk(home.path()) {
        let text = std::fs::read(&f).unwrap_or_default();
        assert!(
            !text.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()),
            "{} holds the token",
            f.display()
        );
    }
    let seen = gh.seen();
    assert!(
        seen.iter()
            .all(|s| s.auth.as_deref() == Some(format!("Bearer {TOKEN}").as_str()))
    );
    assert!(
        seen.iter().any(|s| s.status == 304),
        "the follower's unchanged polls are conditional"
    );
}

#[test]
fn the_command_line_opens_the_pr_and_one_pr_per_backport() {
    let repo = common::repo::TestRepo::new();
    let home = tempfile::tempdir().expect("tmp");
    let gh = FakeGithub::start("acme", "api");
    std::fs::write(
        repo.work.join("warroom.toml"),
        format!(
            "[github]\napi_url = \"{}\"\nrepository = \"acme/api\"\n",
            gh.api
        ),
    )
    .expect("config");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        common::warroom_env(home.path(), &repo.work, args, env)
    };
    let ok = |args: &[&str]| {
        let o = run(args, &[("GITHUB_TOKEN", TOKEN)]);
        assert!(o.status.success(), "{args:?}: {}", common::stderr(&o));
        common::stdout(&o)
    };
    ok(&[
        "open",
        "ENG-8",
        "--priority",
        "P1",
        "--title",
        "Token cache",
        "--no-console",
    ]);
    ok(&["git", "branch", "ENG-8", "--no-fetch"]);
    repo.write("src/users.ts", "export const users = [] as string[];\n");
    repo.commit("fix: type the users");

    // Without a token: exit 2 and what to set.
    let o = run(
        &["git", "pr", "ENG-8"],
        &[("GITHUB_TOKEN", ""), ("GH_TOKEN", "")],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::stderr(&o).contains("export GITHUB_TOKEN (or GH_TOKEN)"),
        "{}",
        common::stderr(&o)
    );

    let out = ok(&["git", "pr", "ENG-8", "--draft"]);
    assert!(
        out.contains("Opened PR #7: https://github.com/acme/api/pull/7 (labels hotfix, P1)"),
        "{out}"
    );
    let pr_md = ok(&["export", "ENG-8", "--format", "pr"]);
    let (title, body) = warroom::github::split_pr_md(&pr_md);
    let pull = gh.with(|h| h.pulls[0].clone());
    assert!(pull.draft);
    assert_eq!(pull.title, title);
    let steady = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.contains("target left"))
            .map(String::from)
            .collect()
    };
    assert_eq!(steady(&pull.body), steady(&body));
    // Again: found on the record, nothing opened twice.
    assert!(ok(&["git", "pr", "ENG-8"]).contains("PR #7 is on the record"));

    let out = ok(&[
        "git",
        "backport",
        "ENG-8",
        "--branches",
        "release-candidate",
        "--pr",
    ]);
    assert!(
        out.contains("Opened PR #8 for the backport to release-candidate"),
        "{out}"
    );
    let bp = gh.with(|h| h.pulls[1].clone());
    assert_eq!(bp.base, "release-candidate");
    assert_eq!(bp.head, "backport/release-candidate/hotfix-ENG-8");
    assert_eq!(bp.title, format!("{title} → release-candidate"));
    assert!(
        bp.body
            .starts_with("Backport of #7 to `release-candidate`."),
        "{}",
        bp.body
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["export", "ENG-8", "--format", "json"])).expect("json");
    let events = json["events"].as_array().expect("events");
    let count = |kind: &str| events.iter().filter(|e| e["kind"] == kind).count();
    assert_eq!(
        count("pr_opened"),
        1,
        "only the hotfix's PR is the PR on record"
    );
    assert!(
        events.iter().any(|e| e["kind"] == "git_backport"
            && e["pr"] == 8
            && e["target"] == "release-candidate"),
        "the backport's PR is on the timeline with its step"
    );
    let origin = git2::Repository::open_bare(&repo.origin).expect("origin");
    assert!(
        origin
            .find_reference("refs/heads/backport/release-candidate/hotfix-ENG-8")
            .is_ok()
    );
}

#[test]
fn a_remote_not_on_github_is_said_and_pr_md_stays_the_way() {
    let repo = common::repo::TestRepo::new();
    let home = tempfile::tempdir().expect("tmp");
    let run = |args: &[&str]| {
        common::warroom_env(home.path(), &repo.work, args, &[("GITHUB_TOKEN", TOKEN)])
    };
    assert!(
        run(&[
            "open",
            "ENG-9",
            "--priority",
            "P2",
            "--title",
            "Slow",
            "--no-console"
        ])
        .status
        .success()
    );
    assert!(
        run(&["git", "branch", "ENG-9", "--no-fetch"])
            .status
            .success()
    );
    let o = run(&["git", "pr", "ENG-9"]);
    assert_eq!(o.status.code(), Some(2));
    let e = common::stderr(&o);
    assert!(
        e.contains("is a local path, not a repository on GitHub") && e.contains("pr.md"),
        "{e}"
    );

    // In the console: the preview says so, and so does the checklist item.
    let mut m = common::model("P2", t(10));
    update(&mut m, Msg::PrPreview(Err(e.trim().to_string())));
    assert!(
        m.github
            .unavailable
            .as_deref()
            .is_some_and(|w| w.contains("pr.md"))
    );
    let at = m.items().position(|it| it.id == "pr-opened").expect("item");
    m.selected = at;
    let screen = format!("{:?}", common::render(&m, 160, 50).backend());
    assert!(
        screen.contains("open it by hand from exports/pr.md"),
        "{screen}"
    );
    assert!(update(&mut m, common::key('g')).is_empty());
}

#[test]
fn a_pr_closed_without_merging_is_a_red_line_recorded_once() {
    let mut m = common::model("P1", t(10));
    m.incident.apply(
        Draft::new(kinds::PR_OPENED, "Opened PR #7")
            .field("number", 7)
            .field("url", "u")
            .stamp(t(11)),
    );
    let mut closed = state(&[], Checks::Pending, false);
    closed.state = "closed".into();
    let fx = update(&mut m, Msg::Github(GithubMsg::State(closed.clone())));
    let d = apply(&mut m, &fx);
    assert_eq!(d.len(), 1);
    assert_eq!(
        d[0].text,
        "PR #7 was closed without merging (still followed, in case it is reopened)"
    );
    assert!(d[0].clone().stamp(t(12)).is_failure(), "shown as a failure");
    let item = m
        .incident
        .checklist
        .item("pr-merged")
        .expect("item")
        .clone();
    assert!(!matches!(m.incident.status(&item), ItemStatus::Done(_)));
    let fx = update(&mut m, Msg::Github(GithubMsg::State(closed)));
    assert!(apply(&mut m, &fx).is_empty());
}
