//! A shared incident's record: this seat's journal and the other seats' events, merged into
//! one order that every seat computes the same way: the hybrid logical clock each event was
//! written with ([`Hlc`]), then seat, then sequence.
//!
//! Each seat's events are a stream in the order that seat wrote them. A stream's clock never
//! goes back (a wall clock that stepped back keeps its events in their written order), so every
//! stream is sorted and the record is their merge. Whatever a seat wrote after reading an event
//! sorts after it, whatever its wall clock said. Events that arrive late (another seat's batch,
//! a partition healed) and belong before what was already read make the reader start over: the
//! fold is then built again in the one order.
//!
//! The facts keep that causality too: an event whose wall time is before an event it follows
//! (a seat whose clock is behind) is folded at the time of the one before it, its own written
//! time kept in `written_at` for the screen. Nothing a seat did is dated before what it had
//! seen.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::event::Event;
use super::file::{INDEX_EVERY, JOURNAL_FILE, JournalReader, ReadBatch};
use super::hlc::Hlc;
use super::source::EventSource;
use order::{Key, causal, keyed};
pub use order::{WRITTEN_AT, clock, in_one_order};
pub use recent::{REWIND_EVERY, REWIND_KEEP};
pub use state::{SeatsState, StreamState};

mod order;
mod recent;
mod state;

/// Beside the journal: how this seat shares the incident.
pub const SHARE_FILE: &str = "share.json";
/// Other seats' events, one file per seat (`seats/SEAT.jsonl`).
pub const SEATS_DIR: &str = "seats";

/// This seat of a shared incident: the remote it shares through and who it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub remote: String,
    /// The seat's id: the person's name and a short machine id (`alice-3f9a`).
    pub seat: String,
    /// The person (git `user.name`).
    pub by: String,
    pub email: String,
    /// How many times this seat moved on to a new ref because someone else wrote to its own
    /// (its events go on in `SEAT.N`, N = this + 1).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub moved: u32,
    /// What carries the seats' events: the git remote (the default), or NATS JetStream.
    #[serde(default, skip_serializing_if = "Backend::is_git")]
    pub backend: Backend,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// What carries a shared incident's events between seats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Each seat's ref on the service's git remote.
    #[default]
    Git,
    /// A JetStream stream per incident on a NATS server.
    Nats,
}

impl Backend {
    pub fn is_git(&self) -> bool {
        *self == Backend::Git
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Backend::Git => "git",
            Backend::Nats => "nats",
        })
    }
}

impl Share {
    /// The incident folder's share file, if the incident is shared.
    pub fn load(incident_dir: &Path) -> io::Result<Option<Share>> {
        match std::fs::read(incident_dir.join(SHARE_FILE)) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| io::Error::other(format!("{SHARE_FILE}: {e}"))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn save(&self, incident_dir: &Path) -> io::Result<()> {
        let json = serde_json::to_vec_pretty(self).map_err(io::Error::other)?;
        crate::fsutil::write_atomic_with(&incident_dir.join(SHARE_FILE), |f| f.write_all(&json))?;
        std::fs::create_dir_all(incident_dir.join(SEATS_DIR))
    }

    /// Writes `by` and `seat` on an event that has neither (written before the incident was
    /// shared, or by this seat's own writer).
    pub fn stamp(&self, ev: &mut Event) {
        stamp(ev, &self.seat, Some(&self.by));
    }
}

fn stamp(ev: &mut Event, seat: &str, by: Option<&str>) {
    if ev.fields.get("by").is_none()
        && let Some(by) = by
    {
        ev.fields.insert("by".into(), by.into());
    }
    if ev.fields.get("seat").is_none() {
        ev.fields.insert("seat".into(), seat.into());
    }
}

/// One seat's events: a file, whose seat it is, and up to where it was read.
#[derive(Debug, Clone)]
pub struct StreamSpec {
    pub seat: String,
    /// Written on events that carry no `by` (this seat's own, before sharing).
    pub by: Option<String>,
    pub path: PathBuf,
    pub until: Option<u64>,
    /// Where to start reading (a mark of the one order), instead of the file's first line.
    pub start: Option<Start>,
}

/// A stream's place in the one order: how many of its events came before, and the clock they
/// reached; with the journal's offset of the nearest indexed event at or before it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Start {
    pub offset: u64,
    /// Events to pass over from `offset` to reach the mark.
    pub skip: usize,
    pub seq: u64,
    pub clock: Option<Hlc>,
}

/// Every [`INDEX_EVERY`] events of the one order: each stream's count and clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
struct Mark {
    count: u64,
    clock: Option<Hlc>,
}

/// The streams of a shared incident's folder: this seat's journal first, then every other
/// seat's file.
fn specs(dir: &Path, share: &Share) -> Vec<StreamSpec> {
    let mut out = vec![StreamSpec {
        seat: share.seat.clone(),
        by: Some(share.by.clone()),
        path: dir.join(JOURNAL_FILE),
        until: None,
        start: None,
    }];
    let mut others: Vec<StreamSpec> = std::fs::read_dir(dir.join(SEATS_DIR))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let path = e.path();
            let seat = path
                .file_name()?
                .to_str()?
                .strip_suffix(".jsonl")?
                .to_string();
            (seat != share.seat).then_some(StreamSpec {
                seat,
                by: None,
                path,
                until: None,
                start: None,
            })
        })
        .collect();
    others.sort_by(|a, b| a.seat.cmp(&b.seat));
    out.extend(others);
    out
}

/// A stream read line by line, each event with its key.
struct Pull {
    spec: StreamSpec,
    lines: Option<BufReader<std::io::Take<File>>>,
    clock: Option<Hlc>,
    seq: u64,
}

impl Pull {
    fn open(spec: &StreamSpec) -> io::Result<Pull> {
        let start = spec.start.unwrap_or_default();
        let lines = match File::open(&spec.path) {
            Ok(mut f) => {
                let len = f.metadata()?.len();
                let len = spec.until.map_or(len, |u| u.min(len));
                let from = start.offset.min(len);
                f.seek(SeekFrom::Start(from))?;
                Some(BufReader::with_capacity(64 * 1024, f.take(len - from)))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        let mut pull = Pull {
            spec: spec.clone(),
            lines,
            clock: None,
            seq: 0,
        };
        for _ in 0..start.skip {
            if pull.event()?.is_none() {
                break;
            }
        }
        pull.seq = start.seq;
        pull.clock = start.clock;
        Ok(pull)
    }

    /// The next event of the file, as written.
    fn event(&mut self) -> io::Result<Option<Event>> {
        let Some(input) = &mut self.lines else {
            return Ok(None);
        };
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = input.read_until(b'\n', &mut line)?;
            if n == 0 || line.last() != Some(&b'\n') {
                return Ok(None);
            }
            if let Some(Ok(ev)) = super::file::parse_line(&line[..n - 1]) {
                return Ok(Some(ev));
            }
        }
    }

    fn next(&mut self) -> io::Result<Option<(Key, Event)>> {
        Ok(self.event()?.map(|ev| self.keyed(ev)))
    }

    fn keyed(&mut self, mut ev: Event) -> (Key, Event) {
        let clock = keyed(&self.spec, &mut self.clock, &mut self.seq, &mut ev);
        (
            Key {
                clock,
                seat: self.spec.seat.clone(),
                seq: self.seq,
            },
            ev,
        )
    }
}

/// Calls `f` with every event of the streams in the one order, folded at their causal time
/// from `folded` on; `f` returns `false` to stop.
fn merge_each(
    specs: &[StreamSpec],
    mut folded: Option<DateTime<Utc>>,
    f: &mut dyn FnMut(Event) -> io::Result<bool>,
) -> io::Result<()> {
    let mut pulls = specs
        .iter()
        .map(Pull::open)
        .collect::<io::Result<Vec<_>>>()?;
    let mut heads = BinaryHeap::new();
    let mut held: Vec<Option<Event>> = vec![None; pulls.len()];
    for (i, p) in pulls.iter_mut().enumerate() {
        if let Some((k, ev)) = p.next()? {
            heads.push(Reverse((k, i)));
            held[i] = Some(ev);
        }
    }
    while let Some(Reverse((_, i))) = heads.pop() {
        let Some(mut ev) = held[i].take() else {
            continue;
        };
        if let Some((k, next)) = pulls[i].next()? {
            heads.push(Reverse((k, i)));
            held[i] = Some(next);
        }
        causal(&mut folded, &mut ev);
        if !f(ev)? {
            break;
        }
    }
    Ok(())
}

/// A shared record as a source for the documents: every seat's events up to where the fold
/// read them, in the one order.
#[derive(Debug, Clone)]
pub struct SeatsFile {
    specs: Vec<StreamSpec>,
}

impl EventSource for SeatsFile {
    fn each(&self, f: &mut dyn FnMut(Event) -> io::Result<()>) -> io::Result<()> {
        merge_each(&self.specs, None, &mut |ev| f(ev).map(|()| true))
    }
}

struct Stream {
    spec: StreamSpec,
    reader: JournalReader,
    clock: Option<Hlc>,
    seq: u64,
}

impl Stream {
    fn new(spec: StreamSpec) -> Stream {
        Stream {
            reader: JournalReader::new(&spec.path),
            spec,
            clock: None,
            seq: 0,
        }
    }
}

/// Reads a shared incident's folder as [`JournalReader`] reads one journal: each call takes
/// what was appended since, in the one order.
pub struct SeatsReader {
    dir: PathBuf,
    share: Share,
    streams: Vec<Stream>,
    last: Option<Key>,
    events: usize,
    restarted: bool,
    /// The event number a late batch was merged from since this was last asked.
    rewound: Option<usize>,
    /// The newest events, to merge a late batch from near where it belongs.
    recent: Box<recent::Recent>,
    /// The causal time the last event was folded at.
    folded: Option<DateTime<Utc>>,
    /// Each stream's count and clock after the events read so far…
    taken: Vec<Mark>,
    /// …and before every [`INDEX_EVERY`]th event of the one order (with the causal time then):
    /// the timeline's old rows are read from the nearest mark, never from the start.
    marks: Vec<(Vec<Mark>, Option<DateTime<Utc>>)>,
}

impl SeatsReader {
    pub fn new(dir: &Path, share: Share) -> SeatsReader {
        SeatsReader {
            dir: dir.to_path_buf(),
            share,
            streams: Vec::new(),
            last: None,
            events: 0,
            restarted: false,
            rewound: None,
            recent: Default::default(),
            folded: None,
            taken: Vec::new(),
            marks: Vec::new(),
        }
    }

    pub fn share(&self) -> &Share {
        &self.share
    }

    pub fn events(&self) -> usize {
        self.events
    }

    pub fn take_restarted(&mut self) -> bool {
        std::mem::take(&mut self.restarted)
    }

    /// The fold goes on from here and keeps its state here (the console's start): a late batch
    /// that belongs after this point can be merged from it.
    pub fn origin_here(&mut self) {
        self.recent.origin(self.events);
    }

    /// The event number a late batch was merged from since the last call: what was folded from
    /// there on must be dropped (the batch holds every event from there).
    pub fn take_rewound(&mut self) -> Option<usize> {
        self.rewound.take()
    }

    fn discover(&mut self) {
        for spec in specs(&self.dir, &self.share) {
            if !self.streams.iter().any(|s| s.spec.path == spec.path) {
                self.streams.push(Stream::new(spec));
            }
        }
    }

    pub fn read_new(&mut self) -> io::Result<ReadBatch> {
        self.discover();
        let mut warnings = Vec::new();
        let mut fresh: Vec<(Key, usize, Event)> = Vec::new();
        let mut again = false;
        for (i, s) in self.streams.iter_mut().enumerate() {
            if !s.spec.path.exists() {
                continue;
            }
            let batch = s.reader.read_new()?;
            again |= s.reader.take_restarted();
            warnings.extend(batch.warnings);
            for mut ev in batch.events {
                let clock = keyed(&s.spec, &mut s.clock, &mut s.seq, &mut ev);
                let key = Key {
                    clock,
                    seat: s.spec.seat.clone(),
                    seq: s.seq,
                };
                fresh.push((key, i, ev));
            }
        }
        fresh.sort_by(|a, b| a.0.cmp(&b.0));
        let late = match (&self.last, fresh.first()) {
            (Some(last), Some((first, _, _))) => first < last,
            _ => false,
        };
        if again {
            return self.read_again(warnings);
        }
        if late {
            // Merged from the last rewind point before where it belongs, when the newest events
            // kept reach back to it; else the whole record again.
            let Some(back) = fresh
                .first()
                .and_then(|(first, _, _)| self.recent.rewind(first, self.events))
                .filter(|back| back.at > 0)
            else {
                return self.read_again(warnings);
            };
            self.events = back.at;
            self.taken = back.base.taken;
            self.folded = back.base.folded;
            self.last = back.base.last;
            self.marks.truncate(back.at / INDEX_EVERY);
            fresh.extend(back.again.into_iter().map(|e| (e.key, e.stream, e.event)));
            fresh.sort_by(|a, b| a.0.cmp(&b.0));
            self.rewound = Some(back.at);
        }
        let events = self.deliver(fresh);
        Ok(ReadBatch { events, warnings })
    }

    /// Puts events (sorted, after everything read) in the one order: marks, causal times, the
    /// newest kept.
    fn deliver(&mut self, fresh: Vec<(Key, usize, Event)>) -> Vec<Event> {
        self.taken.resize(self.streams.len(), Mark::default());
        let mut events = Vec::with_capacity(fresh.len());
        for (key, i, ev) in fresh {
            if self.events.is_multiple_of(INDEX_EVERY) {
                self.marks.push((self.taken.clone(), self.folded));
            }
            if self.recent.is_empty() {
                self.recent.start(recent::Base {
                    taken: self.taken.clone(),
                    folded: self.folded,
                    last: self.last.clone(),
                });
            }
            let written = ev.clone();
            let mut ev = ev;
            causal(&mut self.folded, &mut ev);
            self.taken[i] = Mark {
                count: self.taken[i].count + 1,
                clock: Some(key.clock),
            };
            self.events += 1;
            self.last = Some(key.clone());
            self.recent.push(recent::Entry {
                key,
                stream: i,
                event: written,
                folded: self.folded,
            });
            events.push(ev);
        }
        events
    }

    /// Everything again in the one order, from the start.
    pub fn read_all_again(&mut self) -> io::Result<ReadBatch> {
        let batch = self.read_again(Vec::new());
        self.restarted = false;
        batch
    }

    /// Everything again in the one order: what was folded before must be dropped.
    fn read_again(&mut self, warnings: Vec<String>) -> io::Result<ReadBatch> {
        self.streams.clear();
        self.last = None;
        self.events = 0;
        self.folded = None;
        self.recent.clear();
        self.rewound = None;
        self.taken.clear();
        self.marks.clear();
        let mut batch = self.read_new()?;
        batch.warnings.splice(0..0, warnings);
        self.restarted = true;
        Ok(batch)
    }

    /// Every stream as far as it was read.
    pub fn source(&self) -> SeatsFile {
        SeatsFile {
            specs: self
                .streams
                .iter()
                .map(|s| StreamSpec {
                    until: Some(s.reader.position().offset),
                    ..s.spec.clone()
                })
                .collect(),
        }
    }

    /// Events `first..first + count` of the one order, read from the nearest mark: each
    /// stream found through its journal's index, then at most [`INDEX_EVERY`] events merged
    /// more than asked for.
    pub fn read_range(&self, first: usize, count: usize) -> io::Result<Vec<Event>> {
        let Some((mark, folded)) = self.marks.get(first / INDEX_EVERY) else {
            return Ok(Vec::new());
        };
        let specs: Vec<StreamSpec> = self
            .streams
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let m = mark.get(i).copied().unwrap_or_default();
                let at = s.reader.position();
                let indexed = (m.count as usize) / INDEX_EVERY;
                let start = match at.index.get(indexed) {
                    Some(&offset) => Start {
                        offset,
                        skip: m.count as usize % INDEX_EVERY,
                        seq: m.count,
                        clock: m.clock,
                    },
                    // Every event of this stream came before the mark.
                    None => Start {
                        offset: at.offset,
                        skip: 0,
                        seq: m.count,
                        clock: m.clock,
                    },
                };
                StreamSpec {
                    until: Some(at.offset),
                    start: Some(start),
                    ..s.spec.clone()
                }
            })
            .collect();
        let mut n = first / INDEX_EVERY * INDEX_EVERY;
        let mut out = Vec::with_capacity(count);
        merge_each(&specs, *folded, &mut |ev| {
            if n >= first {
                out.push(ev);
            }
            n += 1;
            Ok(out.len() < count)
        })?;
        Ok(out)
    }
}

/// The record of one incident folder, shared or not.
#[derive(Debug, Clone)]
pub enum Recorded {
    One(super::source::JournalFile),
    Seats(SeatsFile),
}

impl EventSource for Recorded {
    fn each(&self, f: &mut dyn FnMut(Event) -> io::Result<()>) -> io::Result<()> {
        match self {
            Recorded::One(j) => j.each(f),
            Recorded::Seats(s) => s.each(f),
        }
    }
}

impl std::fmt::Debug for SeatsReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeatsReader")
            .field("dir", &self.dir)
            .field("seat", &self.share.seat)
            .field("events", &self.events)
            .finish()
    }
}

#[cfg(test)]
mod tests;
