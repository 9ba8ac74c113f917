//! The output of one step: every settled line to the run's log file, and bounded batches to
//! the pane, so a flood never slows the command down.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::mpsc;

use super::job::{JobKind, RunMsg};
use super::runner::RunContext;
use crate::journal::event::rfc3339_string;
use crate::output::Redactor;
use crate::output::ansi::strip_sgr;
use crate::output::terminal::{Settled, Terminal, rows_at};

/// How often output is handed to the screen.
pub(super) const FLUSH: Duration = Duration::from_millis(10);
/// How often redrawn rows alone (a spinner) are handed to the screen: a spinner's frame rate,
/// not the rate the command redraws at.
const LIVE_EVERY: Duration = Duration::from_millis(100);

pub(super) fn log_path(dir: &Path, kind: JobKind, name: &str) -> PathBuf {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let n = std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0) + 1;
    dir.join(format!(
        "{n:03}-{}-{}.log",
        kind.as_str(),
        slug.trim_matches('-')
    ))
}

/// The output of one step: to the log file in full, to the pane in bounded batches.
pub(super) struct Sink<'a> {
    job: u64,
    tx: &'a mpsc::Sender<RunMsg>,
    file: Option<std::io::BufWriter<std::fs::File>>,
    batch: VecDeque<String>,
    skipped: u64,
    cap: usize,
    /// The screen's width: lines are handed to the pane as the rows it wraps them on.
    cols: usize,
    redactor: &'a Redactor,
    /// The rows the command can still redraw, as last handed to the screen.
    live: Vec<String>,
    /// The settled lines are inside a private key block.
    in_key: bool,
    live_version: u64,
    live_sent: bool,
    live_at: Instant,
}

impl<'a> Sink<'a> {
    pub(super) fn new(
        job: u64,
        tx: &'a mpsc::Sender<RunMsg>,
        log: &Path,
        header: &str,
        ctx: &'a RunContext,
    ) -> Sink<'a> {
        let file = std::fs::create_dir_all(&ctx.logs_dir)
            .and_then(|()| std::fs::File::create(log))
            .map(|f| std::io::BufWriter::with_capacity(256 * 1024, f))
            .map_err(|e| tracing::error!("cannot write {}: {e}", log.display()))
            .ok();
        let mut sink = Sink {
            job,
            tx,
            file,
            batch: VecDeque::new(),
            skipped: 0,
            cap: ctx.scrollback.max(1),
            cols: usize::from(ctx.size.0),
            redactor: &ctx.redactor,
            live: Vec::new(),
            in_key: false,
            live_version: 0,
            live_sent: true,
            live_at: Instant::now(),
        };
        if let Some(f) = sink.file.as_mut() {
            let _ = writeln!(f, "{header}");
        }
        sink
    }

    /// Lines that will not change any more, each redacted whole (a secret the terminal wrapped
    /// is still one secret): to the log file, and to the next batch as the rows the screen
    /// shows. They pass the redactor's gate together.
    pub(super) fn settle(&mut self, lines: std::vec::Drain<'_, Settled>) {
        let texts: Vec<&str> = lines.as_slice().iter().map(|l| l.text.as_str()).collect();
        let clean = self.redactor.clean_each(&texts);
        drop(texts);
        for (line, clean) in lines.zip(clean) {
            self.settled(line, clean);
        }
    }

    fn settled(&mut self, line: Settled, clean: bool) {
        // A clean line (most of a flood) moves on as it came, without a copy.
        let text = match self
            .redactor
            .redact_gated(&line.text, &mut self.in_key, clean)
        {
            Cow::Borrowed(_) => line.text,
            Cow::Owned(redacted) => redacted,
        };
        if let Some(f) = self.file.as_mut() {
            let plain = strip_sgr(&text);
            let _ = f.write_all(plain.as_bytes());
            let _ = f.write_all(if line.wrapped { b"" } else { b"\n" });
        }
        if text.len() <= self.cols {
            self.queue_row(text);
        } else {
            for row in rows_at(&text, self.cols) {
                self.queue_row(row);
            }
        }
    }

    fn queue_row(&mut self, row: String) {
        if self.batch.len() == self.cap {
            self.batch.pop_front();
            self.skipped += 1;
        }
        self.batch.push_back(row);
    }

    pub(super) fn note(&mut self, text: String) {
        if let Some(f) = self.file.as_mut() {
            let _ = writeln!(f, "{}", strip_sgr(&text));
        }
        self.batch.push_back(text);
    }

    /// How soon what is pending should be handed on: settled rows within [`FLUSH`], redrawn
    /// rows alone at the spinner's frame rate (so a redraw does not wake the loop twice).
    pub(super) fn due(&self) -> Duration {
        if !self.batch.is_empty() || self.skipped > 0 {
            return FLUSH;
        }
        LIVE_EVERY.saturating_sub(self.live_at.elapsed()).max(FLUSH)
    }

    /// Hands what is pending to the screen without waiting: if the loop is busy, the batch
    /// keeps growing (bounded by the scrollback) until the next flush. Redrawn rows alone are
    /// sent at most every [`LIVE_EVERY`], rendered only when they changed. Returns how long
    /// to wait before calling again while something is still undelivered.
    pub(super) fn flush(&mut self, term: Option<&Terminal>) -> Option<Duration> {
        let rows_waiting = !self.batch.is_empty() || self.skipped > 0;
        let redrawn = term.filter(|t| t.version() != self.live_version);
        if !rows_waiting {
            if redrawn.is_none() && self.live_sent {
                return None;
            }
            let wait = LIVE_EVERY.saturating_sub(self.live_at.elapsed());
            if !wait.is_zero() {
                return Some(wait);
            }
        }
        if let Some(term) = redrawn {
            self.live_version = term.version();
            // The bottom row may still be being written: the start of a secret on it is hidden
            // until the rest arrives.
            let lines = term.live();
            let last = lines.len().saturating_sub(1);
            let mut in_key = self.in_key;
            self.live = lines
                .iter()
                .enumerate()
                .flat_map(|(i, l)| {
                    let shown = if i == last {
                        self.redactor.redact_unfinished(l, in_key)
                    } else {
                        self.redactor.redact_line(l, &mut in_key).into_owned()
                    };
                    rows_at(&shown, self.cols)
                })
                .collect();
            self.live_sent = false;
        }
        if !rows_waiting && self.live_sent {
            return None;
        }
        let msg = RunMsg::Output {
            job: self.job,
            lines: std::mem::take(&mut self.batch).into(),
            live: self.live.clone(),
            skipped: self.skipped,
        };
        if let Err(e) = self.tx.try_send(msg) {
            // The screen is behind: the lines wait for the next flush.
            if let RunMsg::Output { lines, .. } = e.into_inner() {
                self.batch = lines.into();
            }
            return Some(FLUSH);
        }
        self.skipped = 0;
        self.live_sent = true;
        self.live_at = Instant::now();
        None
    }

    /// At the end of a step: everything is delivered and on disk.
    pub(super) async fn finish(&mut self) {
        if let Some(f) = self.file.as_mut() {
            let _ = f.flush();
        }
        self.live.clear();
        let msg = RunMsg::Output {
            job: self.job,
            lines: std::mem::take(&mut self.batch).into(),
            live: Vec::new(),
            skipped: std::mem::take(&mut self.skipped),
        };
        let _ = self.tx.send(msg).await;
    }
}

pub(super) fn header(kind: JobKind, name: &str, command: &str) -> String {
    format!(
        "# warroom {}: {command}\n# started {}",
        kind.title(name),
        rfc3339_string(Utc::now())
    )
}
