//! A job as the console asks for it, and what the runner reports while it runs.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::SmokeConfig;

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Shell {
        name: String,
        command: String,
        /// On a pseudo-terminal of the pane's size, for tools that draw only on a terminal.
        tty: bool,
    },
    /// A smoke test: its request, or its command.
    Smoke(SmokeConfig),
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobSpec {
    pub id: u64,
    pub kind: JobKind,
    pub steps: Vec<Step>,
    /// Stop at the first failing step (the checks).
    pub stop_on_failure: bool,
}

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
        /// On a smoke run's last step: whether the tests of the fix (`verifies_fix`) ran and
        /// all passed.
        fix_verified: Option<bool>,
    },
    JobFinished {
        job: u64,
        kind: JobKind,
        passed: usize,
        total: usize,
    },
}
