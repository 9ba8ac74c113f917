//! Sharing from the console: the seat set up when `S` is confirmed (or at start for a shared
//! incident), and the share thread started.

use std::path::PathBuf;

use crate::config::{GitConfig, ShareConfig};
use crate::journal::{Draft, JournalWriter, Share, kinds};
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
    pub fn begin(&self, writer: &JournalWriter, commander: bool) -> Result<Share, String> {
        let git = crate::share::open_repo(&self.git, &self.cfg, &self.cwd)?;
        let share = crate::share::seat_for(&git.repo, &self.cfg.remote, &self.home)?;
        share
            .save(&self.dir)
            .map_err(|e| format!("cannot write {}: {e}", self.dir.display()))?;
        record_seat(writer, &share, commander)?;
        Ok(share)
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
