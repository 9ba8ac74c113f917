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
use serde::{Deserialize, Serialize};

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
    /// A shared incident's seat: every event says who wrote it, and from which seat.
    seat: Option<Arc<super::seats::Share>>,
}

impl JournalWriter {
    pub fn new(path: impl Into<PathBuf>) -> JournalWriter {
        JournalWriter {
            path: path.into(),
            redactor: ENV_REDACTOR.clone(),
            seat: None,
        }
    }

    /// Writes `by` and `seat` on every event: the incident is shared from this seat.
    pub fn with_seat(mut self, share: super::seats::Share) -> JournalWriter {
        self.seat = Some(Arc::new(share));
        self
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
        if let Some(share) = &self.seat {
            share.stamp(&mut event);
        }
        if let std::borrow::Cow::Owned(t) = self.redactor.redact(&event.text) {
            event.text = t;
        }
        event.fields.map_strings(|s| match self.redactor.redact(s) {
            std::borrow::Cow::Owned(t) => Some(t),
            std::borrow::Cow::Borrowed(_) => None,
        });
        let named = |e| crate::fsutil::named(&self.path, e);
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&self.path)
            .map_err(named)?;
        file.lock().map_err(named)?;
        let len = file.metadata().map_err(named)?.len();
        let result = (|| {
            if self.seat.is_some() {
                // Under the lock: no other writer of this seat comes between the clock read
                // and the line written.
                super::seats::clock(&self.path)?
                    .tick(event.at)
                    .stamp(&mut event);
            }
            let mut line = serde_json::to_vec(&event).map_err(io::Error::other)?;
            line.push(b'\n');
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
        if result.is_err() {
            // A write cut short (a full disk) is taken back: no torn line is left behind.
            let _ = file.set_len(len);
        }
        let unlocked = file.unlock();
        result.and(unlocked).map_err(named)
    }
}

/// What one read of the journal produced.
#[derive(Debug, Default)]
pub struct ReadBatch {
    pub events: Vec<Event>,
    pub warnings: Vec<String>,
}

/// Every this many events, the reader notes where the event's line starts: the sparse index
/// that finds any event with one seek and at most this many lines read.
pub const INDEX_EVERY: usize = 64;

/// Where a reader stands in its journal: what a checkpoint keeps to resume reading.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Position {
    /// Bytes read: every complete line before this offset has been taken.
    pub offset: u64,
    pub line_no: usize,
    /// Events parsed so far.
    pub events: usize,
    /// `index[k]` is the offset of event `k * INDEX_EVERY`'s line.
    pub index: Vec<u64>,
}

/// Reads a journal incrementally: each call takes the events appended since the last one.
#[derive(Debug)]
pub struct JournalReader {
    path: PathBuf,
    at: Position,
    started: bool,
    /// Reads stop here (a pass over the record as it was folded).
    limit: Option<u64>,
    /// The journal shrank and was read again from its start since this was last asked.
    restarted: bool,
}

impl JournalReader {
    pub fn new(path: impl Into<PathBuf>) -> JournalReader {
        JournalReader {
            path: path.into(),
            at: Position::default(),
            started: false,
            limit: None,
            restarted: false,
        }
    }

    /// A reader that goes on from `at` (a checkpoint's position).
    pub fn resume(path: impl Into<PathBuf>, at: Position) -> JournalReader {
        JournalReader {
            path: path.into(),
            at,
            started: true,
            limit: None,
            restarted: false,
        }
    }

    /// Reads nothing past `offset`: the record as it stood when it was folded.
    pub fn until(mut self, offset: u64) -> JournalReader {
        self.limit = Some(offset);
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn position(&self) -> &Position {
        &self.at
    }

    /// Whether the journal shrank and was read again from its start since the last call: what
    /// was folded before must be dropped.
    pub fn take_restarted(&mut self) -> bool {
        std::mem::take(&mut self.restarted)
    }

    /// How many events have been read.
    pub fn events(&self) -> usize {
        self.at.events
    }

    pub fn read_new(&mut self) -> io::Result<ReadBatch> {
        let mut events = Vec::new();
        let warnings = self.read_each(|ev| events.push(ev))?;
        Ok(ReadBatch { events, warnings })
    }

    /// Hands each new event to `f` as it is read, so a long journal is never in memory at
    /// once; returns the warnings (lines skipped, a journal that shrank).
    pub fn read_each(&mut self, mut f: impl FnMut(Event)) -> io::Result<Vec<String>> {
        self.try_read_each(|ev| {
            f(ev);
            Ok(())
        })
    }

    /// [`read_each`](Self::read_each), stopping at the first error `f` returns (a closed
    /// pipe): the rest of the journal is not read for nothing.
    pub fn try_read_each(
        &mut self,
        mut f: impl FnMut(Event) -> io::Result<()>,
    ) -> io::Result<Vec<String>> {
        let mut file = File::open(&self.path)?;
        let len = file.metadata()?.len();
        let len = self.limit.map_or(len, |l| l.min(len));
        let mut warnings = Vec::new();
        let first_read = !self.started;
        self.started = true;
        if len < self.at.offset {
            warnings.push(format!(
                "journal {} shrank from {} to {len} bytes; reading it again from the start",
                self.path.display(),
                self.at.offset
            ));
            self.at = Position::default();
            self.restarted = true;
        }
        if len == self.at.offset {
            return Ok(warnings);
        }
        file.seek(SeekFrom::Start(self.at.offset))?;
        // Line by line, so a large journal never sits in memory twice.
        let mut input = BufReader::with_capacity(64 * 1024, file.take(len - self.at.offset));
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
                    warnings.push(format!(
                        "journal line {} is incomplete ({n} bytes, probably a crash while writing); skipped",
                        self.at.line_no + 1
                    ));
                }
                break;
            }
            let start = self.at.offset;
            self.at.offset += n as u64;
            self.at.line_no += 1;
            match parse_line(&line[..n - 1]) {
                Some(Ok(ev)) => {
                    if self.at.events.is_multiple_of(INDEX_EVERY) {
                        self.at.index.push(start);
                    }
                    self.at.events += 1;
                    f(ev)?;
                }
                Some(Err(e)) => warnings.push(format!(
                    "journal line {} is not a valid event ({e}); skipped",
                    self.at.line_no
                )),
                None => {}
            }
        }
        Ok(warnings)
    }

    /// Events `first..first + count` of what has been read, found through the index: one
    /// seek, then at most [`INDEX_EVERY`] lines more than asked for.
    pub fn read_range(&self, first: usize, count: usize) -> io::Result<Vec<Event>> {
        let end = (first + count).min(self.at.events);
        let Some(&from) = self.at.index.get(first / INDEX_EVERY) else {
            return Ok(Vec::new());
        };
        let mut file = File::open(&self.path)?;
        file.seek(SeekFrom::Start(from))?;
        let mut input = BufReader::with_capacity(16 * 1024, file.take(self.at.offset - from));
        let mut number = first / INDEX_EVERY * INDEX_EVERY;
        let mut out = Vec::with_capacity(end.saturating_sub(first));
        let mut line = Vec::new();
        while number < end {
            line.clear();
            let n = input.read_until(b'\n', &mut line)?;
            if n == 0 || line.last() != Some(&b'\n') {
                break;
            }
            if let Some(Ok(ev)) = parse_line(&line[..n - 1]) {
                if number >= first {
                    out.push(ev);
                }
                number += 1;
            }
        }
        Ok(out)
    }
}

/// One line: nothing when it is blank, else the event or why it is not one.
pub(super) fn parse_line(raw: &[u8]) -> Option<Result<Event, serde_json::Error>> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    Some(serde_json::from_slice::<Event>(raw))
}

/// Reads a whole journal at once.
pub fn read_all(path: &Path) -> io::Result<ReadBatch> {
    JournalReader::new(path).read_new()
}
