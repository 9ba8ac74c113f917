//! Rollbar as the error source, against a stand-in built from Rollbar's API documentation
//! (tests/common/rollbar.rs): the rate a minute at a time, every page of items, the deploy
//! registered, Rollbar's refusals and rate limit in words; and the real console in tmux with the
//! pane, the verdict and the registration, the token in no file.

mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use common::rollbar::{Item, READ_ONLY, Rollbar, TOKEN};
use common::tmux::{Tmux, tmux_available, walk};
use common::*;
use tokio::sync::{mpsc, watch};
use warroom::config::RollbarLevel;
use warroom::rollbar::Client;
use warroom::rollbar::poller::{PollerConfig, new_items, register_deploy, spawn};
use warroom::sentry::{PollState, SentryMsg};

fn item(n: i64, level: &'static str, first: i64) -> Item {
    Item {
        id: 270_000_000 + n,
        counter: n,
        title: format!("TypeError #{n}"),
        level,
        environment: "production".into(),
        status: "active",
        first,
        last: first + 30,
        total: 3,
    }
}

/// 230 old items (three pages), and on the last page two first seen after `deploy`, one of
/// them in staging, one resolved, one a warning.
fn items(deploy: i64) -> Vec<Item> {
    let mut v: Vec<Item> = (1..=230)
        .map(|n| item(n, "error", deploy - 86_400 - n))
        .collect();
    v.push(item(231, "critical", deploy + 60));
    v.push(item(232, "error", deploy + 120));
    v.push(Item {
        environment: "staging".into(),
        ..item(233, "error", deploy + 90)
    });
    v.push(Item {
        status: "resolved",
        ..item(234, "error", deploy + 100)
    });
    v.push(item(235, "warning", deploy + 110));
    v
}

/// Before `deploy` 400 errors a minute in production, 3 after; 10 before `detected`.
fn rate(detected: i64, deploy: i64) -> impl Fn(i64, &str, &str) -> f64 + Send + 'static {
    move |t, env, _| match (env, t) {
        ("production", t) if t < detected => 10.0,
        ("production", t) if t < deploy => 400.0,
        ("production", _) => 3.0,
        _ => 0.0,
    }
}

fn client(rb: &Rollbar, token: &str) -> Client {
    Client::new(
        &rb.url,
        token.into(),
        "ROLLBAR_ACCESS_TOKEN",
        Duration::from_secs(5),
    )
    .expect("client")
}

#[tokio::test]
async fn the_poller_reads_minutes_and_every_page_of_items() {
    let now = Utc::now().timestamp();
    let (detected, deploy) = (now - 3600, now - 600);
    let rb = Rollbar::start(rate(detected, deploy), items(deploy));
    let (tx, mut rx) = mpsc::channel(16);
    let cfg = PollerConfig {
        environment: "production".into(),
        min_level: RollbarLevel::Error,
        interval: Duration::from_secs(60),
        window: Duration::from_secs(2 * 3600),
        history_from: chrono::DateTime::from_timestamp(detected - 1800, 0).expect("t"),
    };
    let at = chrono::DateTime::from_timestamp(deploy, 0);
    let (_deploys, watching) = watch::channel(at);
    let task = spawn(client(&rb, TOKEN), cfg, tx, watching);
    let mut got = Vec::new();
    while got.len() < 3 {
        got.push(
            tokio::time::timeout(Duration::from_secs(10), rx.recv())
                .await
                .expect("in time")
                .expect("msg"),
        );
    }
    task.abort();
    let SentryMsg::Series {
        start,
        buckets,
        width,
        ..
    } = &got[0]
    else {
        panic!("{:?}", got[0])
    };
    assert_eq!(*width, 60);
    // Two hours of window and the baseline before detection: 121 minutes.
    assert_eq!(buckets.len(), 121, "{buckets:?}");
    assert_eq!(*start, buckets[0].0);
    assert!(
        buckets
            .iter()
            .all(|(t, c)| *c == if *t < deploy { 400.0 } else { 3.0 } || *t < detected)
    );
    let SentryMsg::Issues { issues, .. } = &got[1] else {
        panic!("{:?}", got[1])
    };
    let ids: Vec<&str> = issues.iter().map(|i| i.short_id.as_str()).collect();
    assert_eq!(
        ids,
        ["#232", "#231"],
        "the new ones, newest first, from the third page"
    );
    assert_eq!(issues[1].level.as_deref(), Some("critical"));
    assert!(
        matches!(got[2], SentryMsg::State(PollState::Ok)),
        "{:?}",
        got[2]
    );
    let rbs = rb.lock();
    assert!(rbs.refused.is_empty(), "{:?}", rbs.refused);
    let (path, q) = &rbs.requests[0];
    assert_eq!(path, "reports/occurrence_counts");
    for (k, v) in [
        ("bucket_size", "60"),
        ("buckets", "121"),
        ("environments", "production"),
        ("min_level", "error"),
    ] {
        assert!(q.contains(&(k.to_string(), v.to_string())), "{q:?}");
    }
    let pages: Vec<&String> = rbs
        .requests
        .iter()
        .filter(|(p, _)| p == "items")
        .flat_map(|(_, q)| q.iter().filter(|(k, _)| k == "page").map(|(_, v)| v))
        .collect();
    assert_eq!(pages, ["1", "2", "3"]);
    assert!(
        rbs.requests[1]
            .1
            .contains(&("level".into(), "critical".into()))
    );
    assert!(
        !rbs.requests[1]
            .1
            .contains(&("level".into(), "warning".into()))
    );
}

#[tokio::test]
async fn more_items_than_are_read_is_said_never_taken_for_all() {
    let now = Utc::now().timestamp();
    let many: Vec<Item> = (1..=1100).map(|n| item(n, "error", now - 86_400)).collect();
    let rb = Rollbar::start(|_, _, _| 0.0, many);
    let since = chrono::DateTime::from_timestamp(now - 60, 0).expect("t");
    let e = new_items(
        &client(&rb, TOKEN),
        "production",
        RollbarLevel::Error,
        since,
    )
    .await
    .expect_err("cut");
    assert_eq!(
        e.to_string(),
        "more than 1000 active items in production: the new ones since the deploy are not all read"
    );
}

#[tokio::test]
async fn refusals_and_the_rate_limit_are_said_and_polling_goes_on() {
    let now = Utc::now().timestamp();
    let rb = Rollbar::start(rate(now - 3600, now - 600), Vec::new());
    // An unknown token: Rollbar's 403, in words that name the variable.
    let (tx, mut rx) = mpsc::channel(16);
    let cfg = PollerConfig {
        environment: "production".into(),
        min_level: RollbarLevel::Error,
        interval: Duration::from_secs(5),
        window: Duration::from_secs(1800),
        history_from: Utc::now(),
    };
    let (_d, w) = watch::channel(None);
    let task = spawn(client(&rb, "nope"), cfg.clone(), tx, w);
    let msg = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("time")
        .expect("msg");
    task.abort();
    let SentryMsg::State(PollState::Error { reason, .. }) = msg else {
        panic!("{msg:?}")
    };
    assert!(
        reason.starts_with("403 invalid access token: the token in $ROLLBAR_ACCESS_TOKEN"),
        "{reason}"
    );

    // A 429 with Rollbar's headers: waited out, then the series comes.
    rb.lock().limit_next = Some(2);
    let (tx, mut rx) = mpsc::channel(16);
    let (_d, w) = watch::channel(None);
    let task = spawn(client(&rb, TOKEN), cfg, tx, w);
    let first = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("time")
        .expect("msg");
    let SentryMsg::State(PollState::RateLimited { until, detail }) = first else {
        panic!("{first:?}")
    };
    assert_eq!(detail, "rate limit exceeded");
    let wait = (until - Utc::now()).num_milliseconds();
    assert!((1000..=3100).contains(&wait), "{wait} ms");
    let started = Instant::now();
    let next = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("time")
        .expect("msg");
    task.abort();
    assert!(matches!(next, SentryMsg::Series { .. }), "{next:?}");
    assert!(started.elapsed() >= Duration::from_millis(1500));

    // A read-only token cannot register a deploy: said, with the scope it lacks.
    let e = register_deploy(
        &client(&rb, READ_ONLY),
        "production",
        "v2.3.5",
        "ana",
        None,
        "hotfix",
    )
    .await
    .expect_err("scope");
    assert!(
        e.contains("403 access token does not have the post_server_item scope"),
        "{e}"
    );
    let id = register_deploy(
        &client(&rb, TOKEN),
        "production",
        "v2.3.5",
        "ana",
        Some("ana.r"),
        "hotfix",
    )
    .await
    .expect("registered");
    assert_eq!(id, "14217");
    let d = &rb.lock().deploys[0];
    assert_eq!(d["revision"], "v2.3.5");
    assert_eq!(d["local_username"], "ana");
    assert_eq!(d["rollbar_username"], "ana.r");
    assert_eq!(d["status"], "succeeded");
}

fn line(at: chrono::DateTime<Utc>, kind: &str, text: &str, fields: serde_json::Value) -> String {
    let mut v = serde_json::json!({ "at": warroom::journal::event::rfc3339_string(at), "kind": kind, "text": text });
    for (k, f) in fields.as_object().expect("fields") {
        v[k] = f.clone();
    }
    format!("{v}\n")
}

#[test]
fn the_console_shows_rollbar_judges_the_deploy_and_registers_the_next() {
    if !tmux_available() {
        return;
    }
    let now = Utc::now();
    let detected = now - chrono::Duration::minutes(90);
    let deployed = now - chrono::Duration::minutes(6);
    let rb = Rollbar::start(
        rate(detected.timestamp(), deployed.timestamp()),
        items(deployed.timestamp()),
    );
    let home = tempfile::tempdir().expect("tmp");
    let t = "RBR-1";
    std::fs::write(
        home.path().join("warroom.toml"),
        format!(
            "[deploy]\ncommand = \"true\"\n\n[errors]\nsource = \"rollbar\"\n\n[rollbar]\nbase_url = \"{}\"\npoll_interval = \"5s\"\nverdict_buckets = 2\nregister_deploy = true\n",
            rb.url
        ),
    )
    .expect("config");
    let dir = home.path().join("incidents").join(t);
    std::fs::create_dir_all(&dir).expect("dir");
    let journal = [
        line(detected, "incident_opened", "Incident opened: P1 Checkout 500s", serde_json::json!({
            "ticket": t, "title": "Checkout 500s", "priority": "P1",
            "detected_at": warroom::journal::event::rfc3339_string(detected) })),
        line(deployed - chrono::Duration::minutes(2), "git_tag_created", "Tagged abc1234 as v2.3.5",
            serde_json::json!({ "tag": "v2.3.5", "commit": "abc1234def5678abc1234def5678abc1234def56" })),
        line(deployed, "deploy_finished", "Fix deployed", serde_json::json!({ "exit_code": 0, "command": "true" })),
    ]
    .concat();
    std::fs::write(dir.join("journal.jsonl"), journal).expect("journal");

    let tmux = Tmux::new(t);
    tmux.start_sized(home.path(), 160, 50);
    let resume = format!(
        "USER=ana ROLLBAR_ACCESS_TOKEN={TOKEN} {} resume {t}",
        bin().display()
    );
    tmux.line(&resume);
    tmux.wait_for("Error rate (Rollbar)");
    let screen = tmux.wait_for("minute counts");
    assert!(screen.contains("new items since the deploy"), "{screen}");
    // The drop, judged on the deploy six minutes ago, and the two new items, on the record.
    let start = Instant::now();
    while events_of(home.path(), t, "rollbar_item").len() < 2
        || events_of(home.path(), t, "error_rate").is_empty()
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let verdict = &events_of(home.path(), t, "error_rate")[0];
    assert_eq!(verdict["verdict"], "dropped", "{verdict}");
    assert_eq!(verdict["source"], "rollbar");
    let new = events_of(home.path(), t, "rollbar_item");
    assert!(
        new[0]["text"]
            .as_str()
            .expect("text")
            .starts_with("New Rollbar item #"),
        "{new:?}"
    );
    assert!(events_of(home.path(), t, "sentry_issue").is_empty());

    // A deploy from the console is registered with the tag as its revision, by the seat's user.
    tmux.keys(&["d"]);
    tmux.wait_for("Deploy to production");
    tmux.keys(&["y"]);
    tmux.wait_for("Deploy registered with Rollbar (revision v2.3.5)");
    let registered = events_of(home.path(), t, "rollbar_deploy");
    assert_eq!(registered.len(), 1);
    assert_eq!(registered[0]["ok"], true);
    let d = rb.lock().deploys[0].clone();
    assert_eq!(
        (
            d["environment"].as_str(),
            d["revision"].as_str(),
            d["local_username"].as_str()
        ),
        ("production", "v2.3.5", "ana")
    );
    let slack = warroom(home.path(), &["export", t, "--format", "slack"]);
    assert!(
        stdout(&slack).contains("new Rollbar items since the deploy"),
        "{}",
        stdout(&slack)
    );
    tmux.keys(&["q"]);
    tmux.wait_gone("Error rate (Rollbar)");
    assert!(rb.lock().refused.is_empty(), "{:?}", rb.lock().refused);
    for f in walk(home.path()) {
        let text = String::from_utf8_lossy(&std::fs::read(&f).expect("read")).into_owned();
        assert!(!text.contains(TOKEN), "the token is in {}", f.display());
    }
}
