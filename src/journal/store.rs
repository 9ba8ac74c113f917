//! Where incidents live: `$WARROOM_HOME/incidents/TICKET/journal.jsonl`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::event::Event;
use super::file::{JOURNAL_FILE, JournalWriter};

#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("incident {0} already exists; resume it with `warroom resume {0}`")]
    Exists(String),
    #[error("no incident {0}; `warroom list` shows the incidents")]
    Missing(String),
    #[error("{0}")]
    Io(#[from] io::Error),
}

impl Store {
    pub fn new(root: impl Into<PathBuf>) -> Store {
        Store { root: root.into() }
    }

    /// `WARROOM_HOME`, else the platform data directory (`~/.local/share/warroom`).
    pub fn default_root() -> PathBuf {
        if let Some(home) = std::env::var_os("WARROOM_HOME").filter(|v| !v.is_empty()) {
            return PathBuf::from(home);
        }
        directories::ProjectDirs::from("", "", "warroom")
            .map(|d| d.data_dir().to_path_buf())
            .unwrap_or_else(|| PathBuf::from(".warroom-home"))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn incident_dir(&self, ticket: &str) -> PathBuf {
        self.root.join("incidents").join(ticket)
    }

    pub fn journal_path(&self, ticket: &str) -> PathBuf {
        self.incident_dir(ticket).join(JOURNAL_FILE)
    }

    pub fn exists(&self, ticket: &str) -> bool {
        self.journal_path(ticket).is_file()
    }

    pub fn writer(&self, ticket: &str) -> Result<JournalWriter, StoreError> {
        if !self.exists(ticket) {
            return Err(StoreError::Missing(ticket.to_string()));
        }
        let writer = JournalWriter::new(self.journal_path(ticket));
        Ok(
            match super::seats::Share::load(&self.incident_dir(ticket))? {
                Some(share) => writer.with_seat(share),
                None => writer,
            },
        )
    }

    /// Creates the incident folder and writes its first event. Fails if the ticket exists.
    pub fn create(&self, ticket: &str, opened: &Event) -> Result<JournalWriter, StoreError> {
        if let Some(existing) = self.find(ticket) {
            return Err(StoreError::Exists(existing));
        }
        let parent = self.root.join("incidents");
        fs::create_dir_all(&parent).map_err(|e| crate::fsutil::named(&parent, e))?;
        let dir = self.incident_dir(ticket);
        match fs::create_dir(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(StoreError::Exists(ticket.to_string()));
            }
            Err(e) => return Err(crate::fsutil::named(&dir, e).into()),
        }
        let writer = JournalWriter::new(dir.join(JOURNAL_FILE));
        writer.append_event(opened)?;
        // Make the new folder's entry durable too.
        fs::File::open(&parent)
            .and_then(|f| f.sync_all())
            .map_err(|e| crate::fsutil::named(&parent, e))?;
        Ok(writer)
    }

    /// The ticket as it is on record, whatever its case: tickets are one case-insensitive
    /// namespace (`pay-42` is `PAY-42`).
    pub fn find(&self, ticket: &str) -> Option<String> {
        if self.exists(ticket) {
            return Some(ticket.to_string());
        }
        self.tickets()
            .ok()?
            .into_iter()
            .find(|t| t.eq_ignore_ascii_case(ticket))
    }

    /// Tickets of every incident on record, sorted.
    pub fn tickets(&self) -> io::Result<Vec<String>> {
        let dir = self.root.join("incidents");
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry?;
            if entry.path().join(JOURNAL_FILE).is_file()
                && let Some(name) = entry.file_name().to_str()
            {
                out.push(name.to_string());
            }
        }
        out.sort();
        Ok(out)
    }
}

/// A ticket is a folder name and a git branch component: letters, digits, `.`, `_`, `-`.
pub fn validate_ticket(ticket: &str) -> Result<(), String> {
    if ticket.is_empty() || ticket.len() > 64 {
        return Err(format!("ticket {ticket:?} must be 1 to 64 characters long"));
    }
    if ticket.starts_with(['.', '-']) {
        return Err(format!("ticket {ticket:?} must not start with '.' or '-'"));
    }
    if let Some(bad) = ticket
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "ticket {ticket:?} contains {bad:?}: use letters, digits, '.', '_' and '-' (e.g. ENG-1234)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_are_safe_names() {
        assert!(validate_ticket("ENG-1234").is_ok());
        assert!(validate_ticket("inc_2026.11.26").is_ok());
        assert!(validate_ticket("../etc").is_err());
        assert!(validate_ticket("a b").is_err());
        assert!(validate_ticket("-x").is_err());
        assert!(validate_ticket("").is_err());
        assert!(validate_ticket(&"x".repeat(65)).is_err());
    }

    #[test]
    fn tickets_are_one_case_insensitive_namespace() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::new(dir.path());
        let ev = crate::journal::Draft::new("incident_opened", "x").stamp(chrono::Utc::now());
        store.create("PAY-42", &ev).expect("create");
        assert_eq!(store.find("pay-42").as_deref(), Some("PAY-42"));
        assert!(matches!(store.create("pay-42", &ev), Err(StoreError::Exists(t)) if t == "PAY-42"));
        assert_eq!(store.tickets().expect("list"), vec!["PAY-42".to_string()]);
    }
}
