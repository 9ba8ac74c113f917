//! The seats' refs on the remote: this seat's events committed and pushed, fast-forward only;
//! the refs listed; the other seats' fetched.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use git2::{Direction, Oid, Repository};

use super::{seat_ref, seen_ref};
use crate::git::{Git, PushError, cli};
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
    signer: Option<&super::signing::Signer>,
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
        let oid = commit_batch(
            git,
            ticket,
            share,
            signer,
            &batch,
            tip.map(|(o, _)| o),
            next,
        )?;
        tip = Some((oid, next));
    }
}

/// One batch on top of the seat's ref: signed, and naming its key, when git signs with ssh.
fn commit_batch(
    git: &Git,
    ticket: &str,
    share: &Share,
    signer: Option<&super::signing::Signer>,
    batch: &[u8],
    parent: Option<Oid>,
    next: Tip,
) -> Result<Oid, String> {
    let failed = |e: git2::Error| format!("cannot commit the seat's events: {}", e.message());
    let repo = &git.repo;
    let blob = repo.blob(batch).map_err(failed)?;
    let mut tree = repo.treebuilder(None).map_err(failed)?;
    tree.insert(BATCH_FILE, blob, 0o100644).map_err(failed)?;
    let tree = repo
        .find_tree(tree.write().map_err(failed)?)
        .map_err(failed)?;
    let sig = git.signature().map_err(|e| e.to_string())?;
    let parents: Vec<git2::Commit> = parent
        .map(|p| repo.find_commit(p))
        .transpose()
        .map_err(failed)?
        .into_iter()
        .collect();
    let parents: Vec<&git2::Commit> = parents.iter().collect();
    let mut message = format!(
        "warroom {ticket}: events of {seat}\n\nWarroom-Events: {}\nWarroom-Offset: {}\n",
        next.events,
        next.offset,
        seat = share.seat
    );
    let name = seat_ref(ticket, &share.seat);
    let Some(signer) = signer else {
        return repo
            .commit(Some(&name), &sig, &sig, &message, &tree, &parents)
            .map_err(failed);
    };
    message.push_str(&format!(
        "{} {}\n",
        super::signing::KEY_TRAILER,
        signer.public
    ));
    let buffer = repo
        .commit_create_buffer(&sig, &sig, &message, &tree, &parents)
        .map_err(failed)?;
    let content = std::str::from_utf8(&buffer).map_err(|e| e.to_string())?;
    let signature = signer
        .sign(content.as_bytes())
        .map_err(|e| format!("cannot sign the seat's events with user.signingkey: {e}"))?;
    let oid = repo
        .commit_signed(content, &signature, None)
        .map_err(failed)?;
    repo.reference(&name, oid, true, "warroom: a signed batch")
        .map_err(failed)?;
    Ok(oid)
}

/// Pushes this seat's ref (to the ref it moved on to, if it did), fast-forward only: never
/// forced.
pub fn push_own(git: &Git, ticket: &str, share: &Share) -> Result<(), PushError> {
    let name = seat_ref(ticket, &share.seat);
    let remote = super::remote_seat_ref(ticket, &share.seat, share.moved);
    let refspecs = [format!("{name}:{remote}")];
    // With git itself: libgit2 writes a pack of its own into a remote on this machine for every
    // push (git's `receive-pack` keeps a small push loose and packs by its `gc --auto`), and
    // over ssh opens a new connection each time.
    cli::push(git, &refspecs).unwrap_or_else(|| git.push_refs(&refspecs))
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

/// Why a seat's ref was not taken.
#[derive(Debug, Clone, PartialEq)]
pub enum NotTaken {
    /// It could not be fetched (it may be the network): tried again on the next poll.
    Fetch(String),
    /// What it points at is not a seat's events: skipped until it moves.
    Invalid(String),
}

/// Asks the remote for this incident's refs only (protocol v2 sends the prefix: an idle poll
/// costs the same with ten refs on the remote or ten thousand) and brings the objects of those
/// that moved, in one round trip, into `refs/warroom-fetched/TICKET/`; a ref the remote no
/// longer has is pruned there. Returns the remote's refs of the incident as they stand. Nothing
/// fetched is taken before [`take_seats`] checked it.
pub fn fetch_incident(git: &Git, ticket: &str) -> Result<Vec<(String, Oid)>, String> {
    let prefix = super::ref_prefix(ticket);
    let fetched = super::fetched_ref(ticket, "");
    let mut cmd = cli::command(git);
    cmd.args([
        "-c",
        "advice.fetchShowForcedUpdates=false",
        "fetch",
        "--quiet",
        "--no-tags",
        "--prune",
        "--no-write-fetch-head",
        "--no-auto-maintenance",
        "--no-show-forced-updates",
        "--no-recurse-submodules",
        &git.cfg.remote,
        &format!("+{prefix}*:{fetched}*"),
    ]);
    cli::run(cmd)?;
    let refs = git
        .repo
        .references_glob(&format!("{fetched}*"))
        .map_err(|e| e.message().to_string())?;
    Ok(refs
        .flatten()
        .filter_map(|r| {
            let seat = r.name().ok()?.strip_prefix(&fetched)?.to_string();
            Some((format!("{prefix}{seat}"), r.target()?))
        })
        .collect())
}

/// Fetches these seats' refs (named `names` on the remote), each on its own: one bad ref (an
/// object that cannot be fetched, a name that conflicts) fails only itself. All are asked for in
/// one round trip first; only if that fails is each asked for alone. Then [`take_seats`].
pub fn fetch_seats(
    git: &Git,
    ticket: &str,
    seats: &[(String, Oid)],
    names: &[String],
) -> Vec<Result<(), NotTaken>> {
    let fetched: Vec<Result<(), String>> = if names.is_empty() || git.fetch_refspecs(names).is_ok()
    {
        seats.iter().map(|_| Ok(())).collect()
    } else {
        names.iter().map(|n| git.fetch_refspecs(&[n])).collect()
    };
    let taken = take_seats(&git.repo, ticket, seats);
    fetched
        .into_iter()
        .zip(taken)
        .map(|(got, taken)| got.map_err(NotTaken::Fetch).and(taken))
        .collect()
}

/// Checks each fetched tip before this clone keeps a ref to it (`refs/warroom-seen/TICKET/SEAT`):
/// a seat's ref that is not a chain of batches is refused, and no ref of it is kept.
pub fn take_seats(
    repo: &Repository,
    ticket: &str,
    seats: &[(String, Oid)],
) -> Vec<Result<(), NotTaken>> {
    seats
        .iter()
        .map(|(seat, oid)| {
            check_tip(repo, *oid).map_err(NotTaken::Invalid)?;
            repo.reference(
                &seen_ref(ticket, seat),
                *oid,
                true,
                "warroom: a seat's events",
            )
            .map(|_| ())
            .map_err(|e| NotTaken::Fetch(e.message().to_string()))
        })
        .collect()
}

/// Whether `tip` is what a seat's ref holds: a commit of one batch file, as this module writes
/// them.
fn check_tip(repo: &Repository, tip: Oid) -> Result<(), String> {
    let object = repo
        .find_object(tip, None)
        .map_err(|_| "its object did not arrive".to_string())?;
    let commit = object.as_commit().ok_or_else(|| {
        let kind = object.kind().map_or("unknown", |k| k.str());
        format!("it points at a {kind}, not at a commit of events")
    })?;
    let tree = commit.tree().map_err(|e| e.message().to_string())?;
    let entry = tree
        .get_name(BATCH_FILE)
        .ok_or_else(|| format!("its commit holds no {BATCH_FILE}"))?;
    let blob = entry
        .to_object(repo)
        .ok()
        .and_then(|o| o.into_blob().ok())
        .ok_or_else(|| format!("its {BATCH_FILE} is not a file"))?;
    if blob.size() > 2 * MAX_BATCH {
        return Err(format!(
            "its batch is {} bytes, more than a seat writes",
            blob.size()
        ));
    }
    Ok(())
}

/// Drops this clone's copy of the seats whose ref left the remote.
pub fn forget_gone(repo: &Repository, ticket: &str, present: &BTreeSet<String>) {
    let prefix = seen_ref(ticket, "");
    let Ok(refs) = repo.references_glob(&format!("{prefix}*")) else {
        return;
    };
    let gone: Vec<String> = refs
        .flatten()
        .filter_map(|r| r.name().ok().map(String::from))
        .filter(|name| {
            name.strip_prefix(&prefix)
                .is_some_and(|seat| !present.contains(seat))
        })
        .collect();
    for name in gone {
        if let Ok(mut r) = repo.find_reference(&name) {
            let _ = r.delete();
        }
    }
}

/// Fetches every incident's refs (for `list --remote`).
pub fn fetch_all(git: &Git) -> Result<(), String> {
    git.fetch_refspec("+refs/warroom/*:refs/warroom-seen/*")
}
