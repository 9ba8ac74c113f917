//! The one order of a shared record: each event's hybrid logical clock, then seat, then
//! sequence; and the causal time its facts are folded at.

use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{SEATS_DIR, StreamSpec, stamp};
use crate::journal::event::Event;
use crate::journal::hlc::Hlc;

/// The clock a seat's next event is written past: the newest event of its own journal and of
/// every other seat's file it has taken in.
pub fn clock(journal: &Path) -> io::Result<Hlc> {
    let dir = journal.parent().unwrap_or(Path::new("."));
    let mut newest = crate::journal::hlc::last_of(journal)?.unwrap_or_default();
    for entry in std::fs::read_dir(dir.join(SEATS_DIR))
        .into_iter()
        .flatten()
        .flatten()
    {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "jsonl")
            && let Some(c) = crate::journal::hlc::last_of(&path)?
        {
            newest = newest.max(c);
        }
    }
    Ok(newest)
}

/// Where an event stands in the one order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(super) struct Key {
    pub(super) clock: Hlc,
    pub(super) seat: String,
    pub(super) seq: u64,
}

/// The time the facts are folded at: never before an event that came earlier in the one order.
/// An event written by a clock behind keeps its own time in `written_at`.
pub(super) fn causal(folded: &mut Option<DateTime<Utc>>, ev: &mut Event) {
    match *folded {
        Some(t) if ev.at < t => {
            ev.fields.insert(
                WRITTEN_AT.into(),
                crate::journal::event::rfc3339_string(ev.at).into(),
            );
            ev.at = t;
        }
        _ => *folded = Some(ev.at),
    }
}

/// The field that keeps an event's own time when it was folded later (its seat's clock was
/// behind what it had read).
pub const WRITTEN_AT: &str = "written_at";

/// Advances a stream's clock and sequence over `ev`, stamps it with its seat, and returns its
/// clock.
pub(super) fn keyed(
    spec: &StreamSpec,
    clock: &mut Option<Hlc>,
    seq: &mut u64,
    ev: &mut Event,
) -> Hlc {
    let own = Hlc::of(ev);
    let c = clock.map_or(own, |c| c.max(own));
    *clock = Some(c);
    *seq += 1;
    stamp(ev, &spec.seat, spec.by.as_deref());
    c
}

/// Seats' events held in memory (each seat's in the order it wrote them) in the one order,
/// folded at their causal time: what [`SeatsReader`] gives for the same events.
pub fn in_one_order(streams: Vec<(String, Vec<Event>)>) -> Vec<Event> {
    let mut keyed_events: Vec<(Key, Event)> = Vec::new();
    for (seat, events) in streams {
        let spec = StreamSpec {
            seat,
            by: None,
            path: PathBuf::new(),
            until: None,
            start: None,
        };
        let (mut clock, mut seq) = (None, 0);
        for mut ev in events {
            let c = keyed(&spec, &mut clock, &mut seq, &mut ev);
            let key = Key {
                clock: c,
                seat: spec.seat.clone(),
                seq,
            };
            keyed_events.push((key, ev));
        }
    }
    keyed_events.sort_by(|a, b| a.0.cmp(&b.0));
    let mut folded = None;
    keyed_events
        .into_iter()
        .map(|(_, mut ev)| {
            causal(&mut folded, &mut ev);
            ev
        })
        .collect()
}
