//! Everything the loop consumes, from the terminal, the clock, the journal and background tasks.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use crate::journal::{Draft, ReadBatch};
use crate::runner::JobSpec;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    Deploy,
    Checks,
    Smoke,
    Rollback,
    /// Following the platform's logs (Railway deploys on push).
    Follow,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Deploy => "deploy",
            JobKind::Checks => "check",
            JobKind::Smoke => "smoke",
            JobKind::Rollback => "rollback",
            JobKind::Follow => "follow",
        }
    }

    /// The run named once: `deploy`, `check test`, `smoke health`.
    pub fn title(self, step: &str) -> String {
        if step.is_empty() || step == self.as_str() {
            self.as_str().to_string()
        } else {
            format!("{} {step}", self.as_str())
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Exited(i32),
    Signalled(i32),
    Cancelled,
    SpawnFailed(String),
    Http {
        status: Option<u16>,
        ok: bool,
        reason: String,
    },
}

impl Outcome {
    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Exited(0) | Outcome::Http { ok: true, .. })
    }

    pub fn exit_code(&self) -> Option<i32> {
        match self {
            Outcome::Exited(c) => Some(*c),
            _ => None,
        }
    }

    /// A few words: `exit 0`, `exit 127 (command not found)`, `killed by signal 9`, …
    pub fn describe(&self) -> String {
        match self {
            Outcome::Exited(0) => "exit 0".into(),
            Outcome::Exited(126) => "exit 126 (not executable)".into(),
            Outcome::Exited(127) => "exit 127 (command not found)".into(),
            Outcome::Exited(c) => format!("exit {c}"),
            Outcome::Signalled(s) => format!("killed by signal {s}"),
            Outcome::Cancelled => "cancelled".into(),
            Outcome::SpawnFailed(r) => r.clone(),
            Outcome::Http { reason, .. } => reason.clone(),
        }
    }

    /// The closing line of a run in the pane and its log file.
    pub fn describe_line(&self) -> String {
        if self.is_success() {
            format!("\x1b[32m✓ {}\x1b[0m", self.describe())
        } else {
            format!("\x1b[31m✗ {}\x1b[0m", self.describe())
        }
    }
}

/// Reports from a running job.
#[derive(Debug, Clone)]
pub enum RunMsg {
    StepStarted {
        job: u64,
        kind: JobKind,
        name: String,
        command: String,
        log: PathBuf,
        at: DateTime<Utc>,
        /// The branch (none when detached) and commit checked out where the command runs.
        head: Option<(Option<String>, String)>,
    },
    /// Lines settled since the last batch (the newest, at most a scrollback's worth), the
    /// rows the command can still redraw, and how many lines were skipped because the screen
    /// was behind.
    Output {
        job: u64,
        lines: Vec<String>,
        live: Vec<String>,
        skipped: u64,
    },
    StepFinished {
        job: u64,
        kind: JobKind,
        name: String,
        command: String,
        outcome: Outcome,
        duration: Duration,
        log: PathBuf,
        /// On the job's last step: whether every step passed.
        all_passed: Option<bool>,
    },
    JobFinished {
        job: u64,
        kind: JobKind,
        passed: usize,
        total: usize,
    },
}

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
    /// The Slack text to show before posting (or why it could not be made).
    SlackPreview(Result<String, String>),
    /// The Slack post's result.
    SlackPosted(Result<(), String>),
    /// A background job's progress.
    Run(RunMsg),
    /// New lines of the followed log file, and what happened to it (rotated, truncated).
    LogFile {
        lines: Vec<String>,
        note: Option<String>,
    },
    /// News from the Sentry poller.
    Sentry(crate::sentry::SentryMsg),
    /// A git operation finished, the repository changed, or the guard was measured.
    Git(GitMsg),
    /// Leave cleanly with this exit status: 0 when asked to, 128 + the signal for SIGINT
    /// (and Ctrl-C), SIGTERM and SIGHUP.
    Quit {
        exit: u8,
    },
}

#[derive(Debug, Clone)]
pub enum GitMsg {
    Done {
        op: &'static str,
        result: Result<crate::git::Report, crate::git::GitError>,
    },
    /// Something under `.git` changed (a commit, a checkout).
    Changed,
    Guard(Result<crate::git::GuardReport, crate::git::GitError>),
}

/// What `update` asks the runtime to do. The model changes only through messages.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Append to the journal (stamped and fsynced), then read it back.
    Append(Draft),
    ReadJournal,
    Bell,
    /// Write these formats into the incident's `exports/`, from the journal as it is on disk.
    Export(Vec<crate::export::Format>),
    /// Render the Slack text for a preview.
    SlackPreview,
    /// Post this text to the Slack webhook.
    PostSlack(String),
    /// Start a job; one at a time.
    Run(JobSpec),
    CancelRun,
    /// Run a git operation off the loop.
    Git(crate::git::Op, crate::git::Subject),
    /// Measure the guard again (the repository changed).
    GitGuard(crate::git::Subject),
    /// Tell the Sentry poller the deploy time (new issues are those first seen after it).
    SentryDeploy(Option<DateTime<Utc>>),
    /// Register a deploy with Sentry.
    RegisterDeploy {
        release: String,
        started: DateTime<Utc>,
        finished: DateTime<Utc>,
    },
    Quit,
}
