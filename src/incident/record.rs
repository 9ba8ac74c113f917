//! An incident opened from its journal: the fold, what could not be read, and the reader that
//! goes on from where the fold stopped (for new events, and for old ones by their number).

use std::io;
use std::path::Path;
use std::sync::Arc;

use super::Incident;
use super::checkpoint;
use crate::checklist::Checklist;
use crate::journal::{JournalFile, JournalReader};

#[derive(Debug)]
pub struct Record {
    pub incident: Incident,
    pub warnings: Vec<String>,
    pub reader: JournalReader,
}

impl Record {
    /// Folds the journal at `path`: from its checkpoint when the checkpoint matches the
    /// journal, else from the start. A long fold leaves a checkpoint for next time.
    pub fn open(path: &Path, ticket: &str, checklist: Arc<Checklist>) -> io::Result<Record> {
        let (mut incident, mut reader) = match checkpoint::load(path, ticket, &checklist) {
            Some((incident, at)) => (incident, JournalReader::resume(path, at)),
            None => (
                Incident::empty(ticket, checklist.clone()),
                JournalReader::new(path),
            ),
        };
        let before = reader.events();
        let warnings = incident.fold_from(&mut reader)?;
        if reader.events() - before >= checkpoint::EVERY {
            checkpoint::save(path, &incident, reader.position());
        }
        Ok(Record {
            incident,
            warnings,
            reader,
        })
    }

    /// Every event the fold read, to be read again in order (the documents).
    pub fn events(&self) -> JournalFile {
        JournalFile::upto(self.reader.path(), self.reader.position().offset)
    }
}

pub fn missing_open(ticket: &str) -> String {
    format!(
        "the journal of {ticket} has no incident_opened line: its title, priority and detection time are unknown"
    )
}
