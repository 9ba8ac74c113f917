//! Documents written and put on the record: the one way both the command line and the console
//! export. Each document written is an `export_written` event (the review's ticks its item).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::{ExportError, Exporter, Format, Written};
use crate::clock::Policy;
use crate::config::Loaded;
use crate::incident::Incident;
use crate::journal::{Draft, EventSource, JournalWriter, kinds};
use crate::runbook::Runbook;

/// What the documents need from the configuration.
#[derive(Debug, Clone, Default)]
pub struct Documents {
    pub templates_dir: Option<PathBuf>,
    pub policy: Policy,
    /// The rollback command the documents name.
    pub rollback: Option<String>,
    /// The flags the rollback plan names.
    pub flags: Vec<super::mitigation::PlanFlag>,
}

impl Documents {
    pub fn new(loaded: &Loaded, runbook: &Runbook) -> Documents {
        Documents {
            templates_dir: loaded.templates_dir.clone(),
            policy: loaded.config.policy(),
            rollback: runbook.rollback.clone(),
            flags: loaded
                .config
                .flags
                .iter()
                .map(|f| super::mitigation::PlanFlag {
                    name: f.name.get_ref().clone(),
                    place: f.place(),
                })
                .collect(),
        }
    }

    /// The exporter for documents written at `now`.
    pub fn exporter(&self, now: DateTime<Utc>) -> Result<Exporter, ExportError> {
        let mut e = Exporter::new(
            self.templates_dir.as_deref(),
            self.policy.clone(),
            self.rollback.clone(),
            now,
        )?;
        e.flags = self.flags.clone();
        Ok(e)
    }
}

/// Where an incident's documents go.
pub fn exports_dir(incident_dir: &Path) -> PathBuf {
    incident_dir.join("exports")
}

/// Writes `formats` into `dir` and records each document.
pub fn write_recorded(
    exporter: &Exporter,
    inc: &Incident,
    events: &dyn EventSource,
    formats: &[Format],
    dir: &Path,
    journal: &JournalWriter,
) -> Result<Vec<Written>, ExportError> {
    let written = exporter.write(inc, events, formats, dir)?;
    record(journal, &written)?;
    Ok(written)
}

/// Records documents written: one `export_written` each (the chart goes with its review).
pub fn record(journal: &JournalWriter, written: &[Written]) -> Result<(), ExportError> {
    for w in written {
        journal
            .append(
                Draft::new(
                    kinds::EXPORT_WRITTEN,
                    format!("Exported {}", w.path.display()),
                )
                .field("format", w.format.name())
                .field("path", w.path.display().to_string()),
            )
            .map_err(|e| {
                // The error names the journal's path.
                ExportError::Io(format!("NOT RECORDED — cannot write the journal: {e}"))
            })?;
    }
    Ok(())
}
