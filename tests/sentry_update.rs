//! The error rate in `update`: verdicts and new issues reach the record once, and tick items.

mod common;

use std::time::Duration;

use chrono::{DateTime, Utc};
use common::*;
use warroom::app::error_rate::ErrorRate;
use warroom::app::{Effect, Model, Msg, update};
use warroom::config::SentryConfig;
use warroom::incident::ItemStatus;
use warroom::jobs::{JobKind, Outcome, RunMsg};
use warroom::journal::{Draft, ReadBatch, kinds};
use warroom::sentry::api::Issue;
use warroom::sentry::{PollState, SentryMsg};

fn with_sentry(now: DateTime<Utc>) -> Model {
    let mut m = model("P0", now);
    m.error_rate = ErrorRate::new(&SentryConfig::default());
    m
}

/// Deploy at t(40): detection was at t(-10) (13:50).
fn deployed(m: &mut Model) {
    send(
        m,
        Msg::Journal(ReadBatch {
            events: vec![
                Draft::new(kinds::DEPLOY_FINISHED, "Fix deployed")
                    .field("exit_code", 0)
                    .stamp(t(40)),
            ],
            warnings: vec![],
        }),
    );
}

/// Baseline 10/min before detection, 450/min during, then `after` per minute from the deploy.
fn series(m: &mut Model, after: &[f64]) -> Vec<Effect> {
    let mut buckets: Vec<(i64, f64)> = (-70..-10).map(|i| (t(i).timestamp(), 10.0)).collect();
    buckets.extend((-10..40).map(|i| (t(i).timestamp(), 450.0)));
    buckets.extend(
        after
            .iter()
            .enumerate()
            .map(|(i, c)| (t(40 + i as i64).timestamp(), *c)),
    );
    let at = t(40 + after.len() as i64);
    m.now = at;
    send(
        m,
        Msg::Sentry(SentryMsg::Series {
            start: t(-70).timestamp(),
            buckets,
            width: 60,
            at,
        }),
    )
}

fn status_of(m: &Model, id: &str) -> bool {
    let item = m.incident.checklist.item(id).expect("item").clone();
    matches!(m.incident.status(&item), ItemStatus::Done(_))
}

#[test]
fn the_drop_is_recorded_once_and_ticks_its_item() {
    let mut m = with_sentry(t(40));
    deployed(&mut m);
    assert!(
        series(&mut m, &[3.0, 2.0, 3.0, 4.0]).is_empty(),
        "not enough complete buckets yet"
    );
    let fx = series(&mut m, &[3.0, 2.0, 3.0, 4.0, 3.0, 9.0, 1.0]);
    let d = appended(&fx)[0].clone();
    assert_eq!(d.kind.as_str(), kinds::ERROR_RATE);
    assert_eq!(d.fields["verdict"], "dropped");
    assert_eq!(
        d.text,
        "Error rate dropped from 450/min in the 5m before the deploy to 4.2/min (−99 %)"
    );
    assert_eq!(d.fields["before_secs"], 300);
    assert_eq!(d.fields["from_per_min"], 450.0);
    assert_eq!(d.fields["baseline_per_min"], 10.0);
    assert!(status_of(&m, "error-rate-dropped"));
    assert!(
        series(&mut m, &[3.0, 2.0, 3.0, 4.0, 3.0, 9.0, 1.0, 2.0]).is_empty(),
        "once per deploy"
    );
}

#[test]
fn a_rise_is_a_warning_in_the_header() {
    let mut m = with_sentry(t(40));
    deployed(&mut m);
    let fx = series(&mut m, &[900.0; 7]);
    let d = appended(&fx)[0].clone();
    assert_eq!(d.fields["verdict"], "rose");
    assert!(d.text.contains("consider rolling back"));
    assert!(!status_of(&m, "error-rate-dropped"));
    let term = {
        let mut term =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(140, 40)).expect("t");
        term.draw(|f| warroom::ui::view(&m, f)).expect("draw");
        term
    };
    let buf = term.backend().buffer();
    let top: String = (0..buf.area.width).map(|x| buf[(x, 0)].symbol()).collect();
    assert!(top.contains("ERROR RATE ROSE AFTER THE DEPLOY"), "{top}");
}

fn issue(id: &str, first_seen: DateTime<Utc>) -> Issue {
    serde_json::from_value(serde_json::json!({
        "id": id, "shortId": format!("API-{id}"), "title": format!("TypeError {id}"),
        "count": "5", "firstSeen": first_seen.to_rfc3339(), "permalink": format!("https://sentry.example/issues/{id}/")
    }))
    .expect("issue")
}

#[test]
fn each_new_issue_becomes_one_event() {
    let mut m = with_sentry(t(45));
    deployed(&mut m);
    let since = t(40);
    let fx = send(
        &mut m,
        Msg::Sentry(SentryMsg::Issues {
            since,
            issues: vec![issue("2", t(44)), issue("1", t(42))],
        }),
    );
    let d = appended(&fx);
    assert_eq!(d.len(), 2);
    assert_eq!(
        d[0].fields["short_id"], "API-1",
        "oldest first on the timeline"
    );
    assert_eq!(d[1].fields["permalink"], "https://sentry.example/issues/2/");
    let fx = send(
        &mut m,
        Msg::Sentry(SentryMsg::Issues {
            since,
            issues: vec![issue("3", t(46)), issue("2", t(44)), issue("1", t(42))],
        }),
    );
    let d = appended(&fx);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].fields["id"], "3");
}

#[test]
fn a_quiet_monitoring_window_ticks_no_new_errors() {
    let mut m = with_sentry(t(41));
    deployed(&mut m);
    send(
        &mut m,
        Msg::Sentry(SentryMsg::Issues {
            since: t(40),
            issues: vec![],
        }),
    );
    // Still inside the 30 min window.
    assert!(appended(&update(&mut m, Msg::Tick(t(60)))).is_empty());
    // Window over, but no poll since it ended.
    m.error_rate.last_ok = Some(t(65));
    assert!(appended(&update(&mut m, Msg::Tick(t(71)))).is_empty());
    m.error_rate.last_ok = Some(t(71));
    let fx = send(&mut m, Msg::Tick(t(72)));
    let d = appended(&fx)[0].clone();
    assert_eq!(d.fields["verdict"], "no_new_issues");
    assert!(status_of(&m, "no-new-errors"));
    assert!(
        appended(&update(&mut m, Msg::Tick(t(73)))).is_empty(),
        "once"
    );
}

#[test]
fn an_issue_after_the_deploy_keeps_no_new_errors_pending() {
    let mut m = with_sentry(t(41));
    deployed(&mut m);
    send(
        &mut m,
        Msg::Sentry(SentryMsg::Issues {
            since: t(40),
            issues: vec![issue("9", t(50))],
        }),
    );
    m.error_rate.last_ok = Some(t(75));
    assert!(appended(&update(&mut m, Msg::Tick(t(76)))).is_empty());
    assert!(!status_of(&m, "no-new-errors"));
}

#[test]
fn a_deploy_tells_the_poller_and_can_be_registered() {
    let mut m = with_sentry(t(40));
    let fx = update(
        &mut m,
        Msg::Journal(ReadBatch {
            events: vec![
                Draft::new(kinds::DEPLOY_FINISHED, "ok")
                    .field("exit_code", 0)
                    .stamp(t(40)),
            ],
            warnings: vec![],
        }),
    );
    assert_eq!(
        fx,
        vec![Effect::Deployed {
            at: Some(t(40)),
            release: None
        }]
    );

    let mut m = with_sentry(t(40));
    m.register_deploy = Some(None);
    update(
        &mut m,
        Msg::Journal(ReadBatch {
            events: vec![
                Draft::new(kinds::GIT_TAG_CREATED, "Tagged v2.3.5")
                    .field("tag", "v2.3.5")
                    .stamp(t(39)),
            ],
            warnings: vec![],
        }),
    );
    let fx = update(
        &mut m,
        Msg::Run(RunMsg::StepFinished {
            job: 1,
            kind: JobKind::Deploy,
            name: "deploy".into(),
            command: "vercel --prod".into(),
            outcome: Outcome::Exited(0),
            duration: Duration::from_secs(30),
            log: "/tmp/x.log".into(),
            all_passed: Some(true),
            fix_verified: None,
        }),
    );
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::RegisterDeploy { release, .. } if release == "v2.3.5")),
        "{fx:?}"
    );
    let fx = send(
        &mut m,
        Msg::Sentry(SentryMsg::DeployRegistered(Err("409 conflict".into()))),
    );
    assert_eq!(appended(&fx)[0].fields["ok"], false);
}

#[test]
fn poll_states_show_in_the_pane_and_the_last_chart_stays() {
    let mut m = with_sentry(t(40));
    series(&mut m, &[3.0; 3]);
    let pane = |m: &Model| common::render_pane(m, 100, 14, warroom::ui::error_rate::render);
    update(&mut m, Msg::Sentry(SentryMsg::State(PollState::Ok)));
    let ok = pane(&m);
    assert!(
        ok.contains("3.0/min ▼ −70 %")
            && ok.contains("baseline 10/min")
            && ok.contains("peak 450/min"),
        "{ok}"
    );
    assert!(
        ok.contains('⣀')
            || ok.contains('⠉')
            || ok.chars().any(|c| ('\u{2800}'..='\u{28ff}').contains(&c)),
        "a chart: {ok}"
    );
    m.now = t(50);
    assert!(
        pane(&m).contains("stale: last good sample 7m ago"),
        "{}",
        pane(&m)
    );
    update(
        &mut m,
        Msg::Sentry(SentryMsg::State(PollState::Error {
            reason: "502".into(),
            next: t(51),
        })),
    );
    let err = pane(&m);
    assert!(
        err.contains("error: 502") && err.contains("3.0/min"),
        "the chart stays: {err}"
    );
}
