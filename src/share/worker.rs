//! The share thread: pushes this seat's new events (the newest within about a second) and lists
//! the other seats' refs on every poll (and at once when a watched remote on this machine
//! moved), fetching only when one moved. The screen never waits
//! for the network: the thread only sends its own messages.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use git2::Oid;
use tokio::sync::mpsc;

use super::remote::{self, Tip};
use crate::config::{GitConfig, ShareConfig};
use crate::git::Git;
use crate::git::PushError;
use crate::journal::{Backend, Share};

/// New events are pushed this long after the first of them: a burst goes in one push.
const PUSH_DELAY: Duration = Duration::from_millis(2);

/// What the share thread reports.
#[derive(Debug, Clone, PartialEq)]
pub enum ShareMsg {
    /// Other seats' events were taken in (with what was refused or made inert).
    Arrived {
        events: usize,
        warnings: Vec<String>,
    },
    /// How the sharing stands; sent when it changes.
    Status(ShareStatus),
}

/// How the sharing stands.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ShareStatus {
    /// The remote answered the last time it was asked.
    pub online: bool,
    pub offline_since: Option<DateTime<Utc>>,
    /// Why the remote could not be reached.
    pub error: Option<String>,
    /// This seat's events not on the remote yet.
    pub waiting: u64,
    /// The remote refused this seat's push: said, never forced.
    pub rejected: Option<String>,
    /// Seats whose clock is a minute or more from this machine's: seconds ahead (positive) or
    /// behind.
    pub clocks: BTreeMap<String, i64>,
    /// Seats whose batches are not signed (their person's git signs nothing).
    pub unsigned: std::collections::BTreeSet<String>,
    /// This seat moved on to a new ref, and why.
    pub moved: Option<String>,
}

impl ShareStatus {
    /// The remote could not be reached, for `why`: since when is kept from the first time.
    pub fn went_offline(&mut self, why: String) {
        self.online = false;
        self.offline_since.get_or_insert_with(Utc::now);
        self.error = Some(why);
    }

    pub fn came_online(&mut self) {
        self.online = true;
        self.offline_since = None;
        self.error = None;
    }
}

/// A clock this far from this machine's is named on screen.
pub const SKEW_NAMED: i64 = 60;

/// Where the sharing happens.
#[derive(Debug, Clone)]
pub struct ShareSetup {
    pub git: GitConfig,
    pub cfg: ShareConfig,
    pub cwd: PathBuf,
    /// The incident's folder.
    pub dir: PathBuf,
    pub ticket: String,
    pub share: Share,
}

pub enum Cmd {
    Changed,
    /// A seat's ref moved on the remote (watched on this machine): poll now, unless it is this
    /// seat's own push (`None`: any seat's may have).
    RemoteMoved(Option<String>),
    /// Push what is left, then say so.
    Stop(std::sync::mpsc::Sender<()>),
    /// The console let go of the thread (the watch holds a sender of its own).
    Quit,
}

/// The running share thread; it stops when this is dropped.
pub enum ShareWorker {
    Git(std::sync::mpsc::Sender<Cmd>),
    Nats(mpsc::UnboundedSender<super::nats::worker::Cmd>),
}

impl ShareWorker {
    /// The thread of the backend the incident is shared through.
    pub fn start(setup: ShareSetup, tx: mpsc::Sender<ShareMsg>) -> ShareWorker {
        if setup.share.backend == Backend::Nats {
            return ShareWorker::Nats(super::nats::worker::start(setup, tx));
        }
        let (cmds, rx) = std::sync::mpsc::channel();
        let wake = cmds.clone();
        std::thread::spawn(move || run(&setup, &rx, &wake, &tx));
        ShareWorker::Git(cmds)
    }

    /// This seat's journal grew: push soon.
    pub fn changed(&self) {
        match self {
            ShareWorker::Git(c) => drop(c.send(Cmd::Changed)),
            ShareWorker::Nats(c) => drop(c.send(super::nats::worker::Cmd::Changed)),
        }
    }

    /// Pushes what this seat has not pushed yet, waiting at most `within` (the remote may be
    /// out of reach: then the events wait for the next start).
    pub fn stop(self, within: Duration) {
        let (done, wait) = std::sync::mpsc::channel();
        let sent = match &self {
            ShareWorker::Git(c) => c.send(Cmd::Stop(done)).is_ok(),
            ShareWorker::Nats(c) => c.send(super::nats::worker::Cmd::Stop(done)).is_ok(),
        };
        if sent {
            let _ = wait.recv_timeout(within);
        }
    }
}

impl Drop for ShareWorker {
    fn drop(&mut self) {
        match self {
            ShareWorker::Git(c) => drop(c.send(Cmd::Quit)),
            ShareWorker::Nats(c) => drop(c.send(super::nats::worker::Cmd::Quit)),
        }
    }
}

/// One seat's view of the remote, kept between polls.
pub struct Sync {
    pub setup: ShareSetup,
    git: Git,
    /// The key this seat signs with, read from git's configuration once (or why it cannot).
    signer: Result<Option<super::signing::Signer>, String>,
    /// The other seats' refs as last taken in.
    taken: BTreeMap<String, Oid>,
    /// This seat's ref on the remote.
    remote_own: Option<Oid>,
    /// Refs judged not a seat's, at the commit they were judged at: said once, skipped until
    /// they move.
    refused: BTreeMap<String, Oid>,
    /// Refs whose fetch failed at this commit: said once, tried again on every poll.
    unfetched: BTreeMap<String, Oid>,
    pub status: ShareStatus,
}

impl Sync {
    pub fn open(setup: ShareSetup) -> Result<Sync, String> {
        let git = super::open_repo(&setup.git, &setup.cfg, &setup.cwd)?;
        let signer = super::signing::signer(&git.repo);
        Ok(Sync {
            setup,
            git,
            signer,
            taken: BTreeMap::new(),
            remote_own: None,
            refused: BTreeMap::new(),
            unfetched: BTreeMap::new(),
            status: ShareStatus::default(),
        })
    }

    fn offline(&mut self, why: String) {
        self.status.went_offline(why);
    }

    fn online(&mut self) {
        self.status.came_online();
    }

    fn waiting(&self, local: Option<(Oid, Tip)>) -> u64 {
        let pushed = self
            .remote_own
            .map_or(0, |o| Tip::of(&self.git.repo, o).events);
        local.map_or(0, |(_, t)| t.events.saturating_sub(pushed))
    }

    /// Commits this seat's new events and pushes them when the remote lacks them.
    pub fn push(&mut self) {
        let s = &self.setup;
        let journal = s.dir.join(crate::journal::file::JOURNAL_FILE);
        let signer = match &self.signer {
            Ok(signer) => signer.as_ref(),
            Err(e) => {
                self.status.rejected = Some(e.clone());
                return;
            }
        };
        let local = match remote::commit_own(&self.git, &s.ticket, &s.share, signer, &journal) {
            Ok(t) => t,
            Err(e) => {
                self.status.rejected = Some(e);
                return;
            }
        };
        let Some((tip, _)) = local else { return };
        if self.remote_own == Some(tip) {
            self.status.waiting = 0;
            return;
        }
        let mut pushed = remote::push_own(&self.git, &self.setup.ticket, &self.setup.share);
        if let Err(PushError::Rejected(why)) = &pushed
            && self.move_on(tip, why)
        {
            pushed = remote::push_own(&self.git, &self.setup.ticket, &self.setup.share);
        }
        match pushed {
            Ok(()) => {
                self.remote_own = Some(tip);
                self.status.rejected = None;
                self.online();
            }
            Err(PushError::Unreachable(why)) => self.offline(why),
            Err(PushError::Rejected(why)) => {
                self.status.rejected = Some(format!(
                    "the remote refused this seat's events ({why}); they stay here, nothing was forced"
                ));
            }
        }
        self.status.waiting = self.waiting(local);
    }

    /// When the remote's ref of this seat holds a commit this seat did not write (its tip is not
    /// in this seat's chain, or the push was refused for commits this clone lacks: every commit
    /// of the seat's is here), the seat goes on in a new ref that continues its own chain, and
    /// says so: no one can lock it out of its own events. Returns whether it moved.
    fn move_on(&mut self, tip: Oid, refused: &str) -> bool {
        let foreign = match self.remote_own {
            Some(remote) => {
                remote != tip
                    && !self
                        .git
                        .repo
                        .graph_descendant_of(tip, remote)
                        .unwrap_or(false)
            }
            // libgit2 and git say it their own way.
            None => refused.contains("not present locally") || refused.contains("fetch first"),
        };
        if !foreign {
            return false;
        }
        let s = &mut self.setup;
        let from = super::remote_seat_ref(&s.ticket, &s.share.seat, s.share.moved);
        s.share.moved += 1;
        let to = super::remote_seat_ref(&s.ticket, &s.share.seat, s.share.moved);
        if let Err(e) = s.share.save(&s.dir) {
            s.share.moved -= 1;
            self.status.rejected = Some(format!("cannot move on from {from}: {e}"));
            return false;
        }
        self.status.moved = Some(format!(
            "{from} on the remote holds a commit this seat did not write: its events go on in {to}"
        ));
        self.remote_own = None;
        true
    }

    /// Lists the seats' refs and takes in what moved. Returns the events taken and warnings.
    pub fn poll(&mut self) -> (usize, Vec<String>) {
        // Over a network, the incident's refs alone with their objects, in one round trip; on
        // this machine, or when that fails (an object the remote cannot send), every ref is
        // listed in process and each seat that moved is fetched on its own.
        let prefixed = crate::git::cli::over_network(&self.git)
            .then(|| remote::fetch_incident(&self.git, &self.setup.ticket).ok())
            .flatten();
        let fetched = prefixed.is_some();
        let refs = match prefixed.map_or_else(|| remote::list(&self.git), Ok) {
            Ok(r) => r,
            Err(why) => {
                self.offline(why);
                return (0, Vec::new());
            }
        };
        self.online();
        let mut warnings = Vec::new();
        let ticket = self.setup.ticket.clone();
        let me = self.setup.share.seat.clone();
        // This seat's own ref, where it pushes now.
        let own = super::remote_seat_ref(&ticket, &me, self.setup.share.moved);
        self.remote_own = refs.iter().find(|(n, _)| *n == own).map(|(_, o)| *o);
        let (seats, others) = super::newest_refs(&ticket, refs);
        for (name, oid) in others {
            if self.refused.insert(name.clone(), oid) != Some(oid) {
                warnings.push(format!("{name} is not a seat's ref: skipped"));
            }
        }
        let present = seats.keys().cloned().collect();
        remote::forget_gone(&self.git.repo, &ticket, &present);
        self.taken.retain(|seat, _| present.contains(seat));
        // What moved since it was last taken in, or last refused.
        let moved: Vec<(String, u32, Oid)> = seats
            .into_iter()
            .filter(|(seat, (n, oid))| {
                *seat != me
                    && self.taken.get(seat) != Some(oid)
                    && self.refused.get(&super::remote_seat_ref(&ticket, seat, *n)) != Some(oid)
            })
            .map(|(seat, (n, oid))| (seat, n, oid))
            .collect();
        let mut events = 0;
        let tips: Vec<(String, Oid)> = moved.iter().map(|(s, _, o)| (s.clone(), *o)).collect();
        let taken = if fetched {
            remote::take_seats(&self.git.repo, &ticket, &tips)
        } else {
            let names: Vec<String> = moved
                .iter()
                .map(|(s, n, _)| super::remote_seat_ref(&ticket, s, *n))
                .collect();
            remote::fetch_seats(&self.git, &ticket, &tips, &names)
        };
        for ((seat, n, oid), got) in moved.into_iter().zip(taken) {
            let name = super::remote_seat_ref(&ticket, &seat, n);
            match got {
                Ok(()) => {}
                Err(remote::NotTaken::Invalid(why)) => {
                    warnings.push(format!(
                        "{seat}'s ref is refused: {why}; the other seats go on"
                    ));
                    self.refused.insert(name, oid);
                    continue;
                }
                Err(remote::NotTaken::Fetch(why)) => {
                    if self.unfetched.insert(name, oid) != Some(oid) {
                        warnings.push(format!(
                            "{seat}'s ref cannot be fetched ({why}): tried again on the next poll; the other seats go on"
                        ));
                    }
                    continue;
                }
            }
            match super::ingest::ingest(&self.git.repo, &self.setup.dir, &seat, oid) {
                Ok(got) => {
                    events += got.events;
                    warnings.extend(got.warnings);
                    match got.signed {
                        Some(false) if self.status.unsigned.insert(seat.clone()) => {
                            warnings.push(format!(
                                "{seat}'s events are not signed: taken as its ref holds them"
                            ));
                        }
                        Some(true) => {
                            self.status.unsigned.remove(&seat);
                        }
                        _ => {}
                    }
                    if let Some(off) = got.offset {
                        if off.abs() >= SKEW_NAMED {
                            self.status.clocks.insert(seat.clone(), off);
                        } else {
                            self.status.clocks.remove(&seat);
                        }
                    }
                    self.taken.insert(seat, oid);
                }
                Err(e) => warnings.push(format!("{seat}: {e}")),
            }
        }
        let local = remote::own_tip(&self.git.repo, &self.setup.ticket, &me);
        self.status.waiting = self.waiting(local);
        (events, warnings)
    }

    /// Whether the remote's `refs/warroom/TICKET/SEAT` is where this seat pushes: its own push
    /// moved it (another's write there is looked at on the next poll, as over a network).
    fn pushed_there(&self, seat: &str) -> bool {
        let s = &self.setup;
        super::remote_seat_ref(&s.ticket, &s.share.seat, s.share.moved)
            == super::seat_ref(&s.ticket, seat)
    }

    /// Whether this seat has events the remote lacks.
    pub fn behind(&self) -> bool {
        self.status.waiting > 0
            || remote::own_tip(&self.git.repo, &self.setup.ticket, &self.setup.share.seat)
                .is_some_and(|(o, _)| Some(o) != self.remote_own)
    }
}

fn run(
    setup: &ShareSetup,
    rx: &std::sync::mpsc::Receiver<Cmd>,
    wake: &std::sync::mpsc::Sender<Cmd>,
    tx: &mpsc::Sender<ShareMsg>,
) {
    let mut sync = match Sync::open(setup.clone()) {
        Ok(s) => s,
        Err(why) => {
            let _ = tx.blocking_send(ShareMsg::Status(ShareStatus {
                error: Some(why),
                offline_since: Some(Utc::now()),
                ..ShareStatus::default()
            }));
            return;
        }
    };
    let waker = wake.clone();
    let _watch = super::wake::watch(&sync.git, &setup.ticket, move |seat| {
        let _ = waker.send(Cmd::RemoteMoved(seat));
    });
    let interval = setup.cfg.poll_interval;
    let mut push_at = Some(Instant::now());
    let mut poll_at = Instant::now();
    let mut told = None;
    loop {
        let now = Instant::now();
        let due = push_at.map_or(poll_at, |p| p.min(poll_at));
        match rx.recv_timeout(due.saturating_duration_since(now)) {
            Ok(Cmd::Changed) => {
                push_at.get_or_insert_with(|| Instant::now() + PUSH_DELAY);
                continue;
            }
            Ok(Cmd::RemoteMoved(seat)) => {
                if seat.is_none_or(|s| !sync.pushed_there(&s)) {
                    poll_at = poll_at.min(Instant::now());
                }
            }
            Ok(Cmd::Stop(done)) => {
                if sync.status.online || sync.status.offline_since.is_none() {
                    sync.push();
                }
                let _ = done.send(());
                return;
            }
            Ok(Cmd::Quit) | Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {}
        }
        let now = Instant::now();
        if push_at.is_some_and(|p| p <= now) {
            push_at = None;
            sync.push();
        }
        if poll_at <= now {
            poll_at = now + interval;
            let (events, warnings) = sync.poll();
            if events > 0 || !warnings.is_empty() {
                let _ = tx.blocking_send(ShareMsg::Arrived { events, warnings });
            }
            if sync.behind() && sync.status.online && sync.status.rejected.is_none() {
                push_at.get_or_insert(now);
            }
        }
        if told.as_ref() != Some(&sync.status) {
            told = Some(sync.status.clone());
            if tx
                .blocking_send(ShareMsg::Status(sync.status.clone()))
                .is_err()
            {
                return;
            }
        }
    }
}

/// Pushes this seat's events once (and, with `pull`, takes the other seats' first), for a
/// command with no console to do it; `None` when the remote did not answer within `within`
/// (the events wait for the next push).
pub fn sync_once(
    setup: ShareSetup,
    within: Duration,
    pull: bool,
) -> Option<Result<(ShareStatus, Vec<String>), String>> {
    if setup.share.backend == Backend::Nats {
        return super::nats::worker::sync_once(setup, within, pull);
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let result = Sync::open(setup).map(|mut sync| {
            let warnings = if pull { sync.poll().1 } else { Vec::new() };
            sync.push();
            (sync.status, warnings)
        });
        let _ = tx.send(result);
    });
    rx.recv_timeout(within).ok()
}
