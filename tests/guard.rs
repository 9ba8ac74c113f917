//! The guard: after a deploy, a signal judged bad for `bad_polls` polls in a row trips it, once
//! per deploy; a proposal waits for `y`, an armed guard counts down and acts unless `n`; a
//! recovery resets the count; it never acts over a run. Then the same against the real binary
//! in tmux with the Sentry stand-in. And a confirmed flag change starts the verification again.

mod common;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use common::sentry::{Answer, FakeSentry};
use common::tmux::{Tmux, timeout, tmux_available};
use common::*;
use warroom::app::error_rate::ErrorRate;
use warroom::app::guard::{Guard, Step};
use warroom::app::model::ConfirmAction;
use warroom::app::{Effect, Mode, Model, Msg};
use warroom::config::{GuardAction, GuardConfig, SentryConfig};
use warroom::incident::ItemStatus;
use warroom::journal::{Draft, ReadBatch, kinds};
use warroom::runbook::Runbook;
use warroom::sentry::SentryMsg;

fn guarded(action: GuardAction) -> Model {
    let mut m = model("P1", t(40));
    m.error_rate = ErrorRate::new(&SentryConfig {
        verdict_buckets: 1,
        ..Default::default()
    });
    let mut runbook = Runbook::empty();
    runbook.rollback = Some("./rollback.sh".into());
    m = m.with_runbook(runbook);
    m.guard = Guard::new(&GuardConfig {
        after_deploy: toml::Spanned::new(0..0, action),
        bad_polls: 3,
        veto: Duration::from_secs(60),
        ..Default::default()
    });
    send(
        &mut m,
        Msg::Journal(ReadBatch {
            events: vec![
                Draft::new(kinds::DEPLOY_FINISHED, "Fix deployed")
                    .field("exit_code", 0)
                    .stamp(t(40)),
            ],
            warnings: vec![],
        }),
    );
    m
}

/// A poll: 10/min before the deploy, `after` per minute in the `n` minutes since.
fn poll(m: &mut Model, minute: i64, after: f64) -> Vec<Effect> {
    let mut buckets: Vec<(i64, f64)> = (0..40).map(|i| (t(i).timestamp(), 10.0)).collect();
    buckets.extend((40..=minute).map(|i| (t(i).timestamp(), after)));
    m.now = t(minute);
    send(
        m,
        Msg::Sentry(SentryMsg::Series {
            start: t(0).timestamp(),
            buckets,
            width: 60,
            at: t(minute),
        }),
    )
}

fn kinds_of(fx: &[Effect]) -> Vec<String> {
    appended(fx).iter().map(|d| d.kind.to_string()).collect()
}

/// The guard's overlay, when it is on screen: its step and its deadline.
fn guard_overlay(m: &Model) -> Option<(Step, Option<DateTime<Utc>>)> {
    let shown = m.mode
        == Mode::Confirm {
            action: ConfirmAction::Guard,
        };
    m.guard
        .pending
        .as_ref()
        .filter(|_| shown)
        .map(|t| (t.step.clone(), t.deadline))
}

#[test]
fn a_spike_trips_a_proposing_guard_after_exactly_bad_polls_and_y_rolls_back() {
    let mut m = guarded(GuardAction::Propose);
    assert!(
        kinds_of(&poll(&mut m, 42, 400.0))
            .iter()
            .all(|k| k != kinds::GUARD_TRIPPED)
    );
    assert!(
        kinds_of(&poll(&mut m, 43, 400.0))
            .iter()
            .all(|k| k != kinds::GUARD_TRIPPED)
    );
    assert!(guard_overlay(&m).is_none(), "two bad polls of three");
    let fx = poll(&mut m, 44, 400.0);
    let tripped: Vec<_> = appended(&fx)
        .into_iter()
        .filter(|d| d.kind.as_str() == kinds::GUARD_TRIPPED)
        .collect();
    assert_eq!(tripped.len(), 1);
    assert_eq!(tripped[0].fields["polls"], 3);
    assert_eq!(tripped[0].fields["signal"], "error rate");
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Notify(t) if t.contains("Guard tripped")))
    );
    assert_eq!(guard_overlay(&m), Some((Step::Rollback, None)));
    // Nothing happens by itself.
    send(&mut m, Msg::Tick(t(50)));
    assert!(guard_overlay(&m).is_some());
    let fx = send(&mut m, key('y'));
    assert!(fx.iter().any(|e| matches!(e, Effect::Run(_))), "{fx:?}");
    // Once per deploy: more bad polls trip nothing.
    m.running = None;
    for minute in 45..50 {
        assert!(
            !kinds_of(&poll(&mut m, minute, 400.0)).contains(&kinds::GUARD_TRIPPED.to_string())
        );
    }
}

#[test]
fn a_recovery_before_bad_polls_does_not_trip_it() {
    let mut m = guarded(GuardAction::Rollback);
    poll(&mut m, 42, 400.0);
    poll(&mut m, 43, 400.0);
    poll(&mut m, 44, 5.0);
    poll(&mut m, 45, 400.0);
    let fx = poll(&mut m, 46, 400.0);
    assert!(!kinds_of(&fx).contains(&kinds::GUARD_TRIPPED.to_string()));
    assert!(guard_overlay(&m).is_none());
    let fx = poll(&mut m, 47, 400.0);
    assert!(kinds_of(&fx).contains(&kinds::GUARD_TRIPPED.to_string()));
}

#[test]
fn an_armed_guard_counts_down_and_rolls_back_once_unless_vetoed() {
    let mut m = guarded(GuardAction::Rollback);
    for minute in 42..45 {
        poll(&mut m, minute, 400.0);
    }
    let (step, deadline) = guard_overlay(&m).expect("overlay");
    assert_eq!(step, Step::Rollback);
    assert_eq!(deadline, Some(t(44) + chrono::Duration::seconds(60)));
    // Other keys do not stop the countdown.
    send(&mut m, key('j'));
    assert!(guard_overlay(&m).is_some());
    m.now = t(44);
    assert!(
        send(&mut m, Msg::Tick(t(44) + chrono::Duration::seconds(59)))
            .iter()
            .all(|e| !matches!(e, Effect::Run(_)))
    );
    let fx = send(&mut m, Msg::Tick(t(45)));
    assert_eq!(
        fx.iter().filter(|e| matches!(e, Effect::Run(_))).count(),
        1,
        "{fx:?}"
    );
    assert!(guard_overlay(&m).is_none());
    let fx = send(&mut m, Msg::Tick(t(46)));
    assert!(fx.iter().all(|e| !matches!(e, Effect::Run(_))));

    // Vetoed: recorded, and nothing runs when the time comes.
    let mut m = guarded(GuardAction::Rollback);
    for minute in 42..45 {
        poll(&mut m, minute, 400.0);
    }
    let fx = send(&mut m, key('n'));
    assert_eq!(kinds_of(&fx), vec![kinds::GUARD_VETOED.to_string()]);
    let fx = send(&mut m, Msg::Tick(t(50)));
    assert!(fx.iter().all(|e| !matches!(e, Effect::Run(_))));
    assert!(
        m.incident
            .mitigation
            .guard
            .values()
            .any(|o| *o == warroom::incident::mitigation::GuardOutcome::Vetoed)
    );
}

#[test]
fn a_guard_bound_to_a_flag_turns_it_off_and_never_acts_over_a_run() {
    let mut m = guarded(GuardAction::Flag("new-checkout".into()));
    let cfg: warroom::config::Config = toml::from_str(
        "[[flags]]\nname = \"new-checkout\"\nprovider = \"command\"\non = \"true\"\noff = \"true\"\nstatus = \"echo on\"\n",
    )
    .expect("config");
    m.flags = cfg
        .flags
        .iter()
        .map(warroom::app::flags::FlagView::new)
        .collect();
    for minute in 42..45 {
        poll(&mut m, minute, 400.0);
    }
    let fx = send(&mut m, Msg::Tick(t(46)));
    assert!(
        fx.iter().any(|e| matches!(e, Effect::SetFlag { name, on: false, by_guard: true, .. } if name == "new-checkout")),
        "{fx:?}"
    );

    // A run in progress: the streak reaches bad_polls but it does not trip.
    let mut m = guarded(GuardAction::Rollback);
    m.running = Some(warroom::app::model::Running {
        id: 9,
        kind: warroom::jobs::JobKind::Deploy,
        step: "deploy".into(),
        started: t(41),
        environment: "production".into(),
    });
    for minute in 42..46 {
        assert!(
            !kinds_of(&poll(&mut m, minute, 400.0)).contains(&kinds::GUARD_TRIPPED.to_string())
        );
    }
}

#[test]
fn a_confirmed_flag_change_starts_the_verification_again() {
    let mut m = guarded(GuardAction::Off);
    assert_eq!(m.incident.judged_from(), Some(t(40)));
    // The deploy's drop ticks its item…
    poll(&mut m, 43, 0.5);
    let dropped = m
        .incident
        .checklist
        .item("error-rate-dropped")
        .expect("item")
        .clone();
    assert!(matches!(m.incident.status(&dropped), ItemStatus::Done(_)));
    let change = Draft::new(kinds::FLAG_CHANGED, "Flag new-checkout turned off")
        .field("flag", "new-checkout")
        .field("provider", "Unleash")
        .field("environment", "production")
        .field("from", "on")
        .field("to", "off")
        .field("confirmed", true)
        .field("by_guard", false);
    let fx = send(
        &mut m,
        Msg::Journal(ReadBatch {
            events: vec![change.stamp(t(50))],
            warnings: vec![],
        }),
    );
    assert_eq!(m.incident.judged_from(), Some(t(50)));
    // …and the flag change takes it back until it is judged again.
    assert_eq!(m.incident.status(&dropped), ItemStatus::Pending);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Deployed { at: Some(a), .. } if *a == t(50))),
        "the pollers are told: {fx:?}"
    );
    let f = &m.incident.mitigation.flags()["new-checkout"];
    assert!(!f.on);
    assert_eq!(m.incident.judged_after(), "the flag change");
    let screen = format!("{:?}", render(&m, 160, 50).backend());
    assert!(screen.contains("⚑ new-checkout off"), "{screen}");
    // The verdict now judges the flag change, and says so.
    let fx = poll(&mut m, 53, 0.5);
    let verdict = appended(&fx)
        .into_iter()
        .find(|d| d.kind.as_str() == kinds::ERROR_RATE)
        .cloned()
        .expect("a verdict");
    assert_eq!(verdict.fields["deploy_at"], "2026-11-26T14:50:00.000Z");
    assert!(
        verdict.text.contains("before the flag change"),
        "{}",
        verdict.text
    );
    assert!(!verdict.text.contains("deploy"), "{}", verdict.text);
    // Not confirmed: not on the record as a change.
    let mut m = guarded(GuardAction::Off);
    let unconfirmed = Draft::new(kinds::FLAG_CHANGED, "x")
        .field("flag", "new-checkout")
        .field("to", "off")
        .field("confirmed", false);
    send(
        &mut m,
        Msg::Journal(ReadBatch {
            events: vec![unconfirmed.stamp(t(50))],
            warnings: vec![],
        }),
    );
    assert_eq!(m.incident.judged_from(), Some(t(40)));
}

// ---------------------------------------------------------------- the real binary

/// Sentry's error rate: 3 a minute, and from `spike_from` (unix seconds, 0: never) 500 a
/// minute; the buckets run two minutes past now so the newest after the deploy is complete.
/// Counts the answers that showed the spike, and when each was served.
fn spiking_sentry(
    spike_from: Arc<AtomicI64>,
    served: Arc<Mutex<Vec<DateTime<Utc>>>>,
    recovering: bool,
) -> FakeSentry {
    let server = FakeSentry::start();
    server.respond("/events-stats/", move |_| {
        let now = Utc::now().timestamp() / 60 * 60;
        let from = spike_from.load(Ordering::SeqCst);
        let mut served = served.lock().expect("served");
        // Recovering: every other answer after the deploy is back to normal.
        let spiking = from > 0 && (!recovering || served.len().is_multiple_of(2));
        let buckets: Vec<String> = (-20..=2)
            .map(|i| {
                let at = now + i * 60;
                let count = if spiking && at >= from { 500 } else { 3 };
                format!("[{at}, [{{\"count\": {count}}}]]")
            })
            .collect();
        if from > 0 {
            served.push(Utc::now());
        }
        Answer::json(200, format!("{{\"data\": [{}]}}", buckets.join(",")))
    });
    server.respond("/issues/", |_| Answer::json(200, "[]"));
    server
}

/// The guard's trips wait for polls 5 s apart: beyond the usual wait.
const POLLS_TO_COME: Duration = Duration::from_secs(15);

/// A Slack webhook on 127.0.0.1: the texts posted to it.
fn slack() -> (String, Arc<Mutex<Vec<String>>>) {
    let posts: Arc<Mutex<Vec<String>>> = Arc::default();
    let kept = posts.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: axum::Json<serde_json::Value>| {
            let kept = kept.clone();
            async move {
                let text = body["text"].as_str().unwrap_or_default().to_string();
                kept.lock().expect("posts").push(text);
                "ok"
            }
        }),
    );
    (format!("http://{}/hook", serve(app)), posts)
}

type Posts = Arc<Mutex<Vec<String>>>;

/// The guard's notices as Slack and as Teams heard them.
struct Heard {
    slack: Posts,
    teams: common::teams::Teams,
}

fn console_with_guard(
    ticket: &str,
    guard: &str,
    sentry: &FakeSentry,
) -> (tempfile::TempDir, Tmux, Heard) {
    let (hook, posts) = slack();
    let teams = common::teams::Teams::start();
    let home = tempfile::tempdir().expect("tmp");
    let rolled = home.path().join("rolled-back");
    std::fs::write(
        home.path().join("warroom.toml"),
        format!(
            "[deploy]\ncommand = \"true\"\n\n[rollback]\ncommand = \"echo rolled >> '{}'\"\n\n[sentry]\nbase_url = \"{}\"\norg = \"acme\"\nproject = \"2\"\npoll_interval = \"5s\"\nverdict_buckets = 1\n\n[guard]\n{guard}\n",
            rolled.display(),
            sentry.base
        ),
    )
    .expect("config");
    open_incident(home.path(), ticket, "P0", "Checkout 500s");
    let tmux = Tmux::new(ticket);
    tmux.start_sized(home.path(), 140, 50);
    tmux.line(&format!(
        "SLACK_WEBHOOK_URL={hook} TEAMS_WEBHOOK_URL='{}' UNLEASH_ADMIN_TOKEN='{}' SENTRY_AUTH_TOKEN=sntryu_guardTest0123456789 {} resume {ticket}",
        teams.url,
        common::unleash::ADMIN_TOKEN,
        bin().display()
    ));
    tmux.wait_for("Checklist");
    (
        home,
        tmux,
        Heard {
            slack: posts,
            teams,
        },
    )
}

fn wait_kind(home: &std::path::Path, ticket: &str, kind: &str) -> serde_json::Value {
    let start = Instant::now();
    loop {
        if let Some(e) = events_of(home, ticket, kind).first() {
            return e.clone();
        }
        assert!(
            start.elapsed() < timeout() + POLLS_TO_COME,
            "no {kind} on the record"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Deploys, then makes every minute from the deploy's on spike.
fn deploy_then_spike(tmux: &Tmux, home: &std::path::Path, ticket: &str, spike_from: &AtomicI64) {
    tmux.keys(&["d"]);
    tmux.wait_for("Deploy to production");
    tmux.keys(&["y"]);
    let deployed = wait_kind(home, ticket, "deploy_finished");
    let at = DateTime::parse_from_rfc3339(deployed["at"].as_str().expect("at"))
        .expect("time")
        .timestamp();
    spike_from.store(at, Ordering::SeqCst);
}

#[test]
fn the_real_console_rolls_back_once_after_bad_polls_and_a_veto_holds() {
    if !tmux_available() {
        return;
    }
    // Armed: three bad polls, a 2-second countdown, the rollback command once.
    let spike = Arc::new(AtomicI64::new(0));
    let served = Arc::new(Mutex::new(Vec::new()));
    let sentry = spiking_sentry(spike.clone(), served.clone(), false);
    let t = "GRD-1";
    let (home, tmux, heard) = console_with_guard(
        t,
        "after_deploy = \"rollback\"\nbad_polls = 3\nveto = \"2s\"\nwindow = \"30m\"",
        &sentry,
    );
    deploy_then_spike(&tmux, home.path(), t, &spike);
    // Three polls 5 s apart, the first up to 5 s after the spike begins.
    tmux.wait_for_within("Guard tripped", POLLS_TO_COME);
    wait_kind(home.path(), t, "rollback_finished");
    let trips = events_of(home.path(), t, "guard_tripped");
    assert_eq!(trips.len(), 1, "{trips:?}");
    assert_eq!(trips[0]["polls"], 3);
    let tripped_at =
        DateTime::parse_from_rfc3339(trips[0]["at"].as_str().expect("at")).expect("at");
    let bad_before: Vec<_> = served
        .lock()
        .expect("served")
        .iter()
        // The record's stamp is to the millisecond; the next poll is 5 s away.
        .filter(|at| **at <= tripped_at + chrono::Duration::milliseconds(500))
        .cloned()
        .collect();
    assert_eq!(bad_before.len(), 3, "tripped on the third bad answer");
    // Within one poll interval (5 s) of the last bad poll: as soon as it is read.
    let latency = tripped_at.with_timezone(&Utc) - bad_before[2];
    eprintln!(
        "guard tripped {} ms after its last bad poll (poll interval 5000 ms)",
        latency.num_milliseconds()
    );
    assert!(latency < chrono::Duration::seconds(5), "{latency}");
    std::thread::sleep(Duration::from_secs(3));
    let rolled = std::fs::read_to_string(home.path().join("rolled-back")).expect("rolled back");
    assert_eq!(rolled.lines().count(), 1, "the rollback ran once");
    assert_eq!(events_of(home.path(), t, "rollback_started").len(), 1);
    // Slack and Teams heard the trip and the action; neither is a status update on the record.
    let posted = heard.slack.lock().expect("posts").clone();
    assert_eq!(posted.len(), 2, "{posted:?}");
    assert!(
        posted[0].contains("Guard tripped") && posted[0].contains(t),
        "{posted:?}"
    );
    assert!(posted[1].contains("run the rollback command"), "{posted:?}");
    assert!(events_of(home.path(), t, "slack_posted").is_empty());
    let cards = heard.teams.cards();
    assert_eq!(cards.len(), 2, "{cards:?}");
    assert!(cards[0].to_string().contains("Guard tripped"), "{cards:?}");
    assert!(events_of(home.path(), t, "teams_posted").is_empty());
    tmux.keys(&["q"]);

    // Vetoed: n within the countdown; nothing runs, and it is on the record.
    let spike = Arc::new(AtomicI64::new(0));
    let sentry = spiking_sentry(spike.clone(), Arc::default(), false);
    let t = "GRD-2";
    let (home, tmux, _heard) = console_with_guard(
        t,
        "after_deploy = \"rollback\"\nbad_polls = 2\nveto = \"20s\"",
        &sentry,
    );
    deploy_then_spike(&tmux, home.path(), t, &spike);
    tmux.wait_for_within("unless vetoed", POLLS_TO_COME);
    tmux.keys(&["n"]);
    tmux.wait_for("Guard stood down");
    std::thread::sleep(Duration::from_secs(3));
    assert!(!home.path().join("rolled-back").exists());
    assert_eq!(events_of(home.path(), t, "guard_vetoed").len(), 1);
    assert!(events_of(home.path(), t, "rollback_started").is_empty());
    tmux.keys(&["q"]);
}

#[test]
fn the_real_console_is_not_tripped_by_bad_polls_that_recover_in_between() {
    if !tmux_available() {
        return;
    }
    let spike = Arc::new(AtomicI64::new(0));
    let served = Arc::new(Mutex::new(Vec::new()));
    let sentry = spiking_sentry(spike.clone(), served.clone(), true);
    let t = "GRD-3";
    let (home, tmux, heard) = console_with_guard(
        t,
        "after_deploy = \"rollback\"\nbad_polls = 2\nveto = \"2s\"",
        &sentry,
    );
    deploy_then_spike(&tmux, home.path(), t, &spike);
    // Bad, recovered, bad, recovered, bad: never two in a row.
    let start = Instant::now();
    while served.lock().expect("served").len() < 5 {
        assert!(start.elapsed() < timeout() * 2, "Sentry was not polled");
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_millis(500));
    assert!(events_of(home.path(), t, "guard_tripped").is_empty());
    assert!(!tmux.screen().contains("Guard tripped"));
    assert!(!home.path().join("rolled-back").exists());
    assert!(heard.slack.lock().expect("posts").is_empty());
    tmux.keys(&["q"]);
}

#[test]
fn a_dialog_drawn_over_the_countdown_neither_stops_nor_hides_it_for_long() {
    let mut m = guarded(GuardAction::Rollback);
    for minute in 42..45 {
        poll(&mut m, minute, 400.0);
    }
    assert!(guard_overlay(&m).is_some());
    // A preview that arrives now takes the screen…
    m.mode = Mode::Confirm {
        action: ConfirmAction::Share,
    };
    send(&mut m, Msg::Tick(t(44) + chrono::Duration::seconds(10)));
    assert!(guard_overlay(&m).is_none());
    // …is answered, and the countdown is back at the next second.
    send(&mut m, key('x'));
    send(&mut m, Msg::Tick(t(44) + chrono::Duration::seconds(11)));
    assert!(guard_overlay(&m).is_some());
    // Covered again at its deadline: it still acts, once.
    m.mode = Mode::Help { scroll: 0 };
    let fx = send(&mut m, Msg::Tick(t(45)));
    assert_eq!(fx.iter().filter(|e| matches!(e, Effect::Run(_))).count(), 1);
    assert!(m.guard.pending.is_none());
    assert_eq!(m.mode, Mode::Help { scroll: 0 });
}

/// End to end: a spike on the Sentry stand-in, a guard bound to a flag, a real Unleash whose
/// client API then reports the flag off; the change on the record as the guard's.
#[test]
fn an_armed_guard_turns_a_real_unleash_flag_off() {
    if !tmux_available() {
        return;
    }
    let unleash = common::unleash::Unleash::start();
    unleash.create_flag("new-checkout");
    let spike = Arc::new(AtomicI64::new(0));
    let sentry = spiking_sentry(spike.clone(), Arc::default(), false);
    let t = "GRD-4";
    let flag = format!(
        "after_deploy = \"flag:new-checkout\"\nbad_polls = 2\nveto = \"1s\"\n\n[[flags]]\nname = \"new-checkout\"\nprovider = \"unleash\"\nurl = \"{}\"\n",
        unleash.url
    );
    let (home, tmux, heard) = console_with_guard(t, &flag, &sentry);
    deploy_then_spike(&tmux, home.path(), t, &spike);
    let change = wait_kind(home.path(), t, "flag_changed");
    assert_eq!(change["flag"], "new-checkout");
    assert_eq!(
        (&change["from"], &change["to"]),
        (&"on".into(), &"off".into())
    );
    assert_eq!(change["by_guard"], true);
    // What the service's SDK reads (the client API may serve a cache for a moment).
    let start = Instant::now();
    while unleash.client_enabled("new-checkout") {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "the client API still says on"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(events_of(home.path(), t, "guard_tripped").len(), 1);
    assert!(events_of(home.path(), t, "rollback_started").is_empty());
    tmux.wait_for("new-checkout off");
    assert!(
        heard
            .slack
            .lock()
            .expect("posts")
            .iter()
            .any(|p| p.contains("turn the flag new-checkout off"))
    );
    tmux.keys(&["q"]);
}
