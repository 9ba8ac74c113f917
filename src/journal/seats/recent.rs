//! The newest events of the one order, kept as they were written, so that a batch that sorts
//! before some of them (two seats writing at once) is merged into the order from the nearest
//! rewind point instead of folding the whole record again.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use super::{Key, Mark};
use crate::journal::event::Event;

/// The fold keeps its state every this many events of the one order; a late batch is merged
/// from the last of these at or before where it belongs.
pub const REWIND_EVERY: usize = 256;
/// How many of those states the fold keeps.
pub const REWIND_KEEP: usize = 8;
/// Events kept: a late batch that belongs further back folds the record from its start.
const KEPT: usize = REWIND_EVERY * (REWIND_KEEP - 1);

/// One event of the one order as it was written (before its causal time), where it came from,
/// and the causal time after it.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub key: Key,
    pub stream: usize,
    pub event: Event,
    pub folded: Option<DateTime<Utc>>,
}

/// The reader's state just before the oldest kept event.
#[derive(Debug, Clone, Default)]
pub(super) struct Base {
    pub taken: Vec<Mark>,
    pub folded: Option<DateTime<Utc>>,
    pub last: Option<Key>,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Recent {
    base: Base,
    entries: VecDeque<Entry>,
    /// A rewind point between the aligned ones: the event number the console's fold began at
    /// (it keeps its state there), so that a late batch in its first few hundred events is
    /// merged too.
    origin: Option<usize>,
}

/// Where a late batch is merged from: the event number, and the reader's state there.
pub(super) struct Rewind {
    pub at: usize,
    pub base: Base,
    /// The kept events from there on, to be merged again with the late ones.
    pub again: Vec<Entry>,
}

impl Recent {
    pub fn clear(&mut self) {
        self.entries.clear();
        self.origin = None;
    }

    /// Event `at` is a rewind point as well.
    pub fn origin(&mut self, at: usize) {
        self.origin = Some(at);
    }

    /// Whether nothing is kept: the next event kept starts from [`Recent::start`].
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The reader's state before the first event kept.
    pub fn start(&mut self, base: Base) {
        self.base = base;
    }

    /// Keeps `entry`, the newest event of the one order.
    pub fn push(&mut self, entry: Entry) {
        self.entries.push_back(entry);
        if self.entries.len() > KEPT
            && let Some(old) = self.entries.pop_front()
        {
            if self.base.taken.len() <= old.stream {
                self.base.taken.resize(old.stream + 1, Mark::default());
            }
            let m = &mut self.base.taken[old.stream];
            m.count += 1;
            m.clock = Some(old.key.clock);
            self.base.folded = old.folded;
            self.base.last = Some(old.key);
        }
    }

    /// Where events keyed from `first` on belong when `events` have been read: the last rewind
    /// point at or before that place, if the kept events reach back to it.
    pub fn rewind(&mut self, first: &Key, events: usize) -> Option<Rewind> {
        let start = events.checked_sub(self.entries.len())?;
        // Before every kept event: where it belongs is not known here.
        let kept_before = self.entries.partition_point(|e| e.key < *first);
        if kept_before == 0 {
            return None;
        }
        let place = start + kept_before;
        let aligned = place / REWIND_EVERY * REWIND_EVERY;
        let at = self
            .origin
            .filter(|o| (aligned + 1..=place).contains(o))
            .unwrap_or(aligned);
        let from = at.checked_sub(start)?;
        let mut base = self.base.clone();
        for e in self.entries.range(..from) {
            if base.taken.len() <= e.stream {
                base.taken.resize(e.stream + 1, Mark::default());
            }
            let m = &mut base.taken[e.stream];
            m.count += 1;
            m.clock = Some(e.key.clock);
            base.folded = e.folded;
            base.last = Some(e.key.clone());
        }
        let again = self.entries.drain(from..).collect();
        Some(Rewind { at, base, again })
    }
}
