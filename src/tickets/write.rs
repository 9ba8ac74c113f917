//! The writes the record asks of the ticket, and doing one. Each comment ends with a marker
//! naming the incident and what it is for; a comment is posted only when no comment on the
//! ticket carries its marker, so a crash between posting and recording, a restart or a second
//! seat never posts it twice.

use super::{Tracker, TrackerError};

/// What a resolution comment is for (`of`).
pub const RESOLUTION: &str = "resolution";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// A comment for a milestone (`of` = its id) or the resolution. An empty text is filled in
    /// by the runtime from the record (the resolution's) before it is sent.
    Comment { of: String, text: String },
    /// The move to the done state.
    Move { state: String },
}

impl Write {
    /// Names the write in the record and in the writer's queue.
    pub fn key(&self) -> String {
        match self {
            Write::Comment { of, .. } => format!("comment:{of}"),
            Write::Move { state } => format!("move:{state}"),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Write::Comment { of, .. } if of == RESOLUTION => "the resolution comment".into(),
            Write::Comment { of, .. } => format!("the {} comment", of.replace('_', " ")),
            Write::Move { state } => format!("the move to {state}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Commented (or found commented before: `found`), at this URL.
    Commented {
        of: String,
        url: String,
        found: bool,
    },
    Moved {
        state: String,
    },
}

/// The marker that ends a comment about `of` on the incident `ticket`.
pub fn marker(ticket: &str, of: &str) -> String {
    format!("— warroom {ticket} · {of}")
}

pub async fn perform(
    tracker: &Tracker,
    ticket: &str,
    write: &Write,
) -> Result<Outcome, TrackerError> {
    match write {
        Write::Comment { of, text } => {
            let mark = marker(ticket, of);
            if let Some(c) = tracker
                .comments(ticket)
                .await?
                .into_iter()
                .find(|c| c.body.contains(&mark))
            {
                return Ok(Outcome::Commented {
                    of: of.clone(),
                    url: c.url,
                    found: true,
                });
            }
            let url = tracker
                .comment(ticket, &format!("{text}\n\n{mark}"))
                .await?;
            Ok(Outcome::Commented {
                of: of.clone(),
                url,
                found: false,
            })
        }
        Write::Move { state } => Ok(Outcome::Moved {
            state: tracker.move_to(ticket, state).await?,
        }),
    }
}
