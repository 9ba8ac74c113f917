//! Writing every export of a 100,000-event incident. `cargo bench --bench exports`

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use warroom::checklist::Checklist;
use warroom::clock::Policy;
use warroom::export::{Exporter, Templates};
use warroom::incident::Incident;
use warroom::journal::{Draft, kinds};

fn main() {
    let t0 = Utc
        .with_ymd_and_hms(2026, 11, 26, 14, 0, 0)
        .single()
        .expect("time");
    let mut events = vec![
        Draft::new(kinds::INCIDENT_OPENED, "Incident opened")
            .field("ticket", "ENG-1234")
            .field("title", "Auth bypass on expired tokens")
            .field("priority", "P0")
            .stamp(t0),
    ];
    for i in 0..99_998 {
        let at = t0 + chrono::Duration::milliseconds(i * 50);
        events.push(match i % 5 {
            0 => Draft::new(
                kinds::CHECK_FINISHED,
                format!("Check test passed (run {i})"),
            )
            .field("name", "test")
            .field("exit_code", 0)
            .field("duration_ms", 4100)
            .stamp(at),
            1 => Draft::new(kinds::MILESTONE, "Status checkpoint")
                .field("milestone", "on_call_alerted")
                .stamp(at),
            _ => Draft::new(
                kinds::NOTE,
                format!(
                    "note {i}: investigating the token cache on pod web-{}",
                    i % 7
                ),
            )
            .stamp(at),
        });
    }
    events.push(
        Draft::new(kinds::INCIDENT_CLOSED, "Incident closed")
            .stamp(t0 + chrono::Duration::hours(2)),
    );
    let inc = Incident::from_events(
        "ENG-1234",
        Arc::new(Checklist::builtin().expect("c")),
        events.clone(),
    );
    let templates = Templates::load(None).expect("templates");
    let policy = Policy::default();
    let exporter = Exporter {
        policy: policy.clone(),
        templates: templates.clone(),
        rollback_command: Some("vercel rollback".into()),
        flags: Vec::new(),
        now: t0 + chrono::Duration::hours(2),
    };
    let dir = tempfile::tempdir().expect("tmp");
    let mut runs: Vec<Duration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            exporter
                .write_all(&inc, &events, dir.path())
                .expect("write");
            t.elapsed()
        })
        .collect();
    runs.sort();
    let size: u64 = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    let median = runs[runs.len() / 2];
    println!(
        "write all exports of a {}-event incident ({} MB): median {:.0} ms of 5, max {:.0} ms -> {}",
        inc.count,
        size / 1_000_000,
        median.as_secs_f64() * 1e3,
        runs[runs.len() - 1].as_secs_f64() * 1e3,
        if median <= Duration::from_secs(1) {
            "met (<= 1 s)"
        } else {
            "MISSED (> 1 s)"
        }
    );
}
