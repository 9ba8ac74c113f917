//! Where a pass over every event reads them from: a journal on disk, streamed line by line, or
//! events already in memory.

use std::io;
use std::path::{Path, PathBuf};

use super::event::Event;
use super::file::JournalReader;

/// Events in the journal's order, handed over one at a time.
pub trait EventSource {
    /// Calls `f` with each event in order; the first error `f` returns ends the pass.
    fn each(&self, f: &mut dyn FnMut(Event) -> io::Result<()>) -> io::Result<()>;
}

/// A journal file, read as it is streamed: never in memory at once.
#[derive(Debug, Clone)]
pub struct JournalFile {
    path: PathBuf,
    until: Option<u64>,
}

impl JournalFile {
    pub fn new(path: &Path) -> JournalFile {
        JournalFile {
            path: path.to_path_buf(),
            until: None,
        }
    }

    /// The journal's first `offset` bytes: what a fold read, though more was appended since.
    pub fn upto(path: &Path, offset: u64) -> JournalFile {
        JournalFile {
            path: path.to_path_buf(),
            until: Some(offset),
        }
    }
}

impl EventSource for JournalFile {
    fn each(&self, f: &mut dyn FnMut(Event) -> io::Result<()>) -> io::Result<()> {
        let reader = JournalReader::new(&self.path);
        let mut reader = match self.until {
            Some(offset) => reader.until(offset),
            None => reader,
        };
        reader.try_read_each(f).map(|_| ())
    }
}

impl EventSource for Vec<Event> {
    fn each(&self, f: &mut dyn FnMut(Event) -> io::Result<()>) -> io::Result<()> {
        self.iter().cloned().try_for_each(f)
    }
}
