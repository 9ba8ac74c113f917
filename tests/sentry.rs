//! The Sentry poller against a real local HTTP server speaking Sentry's shapes.

mod common;

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use common::sentry::{Answer, FakeSentry, fixture};
use tokio::sync::{mpsc, watch};
use warroom::app::{Model, Msg, update};
use warroom::sentry::client::Client;
use warroom::sentry::poller::{self, PollerConfig};
use warroom::sentry::project::ProjectRef;
use warroom::sentry::{PollState, SentryMsg};

const TOKEN: &str = "sntryu_0123456789abcdef_planted";

fn cfg(project: &str, interval_ms: u64) -> PollerConfig {
    PollerConfig {
        project: ProjectRef::new(project),
        environment: Some("production".into()),
        query: "event.type:error".into(),
        interval: Duration::from_millis(interval_ms),
        window: Duration::from_secs(7200),
        history_from: Utc::now() - chrono::Duration::hours(3),
    }
}

fn start(
    server: &FakeSentry,
    c: PollerConfig,
    token: &str,
    deploy: Option<DateTime<Utc>>,
) -> (
    mpsc::Receiver<SentryMsg>,
    tokio::task::JoinHandle<()>,
    watch::Sender<Option<DateTime<Utc>>>,
) {
    let client = Client::new(
        &server.base,
        "acme",
        token.into(),
        Duration::from_millis(800),
    )
    .expect("client");
    let (tx, rx) = mpsc::channel(256);
    let (dtx, drx) = watch::channel(deploy);
    (rx, poller::spawn(client, c, tx, drx), dtx)
}

async fn next_sentry(rx: &mut mpsc::Receiver<SentryMsg>) -> SentryMsg {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a report in time")
        .expect("open")
}

async fn next_state(rx: &mut mpsc::Receiver<SentryMsg>) -> PollState {
    loop {
        if let SentryMsg::State(s) = next_sentry(rx).await {
            return s;
        }
    }
}

#[tokio::test]
async fn polls_the_series_with_the_right_request_and_no_more_often_than_asked() {
    let server = FakeSentry::start();
    server.script(
        "/events-stats/",
        vec![Answer::json(200, fixture("events-stats.json"))],
    );
    let (mut rx, task, _d) = start(&server, cfg("2", 400), TOKEN, None);
    let first = next_sentry(&mut rx).await;
    let SentryMsg::Series {
        buckets,
        width,
        start,
        ..
    } = first
    else {
        panic!("{first:?}")
    };
    assert_eq!(width, 60);
    assert_eq!(
        buckets,
        [
            (1767261600, 12.0),
            (1767261660, 9.0),
            (1767261720, 57.0),
            (1767261780, 0.0)
        ]
    );
    assert_eq!(start % 60, 0, "aligned to the minute");
    assert_eq!(next_state(&mut rx).await, PollState::Ok);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    task.abort();

    let seen = server.seen_at("/events-stats/");
    let s = &seen[0];
    assert_eq!(s.path, "/api/0/organizations/acme/events-stats/");
    assert_eq!(s.auth.as_deref(), Some(format!("Bearer {TOKEN}").as_str()));
    for (k, v) in [
        ("project", "2"),
        ("dataset", "errors"),
        ("yAxis", "count()"),
        ("query", "event.type:error"),
        ("interval", "1m"),
        ("partial", "1"),
        ("environment", "production"),
    ] {
        assert_eq!(s.q(k), Some(v), "{k}");
    }
    for k in ["start", "end"] {
        let v = s.q(k).expect(k);
        assert!(
            chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S").is_ok(),
            "naive UTC {k}={v}"
        );
    }
    // The first poll reaches back to the baseline; later ones fetch only the trailing buckets.
    let first_start =
        chrono::NaiveDateTime::parse_from_str(s.q("start").expect("s"), "%Y-%m-%dT%H:%M:%S")
            .expect("t");
    let later_start =
        chrono::NaiveDateTime::parse_from_str(seen[1].q("start").expect("s"), "%Y-%m-%dT%H:%M:%S")
            .expect("t");
    assert!(
        later_start - first_start > chrono::Duration::hours(2),
        "{first_start} then {later_start}"
    );
    // 400 ms interval over ~1.5 s: 3 to 5 requests, never a burst.
    assert!((3..=5).contains(&seen.len()), "{} requests", seen.len());
    for w in seen.windows(2) {
        assert!(
            w[1].at - w[0].at >= Duration::from_millis(350),
            "polled too soon: {:?}",
            w[1].at - w[0].at
        );
    }
    assert!(
        server.seen_at("/issues/").is_empty(),
        "no deploy yet, no issues query"
    );
}

#[tokio::test]
async fn rides_out_401_then_429_then_502_html_and_recovers() {
    let server = FakeSentry::start();
    let reset = (Utc::now().timestamp() + 2).to_string();
    server.script(
        "/events-stats/",
        vec![
            Answer::json(401, r#"{"detail": "Invalid token"}"#),
            Answer::json(429, fixture("error-429.json"))
                .header("X-Sentry-Rate-Limit-Reset", &reset)
                .header("X-Sentry-Rate-Limit-Remaining", "0"),
            Answer::html(502),
            Answer::json(200, fixture("events-stats.json")),
        ],
    );
    let (mut rx, task, _d) = start(&server, cfg("2", 300), TOKEN, None);
    let mut model = common::model("P0", Utc::now());
    model.error_rate =
        warroom::app::error_rate::ErrorRate::new(&warroom::config::SentryConfig::default());
    let pane = |m: &Model| common::render_pane(m, 110, 12, warroom::ui::error_rate::render);

    let s = next_state(&mut rx).await;
    assert!(
        matches!(&s, PollState::Error { reason, .. } if reason.contains("401 Invalid token") && reason.contains("org:read")),
        "{s:?}"
    );
    update(&mut model, Msg::Sentry(SentryMsg::State(s)));
    assert!(
        pane(&model).contains("error: 401 Invalid token"),
        "{}",
        pane(&model)
    );

    let s = next_state(&mut rx).await;
    let PollState::RateLimited { until, detail } = &s else {
        panic!("{s:?}")
    };
    assert!(detail.contains("Limit is 40 requests"));
    assert!(
        *until >= DateTime::from_timestamp(reset.parse().expect("n"), 0).expect("t"),
        "waits for the reset: {until}"
    );
    update(&mut model, Msg::Sentry(SentryMsg::State(s.clone())));
    assert!(
        pane(&model).contains("rate-limited until"),
        "{}",
        pane(&model)
    );

    let s = next_state(&mut rx).await;
    assert!(
        matches!(&s, PollState::Retrying { attempt: 1, reason, .. } if reason.contains("502") && reason.contains("HTML")),
        "{s:?}"
    );
    update(&mut model, Msg::Sentry(SentryMsg::State(s)));
    assert!(pane(&model).contains("retry 1 at"), "{}", pane(&model));

    loop {
        match next_sentry(&mut rx).await {
            SentryMsg::Series {
                start,
                buckets,
                width,
                at,
            } => {
                update(
                    &mut model,
                    Msg::Sentry(SentryMsg::Series {
                        start,
                        buckets,
                        width,
                        at,
                    }),
                );
            }
            SentryMsg::State(PollState::Ok) => {
                update(&mut model, Msg::Sentry(SentryMsg::State(PollState::Ok)));
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(pane(&model).contains("ok · polled"), "{}", pane(&model));
    task.abort();

    let at: Vec<Instant> = server
        .seen_at("/events-stats/")
        .iter()
        .map(|s| s.at)
        .collect();
    assert!(at.len() >= 4);
    let gap = |i: usize| at[i + 1] - at[i];
    assert!(
        gap(0) >= Duration::from_millis(280) && gap(0) < Duration::from_millis(1500),
        "after 401: the poll interval, {:?}",
        gap(0)
    );
    let reset_at = DateTime::<Utc>::from_timestamp(reset.parse().expect("n"), 0).expect("t");
    assert!(
        gap(1) >= Duration::from_millis(900),
        "after 429: until the reset, {:?} (reset {reset_at})",
        gap(1)
    );
    assert!(
        gap(2) >= Duration::from_millis(1000) && gap(2) < Duration::from_millis(2600),
        "after 502: backoff 1 s + jitter, {:?}",
        gap(2)
    );
}

#[tokio::test]
async fn says_plainly_what_is_wrong() {
    let server = FakeSentry::start();
    let cases: Vec<(Answer, &str, &str)> = vec![
        (
            Answer::json(401, fixture("error-401-sso.json")),
            TOKEN,
            "log in at https://sentry.io/auth/login/acme/",
        ),
        (
            Answer::json(
                403,
                r#"{"detail": "You do not have permission to perform this action."}"#,
            ),
            "sntrys_orgtoken_abcdef",
            "organization auth token (sntrys_…), which can only register deploys",
        ),
        (
            Answer::json(
                403,
                r#"{"detail": "You do not have permission to perform this action."}"#,
            ),
            TOKEN,
            "needs org:read",
        ),
        (
            Answer::json(
                404,
                r#"{"detail": "The requested resource does not exist"}"#,
            ),
            TOKEN,
            "check [sentry] org (\"acme\")",
        ),
        (Answer::json(200, "this is not json"), TOKEN, "not JSON"),
        (
            Answer::json(200, vec![b' '; 9 * 1024 * 1024]),
            TOKEN,
            "larger than 8 MB",
        ),
        (
            Answer::json(400, r#"{"detail": "Invalid query: foo"}"#),
            TOKEN,
            "Invalid query: foo",
        ),
    ];
    for (answer, token, words) in cases {
        server.script("/events-stats/", vec![answer]);
        let (mut rx, task, _d) = start(&server, cfg("2", 5000), token, None);
        let s = next_state(&mut rx).await;
        task.abort();
        assert!(
            matches!(&s, PollState::Error { reason, .. } if reason.contains(words)),
            "{words}: {s:?}"
        );
        if let PollState::Error { reason, .. } = &s {
            assert!(!reason.contains(token), "the token is never in a message");
        }
    }
}

#[tokio::test]
async fn timeouts_and_refused_connections_are_retried_then_reported() {
    let server = FakeSentry::start();
    server.script(
        "/events-stats/",
        vec![Answer::json(200, fixture("events-stats.json")).after(Duration::from_secs(3))],
    );
    let (mut rx, task, _d) = start(&server, cfg("2", 5000), TOKEN, None);
    let s = next_state(&mut rx).await;
    task.abort();
    assert!(
        matches!(&s, PollState::Retrying { reason, .. } if reason.contains("no answer")),
        "{s:?}"
    );

    let dead = server.pointing_at("http://127.0.0.1:1");
    let (mut rx, task, _d) = start(&dead, cfg("2", 5000), TOKEN, None);
    let s = next_state(&mut rx).await;
    task.abort();
    assert!(
        matches!(&s, PollState::Retrying { reason, attempt: 1, .. } if reason.contains("cannot connect to 127.0.0.1")),
        "{s:?}"
    );
}

#[tokio::test]
async fn after_the_deploy_it_asks_for_new_issues_and_follows_pages() {
    let server = FakeSentry::start();
    server.script(
        "/events-stats/",
        vec![Answer::json(200, fixture("events-stats.json"))],
    );
    let page2 = r#"[{"id": "4600", "shortId": "API-80", "title": "RangeError: bad", "count": 3, "firstSeen": "2026-05-01T12:20:00Z"}]"#;
    let link = r#"<https://x/?cursor=0:100:0>; rel="next"; results="true"; cursor="0:100:0""#;
    server.script(
        "/issues/",
        vec![
            Answer::json(200, fixture("issues.json")).header("Link", link),
            Answer::json(200, page2),
        ],
    );
    let deploy = DateTime::parse_from_rfc3339("2026-05-01T12:07:00Z")
        .expect("t")
        .with_timezone(&Utc);
    let (mut rx, task, _d) = start(&server, cfg("2", 5000), TOKEN, Some(deploy));
    let issues = loop {
        if let SentryMsg::Issues { issues, since } = next_sentry(&mut rx).await {
            assert_eq!(since, deploy);
            break issues;
        }
    };
    task.abort();
    let ids: Vec<&str> = issues.iter().map(|i| i.short_id.as_str()).collect();
    assert_eq!(ids, ["API-7Q", "API-80"]);
    let seen = server.seen_at("/issues/");
    assert_eq!(seen[0].path, "/api/0/organizations/acme/issues/");
    assert_eq!(
        seen[0].q("query"),
        Some("is:unresolved firstSeen:>=2026-05-01T12:07:00")
    );
    assert_eq!(
        (seen[0].q("sort"), seen[0].q("limit")),
        (Some("new"), Some("100"))
    );
    assert_eq!(seen[1].q("cursor"), Some("0:100:0"));
}

#[tokio::test]
async fn a_project_slug_is_resolved_once() {
    let server = FakeSentry::start();
    server.script(
        "/projects/acme/api/",
        vec![Answer::json(200, r#"{"id": "2", "slug": "api"}"#)],
    );
    server.script(
        "/events-stats/",
        vec![Answer::json(200, fixture("events-stats.json"))],
    );
    let (mut rx, task, _d) = start(&server, cfg("api", 300), TOKEN, None);
    next_state(&mut rx).await;
    next_state(&mut rx).await;
    task.abort();
    assert_eq!(server.seen_at("/projects/acme/api/").len(), 1);
    assert!(
        server
            .seen_at("/events-stats/")
            .iter()
            .all(|s| s.q("project") == Some("2"))
    );

    let server = FakeSentry::start();
    let (mut rx, task, _d) = start(&server, cfg("nope", 5000), TOKEN, None);
    let s = next_state(&mut rx).await;
    task.abort();
    assert!(
        matches!(&s, PollState::Error { reason, .. } if reason.contains("no project \"nope\" in organization \"acme\"")),
        "{s:?}"
    );
}

#[tokio::test]
async fn registering_a_deploy_creates_the_release_when_missing() {
    let server = FakeSentry::start();
    server.script(
        "/releases/v2.3.5/deploys/",
        vec![
            Answer::json(
                404,
                r#"{"detail": "The requested resource does not exist"}"#,
            ),
            Answer::json(201, fixture("deploy-created.json")),
        ],
    );
    server.script(
        "/organizations/acme/releases/",
        vec![Answer::json(201, r#"{"version": "v2.3.5"}"#)],
    );
    let client =
        Client::new(&server.base, "acme", TOKEN.into(), Duration::from_secs(2)).expect("client");
    let now = Utc::now();
    let project = ProjectRef::new("api");
    server.script(
        "/projects/acme/api/",
        vec![Answer::json(200, r#"{"id": "2", "slug": "api"}"#)],
    );
    let r = poller::register_deploy(&client, "v2.3.5", "production", &project, now, now).await;
    assert_eq!(r, Ok("v2.3.5".to_string()));
    let seen = server.seen();
    let paths: Vec<(&str, &str)> = seen
        .iter()
        .map(|s| (s.method.as_str(), s.path.as_str()))
        .collect();
    assert_eq!(
        paths,
        [
            ("GET", "/api/0/projects/acme/api/"),
            ("POST", "/api/0/organizations/acme/releases/v2.3.5/deploys/"),
            ("POST", "/api/0/organizations/acme/releases/"),
            ("POST", "/api/0/organizations/acme/releases/v2.3.5/deploys/"),
        ]
    );
    let body: serde_json::Value = serde_json::from_str(&seen[1].body).expect("json");
    assert_eq!(body["environment"], "production");
    assert_eq!(body["projects"][0], "api");
    let release: serde_json::Value = serde_json::from_str(&seen[2].body).expect("json");
    assert_eq!(release["version"], "v2.3.5");
}
