//! Sentry as it really answers, driven through the real poller against a local server: an
//! environment it does not know, a numeric project id, a sign-in page where the API should
//! be, an older server without `yAxis`, and buckets wider than asked around a detection in
//! the middle of a bucket.

mod common;

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use common::sentry::{Answer, FakeSentry, Seen, fixture};
use tokio::sync::{mpsc, watch};
use warroom::app::error_rate::ErrorRate;
use warroom::config::SentryConfig;
use warroom::sentry::client::Client;
use warroom::sentry::poller::{self, PollerConfig};
use warroom::sentry::project::ProjectRef;
use warroom::sentry::{PollState, SentryMsg};

const TOKEN: &str = "sntryu_0123456789abcdef_planted";

fn client(server: &FakeSentry) -> Client {
    Client::new(&server.base, "acme", TOKEN.into(), Duration::from_secs(2)).expect("client")
}

fn config(project: &ProjectRef, interval_ms: u64, detected: DateTime<Utc>) -> PollerConfig {
    PollerConfig {
        project: project.clone(),
        environment: Some("production".into()),
        query: "event.type:error".into(),
        interval: Duration::from_millis(interval_ms),
        window: Duration::from_secs(7200),
        history_from: detected - chrono::Duration::hours(1),
    }
}

struct Running {
    task: tokio::task::JoinHandle<()>,
    _deploys: watch::Sender<Option<DateTime<Utc>>>,
}

impl Running {
    fn abort(&self) {
        self.task.abort();
    }
}

fn start(server: &FakeSentry, cfg: PollerConfig) -> (mpsc::Receiver<SentryMsg>, Running) {
    let (tx, rx) = mpsc::channel(256);
    let (deploys, drx) = watch::channel(None);
    let task = poller::spawn(client(server), cfg, tx, drx);
    (
        rx,
        Running {
            task,
            _deploys: deploys,
        },
    )
}

async fn next(rx: &mut mpsc::Receiver<SentryMsg>) -> SentryMsg {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a report in time")
        .expect("open")
}

async fn error_reason(rx: &mut mpsc::Receiver<SentryMsg>) -> String {
    loop {
        if let SentryMsg::State(PollState::Error { reason, .. }) = next(rx).await {
            return reason;
        }
    }
}

const NOT_FOUND: &str = r#"{"detail": "The requested resource does not exist"}"#;

#[tokio::test]
async fn an_environment_sentry_does_not_know_is_named_with_the_ones_it_knows() {
    let server = FakeSentry::start();
    server.script("/events-stats/", vec![Answer::json(404, NOT_FOUND)]);
    server.script(
        "/projects/acme/api/environments/",
        vec![Answer::json(
            200,
            r#"[{"id": "1", "name": "prod", "isHidden": false}, {"id": "2", "name": "staging", "isHidden": true}]"#,
        )],
    );
    let (mut rx, task) = start(&server, config(&ProjectRef::new("2"), 5000, Utc::now()));
    let reason = error_reason(&mut rx).await;
    task.abort();
    assert!(
        reason.contains(r#"no environment "production" in project "api""#)
            && reason.contains("it knows: prod, staging")
            && reason.contains("set [sentry] environment")
            && !reason.contains("org"),
        "{reason}"
    );
    let asked = server.seen_at("/environments/");
    assert_eq!(asked[0].q("visibility"), Some("all"));

    // When the environment exists, the 404 is about something else: all three settings named.
    let server = FakeSentry::start();
    server.script("/events-stats/", vec![Answer::json(404, NOT_FOUND)]);
    server.script(
        "/projects/acme/api/environments/",
        vec![Answer::json(200, r#"[{"id": "1", "name": "production"}]"#)],
    );
    let (mut rx, task) = start(&server, config(&ProjectRef::new("2"), 5000, Utc::now()));
    let reason = error_reason(&mut rx).await;
    task.abort();
    assert!(
        reason.contains(
            r#"check [sentry] org ("acme"), project ("api") and environment ("production")"#
        ),
        "{reason}"
    );
}

#[tokio::test]
async fn a_numeric_project_id_is_resolved_to_its_slug_once_for_everything() {
    let server = FakeSentry::start();
    let next_page = r#"<http://x/api/0/organizations/acme/projects/?cursor=100:1:0>; rel="next"; results="true"; cursor="100:1:0""#;
    server.script(
        "/organizations/acme/projects/",
        vec![
            Answer::json(200, r#"[{"id": "7", "slug": "web", "name": "Web"}]"#)
                .header("link", next_page),
            Answer::json(
                200,
                r#"[{"id": "4501", "slug": "payments-api", "name": "Payments"}]"#,
            ),
        ],
    );
    server.script(
        "/events-stats/",
        vec![Answer::json(200, fixture("events-stats.json"))],
    );
    server.script(
        "/releases/v2.3.5/deploys/",
        vec![Answer::json(201, fixture("deploy-created.json"))],
    );
    let project = ProjectRef::new("4501");
    let (mut rx, task) = start(&server, config(&project, 5000, Utc::now()));
    loop {
        if let SentryMsg::Series { .. } = next(&mut rx).await {
            break;
        }
    }
    task.abort();
    let now = Utc::now();
    let r =
        poller::register_deploy(&client(&server), "v2.3.5", "production", &project, now, now).await;
    assert_eq!(r, Ok("v2.3.5".to_string()));
    assert_eq!(
        server.seen_at("/organizations/acme/projects/").len(),
        2,
        "two pages, once"
    );
    assert_eq!(
        server.seen_at("/organizations/acme/projects/")[1].q("cursor"),
        Some("100:1:0")
    );
    assert_eq!(
        server.seen_at("/events-stats/")[0].q("project"),
        Some("4501")
    );
    let body: serde_json::Value =
        serde_json::from_str(&server.seen_at("/deploys/")[0].body).expect("json");
    assert_eq!(body["projects"], serde_json::json!(["payments-api"]));

    // An id the organization does not have.
    let server = FakeSentry::start();
    let (mut rx, task) = start(&server, config(&ProjectRef::new("999"), 5000, Utc::now()));
    let reason = error_reason(&mut rx).await;
    task.abort();
    assert!(
        reason.contains("no project with id 999 in organization \"acme\"")
            && reason.contains("[sentry] project"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_sign_in_page_where_the_api_should_answer_is_named() {
    let server = FakeSentry::start();
    let login = format!("{}/auth/login/?next=/api/0/", server.base);
    server.script(
        "/events-stats/",
        vec![Answer::json(302, "").header("location", &login)],
    );
    server.script(
        "/auth/login/",
        vec![Answer {
            status: 200,
            headers: vec![("content-type".into(), "text/html; charset=utf-8".into())],
            body: b"<!DOCTYPE html><html><body><form><h1>Sign in to continue</h1><input type=password></form></body></html>".to_vec(),
            delay: Duration::ZERO,
        }],
    );
    let (mut rx, task) = start(&server, config(&ProjectRef::new("2"), 5000, Utc::now()));
    let reason = error_reason(&mut rx).await;
    task.abort();
    assert!(
        reason.contains(&format!("a sign-in page at {}/auth/login/ ", server.base))
            && reason.contains("check [sentry] base_url and the proxy")
            && !reason.contains("expected value"),
        "{reason}"
    );
}

#[tokio::test]
async fn an_older_sentry_gets_the_request_it_understands() {
    let server = FakeSentry::start();
    server.respond("/events-stats/", |seen: &Seen| {
        if seen.q("yAxis").is_some() {
            Answer::json(
                400,
                r#"{"detail": "Param yAxis value count() not recognized."}"#,
            )
        } else {
            Answer::json(200, fixture("events-stats.json"))
        }
    });
    let (mut rx, task) = start(&server, config(&ProjectRef::new("2"), 200, Utc::now()));
    let mut notice = None;
    let mut series = 0;
    while series < 2 {
        match next(&mut rx).await {
            SentryMsg::Notice(n) => notice = Some(n),
            SentryMsg::Series { buckets, .. } => {
                assert!(!buckets.is_empty());
                series += 1;
            }
            SentryMsg::State(PollState::Error { reason, .. }) => panic!("{reason}"),
            _ => {}
        }
    }
    task.abort();
    let notice = notice.expect("the fallback is said");
    assert!(
        notice.contains("does not know yAxis=count()") && notice.contains("default"),
        "{notice}"
    );
    let asked = server.seen_at("/events-stats/");
    assert!(asked[0].q("yAxis").is_some());
    assert!(
        asked[1..].iter().all(|s| s.q("yAxis").is_none()),
        "asked once, then without"
    );
}

/// A Sentry that counts events at 12/min before `detected` and 120/min after, in buckets of
/// `width` seconds aligned as Sentry aligns them, whatever interval was asked for; a bucket
/// only partly inside the requested range counts only that part, as Sentry's does.
fn widening_sentry(server: &FakeSentry, width: i64, detected: i64) {
    server.respond("/events-stats/", move |seen: &Seen| {
        let at = |k: &str| {
            NaiveDateTime::parse_from_str(seen.q(k).expect("time"), "%Y-%m-%dT%H:%M:%S")
                .expect("naive UTC")
                .and_utc()
                .timestamp()
        };
        let (start, end) = (at("start"), at("end"));
        let mut data = Vec::new();
        let mut b = start.div_euclid(width) * width;
        while b < end {
            let count = events(start.max(b), end.min(b + width), detected);
            data.push(serde_json::json!([b, [{ "count": count }]]));
            b += width;
        }
        Answer::json(
            200,
            serde_json::json!({ "data": data, "start": start, "end": end, "meta": {} }).to_string(),
        )
    });
}

/// Events in [from, to): 0.2 a second before detection, 2 a second after.
fn events(from: i64, to: i64, detected: i64) -> f64 {
    let before = (to.min(detected) - from).max(0) as f64;
    let after = (to - from.max(detected)).max(0) as f64;
    0.2 * before + 2.0 * after
}

async fn buckets_of(width: i64) {
    let now = Utc::now().timestamp();
    let base = now.div_euclid(width) * width;
    // In the middle of a bucket, far enough back for a baseline before it.
    let detected = base - width - width / 2;
    let server = FakeSentry::start();
    widening_sentry(&server, width, detected);
    let detected_at = DateTime::from_timestamp(detected, 0).expect("t");
    let (mut rx, task) = start(&server, config(&ProjectRef::new("2"), 150, detected_at));
    let mut e = ErrorRate::new(&SentryConfig {
        window: Duration::from_secs(7200),
        baseline: Duration::from_secs(3600),
        ..SentryConfig::default()
    });
    let mut polls = 0;
    while polls < 4 {
        let SentryMsg::Series {
            start,
            buckets,
            width: w,
            at,
        } = next(&mut rx).await
        else {
            continue;
        };
        polls += 1;
        assert_eq!(w, width, "the width Sentry answered with");
        assert_eq!(start % width, 0, "poll {polls} starts on a bucket boundary");
        e.merge(start, buckets, w, at.timestamp(), detected);
        let newest = *e.series.keys().next_back().expect("buckets");
        for (t, count) in &e.series {
            if *t == newest {
                continue;
            }
            let truth = events(*t, t + width, detected) * 60.0 / width as f64;
            assert!(
                (e.per_min(*count) - truth).abs() < 1e-6,
                "{width}s buckets, poll {polls}: the bucket at {t} shows {} per minute, truly {truth}",
                e.per_min(*count)
            );
        }
        let baseline = e.baseline(detected_at).expect("a baseline");
        assert!(
            (baseline - 12.0).abs() < 1e-6,
            "{width}s buckets: baseline {baseline}, truly 12/min"
        );
    }
    task.abort();
    let current = e.current().expect("a complete bucket");
    let newest_complete = *e.series.keys().rev().nth(1).expect("two buckets");
    let truth = events(newest_complete, newest_complete + width, detected) * 60.0 / width as f64;
    assert!(
        (current - truth).abs() < 1e-6,
        "{width}s: current {current} per minute, truly {truth}"
    );
    let asked = server.seen_at("/events-stats/");
    let last = asked.last().expect("asked");
    assert_eq!(
        last.q("interval"),
        Some(match width {
            60 => "1m",
            300 => "5m",
            _ => "1h",
        }),
        "after the first answer, the trailing polls ask for the width Sentry uses"
    );
}

#[tokio::test]
async fn one_minute_buckets() {
    buckets_of(60).await;
}

#[tokio::test]
async fn five_minute_buckets_for_a_one_minute_request() {
    buckets_of(300).await;
}

#[tokio::test]
async fn sixty_minute_buckets() {
    buckets_of(3600).await;
}
