//! An incident opened from its journal: the fold, what could not be read, and the reader that
//! goes on from where the fold stopped (for new events, and for old ones by their number).
//! A shared incident is read from every seat's events, in the one order.

use std::io;
use std::path::Path;
use std::sync::Arc;

use super::Incident;
use super::checkpoint;
use crate::checklist::Checklist;
use crate::journal::{JournalReader, Reader, Recorded, SeatsReader, Share};

#[derive(Debug)]
pub struct Record {
    pub incident: Incident,
    pub warnings: Vec<String>,
    pub reader: Reader,
}

impl Record {
    /// Folds the journal at `path`: from its checkpoint when the checkpoint matches the
    /// journal, else from the start. A long fold leaves a checkpoint for next time. A shared
    /// incident (a share file beside the journal) folds every seat's events.
    pub fn open(path: &Path, ticket: &str, checklist: Arc<Checklist>) -> io::Result<Record> {
        let dir = path.parent().unwrap_or(Path::new("."));
        if let Some(share) = Share::load(dir)? {
            return Record::shared(dir, share, ticket, checklist);
        }
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
            reader: Reader::One(reader),
        })
    }

    /// Folds every seat's events of the shared incident in `dir`: from its checkpoint when it
    /// matches every seat's file, else from the start.
    pub fn shared(
        dir: &Path,
        share: Share,
        ticket: &str,
        checklist: Arc<Checklist>,
    ) -> io::Result<Record> {
        let journal = dir.join(crate::journal::file::JOURNAL_FILE);
        let (mut incident, mut reader) =
            match checkpoint::load_seats(&journal, ticket, &checklist, &share.seat) {
                Some((incident, state)) => (incident, SeatsReader::resume(dir, share, state)),
                None => (
                    Incident::empty(ticket, checklist.clone()),
                    SeatsReader::new(dir, share),
                ),
            };
        let before = reader.events();
        let batch = reader.read_new()?;
        let folded = if reader.take_restarted() {
            incident = Incident::empty(ticket, checklist);
            reader.events()
        } else {
            reader.events() - before
        };
        for ev in batch.events {
            incident.apply(ev);
        }
        let mut warnings = batch.warnings;
        if !incident.opened {
            warnings.push(missing_open(ticket));
        }
        let reader = Reader::Seats(reader);
        if folded >= checkpoint::EVERY {
            checkpoint::save_reader(&journal, &incident, &reader);
        }
        Ok(Record {
            incident,
            warnings,
            reader,
        })
    }

    /// Every event the fold read, to be read again in order (the documents).
    pub fn events(&self) -> Recorded {
        self.reader.source()
    }
}

pub fn missing_open(ticket: &str) -> String {
    format!(
        "the journal of {ticket} has no incident_opened line: its title, priority and detection time are unknown"
    )
}
