//! The journal file: append-only JSON lines, one event per line.
//!
//! Writers take an exclusive lock, repair a torn last line by ending it, write the whole line in
//! one `write` on an `O_APPEND` descriptor and fsync before returning, so an event the console
//! shows has reached the disk and several processes can append at once. Readers never lock:
//! they consume complete lines only and skip lines they cannot parse, with a warning.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use chrono::Utc;

use std::sync::{Arc, LazyLock};

use super::event::{Draft, Event};
use crate::output::Redactor;

pub const JOURNAL_FILE: &str = "journal.jsonl";

/// Secret-looking environment values and token shapes, for writers not given a redactor.
static ENV_REDACTOR: LazyLock<Arc<Redactor>> = LazyLock::new(|| Arc::new(Redactor::from_env(&[])));

/// Appends to one incident's journal. Every event passes the redactor on its way in, so no
/// secret reaches the record whoever writes it.
#[derive(Debug, Clone)]
pub struct JournalWriter {
    path: PathBuf,
    redactor: Arc<Redactor>,
}

impl JournalWriter {
    pub fn new(path: impl Into<PathBuf>) -> JournalWriter {
        JournalWriter {
            path: path.into(),
            redactor: ENV_REDACTOR.clone(),
        }
    }

    /// Uses this redactor (the config's extra secret names included).
    pub fn with_redactor(mut self, redactor: Arc<Redactor>) -> JournalWriter {
        self.redactor = redactor;
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stamps the draft with the current time and appends it durably.
    pub fn append(&self, draft: Draft) -> io::Result<Event> {
        let event = draft.stamp(Utc::now());
        self.append_event(&event)?;
        Ok(event)
    }

    pub fn append_event(&self, event: &Event) -> io::Result<()> {
        let mut event = event.clone();
        if let std::borrow::Cow::Owned(t) = self.redactor.redact(&event.text) {
            event.text = t;
        }
        event.fields.map_strings(|s| match self.redactor.redact(s) {
            std::borrow::Cow::Owned(t) => Some(t),
            std::borrow::Cow::Borrowed(_) => None,
        });
        let mut line = serde_json::to_vec(&event).map_err(io::Error::other)?;
        line.push(b'\n');
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&self.path)?;
        file.lock()?;
        let result = (|| {
            let len = file.metadata()?.len();
            if len > 0 {
                let mut last = [0u8; 1];
                file.read_exact_at(&mut last, len - 1)?;
                if last[0] != b'\n' {
                    // A writer died mid-line: end that line so ours stays whole.
                    line.insert(0, b'\n');
                }
            }
            file.write_all(&line)?;
            file.sync_data()
        })();
        let unlocked = file.unlock();
        result.and(unlocked)
    }
}

/// What one read of the journal produced.
#[derive(Debug, Default)]
pub struct ReadBatch {
    pub events: Vec<Event>,
    pub warnings: Vec<String>,
}

/// Reads a journal incrementally: each call returns the events appended since the last one.
#[derive(Debug)]
pub struct JournalReader {
    path: PathBuf,
    offset: u64,
    line_no: usize,
    started: bool,
}

impl JournalReader {
    pub fn new(path: impl Into<PathBuf>) -> JournalReader {
        JournalReader {
            path: path.into(),
            offset: 0,
            line_no: 0,
            started: false,
        }
    }

    pub fn read_new(&mut self) -> io::Result<ReadBatch> {
        let mut file = File::open(&self.path)?;
        let len = file.metadata()?.len();
        let mut batch = ReadBatch::default();
        let first_read = !self.started;
        self.started = true;
        if len < self.offset {
            batch.warnings.push(format!(
                "journal {} shrank from {} to {len} bytes; reading it again from the start",
                self.path.display(),
                self.offset
            ));
            self.offset = 0;
            self.line_no = 0;
        }
        if len == self.offset {
            return Ok(batch);
        }
        file.seek(SeekFrom::Start(self.offset))?;
        // Line by line, so a large journal never sits in memory twice.
        let mut input = BufReader::with_capacity(64 * 1024, file.take(len - self.offset));
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = input.read_until(b'\n', &mut line)?;
            if n == 0 {
                break;
            }
            if line.last() != Some(&b'\n') {
                // A partial last line found when the journal is first read is a crash's
                // leftover; later it may be another process's write in flight, so it is left
                // for the next read.
                if first_read {
                    batch.warnings.push(format!(
                        "journal line {} is incomplete ({n} bytes, probably a crash while writing); skipped",
                        self.line_no + 1
                    ));
                }
                break;
            }
            self.offset += n as u64;
            self.parse_line(&line[..n - 1], &mut batch);
        }
        Ok(batch)
    }

    fn parse_line(&mut self, raw: &[u8], batch: &mut ReadBatch) {
        self.line_no += 1;
        if raw.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        match serde_json::from_slice::<Event>(raw) {
            Ok(ev) => batch.events.push(ev),
            Err(e) => batch.warnings.push(format!(
                "journal line {} is not a valid event ({e}); skipped",
                self.line_no
            )),
        }
    }
}

/// Reads a whole journal at once.
pub fn read_all(path: &Path) -> io::Result<ReadBatch> {
    JournalReader::new(path).read_new()
}
