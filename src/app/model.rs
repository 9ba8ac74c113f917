//! The console's state: the incident projection plus what the user is looking at.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::error_rate::ErrorRate;
use super::log_view::LogView;
use super::timeline::Timeline;
use crate::checklist::Item;
use crate::clock::Policy;
use crate::incident::{Incident, ItemStatus};
use crate::jobs::JobKind;
use crate::keys::Keymap;
use crate::runbook::Runbook;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Checklist,
    DeployLog,
    ErrorRate,
    Timeline,
}

impl Pane {
    pub const ALL: [Pane; 4] = [
        Pane::Checklist,
        Pane::DeployLog,
        Pane::ErrorRate,
        Pane::Timeline,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Checklist => "Checklist",
            Pane::DeployLog => "Deploy log",
            Pane::ErrorRate => "Error rate",
            Pane::Timeline => "Timeline",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum InputPurpose {
    Note,
    Waive {
        item: String,
    },
    /// Search the deploy log.
    Search,
    /// The version to tag, when there is no semver tag yet.
    TagVersion,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PickPurpose {
    Milestone,
    Priority,
    Git,
    Export,
    /// `R`: which role…
    Role,
    /// …and to which seat (the role's index).
    RoleSeat(usize),
    /// `H`: the seat that takes the commander role.
    Handoff,
    /// `d`, `s` or `r` with environments before production: which one.
    Environment(EnvAction),
    /// `F`: which feature flag.
    Flag,
    /// `P`: what to do about the page.
    Page,
    /// `P` → responders: whom to ask.
    Responder,
    /// `T`: the action items, created as follow-up tickets.
    Followups,
}

/// What is done in the environment picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvAction {
    Deploy,
    Smoke,
    Rollback,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ConfirmAction {
    Close,
    Deploy {
        environment: String,
    },
    /// A production deploy while staging is pending: what is skipped.
    SkipStaging {
        lines: Vec<String>,
    },
    Rollback {
        environment: String,
    },
    /// Cancel the running command.
    Cancel,
    /// Quit while a command runs (it is stopped).
    Quit,
    /// Apply what a git dry run showed.
    Git {
        op: crate::git::Op,
        lines: Vec<String>,
    },
    /// Open the hotfix pull request shown (its body is pr.md as rendered now).
    OpenPr {
        title: String,
        body: String,
    },
    /// Post the update shown to this channel.
    PostChat {
        channel: crate::export::chat::Channel,
        text: String,
    },
    /// Share the incident on the service's git remote.
    Share,
    /// Hand the commander role to this seat, with the brief shown.
    Handoff {
        to: String,
        brief: String,
    },
    /// Take the commander role handed to this seat, with the brief shown.
    AcceptHandoff {
        brief: String,
    },
    /// A deploy or rollback runs on another seat: start one here anyway (then the usual
    /// confirmation).
    DeployElsewhere {
        what: String,
        environment: String,
    },
    /// Turn this feature flag on or off.
    Flag {
        name: String,
        on: bool,
    },
    /// The guard tripped: its pending trip (`Guard::pending`) says what it saw and will do.
    Guard,
    /// Resolve the PagerDuty incident.
    PageResolve,
    /// Post this status update to the PagerDuty incident's stakeholders.
    PageStatusUpdate {
        text: String,
    },
    /// Publish (or draft) this on the status page; approving the draft of (by, at).
    Publish {
        publication: crate::statuspage::Publication,
        approving: Option<(String, DateTime<Utc>)>,
    },
}

/// The repository as the console sees it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GitView {
    /// Why git is not available here (not a repository…), if it is not.
    pub unavailable: Option<String>,
    /// The operation running now.
    pub busy: Option<&'static str>,
    pub guard: Option<crate::git::GuardReport>,
    /// Why the guard could not be measured (no hotfix branch yet…).
    pub guard_note: Option<String>,
}

/// The hotfix pull request's side of the console.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GithubView {
    /// Why the PR cannot be opened or followed from here (no token, not on GitHub), if so.
    pub unavailable: Option<String>,
    /// Opening it now.
    pub opening: bool,
    /// Since when the PR is not followed, and the last poll's failure: on screen until a
    /// poll succeeds.
    pub error: Option<(DateTime<Utc>, String)>,
}

/// The job the runner is working on.
#[derive(Debug, Clone, PartialEq)]
pub struct Running {
    pub id: u64,
    pub kind: JobKind,
    pub step: String,
    pub started: DateTime<Utc>,
    /// Where it deploys, smoke-tests or rolls back: `production`, or `staging`…
    pub environment: String,
}

impl Running {
    /// `deploy`, `smoke health`; with the environment when it is not production.
    pub fn title(&self) -> String {
        Running::title_of(self.kind, &self.step, &self.environment)
    }

    pub fn title_of(kind: JobKind, step: &str, environment: &str) -> String {
        let title = kind.title(step);
        if environment == crate::runbook::PRODUCTION {
            title
        } else {
            format!("{title} ({environment})")
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    /// The keys, scrolled this many rows down when the screen is too short for all of them.
    Help {
        scroll: u16,
    },
    Input {
        purpose: InputPurpose,
        text: String,
    },
    Pick {
        purpose: PickPurpose,
        selected: usize,
    },
    Confirm {
        action: ConfirmAction,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Good,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub text: String,
    pub tone: Tone,
}

/// How long the status line keeps a message before it no longer applies.
pub const STATUS_FOR: chrono::Duration = chrono::Duration::seconds(15);

#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub incident: Incident,
    /// The fold's state every few hundred events, the newest few ([`super::rewind`]).
    pub folds: std::collections::VecDeque<Incident>,
    pub policy: Policy,
    pub keymap: Keymap,
    pub now: DateTime<Utc>,
    pub focus: Pane,
    pub mode: Mode,
    /// Index into the checklist's items, in order.
    pub selected: usize,
    pub timeline: Timeline,
    pub utc: bool,
    /// Digits, the chart, gauges and borders in plain ASCII (a terminal without them).
    pub ascii: bool,
    /// The colours `[theme]` chose (none under `NO_COLOR`).
    pub palette: crate::config::palette::Palette,
    pub bell_enabled: bool,
    /// The channels with a webhook (which ones, never their URLs).
    pub chat: Vec<crate::export::chat::Channel>,
    /// The due time the bell last rang for, so it rings once per due update.
    pub bell_rung_for: Option<DateTime<Utc>>,
    pub status: Option<Status>,
    /// When the status line was last said: it clears itself after [`STATUS_FOR`] unless it
    /// lasts until replaced (a reminder that still applies).
    pub status_at: DateTime<Utc>,
    pub status_lasts: bool,
    pub warnings: Vec<String>,
    pub size: (u16, u16),
    pub quitting: bool,
    /// The console's exit status once it quits (130 after Ctrl-C or SIGINT, 143 after SIGTERM).
    pub exit_status: u8,
    /// Where the configuration came from, for the panes that say what to set.
    pub config_name: String,
    /// The incident's folder (its journal, logs, exports and patches).
    pub incident_dir: std::path::PathBuf,
    /// What the console can run.
    pub runbook: Arc<Runbook>,
    pub log: LogView,
    pub running: Option<Running>,
    /// The last run's result, shown at the top of the deploy log.
    pub banner: Option<Status>,
    pub next_job: u64,
    pub error_rate: ErrorRate,
    /// The metric gates (`[[metrics]]`), in the config's order.
    pub metrics: Vec<super::metrics::Gate>,
    /// The feature flags (`[[flags]]`), in the config's order.
    pub flags: Vec<super::flags::FlagView>,
    /// What the console does by itself when a deploy makes things worse.
    pub guard: super::guard::Guard,
    /// What the verification pane's chart shows: 0 the error rate, then each gate.
    pub chart: usize,
    /// Register the console's deploys with Sentry, under this release (else the hotfix tag).
    pub register_deploy: Option<Option<String>>,
    pub git: GitView,
    pub git_cfg: crate::config::GitConfig,
    pub github: GithubView,
    pub paging: super::paging::PagingView,
    pub tickets: super::tickets::TicketsView,
    pub status_page: super::status_page::StatusPageView,
    /// The seats of a shared incident.
    pub share: super::seats::ShareView,
    /// Whatever the screen shows of commands and config passes through this.
    pub redactor: Arc<crate::output::Redactor>,
}

impl Model {
    pub fn new(incident: Incident, policy: Policy, keymap: Keymap, now: DateTime<Utc>) -> Model {
        let mut m = Model {
            // The state the console starts from is a rewind point too (the reader's origin).
            folds: std::collections::VecDeque::from([incident.clone()]),
            incident,
            policy,
            keymap,
            now,
            focus: Pane::Checklist,
            mode: Mode::Normal,
            selected: 0,
            timeline: Timeline::default(),
            utc: false,
            ascii: false,
            palette: crate::config::palette::Palette::STANDARD,
            bell_enabled: true,
            chat: Vec::new(),
            bell_rung_for: None,
            status: None,
            status_at: now,
            status_lasts: false,
            warnings: Vec::new(),
            size: (80, 24),
            quitting: false,
            exit_status: 0,
            config_name: "warroom.toml".into(),
            incident_dir: std::path::PathBuf::new(),
            runbook: Arc::new(Runbook::empty()),
            log: LogView::new(10_000),
            running: None,
            banner: None,
            next_job: 0,
            error_rate: ErrorRate::unconfigured(crate::sentry::setup::not_configured(
                "warroom.toml",
                "SENTRY_AUTH_TOKEN",
            )),
            metrics: Vec::new(),
            flags: Vec::new(),
            guard: Default::default(),
            chart: 0,
            register_deploy: None,
            git: GitView::default(),
            git_cfg: crate::config::GitConfig::default(),
            github: GithubView::default(),
            paging: Default::default(),
            tickets: Default::default(),
            status_page: Default::default(),
            share: Default::default(),
            redactor: Arc::new(crate::output::Redactor::from_env(&[])),
        };
        m.selected = m.first_pending().unwrap_or(0);
        m
    }

    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.incident.checklist.items()
    }

    pub fn item_count(&self) -> usize {
        self.items().count()
    }

    pub fn selected_item(&self) -> Option<&Item> {
        self.items().nth(self.selected)
    }

    pub fn first_pending(&self) -> Option<usize> {
        self.items()
            .position(|it| self.incident.status(it) == ItemStatus::Pending)
    }

    pub fn read_only(&self) -> bool {
        self.incident.closed_at.is_some()
    }

    /// Uses this runbook and a scrollback of its size.
    pub fn with_runbook(mut self, runbook: Runbook) -> Model {
        self.log = LogView::new(runbook.scrollback);
        self.runbook = Arc::new(runbook);
        self
    }

    /// Text for the screen with secrets taken out.
    pub fn shown(&self, text: &str) -> String {
        self.redactor.redact(text).into_owned()
    }

    pub fn say(&mut self, tone: Tone, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            tone,
        });
        self.status_at = self.now;
        self.status_lasts = false;
    }
}
