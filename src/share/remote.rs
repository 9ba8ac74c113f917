//! The seats' refs on the remote: this seat's events committed and pushed, fast-forward only;
//! the refs listed; the other seats' fetched.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use git2::{Direction, Oid, Repository};

use super::{seat_ref, seen_ref};
use crate::git::{Git, PushError};
use crate::journal::{Event, Share};

/// The file each commit of a seat's ref holds: one batch of events, one JSON line each.
pub const BATCH_FILE: &str = "events.jsonl";
/// A commit holds at most this much of a seat's journal; a longer backlog takes several.
const MAX_BATCH: usize = 4 << 20;

/// How far a seat's ref goes, as its newest commit says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tip {
    /// Events in the ref, counted from the seat's first.
    pub events: u64,
    /// Bytes of the seat's journal they came from.
    pub offset: u64,
}

impl Tip {
    pub fn of(repo: &Repository, commit: Oid) -> Tip {
        let message = repo
            .find_commit(commit)
            .ok()
            .and_then(|c| c.message().ok().map(String::from))
            .unwrap_or_default();
        let value = |key: &str| {
            message
                .lines()
                .find_map(|l| l.strip_prefix(key)?.trim().parse().ok())
                .unwrap_or(0)
        };
        Tip {
            events: value("Warroom-Events:"),
            offset: value("Warroom-Offset:"),
        }
    }
}

/// This clone's copy of its own seat's ref.
pub fn own_tip(repo: &Repository, ticket: &str, seat: &str) -> Option<(Oid, Tip)> {
    let oid = repo.refname_to_id(&seat_ref(ticket, seat)).ok()?;
    Some((oid, Tip::of(repo, oid)))
}

/// Commits what this seat's journal holds beyond its ref, in batches; returns the ref's tip
/// (`None` while the journal holds nothing).
pub fn commit_own(
    git: &Git,
    ticket: &str,
    share: &Share,
    journal: &Path,
) -> Result<Option<(Oid, Tip)>, String> {
    let repo = &git.repo;
    let mut tip = own_tip(repo, ticket, &share.seat);
    let mut file = File::open(journal).map_err(|e| format!("{}: {e}", journal.display()))?;
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    loop {
        let from = tip.map_or(0, |(_, t)| t.offset);
        if len < from {
            return Err(format!(
                "the journal is shorter ({len} bytes) than what this seat already shared ({from}): it was replaced; the shared events are kept as they are"
            ));
        }
        if len == from {
            return Ok(tip);
        }
        file.seek(SeekFrom::Start(from))
            .map_err(|e| e.to_string())?;
        let mut input = BufReader::new((&mut file).take(len - from));
        let (mut batch, mut taken, mut count) = (Vec::new(), 0u64, 0u64);
        let mut line = Vec::new();
        while batch.len() < MAX_BATCH {
            line.clear();
            let n = input
                .read_until(b'\n', &mut line)
                .map_err(|e| e.to_string())?;
            if n == 0 || line.last() != Some(&b'\n') {
                break;
            }
            taken += n as u64;
            let Ok(mut ev) = serde_json::from_slice::<Event>(&line[..n - 1]) else {
                continue;
            };
            share.stamp(&mut ev);
            serde_json::to_writer(&mut batch, &ev).map_err(|e| e.to_string())?;
            batch.push(b'\n');
            count += 1;
        }
        if taken == 0 {
            return Ok(tip);
        }
        let next = Tip {
            events: tip.map_or(0, |(_, t)| t.events) + count,
            offset: from + taken,
        };
        let oid = commit_batch(git, ticket, share, &batch, tip.map(|(o, _)| o), next)
            .map_err(|e| format!("cannot commit the seat's events: {}", e.message()))?;
        tip = Some((oid, next));
    }
}

fn commit_batch(
    git: &Git,
    ticket: &str,
    share: &Share,
    batch: &[u8],
    parent: Option<Oid>,
    next: Tip,
) -> Result<Oid, git2::Error> {
    let repo = &git.repo;
    let blob = repo.blob(batch)?;
    let mut tree = repo.treebuilder(None)?;
    tree.insert(BATCH_FILE, blob, 0o100644)?;
    let tree = repo.find_tree(tree.write()?)?;
    let sig = git
        .signature()
        .map_err(|e| git2::Error::from_str(&e.to_string()))?;
    let parents: Vec<git2::Commit> = parent
        .map(|p| repo.find_commit(p))
        .transpose()?
        .into_iter()
        .collect();
    let parents: Vec<&git2::Commit> = parents.iter().collect();
    let message = format!(
        "warroom {ticket}: events of {seat}\n\nWarroom-Events: {}\nWarroom-Offset: {}\n",
        next.events,
        next.offset,
        seat = share.seat
    );
    repo.commit(
        Some(&seat_ref(ticket, &share.seat)),
        &sig,
        &sig,
        &message,
        &tree,
        &parents,
    )
}

/// Pushes this seat's ref, fast-forward only: never forced.
pub fn push_own(git: &Git, ticket: &str, seat: &str) -> Result<(), PushError> {
    let name = seat_ref(ticket, seat);
    git.push_refs(&[format!("{name}:{name}")])
}

/// Every `refs/warroom/…` ref on the remote, with its commit: one round trip, no objects.
pub fn list(git: &Git) -> Result<Vec<(String, Oid)>, String> {
    let mut remote = git
        .repo
        .find_remote(&git.cfg.remote)
        .map_err(|e| e.message().to_string())?;
    let connection = remote
        .connect_auth(Direction::Fetch, Some(git.callbacks()), None)
        .map_err(|e| e.message().to_string())?;
    let refs = connection
        .list()
        .map_err(|e| e.message().to_string())?
        .iter()
        .filter(|h| h.name().starts_with("refs/warroom/"))
        .map(|h| (h.name().to_string(), h.oid()))
        .collect();
    Ok(refs)
}

/// Fetches every seat's ref of the incident into `refs/warroom-seen/TICKET/…`.
pub fn fetch(git: &Git, ticket: &str) -> Result<(), String> {
    git.fetch_refspec(&format!(
        "+{}*:{}*",
        super::ref_prefix(ticket),
        seen_ref(ticket, "")
    ))
}

/// Fetches every incident's refs (for `list --remote`).
pub fn fetch_all(git: &Git) -> Result<(), String> {
    git.fetch_refspec("+refs/warroom/*:refs/warroom-seen/*")
}
