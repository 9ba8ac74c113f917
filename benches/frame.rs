//! A full 200×50 frame with a 1,000,000-event timeline, at the newest event and scrolled to the
//! oldest, as ratios to a bare `Buffer::diff` of the same size measured in the same run.
//! `cargo bench --bench frame`

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use warroom::app::{Effect, Model, Msg, Pane, update};
use warroom::checklist::Checklist;
use warroom::clock::Policy;
use warroom::incident::Record;
use warroom::journal::{Draft, kinds};
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

/// A 1,000,000-event journal: the opening line, then notes.
fn journal(path: &std::path::Path, t0: chrono::DateTime<Utc>) {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("journal"));
    let opened = Draft::new(kinds::INCIDENT_OPENED, "Incident opened")
        .field("ticket", "ENG-1234")
        .field("title", "Auth bypass on expired tokens")
        .field("priority", "P0")
        .stamp(t0);
    serde_json::to_writer(&mut f, &opened).expect("json");
    f.write_all(b"\n").expect("write");
    for i in 1..EVENTS {
        let ev = Draft::new(
            kinds::NOTE,
            format!("note {i}: investigating the token cache"),
        )
        .stamp(t0 + chrono::Duration::milliseconds(i as i64));
        serde_json::to_writer(&mut f, &ev).expect("json");
        f.write_all(b"\n").expect("write");
    }
    f.flush().expect("flush");
}

const EVENTS: usize = 1_000_000;

fn main() {
    let t0 = Utc
        .with_ymd_and_hms(2026, 11, 26, 14, 0, 0)
        .single()
        .expect("time");
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("journal.jsonl");
    journal(&path, t0);
    let rec = Record::open(
        &path,
        "ENG-1234",
        Arc::new(Checklist::builtin().expect("c")),
    )
    .expect("open");
    let mut m = Model::new(rec.incident, Policy::default(), Keymap::default(), t0);
    m.utc = true;
    m.size = (200, 50);
    m.focus = Pane::Timeline;

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
    let mut frame = |m: &mut Model| {
        measure(iterations, || {
            tick += 1;
            m.now = t0 + chrono::Duration::seconds(tick % 3600);
            cur.reset();
            ui::draw(m, area, &mut cur);
            black_box(prev.diff(&cur));
            std::mem::swap(&mut prev, &mut cur);
        })
    };
    let newest = frame(&mut m);

    // Scrolled to the oldest event: the rows are read from the journal through its index,
    // once for the jump, then drawn from memory like the newest.
    let effects = update(&mut m, Msg::Key(KeyEvent::from(KeyCode::Home)));
    let mut page = None;
    for e in effects {
        if let Effect::ReadTimeline { first, count } = e {
            page = Some((first, rec.reader.read_range(first, count).expect("read")));
        }
    }
    let (first, events) = page.expect("the oldest rows are asked for");
    update(&mut m, Msg::TimelinePage { first, events });
    let read = (0..50)
        .map(|_| {
            let started = Instant::now();
            black_box(rec.reader.read_range(first, 150).expect("read"));
            started.elapsed()
        })
        .collect();
    let read = median(read);
    let oldest = frame(&mut m);

    let ratio = newest.as_secs_f64() / diff.as_secs_f64();
    let depth = oldest.as_secs_f64() / newest.as_secs_f64();
    println!(
        "bare Buffer::diff 200x50: median {:.1} µs",
        diff.as_secs_f64() * 1e6
    );
    println!(
        "full frame 200x50, 1M-event timeline at the newest: median {:.1} µs ({ratio:.1}x the diff)",
        newest.as_secs_f64() * 1e6
    );
    println!(
        "full frame 200x50, scrolled to the oldest of 1M events: median {:.1} µs ({depth:.2}x the newest)",
        oldest.as_secs_f64() * 1e6
    );
    println!(
        "reading 150 old rows through the index (once per jump): median {:.1} µs",
        read.as_secs_f64() * 1e6
    );
    println!(
        "figures diff_us={:.1} newest_us={:.1} oldest_us={:.1} newest_over_diff={ratio:.2} oldest_over_newest={depth:.2} read_us={:.1}",
        diff.as_secs_f64() * 1e6,
        newest.as_secs_f64() * 1e6,
        oldest.as_secs_f64() * 1e6,
        read.as_secs_f64() * 1e6
    );
    println!(
        "target: frame <= 250 µs -> {}; oldest <= 2x newest -> {}",
        if newest <= Duration::from_micros(250) {
            "met"
        } else {
            "MISSED"
        },
        if depth <= 2.0 { "met" } else { "MISSED" }
    );
}
