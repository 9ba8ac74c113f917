//! The board's producer: the incidents shared on the remote, sent whole each time one changes.
//! On NATS it listens to the organisation's subjects and reads again only the incident that
//! moved (at most every 300 ms); on git it lists and fetches every `[share] poll_interval`
//! (at least 5 s). Either way everything is read again every 30 s, for incidents that left.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::time::Duration;

use futures::StreamExt;

use super::listing::{self, SharedIncident};
use crate::config::{GitConfig, ShareConfig};
use crate::journal::Backend;

/// What the feed says.
#[derive(Debug)]
pub enum Feed {
    /// Every incident on the remote, as read now.
    Incidents(Vec<SharedIncident>),
    /// The remote could not be read: why (the last incidents stand).
    Failed(String),
}

const EVERYTHING_EVERY: Duration = Duration::from_secs(30);
const SETTLE: Duration = Duration::from_millis(300);

/// Starts the feed; it ends when the receiver is dropped.
pub fn start(cfg: ShareConfig, git: GitConfig, cwd: PathBuf) -> Receiver<Feed> {
    let (tx, rx) = sync_channel(4);
    std::thread::spawn(move || match cfg.backend {
        Backend::Nats => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            match rt {
                Ok(rt) => rt.block_on(nats(cfg, tx)),
                Err(e) => drop(tx.send(Feed::Failed(e.to_string()))),
            }
        }
        Backend::Git => git_feed(&cfg, &git, &cwd, &tx),
    });
    rx
}

/// Sends `feed` unless the board is gone; `false` when it is.
fn send(tx: &SyncSender<Feed>, feed: Feed) -> bool {
    match tx.try_send(feed) {
        Ok(()) | Err(TrySendError::Full(_)) => true,
        Err(TrySendError::Disconnected(_)) => false,
    }
}

fn git_feed(cfg: &ShareConfig, git: &GitConfig, cwd: &std::path::Path, tx: &SyncSender<Feed>) {
    let every = cfg.poll_interval.max(Duration::from_secs(5));
    loop {
        let read = super::open_repo(git, cfg, cwd)
            .and_then(|g| listing::git_incidents(&g).map(|(i, _)| i));
        let sent = match read {
            Ok(incidents) => send(tx, Feed::Incidents(incidents)),
            Err(e) => send(tx, Feed::Failed(e)),
        };
        if !sent {
            return;
        }
        std::thread::sleep(every);
    }
}

async fn nats(cfg: ShareConfig, tx: SyncSender<Feed>) {
    let conn = super::nats::Connect::new(&cfg, "board");
    let (events, _heard) = tokio::sync::mpsc::unbounded_channel();
    let client = match conn.connect(events, true).await {
        Ok(c) => c,
        Err(e) => {
            let _ = tx.send(Feed::Failed(e));
            return;
        }
    };
    let js = conn.jetstream(client.clone());
    // Without leave to listen (a permission), the board reads everything every 30 s.
    let mut moved = client
        .subscribe(super::nats::org_subjects(&cfg.org))
        .await
        .ok();
    let mut known: BTreeMap<String, SharedIncident> = BTreeMap::new();
    let mut dirty: BTreeSet<String> = BTreeSet::new();
    let mut everything = tokio::time::Instant::now();
    loop {
        let whole = everything <= tokio::time::Instant::now();
        let said = if whole {
            everything = tokio::time::Instant::now() + EVERYTHING_EVERY;
            dirty.clear();
            listing::nats_incidents(&js, &cfg, None)
                .await
                .map(|(all, _)| {
                    known = all.into_iter().map(|i| (i.0.clone(), i)).collect();
                })
        } else {
            let mut result = Ok(());
            for ticket in std::mem::take(&mut dirty) {
                match listing::nats_incidents(&js, &cfg, Some(&ticket)).await {
                    Ok((found, _)) => {
                        for i in found {
                            known.insert(i.0.clone(), i);
                        }
                    }
                    Err(e) => result = Err(e),
                }
            }
            result
        };
        let feed = match said {
            Ok(()) => Feed::Incidents(known.values().cloned().collect()),
            Err(e) => {
                // Out of reach: everything is read again soon, not in 30 s.
                everything = tokio::time::Instant::now() + Duration::from_secs(5);
                Feed::Failed(e)
            }
        };
        if !send(&tx, feed) {
            return;
        }
        // Wait for a message on any incident (then let a burst settle), or the next full read.
        let next = async {
            match moved.as_mut() {
                Some(sub) => sub.next().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            Some(m) = next => {
                dirty.extend(super::nats::ticket_of_subject(&cfg.org, &m.subject));
                let settle = tokio::time::sleep(SETTLE);
                tokio::pin!(settle);
                loop {
                    tokio::select! {
                        () = &mut settle => break,
                        Some(m) = async { moved.as_mut()?.next().await } => {
                            dirty.extend(super::nats::ticket_of_subject(&cfg.org, &m.subject));
                        }
                    }
                }
            }
            () = tokio::time::sleep_until(everything) => {}
        }
    }
}
