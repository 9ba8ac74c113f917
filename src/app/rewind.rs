//! The fold's state every [`REWIND_EVERY`] events, the newest [`REWIND_KEEP`] of them: a batch
//! from another seat that belongs before what was folded is merged from the nearest one, not
//! from the start of the record.

use super::model::Model;
use crate::journal::Event;
use crate::journal::seats::{REWIND_EVERY, REWIND_KEEP};

/// Folds `events`, keeping the state before every [`REWIND_EVERY`]th, and where the fold goes
/// on from when it keeps none (the reader's origin: see `SeatsReader::origin_here`).
pub fn apply(m: &mut Model, events: Vec<Event>) {
    for ev in events {
        if m.incident.count.is_multiple_of(REWIND_EVERY) || m.folds.is_empty() {
            if m.folds.len() == REWIND_KEEP {
                m.folds.pop_front();
            }
            m.folds.push_back(m.incident.clone());
        }
        m.incident.apply(ev);
    }
}

/// Whether the fold's state before event `at` is kept.
pub fn has(m: &Model, at: usize) -> bool {
    m.folds.iter().any(|f| f.count == at)
}

/// Goes back to the state before event `at` (the events from there on come next); `false`
/// when it is not kept.
pub fn back_to(m: &mut Model, at: usize) -> bool {
    let Some(i) = m.folds.iter().position(|f| f.count == at) else {
        return false;
    };
    let kept = m.folds[i].clone();
    m.folds.truncate(i);
    m.incident = kept;
    true
}
