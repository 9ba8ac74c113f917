//! Metric gates against a real Prometheus (Debian's `prometheus`, scraping every second an
//! exporter the test sets): the real binary in tmux shows each gate's verdict, and the record
//! ticks, leaves or takes back the checklist's items as the metrics move.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::prometheus::{Prometheus, available};
use common::tmux::{Tmux, tmux_available};
use common::{bin, export_json, item_status, stderr, stdout, warroom, warroom_in};

const API: &str = r#"api_latency_seconds{job="api"}"#;
const DB: &str = r#"db_query_seconds{job="db"}"#;
const FAILURES: &str = r#"checkout_failures_per_second{job="api"}"#;

fn can_run() -> bool {
    available() && tmux_available()
}

fn gate(name: &str, url: &str, query: &str, expect: &str, item: &str) -> String {
    let unit = if query.contains("seconds") { "s" } else { "/s" };
    format!(
        "[[metrics]]\nname = \"{name}\"\nsource = \"prometheus\"\nurl = \"{url}\"\nquery = '{query}'\nexpect = \"{expect}\"\nunit = \"{unit}\"\nitem = \"{item}\"\ninterval = \"1s\"\nbefore = \"6s\"\njudge = \"3s\"\n\n"
    )
}

fn verdicts(v: &serde_json::Value) -> Vec<(String, String)> {
    v["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "metric_verdict")
        .map(|e| {
            (
                e["name"].as_str().unwrap_or_default().to_string(),
                e["verdict"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Waits until the record says what `done` looks for.
fn wait_record(home: &Path, ticket: &str, what: &str, done: impl Fn(&serde_json::Value) -> bool) {
    let start = Instant::now();
    loop {
        let v = export_json(home, ticket);
        if done(&v) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "waited for {what}; record:\n{:#}",
            v["events"]
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn verdicts_from_a_real_prometheus_tick_leave_and_take_back_the_items() {
    if !can_run() {
        return;
    }
    let mut prom = Prometheus::start(&[(API, 0.2), (DB, 0.05), (FAILURES, 12.0)]);
    let home = tempfile::tempdir().expect("tmp");
    let config = format!(
        "[monitoring]\nwindow = \"12s\"\n\n[deploy]\ncommand = \"true\"\n\n{}{}{}",
        gate(
            "API p95 latency",
            &prom.url,
            API,
            "stable",
            "latency-stable"
        ),
        gate("DB query time", &prom.url, DB, "stable", "database-stable"),
        gate(
            "Checkout failures",
            &prom.url,
            &format!("max({FAILURES})"),
            "drop",
            "third-parties-healthy"
        ),
    );
    std::fs::write(home.path().join("warroom.toml"), config).expect("config");
    let ticket = "PAY-27";
    let o = warroom(
        home.path(),
        &[
            "open",
            ticket,
            "--priority",
            "P1",
            "--title",
            "Slow checkout",
            "--no-console",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));

    // `config check` runs each query once against the real server.
    let check = warroom_in(home.path(), home.path(), &["config", "check"]);
    assert!(
        check.status.success(),
        "{}{}",
        stdout(&check),
        stderr(&check)
    );
    assert!(
        stdout(&check).contains("✓ API p95 latency (Prometheus): 0.200 s at"),
        "{}",
        stdout(&check)
    );

    let tmux = Tmux::new(ticket);
    tmux.start_sized(home.path(), 120, 40);
    tmux.line(&format!("{} resume {ticket}", bin().display()));
    tmux.wait_for(" Verification ");
    // No gate names "user activity": not applicable, and said why.
    tmux.wait_for("now 0.200 s");
    // The level before the deploy: a few seconds of points.
    std::thread::sleep(Duration::from_secs(7));
    tmux.keys(&["d"]);
    tmux.wait_for("Deploy to production");
    tmux.keys(&["y"]);
    tmux.wait_for("Deployed in");
    // After the deploy: the API stays put, the database slows down threefold, failures stop.
    prom.set(API, 0.21);
    prom.set(DB, 0.15);
    prom.set(FAILURES, 0.0);

    // A bad verdict is on screen and on the record at once, before the window is over.
    let screen = tmux.wait_for("✗ DB query time");
    assert!(screen.contains("beyond 20%"), "{screen}");
    wait_record(home.path(), ticket, "the bad verdict", |v| {
        verdicts(v).contains(&("DB query time".into(), "bad".into()))
    });
    let v = export_json(home.path(), ticket);
    assert_eq!(
        item_status(&v, "latency-stable"),
        "pending",
        "the window is not over"
    );

    // After the monitoring window: the good ones are recorded and tick their items.
    wait_record(home.path(), ticket, "the good verdicts", |v| {
        let got = verdicts(v);
        got.contains(&("API p95 latency".into(), "good".into()))
            && got.contains(&("Checkout failures".into(), "good".into()))
    });
    let v = export_json(home.path(), ticket);
    assert_eq!(item_status(&v, "latency-stable"), "done");
    assert_eq!(item_status(&v, "third-parties-healthy"), "done");
    assert_eq!(item_status(&v, "database-stable"), "pending");
    assert_eq!(item_status(&v, "user-activity-normal"), "not_applicable");
    let screen = tmux.wait_for("✓ API p95 latency");
    assert!(screen.contains("✓ Checkout failures"), "{screen}");

    // The API slows down after all: its verdict turns bad and takes the tick back.
    prom.set(API, 0.6);
    wait_record(home.path(), ticket, "the API's bad verdict", |v| {
        verdicts(v).last() == Some(&("API p95 latency".into(), "bad".into()))
    });
    let v = export_json(home.path(), ticket);
    assert_eq!(item_status(&v, "latency-stable"), "pending", "taken back");
    tmux.wait_for("✗ API p95 latency");

    // The server stops answering: the fault is in its line, and the console goes on.
    prom.stop();
    // Each gate learns it at its own next poll.
    tmux.wait_for("⚠ API p95 latency: cannot reach");
    tmux.wait_for("⚠ DB query time: cannot reach");
    tmux.keys(&["q"]);
    tmux.wait_gone(" Verification ");
}

#[test]
fn config_check_names_what_a_query_returns_instead_of_one_value() {
    if !available() {
        return;
    }
    let mut prom = Prometheus::start(&[
        (r#"latency_seconds{job="api"}"#, 0.2),
        (r#"latency_seconds{job="web"}"#, 0.4),
    ]);
    let home = tempfile::tempdir().expect("tmp");
    let gate = |name: &str, url: &str, query: &str| {
        format!(
            "[[metrics]]\nname = \"{name}\"\nsource = \"prometheus\"\nurl = \"{url}\"\nquery = '{query}'\n\n"
        )
    };
    let write = |url: &str| {
        std::fs::write(
            home.path().join("warroom.toml"),
            [
                gate("one", url, r#"latency_seconds{job="api"}"#),
                gate("several", url, "latency_seconds"),
                gate("broken", url, "sum(rate(latency_seconds[5m]) by"),
                gate("empty", url, "no_such_metric"),
                gate(
                    "histogram",
                    url,
                    "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{job=\"api\"}[5s])))",
                ),
            ]
            .concat(),
        )
        .expect("config");
    };
    // An HTTP histogram: 100 requests a second, all between 0.1 and 0.25 s.
    for (le, rate) in [
        ("0.1", 0.0),
        ("0.25", 100.0),
        ("0.5", 100.0),
        ("+Inf", 100.0),
    ] {
        prom.counter(
            &format!(r#"http_request_duration_seconds_bucket{{job="api",le="{le}"}}"#),
            rate,
        );
    }
    write(&prom.url);
    // A few scrapes: every series has samples, the rates a window.
    std::thread::sleep(Duration::from_secs(4));
    let o = warroom_in(home.path(), home.path(), &["config", "check"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    assert!(out.contains("✓ one (Prometheus): 0.200 at"), "{out}");
    // The p95 of requests all in (0.1, 0.25], interpolated as Prometheus does: 0.2425.
    assert!(out.contains("✓ histogram (Prometheus): 0.24"), "{out}");
    assert!(
        out.contains("✗ several (Prometheus): 2 series where the gate needs one ({__name__=\"latency_seconds\""),
        "{out}"
    );
    assert!(
        out.contains("aggregate them, e.g. sum(…) or max(…)"),
        "{out}"
    );
    // Prometheus's own message, with the position of the error in the query.
    assert!(
        out.contains(
            "✗ broken (Prometheus): Prometheus: bad_data: invalid parameter \"query\": 1:"
        ),
        "{out}"
    );
    assert!(out.contains("parse error"), "{out}");
    assert!(
        out.contains("✗ empty (Prometheus): no data: the query returned an empty result"),
        "{out}"
    );
    assert!(
        stderr(&o).contains("3 metric gates gave no usable answer"),
        "{}",
        stderr(&o)
    );

    let url = prom.url.clone();
    prom.stop();
    write(&url);
    let o = warroom_in(home.path(), home.path(), &["config", "check"]);
    assert!(
        stdout(&o).contains(&format!("✗ one (Prometheus): cannot reach {url}")),
        "{}",
        stdout(&o)
    );
}
