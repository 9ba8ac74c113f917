//! Many seats, one incident, through the service's own git remote. Each seat pushes its own
//! events, fast-forward only, to `refs/warroom/TICKET/SEAT`; the other seats' refs are listed
//! and fetched when one moved, and their events are checked and kept beside the journal
//! (`seats/SEAT.jsonl`), where the record reads them in the one order.
//!
//! With `[share] backend = "nats"` the events go through a NATS JetStream stream instead
//! ([`nats`]); both keep the other seats' events in the same files, read in the same order.
//!
//! A seat's ref is a chain of commits, each holding one batch of events (`events.jsonl`) and
//! saying in its message how far into the seat's journal it goes: a push costs what the batch
//! weighs, however long the incident.

pub mod feed;
pub mod ingest;
pub mod listing;
pub mod nats;
pub mod remote;
pub mod seat;
pub mod signing;
mod wake;
pub mod worker;

use std::path::Path;

use crate::config::{GitConfig, ShareConfig};
use crate::git::{Git, Subject};

pub use seat::seat_for;
pub use worker::{ShareMsg, ShareStatus, ShareWorker};

/// Where every seat's ref of an incident lives on the remote.
pub fn ref_prefix(ticket: &str) -> String {
    format!("refs/warroom/{ticket}/")
}

/// A seat's ref on the remote (and this clone's copy of its own).
pub fn seat_ref(ticket: &str, seat: &str) -> String {
    format!("refs/warroom/{ticket}/{seat}")
}

/// Where a seat's events are on the remote: its ref, or `SEAT.N` once it moved on from a ref
/// someone else wrote to (`moved` times).
pub fn remote_seat_ref(ticket: &str, seat: &str, moved: u32) -> String {
    match moved {
        0 => seat_ref(ticket, seat),
        n => format!("{}.{}", seat_ref(ticket, seat), n + 1),
    }
}

/// The seat a ref's name (after the incident's prefix) is for, and how many times it moved on:
/// `alice-3f9a` → (`alice-3f9a`, 0), `alice-3f9a.2` → (`alice-3f9a`, 1).
pub fn seat_of_ref(name: &str) -> Option<(&str, u32)> {
    let (seat, moved) = match name.rsplit_once('.') {
        Some((seat, n)) => {
            let n: u32 = n.parse().ok().filter(|n| *n >= 2)?;
            (seat, n - 1)
        }
        None => (name, 0),
    };
    seat::valid_seat(seat).then_some((seat, moved))
}

/// Each seat's newest ref on the remote: how many times it moved on, and its tip.
pub type SeatRefs = std::collections::BTreeMap<String, (u32, git2::Oid)>;

/// The newest ref of each seat (the one it moved on to last), from the incident's refs on the
/// remote (`refs/warroom/TICKET/…`, with their tips); names that are not a seat's come back
/// apart.
pub fn newest_refs(
    ticket: &str,
    refs: Vec<(String, git2::Oid)>,
) -> (SeatRefs, Vec<(String, git2::Oid)>) {
    let prefix = ref_prefix(ticket);
    let mut seats = SeatRefs::new();
    let mut others = Vec::new();
    for (name, oid) in refs {
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        match seat_of_ref(rest) {
            Some((seat, moved)) => {
                let slot = seats.entry(seat.to_string()).or_insert((moved, oid));
                if moved > slot.0 {
                    *slot = (moved, oid);
                }
            }
            None => others.push((name, oid)),
        }
    }
    (seats, others)
}

/// This clone's copy of the remote's refs of the incident, as the last fetch found them
/// (unchecked: what is taken from them is under [`seen_ref`]).
pub fn fetched_ref(ticket: &str, seat: &str) -> String {
    format!("refs/warroom-fetched/{ticket}/{seat}")
}

/// This clone's copy of the other seats' refs, as last taken in.
pub fn seen_ref(ticket: &str, seat: &str) -> String {
    format!("refs/warroom-seen/{ticket}/{seat}")
}

/// The repository that shares the incident: the service's checkout, with the share's remote.
pub fn open_repo(git: &GitConfig, share: &ShareConfig, cwd: &Path) -> Result<Git, String> {
    let cfg = GitConfig {
        remote: share.remote.clone(),
        ..git.clone()
    };
    let g = Git::open(&cfg, cwd, Subject::default()).map_err(|e| e.to_string())?;
    g.repo.find_remote(&share.remote).map_err(|_| {
        format!(
            "the repository has no remote {:?} to share through: add it, or set [share] remote",
            share.remote
        )
    })?;
    Ok(g)
}

const CONSOLE_LOCK: &str = "console.lock";

/// Held while a console runs for the incident: it pushes the seat's events, so `note` and
/// `event` leave the push to it. The file names the console's pid; when another console holds
/// it, that pid is the error (`None` when it cannot be read). A folder where the lock cannot
/// be made (read-only) gives no lock, and no error: the console runs and says what fails.
pub fn hold_console_lock(incident_dir: &Path) -> Result<Option<std::fs::File>, Option<u32>> {
    use std::io::{Read, Seek, Write};
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(incident_dir.join(CONSOLE_LOCK));
    let Ok(mut f) = f else {
        return Ok(None);
    };
    if f.try_lock().is_err() {
        let mut pid = String::new();
        let _ = f.read_to_string(&mut pid);
        return Err(pid.trim().parse().ok());
    }
    let _ = f.set_len(0);
    let _ = f.rewind();
    let _ = write!(f, "{}", std::process::id());
    Ok(Some(f))
}

/// Whether a console runs for the incident (and pushes for the command line).
pub fn console_running(incident_dir: &Path) -> bool {
    match std::fs::File::open(incident_dir.join(CONSOLE_LOCK)) {
        Ok(f) => f.try_lock_shared().is_err(),
        Err(_) => false,
    }
}
