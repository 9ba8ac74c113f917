//! Parsing a 10,000-bucket events-stats response, and the series staying bounded by the
//! window while polls keep merging into it. `cargo bench --bench sentry_parse`

use std::hint::black_box;
use std::time::{Duration, Instant};

use warroom::app::error_rate::ErrorRate;
use warroom::config::SentryConfig;
use warroom::sentry::api::parse_events_stats;

fn main() {
    let t0 = 1_767_261_600i64;
    let rows: Vec<String> = (0..10_000)
        .map(|i| match i % 4 {
            0 => format!("[{}, [{{\"count\": {}}}]]", t0 + i * 60, i % 97),
            1 => format!("[{}.0, []]", t0 + i * 60),
            2 => format!("[{}, [{{\"count\": null}}]]", t0 + i * 60),
            _ => format!(
                "[{}, [{{\"count\": {}}}, {{\"count\": 1}}]]",
                t0 + i * 60,
                i % 13
            ),
        })
        .collect();
    let body = format!(
        r#"{{"data": [{}], "start": {t0}, "end": {}, "meta": {{"fields": {{"count()": "integer"}}}}}}"#,
        rows.join(","),
        t0 + 600_000
    );

    let mut samples: Vec<Duration> = (0..200)
        .map(|_| {
            let t = Instant::now();
            black_box(
                parse_events_stats(black_box(body.as_bytes()))
                    .map(|s| s.buckets.len())
                    .unwrap_or(0),
            );
            t.elapsed()
        })
        .collect();
    samples.sort();
    let median = samples[samples.len() / 2];
    println!(
        "parse 10,000-bucket events-stats ({} KB): median {:.2} ms, max {:.2} ms -> {}",
        body.len() / 1024,
        median.as_secs_f64() * 1e3,
        samples[samples.len() - 1].as_secs_f64() * 1e3,
        if median <= Duration::from_millis(5) {
            "met (<= 5 ms)"
        } else {
            "MISSED (> 5 ms)"
        }
    );

    // A day of polls, one a minute: each merges the trailing ten minutes; the series keeps only
    // the window (2 h) and the baseline before detection (1 h).
    let cfg = SentryConfig::default();
    let mut e = ErrorRate::new(&cfg);
    let detected = t0 + 3 * 3600;
    let mut most = 0;
    for minute in 0..(24 * 60) {
        let now = t0 + minute * 60;
        let start = now - 600;
        let buckets = (0..=10).map(|i| (start + i * 60, 5.0)).collect();
        e.merge(start, buckets, 60, now, detected);
        most = most.max(e.series.len());
    }
    println!(
        "a day of polls: the series holds {} buckets now, at most {most} at any time (window 2 h = 120 + baseline 1 h = 60)",
        e.series.len()
    );
}
