//! A full 200×50 frame with a 100k-event timeline, as a ratio to a bare `Buffer::diff` of the
//! same size measured in the same run. `cargo bench --bench frame`

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use warroom::app::{Model, Msg, update};
use warroom::checklist::Checklist;
use warroom::clock::Policy;
use warroom::incident::Incident;
use warroom::journal::{Draft, ReadBatch, kinds};
use warroom::keys::Keymap;
use warroom::ui;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn measure(iterations: usize, mut f: impl FnMut()) -> Duration {
    for _ in 0..iterations / 10 {
        f();
    }
    let samples = (0..iterations)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    median(samples)
}

fn main() {
    let t0 = Utc
        .with_ymd_and_hms(2026, 11, 26, 14, 0, 0)
        .single()
        .expect("time");
    let opened = Draft::new(kinds::INCIDENT_OPENED, "Incident opened")
        .field("ticket", "ENG-1234")
        .field("title", "Auth bypass on expired tokens")
        .field("priority", "P0")
        .stamp(t0);
    let inc = Incident::from_events(
        "ENG-1234",
        Arc::new(Checklist::builtin().expect("c")),
        [opened],
    );
    let mut m = Model::new(inc, Policy::default(), Keymap::default(), t0);
    m.utc = true;
    let events = (0..100_000)
        .map(|i| {
            Draft::new(
                kinds::NOTE,
                format!("note {i}: investigating the token cache"),
            )
            .stamp(t0)
        })
        .collect();
    update(
        &mut m,
        Msg::Journal(ReadBatch {
            events,
            warnings: vec![],
        }),
    );

    let area = Rect::new(0, 0, 200, 50);
    let iterations = 3000;

    // Baseline: diff two different full buffers.
    let a = Buffer::filled(area, ratatui::buffer::Cell::new("a"));
    let mut b = Buffer::empty(area);
    b.set_string(0, 0, "x".repeat(200), Style::new());
    let diff = measure(iterations, || {
        black_box(a.diff(black_box(&b)));
    });

    // A frame as the loop draws it: render into a cleared buffer, then diff with the last.
    let mut prev = Buffer::empty(area);
    let mut cur = Buffer::empty(area);
    let mut tick = 0i64;
    let frame = measure(iterations, || {
        tick += 1;
        m.now = t0 + chrono::Duration::seconds(tick % 3600);
        cur.reset();
        ui::draw(&m, area, &mut cur);
        black_box(prev.diff(&cur));
        std::mem::swap(&mut prev, &mut cur);
    });

    let ratio = frame.as_secs_f64() / diff.as_secs_f64();
    println!(
        "bare Buffer::diff 200x50: median {:.1} µs",
        diff.as_secs_f64() * 1e6
    );
    println!(
        "full frame 200x50, 100k-event timeline: median {:.1} µs ({ratio:.1}x the diff)",
        frame.as_secs_f64() * 1e6
    );
    println!(
        "target: frame <= 250 µs -> {}",
        if frame <= Duration::from_micros(250) {
            "met"
        } else {
            "MISSED"
        }
    );
}
