//! Everything the loop consumes, from the terminal, the clock, the journal and background tasks.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use crate::journal::{Draft, ReadBatch};

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    /// The clock, once a second on the second.
    Tick(DateTime<Utc>),
    /// The journal file changed on disk (our append, or another process's).
    JournalChanged,
    /// Events read from the journal since the last read.
    Journal(ReadBatch),
    /// An append or an export failed: said in the footer; the model is unchanged.
    Failed(String),
    /// An export was written.
    Exported(String),
    /// SIGTERM, SIGHUP, SIGINT: leave cleanly.
    Quit,
}

/// What `update` asks the runtime to do. The model changes only through messages.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Append to the journal (stamped and fsynced), then read it back.
    Append(Draft),
    ReadJournal,
    Bell,
    ExportJson,
    Quit,
}
