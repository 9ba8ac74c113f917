//! Staging before production, with the real binary in tmux: two local services stand for
//! staging and production, deploy commands write which environment they deployed, and a local
//! Sentry answers per environment. The checklist, the SLA clock and the JSON export are read
//! from what the console did.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};

use common::sentry::{Answer, FakeSentry};
use common::tmux::{Tmux, tmux_available};
use common::{bin, export_json, item_status, serve, stderr, warroom};

/// A service whose protected endpoint answers with the status held (401 once fixed).
fn service() -> (String, Arc<AtomicU16>) {
    let status = Arc::new(AtomicU16::new(401));
    let s = status.clone();
    let app = axum::Router::new().route(
        "/api/protected",
        axum::routing::get(move || {
            let s = s.clone();
            async move {
                axum::http::StatusCode::from_u16(s.load(Ordering::SeqCst))
                    .unwrap_or(axum::http::StatusCode::OK)
            }
        }),
    );
    (format!("http://{}", serve(app)), status)
}

/// Sentry's answers: a flat error rate, and for `/issues/` the staging issues given (an
/// issue in the shape of Sentry's fixture, first seen now) or none.
fn sentry(staging_issue: bool) -> FakeSentry {
    let server = FakeSentry::start();
    let now = chrono::Utc::now().timestamp() / 60 * 60;
    let buckets: Vec<String> = (0..30)
        .map(|i| format!("[{}, [{{\"count\": 3}}]]", now - (29 - i) * 60))
        .collect();
    server.script(
        "/events-stats/",
        vec![Answer::json(
            200,
            format!("{{\"data\": [{}]}}", buckets.join(",")),
        )],
    );
    server.respond("/issues/", move |seen| {
        if staging_issue && seen.q("environment") == Some("staging") {
            let mut issues: serde_json::Value =
                serde_json::from_slice(&common::sentry::fixture("issues.json")).expect("fixture");
            issues[0]["firstSeen"] = chrono::Utc::now().to_rfc3339().into();
            issues[0]["shortId"] = "API-S1".into();
            Answer::json(200, issues.to_string())
        } else {
            Answer::json(200, "[]")
        }
    });
    server
}

struct Stand {
    home: tempfile::TempDir,
    staging: Arc<AtomicU16>,
    sentry: FakeSentry,
}

fn stand(ticket: &str, staging_issue: bool) -> Stand {
    let home = tempfile::tempdir().expect("tmp");
    let (prod_url, _) = service();
    let (staging_url, staging) = service();
    let sentry = sentry(staging_issue);
    let deployed = home.path().join("deployed");
    let smoke = |url: &str| {
        format!(
            "name = \"expired token rejected\"\nurl = \"{url}/api/protected\"\nexpect_status = 401\nverifies_fix = true\n"
        )
    };
    std::fs::write(
        home.path().join("warroom.toml"),
        format!(
            "[deploy]\ncommand = \"echo production >> '{d}'\"\n\n[[smoke]]\n{prod}\n[sentry]\nbase_url = \"{base}\"\norg = \"acme\"\nproject = \"2\"\nenvironment = \"production\"\npoll_interval = \"5s\"\n\n[environments.staging]\ndeploy = \"echo staging >> '{d}'\"\nsentry_environment = \"staging\"\n\n[[environments.staging.smoke]]\n{staging}",
            d = deployed.display(),
            prod = smoke(&prod_url),
            staging = smoke(&staging_url),
            base = sentry.base,
        ),
    )
    .expect("config");
    let o = warroom(
        home.path(),
        &[
            "open",
            ticket,
            "--priority",
            "P1",
            "--title",
            "Auth bypass on expired tokens",
            "--no-console",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    Stand {
        home,
        staging,
        sentry,
    }
}

fn console(stand: &Stand, ticket: &str) -> Tmux {
    let tmux = Tmux::new(ticket);
    tmux.start_sized(stand.home.path(), 140, 60);
    tmux.line(&format!(
        "SENTRY_AUTH_TOKEN=sntryu_stagingTest0123456789 {} resume {ticket}",
        bin().display()
    ));
    tmux.wait_for("Checklist");
    tmux
}

fn deployed(home: &Path) -> String {
    std::fs::read_to_string(home.join("deployed")).unwrap_or_default()
}

/// Every run event names its environment.
fn environments_of(v: &serde_json::Value) -> Vec<(String, String)> {
    let runs = [
        "deploy_started",
        "deploy_finished",
        "smoke_started",
        "smoke_finished",
    ];
    v["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| runs.iter().any(|k| e["kind"] == *k))
        .map(|e| {
            (
                e["kind"].as_str().unwrap_or_default().to_string(),
                e["environment"]
                    .as_str()
                    .unwrap_or_else(|| panic!("no environment on {e}"))
                    .to_string(),
            )
        })
        .collect()
}

/// `d` → staging → `y`, then `s` → staging: staging is first in both pickers while pending.
fn staging_then_smoke(tmux: &Tmux) {
    tmux.keys(&["d"]);
    tmux.wait_for("2 production");
    tmux.keys(&["1"]);
    tmux.wait_for("Only staging");
    tmux.keys(&["y"]);
    tmux.wait_for("Deploy to staging finished");
    tmux.keys(&["s"]);
    tmux.wait_for("2 production");
    tmux.keys(&["1"]);
}

#[test]
fn staging_first_ticks_its_item_and_leaves_production_and_the_clock_alone() {
    if !tmux_available() {
        return;
    }
    let stand = stand("ENG-301", false);
    let tmux = console(&stand, "ENG-301");
    // Staging is pending at P1: the picker offers it first.
    tmux.keys(&["d"]);
    let s = tmux.wait_for("2 production");
    assert!(
        s.find("1 staging").expect("staging row") < s.find("2 production").expect("production"),
        "{s}"
    );
    tmux.keys(&["1"]);
    let s = tmux.wait_for("Only staging: production is not touched");
    assert!(s.contains("Deploy to staging"), "{s}");
    tmux.keys(&["y"]);
    tmux.wait_for("Deploy to staging finished");
    assert_eq!(deployed(stand.home.path()), "staging\n");
    tmux.keys(&["s"]);
    tmux.wait_for("2 production");
    tmux.keys(&["1"]);
    tmux.wait_for("Smoke test expired token rejected on staging passed");
    let s = tmux.wait_for("No new Sentry issue in staging since the staging deploy");
    assert!(!s.contains("Deployed in"), "the SLA clock still runs:\n{s}");
    let v = export_json(stand.home.path(), "ENG-301");
    assert_eq!(item_status(&v, "staging"), "done");
    assert_eq!(item_status(&v, "deployed"), "pending");
    assert_eq!(item_status(&v, "smoke-tests"), "pending");
    assert!(v["deployed_at"].is_null());
    let asked = stand.sentry.seen_at("/issues/");
    assert!(
        asked.iter().any(|r| r.q("environment") == Some("staging")),
        "Sentry was asked about staging: {:?}",
        asked.iter().map(|r| &r.query).collect::<Vec<_>>()
    );

    // Staging verified: production comes first now, and deploys without another question.
    tmux.keys(&["d"]);
    let s = tmux.wait_for("1 production");
    assert!(s.contains("fix verified"), "{s}");
    tmux.keys(&["1"]);
    tmux.wait_for("Deploy to production");
    tmux.keys(&["y"]);
    tmux.wait_for("Deployed in");
    assert_eq!(deployed(stand.home.path()), "staging\nproduction\n");
    tmux.keys(&["s"]);
    tmux.wait_for("1 production");
    tmux.keys(&["1"]);
    tmux.wait_for("Smoke test expired token rejected on production passed");
    tmux.keys(&["q"]);
    tmux.wait_gone("Checklist");

    let v = export_json(stand.home.path(), "ENG-301");
    assert_eq!(item_status(&v, "staging"), "done");
    assert_eq!(item_status(&v, "deployed"), "done");
    assert_eq!(item_status(&v, "smoke-tests"), "done");
    let envs = environments_of(&v);
    assert_eq!(
        envs.iter().map(|(_, e)| e.as_str()).collect::<Vec<_>>(),
        [
            "staging",
            "staging",
            "staging",
            "staging",
            "production",
            "production",
            "production",
            "production"
        ],
        "{envs:?}"
    );
    // The review says where the fix was verified.
    let o = warroom(stand.home.path(), &["export", "ENG-301", "--format", "pir"]);
    let pir = String::from_utf8_lossy(&o.stdout).into_owned();
    let line = pir
        .lines()
        .find(|l| l.contains("Where verified"))
        .unwrap_or_else(|| panic!("{pir}"));
    assert!(
        line.contains("on staging at") && line.contains("in production at"),
        "{line}"
    );
}

#[test]
fn a_failing_staging_smoke_ticks_nothing_and_production_names_the_gap() {
    if !tmux_available() {
        return;
    }
    let stand = stand("ENG-302", false);
    // Staging still lets the expired token in.
    stand.staging.store(200, Ordering::SeqCst);
    let tmux = console(&stand, "ENG-302");
    staging_then_smoke(&tmux);
    tmux.wait_for("Smoke test expired token rejected on staging failed");
    // Production while staging is pending: one more question, naming the failed run.
    tmux.keys(&["d"]);
    let s = tmux.wait_for("2 production");
    assert!(s.contains("1 staging"), "{s}");
    tmux.keys(&["2"]);
    tmux.wait_for("Deploy to production");
    tmux.keys(&["y"]);
    let s = tmux.wait_for("Staging is skipped");
    assert!(
        s.contains("Deployed to staging and verified")
            && s.contains("smoke tests did not verify the fix"),
        "{s}"
    );
    assert_eq!(deployed(stand.home.path()), "staging\n", "nothing yet");
    tmux.keys(&["y"]);
    tmux.wait_for("Deployed in");
    assert_eq!(deployed(stand.home.path()), "staging\nproduction\n");
    tmux.keys(&["q"]);
    tmux.wait_gone("Checklist");
    let v = export_json(stand.home.path(), "ENG-302");
    assert_eq!(item_status(&v, "staging"), "pending");
    assert_eq!(item_status(&v, "deployed"), "done");
    assert!(environments_of(&v).len() >= 6);
    let o = warroom(stand.home.path(), &["export", "ENG-302", "--format", "pir"]);
    let pir = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        pir.contains("staging deployed at") && pir.contains("not verified there"),
        "{pir}"
    );
}

#[test]
fn a_new_sentry_issue_in_staging_keeps_it_unverified() {
    if !tmux_available() {
        return;
    }
    let stand = stand("ENG-303", true);
    let tmux = console(&stand, "ENG-303");
    staging_then_smoke(&tmux);
    tmux.wait_for("1 new Sentry issue in staging since the staging deploy: API-S1");
    tmux.keys(&["q"]);
    tmux.wait_gone("Checklist");
    let v = export_json(stand.home.path(), "ENG-303");
    assert_eq!(item_status(&v, "staging"), "pending");
    let verdict = v["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["kind"] == "error_rate")
        .expect("verdict");
    assert_eq!(verdict["environment"], "staging");
    assert_eq!(verdict["verdict"], "new_issues");
}
