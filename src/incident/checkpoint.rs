//! A checkpoint of the fold, beside the journal, so that opening a long incident folds only
//! what was appended since. The journal stays the one truth: a checkpoint is used only when it
//! was written by this version, for this checklist, over the very bytes the journal still
//! starts with (their length, and a hash of their first and last 64 KiB); anything else is
//! ignored and rebuilt. It is written to a temporary file and renamed, so a crash leaves the old
//! one or the new one, never half of one.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::Incident;
use crate::checklist::Checklist;
use crate::journal::{Position, Reader, SeatsState};

pub const FILE: &str = "journal.checkpoint";
/// A fold that read this many events past its checkpoint writes a new one.
pub const EVERY: usize = 20_000;
/// Bumped when the fold's state changes shape or meaning.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "/fold-11");
/// How much of each end of the covered bytes is hashed.
const SAMPLE: u64 = 64 * 1024;

#[derive(Serialize, Deserialize)]
struct Checkpoint {
    version: String,
    ticket: String,
    /// The checklist the fold ticked items of.
    checklist: u64,
    /// The bytes of each file read, in the order of `at`'s streams.
    covers: Vec<Covers>,
    at: Stopped,
    incident: Incident,
}

/// Where the reading stopped: in one journal, or in each seat's file of a shared incident.
#[derive(Serialize, Deserialize)]
enum Stopped {
    One(Position),
    Seats(SeatsState),
}

impl Stopped {
    /// Each file read, and how far.
    fn files<'a>(&'a self, journal: &'a Path) -> Vec<(&'a Path, u64)> {
        match self {
            Stopped::One(p) => vec![(journal, p.offset)],
            Stopped::Seats(s) => s
                .streams
                .iter()
                .map(|st| (st.path.as_path(), st.read.offset))
                .collect(),
        }
    }

    fn covers(&self, journal: &Path) -> Option<Vec<Covers>> {
        self.files(journal)
            .into_iter()
            .map(|(path, len)| covers(path, len))
            .collect()
    }
}

/// The journal bytes a checkpoint was folded from.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Covers {
    len: u64,
    head: u64,
    tail: u64,
}

pub fn path_for(journal: &Path) -> PathBuf {
    journal.with_file_name(FILE)
}

/// The fold and where its reading stopped, when the checkpoint beside `journal` still holds.
pub fn load(
    journal: &Path,
    ticket: &str,
    checklist: &Arc<Checklist>,
) -> Option<(Incident, Position)> {
    match load_read(journal, ticket, checklist)? {
        (incident, Stopped::One(at)) => Some((incident, at)),
        _ => None,
    }
}

/// The same for a shared incident, read from `seat`.
pub fn load_seats(
    journal: &Path,
    ticket: &str,
    checklist: &Arc<Checklist>,
    seat: &str,
) -> Option<(Incident, SeatsState)> {
    match load_read(journal, ticket, checklist)? {
        (incident, Stopped::Seats(s)) if s.streams.first().is_some_and(|f| f.seat == seat) => {
            Some((incident, s))
        }
        _ => None,
    }
}

fn load_read(
    journal: &Path,
    ticket: &str,
    checklist: &Arc<Checklist>,
) -> Option<(Incident, Stopped)> {
    let text = std::fs::read(path_for(journal)).ok()?;
    let cp: Checkpoint = match serde_json::from_slice(&text) {
        Ok(cp) => cp,
        Err(e) => {
            tracing::warn!("ignoring the checkpoint of {ticket}: {e}");
            return None;
        }
    };
    let matches = cp.version == VERSION
        && cp.ticket == ticket
        && cp.checklist == fingerprint(checklist)
        && cp.at.covers(journal).is_some_and(|c| c == cp.covers);
    if !matches {
        tracing::info!("the checkpoint of {ticket} does not match its journal; folding it whole");
        return None;
    }
    let mut incident = cp.incident;
    incident.checklist = checklist.clone();
    Some((incident, cp.at))
}

/// Writes the checkpoint; a failure is logged and costs only the next fold's time.
pub fn save(journal: &Path, incident: &Incident, at: &Position) {
    save_read(journal, incident, Stopped::One(at.clone()));
}

/// Writes the checkpoint of whatever `reader` read.
pub fn save_reader(journal: &Path, incident: &Incident, reader: &Reader) {
    let at = match reader {
        Reader::One(r) => Stopped::One(r.position().clone()),
        Reader::Seats(r) => Stopped::Seats(r.state()),
    };
    save_read(journal, incident, at);
}

fn save_read(journal: &Path, incident: &Incident, at: Stopped) {
    let Some(covers) = at.covers(journal) else {
        return;
    };
    let cp = Checkpoint {
        version: VERSION.into(),
        ticket: incident.ticket.clone(),
        checklist: fingerprint(&incident.checklist),
        covers,
        at,
        incident: incident.clone(),
    };
    let written = serde_json::to_vec(&cp)
        .map_err(std::io::Error::other)
        .and_then(|bytes| {
            crate::fsutil::write_atomic_with(&path_for(journal), |w| write_slowly(w, &bytes))
        });
    if let Err(e) = written {
        tracing::warn!("cannot write the checkpoint of {}: {e}", incident.ticket);
    }
}

/// Writes `bytes`; `WARROOM_CHECKPOINT_STALL_MS` pauses halfway, so a test can kill the
/// process in the middle of a write.
fn write_slowly(w: &mut dyn Write, bytes: &[u8]) -> std::io::Result<()> {
    let stall = std::env::var("WARROOM_CHECKPOINT_STALL_MS")
        .ok()
        .and_then(|ms| ms.parse().ok());
    match stall {
        Some(ms) => {
            let (a, b) = bytes.split_at(bytes.len() / 2);
            w.write_all(a)?;
            w.flush()?;
            std::thread::sleep(std::time::Duration::from_millis(ms));
            w.write_all(b)
        }
        None => w.write_all(bytes),
    }
}

/// The length of a file's first `len` bytes and the hashes of their two ends; none when the
/// file is shorter now (or gone).
fn covers(file: &Path, len: u64) -> Option<Covers> {
    let mut f = File::open(file).ok()?;
    if f.metadata().ok()?.len() < len {
        return None;
    }
    let mut sample = |from: u64| -> Option<u64> {
        let n = SAMPLE.min(len - from);
        let mut buf = vec![0; usize::try_from(n).ok()?];
        f.seek(SeekFrom::Start(from)).ok()?;
        f.read_exact(&mut buf).ok()?;
        Some(fnv(&buf))
    };
    Some(Covers {
        len,
        head: sample(0)?,
        tail: sample(len.saturating_sub(SAMPLE))?,
    })
}

fn fingerprint(checklist: &Checklist) -> u64 {
    fnv(format!("{:?}", checklist.phases).as_bytes())
}

/// FNV-1a: stable across builds, which a checkpoint read by the next run needs.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
