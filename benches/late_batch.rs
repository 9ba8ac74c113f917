//! Two seats writing at once into a shared record of 140,000 events: the cost of taking one
//! batch of the other seat that belongs a few events back (read and folded), merged from the
//! nearest rewind point, beside folding the whole record again (what the reader did before) in
//! the same run. Median of 20 of each.

use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use warroom::checklist::Checklist;
use warroom::incident::Incident;
use warroom::journal::seats::SEATS_DIR;
use warroom::journal::{Draft, JournalWriter, SeatsReader, Share};

const EVENTS: usize = 140_000;
const RUNS: usize = 20;

fn share(seat: &str) -> Share {
    Share {
        remote: "origin".into(),
        seat: seat.into(),
        by: seat.split('-').next().unwrap_or(seat).into(),
        email: String::new(),
        moved: 0,
        backend: Default::default(),
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(dir.path().join(SEATS_DIR)).expect("seats");
    let t0 = Utc
        .with_ymd_and_hms(2026, 11, 26, 14, 0, 0)
        .single()
        .expect("t");
    let alice = JournalWriter::new(dir.path().join("journal.jsonl"));
    let bob_path = dir.path().join(SEATS_DIR).join("bob-0002.jsonl");
    let bob = JournalWriter::new(&bob_path);
    for i in 0..EVENTS / 2 {
        let at = t0 + Duration::milliseconds(20 * i as i64);
        alice
            .append_event(&Draft::new("note", format!("alice {i}")).stamp(at))
            .expect("a");
        bob.append_event(
            &Draft::new("note", format!("bob {i}")).stamp(at + Duration::milliseconds(10)),
        )
        .expect("b");
    }
    let checklist = Arc::new(Checklist::builtin().expect("checklist"));
    let end = t0 + Duration::milliseconds(20 * (EVENTS / 2) as i64);
    let mut merged = Vec::new();
    let mut whole = Vec::new();
    for run in 0..RUNS {
        let mut reader = SeatsReader::new(dir.path(), share("alice-0001"));
        let mut incident = Incident::empty("BENCH", checklist.clone());
        let mut folds = std::collections::VecDeque::new();
        let apply = |inc: &mut Incident, folds: &mut std::collections::VecDeque<Incident>, evs| {
            for ev in evs {
                if inc
                    .count
                    .is_multiple_of(warroom::journal::seats::REWIND_EVERY)
                {
                    if folds.len() == warroom::journal::seats::REWIND_KEEP {
                        folds.pop_front();
                    }
                    folds.push_back(inc.clone());
                }
                inc.apply(ev);
            }
        };
        let batch = reader.read_new().expect("read");
        apply(&mut incident, &mut folds, batch.events);
        // Alice writes two more; Bob's batch, written at the same time, arrives after them.
        let a = end + Duration::milliseconds(40 * run as i64);
        alice
            .append_event(&Draft::new("note", "alice late").stamp(a + Duration::milliseconds(5)))
            .expect("a");
        alice
            .append_event(&Draft::new("note", "alice later").stamp(a + Duration::milliseconds(9)))
            .expect("a");
        apply(
            &mut incident,
            &mut folds,
            reader.read_new().expect("read").events,
        );
        bob.append_event(&Draft::new("note", "bob late").stamp(a + Duration::milliseconds(7)))
            .expect("b");
        let started = Instant::now();
        let late = reader.read_new().expect("read");
        let at = reader.take_rewound().expect("merged from a rewind point");
        let i = folds.iter().position(|f| f.count == at).expect("kept");
        incident = folds[i].clone();
        folds.truncate(i);
        apply(&mut incident, &mut folds, late.events);
        merged.push(started.elapsed().as_secs_f64() * 1000.0);
        // Before: the whole record read and folded again.
        let started = Instant::now();
        let all = reader.read_all_again().expect("read");
        let mut again = Incident::empty("BENCH", checklist.clone());
        for ev in all.events {
            again.apply(ev);
        }
        whole.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(again.count, incident.count);
    }
    let (m, w) = (median(&mut merged), median(&mut whole));
    println!(
        "late batch at {EVENTS} events, merged from the nearest rewind point: runs={RUNS} median_ms={m:.2}"
    );
    println!(
        "the same batch, the whole record read and folded again:      runs={RUNS} median_ms={w:.2}"
    );
    println!("ratio merged/whole median={:.4}", m / w);
    // At a 2 s poll with a late batch on every poll: share of one core.
    println!(
        "one late batch every 2 s poll: merged {:.3} % of a core, whole {:.2} %",
        m / 2000.0 * 100.0,
        w / 2000.0 * 100.0
    );
}
