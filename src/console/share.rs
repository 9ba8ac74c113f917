//! Sharing from the console: the seat set up when `S` is confirmed (or at start for a shared
//! incident), and the share thread started.

use std::path::PathBuf;

use crate::config::{GitConfig, ShareConfig};
use crate::journal::{Backend, Draft, JournalWriter, Share, kinds};
use crate::share::nats::commander::Claim;
use crate::share::worker::ShareSetup;

/// What sharing needs from the configuration.
#[derive(Debug, Clone)]
pub struct ShareLink {
    pub git: GitConfig,
    pub cfg: ShareConfig,
    pub cwd: PathBuf,
    /// The incidents' folder (`WARROOM_HOME`): part of the seat's id.
    pub home: PathBuf,
    pub ticket: String,
    pub dir: PathBuf,
}

impl ShareLink {
    pub fn setup(&self, share: Share) -> ShareSetup {
        ShareSetup {
            git: self.git.clone(),
            cfg: self.cfg.clone(),
            cwd: self.cwd.clone(),
            dir: self.dir.clone(),
            ticket: self.ticket.clone(),
            share,
        }
    }

    /// Makes this seat a seat of the incident: its id from git, the share file, and the events
    /// that say so (the first seat takes the commander role when no one holds it).
    /// On NATS the role is taken on the server first (compare-and-swap): a seat that finds
    /// it held does not claim it; a server out of reach leaves the claim to the record, as
    /// with git.
    pub fn begin(&self, writer: &JournalWriter, commander: bool) -> Result<Share, String> {
        let share = self.seat()?;
        let commander = commander
            && match share.backend {
                Backend::Git => true,
                Backend::Nats => !matches!(
                    crate::share::nats::claim_commander(&self.cfg, &self.ticket, &share.seat),
                    Ok(Claim::Held(_))
                ),
            };
        share
            .save(&self.dir)
            .map_err(|e| format!("cannot write {}: {e}", self.dir.display()))?;
        record_seat(writer, &share, commander)?;
        Ok(share)
    }

    /// This seat, as the configured backend names it: the person from git's `user.name`
    /// either way.
    pub fn seat(&self) -> Result<Share, String> {
        match self.cfg.backend {
            Backend::Git => {
                let git = crate::share::open_repo(&self.git, &self.cfg, &self.cwd)?;
                crate::share::seat_for(&git.repo, &self.cfg.remote, &self.home)
            }
            Backend::Nats => {
                let git = crate::git::Git::open(&self.git, &self.cwd, Default::default())
                    .map_err(|e| e.to_string())?;
                let mut share = crate::share::seat_for(
                    &git.repo,
                    &crate::share::nats::servers(&self.cfg),
                    &self.home,
                )?;
                share.backend = Backend::Nats;
                Ok(share)
            }
        }
    }
}

/// The event that says a seat is on the incident: `what` it did (shared it, joined).
pub fn seat_joined(share: &Share, what: &str) -> Draft {
    Draft::new(
        kinds::SEAT_JOINED,
        format!(
            "{} {what} on {} (seat {})",
            share.by, share.remote, share.seat
        ),
    )
    .field("remote", share.remote.clone())
}

/// Records that `share` is on the incident (and takes the commander role when asked).
fn record_seat(writer: &JournalWriter, share: &Share, commander: bool) -> Result<(), String> {
    let writer = writer.clone().with_seat(share.clone());
    let fail = |e: std::io::Error| format!("NOT RECORDED — cannot write the journal: {e}");
    writer
        .append(seat_joined(share, "shared the incident"))
        .map_err(fail)?;
    if commander {
        writer
            .append(
                Draft::new(
                    kinds::ROLE_ASSIGNED,
                    format!("{} is incident commander", share.by),
                )
                .field("role", "commander")
                .field("to", share.seat.clone()),
            )
            .map_err(fail)?;
    }
    Ok(())
}
