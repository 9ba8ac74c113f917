//! Many seats, one incident, through the service's own git remote. Each seat pushes its own
//! events, fast-forward only, to `refs/warroom/TICKET/SEAT`; the other seats' refs are listed
//! and fetched when one moved, and their events are checked and kept beside the journal
//! (`seats/SEAT.jsonl`), where the record reads them in the one order.
//!
//! A seat's ref is a chain of commits, each holding one batch of events (`events.jsonl`) and
//! saying in its message how far into the seat's journal it goes: a push costs what the batch
//! weighs, however long the incident.

pub mod ingest;
pub mod remote;
pub mod seat;
pub mod signing;
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
