//! The console's state: the incident projection plus what the user is looking at.

use chrono::{DateTime, Utc};

use crate::checklist::Item;
use crate::clock::Policy;
use crate::incident::{Incident, ItemStatus};
use crate::keys::Keymap;

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
    Waive { item: String },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PickPurpose {
    Milestone,
    Priority,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ConfirmAction {
    Close,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    Help,
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

/// Scroll position of a list that grows at the bottom: `0` follows the newest line.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Scroll {
    pub from_bottom: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub incident: Incident,
    pub policy: Policy,
    pub keymap: Keymap,
    pub now: DateTime<Utc>,
    pub focus: Pane,
    pub mode: Mode,
    /// Index into the checklist's items, in order.
    pub selected: usize,
    pub timeline: Scroll,
    pub utc: bool,
    pub bell_enabled: bool,
    /// The due time the bell last rang for, so it rings once per due update.
    pub bell_rung_for: Option<DateTime<Utc>>,
    pub status: Option<Status>,
    pub warnings: Vec<String>,
    pub size: (u16, u16),
    pub quitting: bool,
    /// Where the configuration came from, for the panes that say what to set.
    pub config_name: String,
}

impl Model {
    pub fn new(incident: Incident, policy: Policy, keymap: Keymap, now: DateTime<Utc>) -> Model {
        let mut m = Model {
            incident,
            policy,
            keymap,
            now,
            focus: Pane::Checklist,
            mode: Mode::Normal,
            selected: 0,
            timeline: Scroll::default(),
            utc: false,
            bell_enabled: true,
            bell_rung_for: None,
            status: None,
            warnings: Vec::new(),
            size: (80, 24),
            quitting: false,
            config_name: "warroom.toml".into(),
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

    pub fn say(&mut self, tone: Tone, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            tone,
        });
    }
}
