//! Metric gates through `update` and the view: points in, verdicts on the record when they
//! change (bad at once, good after the monitoring window), the pane at 80×24 with a line a
//! gate, faults in words, and `j`/`k` choosing the chart.

mod common;

use crossterm::event::KeyCode;
use warroom::app::metrics::{Gate, GateState};
use warroom::app::{Msg, Pane};
use warroom::journal::{Draft, ReadBatch, kinds};
use warroom::metrics::MetricMsg;

use common::{appended, code, key, model, send, t};

fn gates() -> Vec<Gate> {
    let cfg: warroom::config::Config = toml::from_str(
        r#"
[[metrics]]
name = "API p95"
source = "prometheus"
url = "http://127.0.0.1:9"
query = "x"
unit = "s"
item = "latency-stable"
before = "5m"
judge = "2m"

[[metrics]]
name = "DB time"
source = "prometheus"
url = "http://127.0.0.1:9"
query = "y"
unit = "s"
item = "database-stable"
before = "5m"
judge = "2m"

[[metrics]]
name = "Crash-free"
source = "sentry-sessions"
expect = "above 0.995"
"#,
    )
    .expect("config");
    cfg.metrics.iter().map(Gate::new).collect()
}

/// A point a minute for gate `g` from minute `from` to `to`.
fn points(g: usize, from: i64, to: i64, value: impl Fn(i64) -> f64, now: i64) -> Msg {
    Msg::Metric(MetricMsg::Points {
        gate: g,
        from: t(from).timestamp(),
        points: (from..to).map(|m| (t(m).timestamp(), value(m))).collect(),
        at: t(now),
    })
}

fn deployed(m: &mut warroom::app::Model, min: i64) {
    let ev = Draft::new(kinds::DEPLOY_FINISHED, "Fix deployed")
        .field("exit_code", 0)
        .stamp(t(min));
    send(
        m,
        Msg::Journal(ReadBatch {
            events: vec![ev],
            warnings: vec![],
        }),
    );
}

fn screen(m: &warroom::app::Model, w: u16, h: u16) -> String {
    let term = common::render(m, w, h);
    let buf = term.backend().buffer().clone();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_bad_verdict_is_recorded_at_once_and_a_good_one_after_the_window() {
    let mut m = model("P1", t(20));
    m.metrics = gates();
    let gates_fx = warroom::app::metrics::gates_event(&m).expect("the gates are recorded");
    if let warroom::app::Effect::Append(d) = gates_fx {
        send(
            &mut m,
            Msg::Journal(ReadBatch {
                events: vec![d.stamp(t(1))],
                warnings: vec![],
            }),
        );
    }
    assert!(warroom::app::metrics::gates_event(&m).is_none(), "once");
    deployed(&mut m, 20);
    // Before the deploy: 0.2 s and 50 ms; after it the API holds and the database triples.
    m.now = t(24);
    let fx = send(&mut m, points(0, 10, 24, |_| 0.2, 24));
    assert!(appended(&fx).is_empty(), "{fx:?}");
    let fx = send(
        &mut m,
        points(1, 10, 24, |min| if min < 20 { 0.05 } else { 0.15 }, 24),
    );
    let recorded = appended(&fx);
    assert_eq!(recorded.len(), 1, "{fx:?}");
    assert_eq!(recorded[0].kind.as_str(), kinds::METRIC_VERDICT);
    assert_eq!(recorded[0].fields["verdict"], "bad");
    assert_eq!(recorded[0].fields["before"], 0.05);
    assert_eq!(recorded[0].fields["after"], 0.15);
    assert!(
        recorded[0]
            .text
            .starts_with("DB time: moved beyond 20%, 0.050 s before the deploy → 0.150 s"),
        "{}",
        recorded[0].text
    );
    // The same bad verdict is not written twice.
    let fx = send(&mut m, points(1, 23, 25, |_| 0.15, 25));
    assert!(appended(&fx).is_empty(), "{fx:?}");

    // The monitoring window (30 min) ends at minute 50: the good verdict then, not before.
    m.now = t(49);
    let fx = send(&mut m, points(0, 23, 49, |_| 0.21, 49));
    assert!(appended(&fx).is_empty(), "{fx:?}");
    m.now = t(51);
    let fx = send(&mut m, points(0, 48, 51, |_| 0.21, 51));
    let recorded = appended(&fx);
    assert_eq!(recorded.len(), 1, "{fx:?}");
    assert_eq!(recorded[0].fields["verdict"], "good");
    assert_eq!(recorded[0].fields["item"], "latency-stable");
    let status = |m: &warroom::app::Model, id: &str| {
        let it = m.incident.checklist.item(id).expect("item").clone();
        format!("{:?}", m.incident.status(&it))
    };
    assert!(
        status(&m, "latency-stable").starts_with("Done"),
        "{}",
        status(&m, "latency-stable")
    );
    assert_eq!(status(&m, "database-stable"), "Pending");
    assert!(status(&m, "user-activity-normal").starts_with("NotApplicable(NoGate)"));
}

#[test]
fn the_verification_pane_at_80x24_has_a_line_a_gate_and_the_chart_follows_j_and_k() {
    let mut m = model("P1", t(30));
    m.metrics = gates();
    deployed(&mut m, 20);
    send(
        &mut m,
        points(0, 10, 30, |min| if min < 20 { 0.2 } else { 0.21 }, 30),
    );
    send(
        &mut m,
        points(1, 10, 30, |min| if min < 20 { 0.05 } else { 0.15 }, 30),
    );
    m.metrics[2].state = GateState::Failed {
        reason: "Sentry: 403: the token needs org:read".into(),
        next: t(31),
    };
    m.focus = Pane::ErrorRate;
    let s = screen(&m, 80, 24);
    assert!(s.contains(" Verification "), "{s}");
    assert!(
        s.contains("✓ API p95  0.200 s → 0.210 s +5 %  ████████"),
        "{s}"
    );
    assert!(s.contains("✗ DB time  0.050 s → 0.150 s +200 %"), "{s}");
    assert!(
        s.contains("⚠ Crash-free: Sentry: 403: the token needs"),
        "{s}"
    );

    // Wider, the words: good so far (recorded once the monitoring window is over).
    let s = screen(&m, 160, 40);
    assert!(s.contains("+5 %  ████████  stable so far"), "{s}");
    assert!(s.contains("  beyond 20%"), "{s}");

    // j: the first gate's chart, with its expectation.
    send(&mut m, key('j'));
    assert_eq!(m.chart, 1);
    let s = screen(&m, 120, 40);
    assert!(
        s.contains("API p95 (Prometheus)  expect stable ±20%"),
        "{s}"
    );
    send(&mut m, code(KeyCode::End));
    assert_eq!(m.chart, 3);
    send(&mut m, key('k'));
    send(&mut m, key('k'));
    send(&mut m, key('k'));
    assert_eq!(m.chart, 1, "without Sentry the error rate has no chart");
    m.error_rate = warroom::app::error_rate::ErrorRate::new(&Default::default());
    send(&mut m, key('k'));
    assert_eq!(m.chart, 0, "back to the error rate");
    // Nothing panics at any size.
    for (w, h) in [(1, 1), (20, 5), (40, 12), (80, 24), (200, 60)] {
        screen(&m, w, h);
    }
}

#[test]
fn a_deploy_registered_under_a_release_is_told_to_the_pollers() {
    let mut m = model("P1", t(30));
    deployed(&mut m, 20);
    let ev = Draft::new(
        kinds::SENTRY_DEPLOY,
        "Deploy registered with Sentry (release v2.3.5)",
    )
    .field("ok", true)
    .field("release", "v2.3.5")
    .stamp(t(21));
    let fx = warroom::app::update(
        &mut m,
        Msg::Journal(ReadBatch {
            events: vec![ev],
            warnings: vec![],
        }),
    );
    assert!(
        fx.contains(&warroom::app::Effect::Deployed {
            at: Some(t(20)),
            release: Some("v2.3.5".into())
        }),
        "{fx:?}"
    );
}
