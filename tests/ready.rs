//! "Deployed" only when the deploy says so: with `[deploy] ready_url`, a deploy command's exit 0
//! is "deploy command finished", and the fix counts as deployed (the SLA clock stops, the item
//! ticks) only once the service answers with the new version. The check runs against a real
//! local HTTP server whose answer the test changes.

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use common::*;
use warroom::app::{Effect, Model, Msg};
use warroom::config::Config;
use warroom::incident::ItemStatus;
use warroom::jobs::{JobKind, Outcome, ReadyCheck, ReadyMsg, RunMsg};
use warroom::journal::kinds;
use warroom::runbook::Runbook;

/// A service answering `old` for the first `switch` requests, then `new`.
fn service(switch: usize, old: &'static str, new: &'static str) -> (String, Arc<AtomicUsize>) {
    let asked = Arc::new(AtomicUsize::new(0));
    let count = asked.clone();
    let addr = serve(Router::new().route(
        "/version",
        get(move || {
            let n = count.fetch_add(1, Ordering::SeqCst);
            async move { if n < switch { old } else { new } }
        }),
    ));
    (format!("http://{addr}/version"), asked)
}

fn check(url: &str, expect: &str, timeout_ms: u64) -> ReadyCheck {
    ReadyCheck {
        url: url.into(),
        expect: Some(expect.into()),
        timeout: Duration::from_millis(timeout_ms),
        every: Duration::from_millis(50),
    }
}

#[tokio::test]
async fn the_check_waits_for_the_new_version() {
    let (url, asked) = service(3, "v2.3.4 9f8e7d6", "v2.3.5 1a2b3c4");
    match warroom::jobs::ready::wait(check(&url, "1a2b3c4", 5_000)).await {
        ReadyMsg::Ready { attempts, .. } => assert_eq!(attempts, 4),
        other => panic!("{other:?}"),
    }
    assert_eq!(asked.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn an_old_version_or_no_service_is_not_ready_and_says_the_last_answer() {
    let (url, _) = service(usize::MAX, "v2.3.4 9f8e7d6", "");
    match warroom::jobs::ready::wait(check(&url, "1a2b3c4", 300)).await {
        ReadyMsg::NotReady { last, .. } => assert_eq!(last, "200 v2.3.4 9f8e7d6"),
        other => panic!("{other:?}"),
    }
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    match warroom::jobs::ready::wait(check(&format!("http://127.0.0.1:{port}/version"), "x", 200))
        .await
    {
        ReadyMsg::NotReady { last, .. } => assert!(last.starts_with("no answer"), "{last}"),
        other => panic!("{other:?}"),
    }
}

fn configured() -> Model {
    let cfg = Config::parse(
        "[deploy]\ncommand = \"railway up\"\nready_url = \"https://api.example.com/version\"\nready_expect = \"{commit}\"\n",
        "t",
    )
    .expect("config");
    model("P1", t(60)).with_runbook(Runbook::from_config(
        &cfg,
        std::path::Path::new("/nonexistent"),
    ))
}

fn deploy(m: &mut Model) -> Vec<Effect> {
    send(
        m,
        Msg::Run(RunMsg::StepStarted {
            job: 1,
            kind: JobKind::Deploy,
            name: "deploy".into(),
            command: "railway up".into(),
            log: PathBuf::from("/tmp/logs/001-deploy-deploy.log"),
            at: t(60),
            head: Some((
                Some("hotfix/ENG-1".into()),
                "1a2b3c4d5e6f708192a3b4c5d6e7f80910111213".into(),
            )),
        }),
    );
    m.now = t(62);
    send(
        m,
        Msg::Run(RunMsg::StepFinished {
            job: 1,
            kind: JobKind::Deploy,
            name: "deploy".into(),
            command: "railway up".into(),
            outcome: Outcome::Exited(0),
            duration: Duration::from_secs(120),
            log: PathBuf::from("/tmp/logs/001-deploy-deploy.log"),
            all_passed: Some(true),
            fix_verified: None,
        }),
    )
}

fn deployed_item(m: &Model) -> bool {
    let it = m.incident.checklist.item("deployed").expect("item").clone();
    matches!(m.incident.status(&it), ItemStatus::Done(_))
}

#[test]
fn exit_0_is_the_command_finished_and_the_answer_is_the_deploy() {
    let mut m = configured();
    let fx = deploy(&mut m);
    let asked = fx.iter().find_map(|e| match e {
        Effect::WaitReady(c) => Some(c.clone()),
        _ => None,
    });
    let asked = asked.expect("the readiness check is asked for");
    assert_eq!(asked.url, "https://api.example.com/version");
    assert_eq!(
        asked.expect.as_deref(),
        Some("1a2b3c4"),
        "{{commit}} is the deployed commit"
    );
    let finished = m
        .incident
        .recent
        .iter()
        .rfind(|e| e.is(kinds::DEPLOY_FINISHED))
        .expect("deploy_finished")
        .clone();
    assert!(
        finished
            .text
            .starts_with("Deploy command finished in 2m: waiting for"),
        "{}",
        finished.text
    );
    assert_eq!(m.incident.deployed_at, None, "the SLA clock runs on");
    assert!(!deployed_item(&m));

    m.now = t(64);
    send(
        &mut m,
        Msg::Ready(ReadyMsg::Ready {
            after: Duration::from_secs(95),
            attempts: 19,
        }),
    );
    assert_eq!(m.incident.deployed_at, Some(t(64)));
    assert!(deployed_item(&m));
    let ready = m.incident.recent.back().expect("event");
    assert!(
        ready
            .text
            .starts_with("Fix deployed: https://api.example.com/version answers")
    );
}

#[test]
fn no_answer_with_the_new_version_is_no_deploy() {
    let mut m = configured();
    deploy(&mut m);
    send(
        &mut m,
        Msg::Ready(ReadyMsg::NotReady {
            after: Duration::from_secs(600),
            last: "200 v2.3.4 9f8e7d6".into(),
        }),
    );
    assert_eq!(m.incident.deployed_at, None);
    assert!(!deployed_item(&m));
    assert!(
        m.banner
            .as_ref()
            .is_some_and(|b| b.text.contains("not deployed"))
    );
    let why = &m.incident.why_not["deployed"].1;
    assert!(why.contains("has not answered"), "{why}");
}

#[test]
fn without_a_readiness_check_exit_0_deploys_and_the_railway_preset_waits_for_its_build() {
    let cfg = Config::parse("[deploy]\nplatform = \"railway\"\n", "t").expect("config");
    let rb = Runbook::from_config(&cfg, std::path::Path::new("/nonexistent"));
    assert_eq!(rb.deploy.as_deref(), Some("railway up --ci"));
    let mut m = model("P1", t(60)).with_runbook(rb);
    let fx = deploy(&mut m);
    assert!(!fx.iter().any(|e| matches!(e, Effect::WaitReady(_))));
    assert_eq!(m.incident.deployed_at, Some(t(62)));
    assert!(deployed_item(&m));
}

#[test]
fn what_cannot_be_filled_in_is_never_matched() {
    let cfg = Config::parse(
        "[deploy]\ncommand = \"./deploy.sh\"\nready_url = \"https://api.example.com/version\"\nready_expect = \"{tag} {commit}\"\n",
        "t",
    )
    .expect("config");
    let m = model("P1", t(60)).with_runbook(Runbook::from_config(
        &cfg,
        std::path::Path::new("/nonexistent"),
    ));
    let c = warroom::app::ready::check(&m).expect("configured");
    let expect = c.expect.expect("expect");
    assert!(
        !expect.trim().is_empty() && expect.contains("not on the record"),
        "{expect}"
    );
}
