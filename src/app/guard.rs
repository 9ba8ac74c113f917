//! The guard: after a deploy, a signal (the error rate, a metric gate) judged bad for
//! `bad_polls` polls in a row trips it. It proposes the rollback, or, armed, counts down and
//! acts unless someone vetoes. Once per deploy, never over a run in progress on any seat.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::model::{ConfirmAction, Mode, Model, Tone};
use super::msg::Effect;
use crate::config::{GuardAction, GuardConfig};
use crate::journal::event::rfc3339_string;
use crate::journal::{Draft, kinds};

/// The guard's settings and what it has seen of the latest deploy.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Guard {
    pub action: GuardAction,
    pub window: Duration,
    pub bad_polls: u32,
    pub veto: Duration,
    /// The deploy the streaks count for (its time as written).
    deploy: Option<String>,
    /// Consecutive bad polls, by signal.
    streaks: BTreeMap<String, u32>,
    /// A trip waiting for `y`, a veto or its countdown. It outlives its overlay: another dialog
    /// drawn over it does not stop the countdown, and the overlay comes back once that closes.
    pub pending: Option<Trip>,
}

/// A trip: what the guard saw, what it will do and, armed, when.
#[derive(Debug, Clone, PartialEq)]
pub struct Trip {
    pub step: Step,
    pub evidence: String,
    pub deadline: Option<DateTime<Utc>>,
}

/// What the guard does once it trips.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Run production's rollback command.
    Rollback,
    /// Turn this flag off.
    FlagOff(String),
    /// Nothing here can act: roll back by hand.
    ByHand,
}

impl Step {
    pub fn words(&self) -> String {
        match self {
            Step::Rollback => "run the rollback command".into(),
            Step::FlagOff(f) => format!("turn the flag {f} off"),
            Step::ByHand => "roll back by hand (r shows the plan)".into(),
        }
    }
}

impl Guard {
    pub fn new(cfg: &GuardConfig) -> Guard {
        Guard {
            action: cfg.after_deploy.get_ref().clone(),
            window: cfg.window,
            bad_polls: cfg.bad_polls.max(1),
            veto: cfg.veto,
            ..Guard::default()
        }
    }

    pub fn armed(&self) -> bool {
        matches!(self.action, GuardAction::Rollback | GuardAction::Flag(_))
    }
}

/// What the guard would do here.
fn step(m: &Model) -> Step {
    match &m.guard.action {
        GuardAction::Flag(f) => Step::FlagOff(f.clone()),
        _ if m.runbook.rollback.is_some() => Step::Rollback,
        _ => m
            .flags
            .first()
            .map_or(Step::ByHand, |f| Step::FlagOff(f.name.clone())),
    }
}

/// Whether a run is in progress here or on another seat.
fn busy(m: &Model) -> bool {
    m.running.is_some() || super::seats::running_elsewhere(m).is_some()
}

/// A poll of `signal` judged `bad` (or, `None`, not judged yet) on what the latest deploy
/// changed; `evidence` says what it saw.
pub fn observe(m: &mut Model, signal: &str, bad: Option<bool>, evidence: &str) -> Vec<Effect> {
    if m.guard.action == GuardAction::Off || m.read_only() {
        return Vec::new();
    }
    let Some(deploy) = m.incident.last_deployed_at else {
        return Vec::new();
    };
    let key = rfc3339_string(deploy);
    if m.guard.deploy.as_deref() != Some(key.as_str()) {
        m.guard.deploy = Some(key.clone());
        m.guard.streaks.clear();
    }
    let window = chrono::Duration::from_std(m.guard.window).unwrap_or_default();
    // On a shared incident the commander's seat guards (any seat while nobody holds it).
    let commander = m.incident.seats.holder("commander");
    let elsewhere = m.share.seat().is_some() && commander.is_some() && commander != m.share.seat();
    if m.now > deploy + window
        || m.incident.mitigation.guard.contains_key(&key)
        || m.guard.pending.is_some()
        || elsewhere
    {
        return Vec::new();
    }
    let streak = m.guard.streaks.entry(signal.to_string()).or_default();
    match bad {
        Some(true) => *streak += 1,
        Some(false) => *streak = 0,
        None => return Vec::new(),
    }
    let polls = *streak;
    if polls < m.guard.bad_polls || busy(m) {
        return Vec::new();
    }
    trip(m, &key, signal, polls, evidence)
}

fn trip(m: &mut Model, key: &str, signal: &str, polls: u32, evidence: &str) -> Vec<Effect> {
    let step = step(m);
    let armed = m.guard.armed() && step != Step::ByHand;
    let deadline =
        armed.then(|| m.now + chrono::Duration::from_std(m.guard.veto).unwrap_or_default());
    let what =
        format!("{signal} judged bad for {polls} polls in a row after the deploy: {evidence}");
    let text = if armed {
        format!(
            "Guard tripped: {what}; it will {} in {} unless vetoed (n)",
            step.words(),
            crate::format::duration(m.guard.veto)
        )
    } else {
        format!("Guard tripped: {what}; proposing to {}", step.words())
    };
    m.say(Tone::Error, text.clone());
    m.guard.pending = Some(Trip {
        step: step.clone(),
        evidence: what,
        deadline,
    });
    m.mode = Mode::Confirm {
        action: ConfirmAction::Guard,
    };
    let mut fx = vec![
        Effect::Append(
            Draft::new(kinds::GUARD_TRIPPED, text.clone())
                .field("deploy_at", key)
                .field("signal", signal)
                .field("polls", polls)
                .field("evidence", evidence)
                .field("action", m.guard.action.to_string())
                .field("step", step.words())
                .field("veto_secs", armed.then_some(m.guard.veto.as_secs())),
        ),
        Effect::Notify(format!("🚨 {} {text}", m.incident.ticket)),
    ];
    if m.bell_enabled {
        fx.push(Effect::Bell);
    }
    fx
}

fn showing(m: &Model) -> bool {
    matches!(
        m.mode,
        Mode::Confirm {
            action: ConfirmAction::Guard
        }
    )
}

/// The countdown: an armed guard acts when its deadline passes; a trip whose overlay another
/// dialog replaced is shown again once the screen is free.
pub fn on_tick(m: &mut Model, now: DateTime<Utc>) -> Vec<Effect> {
    let Some(trip) = &m.guard.pending else {
        return Vec::new();
    };
    if trip.deadline.is_some_and(|d| now >= d) {
        if showing(m) {
            m.mode = Mode::Normal;
        }
        return act(m);
    }
    if m.mode == Mode::Normal {
        m.mode = Mode::Confirm {
            action: ConfirmAction::Guard,
        };
    }
    Vec::new()
}

/// `y` on the overlay, or the countdown's end: the pending trip's step.
pub fn act(m: &mut Model) -> Vec<Effect> {
    let Some(Trip { step, .. }) = m.guard.pending.take() else {
        return Vec::new();
    };
    if busy(m) {
        m.say(
            Tone::Warn,
            "Guard: a run is in progress; it does not act over it (r to roll back when it ends)",
        );
        return Vec::new();
    }
    let note = Effect::Notify(format!("↩️ {} guard: {}", m.incident.ticket, step.words()));
    let mut fx = match &step {
        Step::Rollback => super::runs::confirmed_rollback(m, crate::runbook::PRODUCTION),
        Step::FlagOff(f) => super::flags::change(m, f, false, true),
        Step::ByHand => {
            m.mode = Mode::Confirm {
                action: ConfirmAction::Rollback {
                    environment: crate::runbook::PRODUCTION.into(),
                },
            };
            return Vec::new();
        }
    };
    fx.push(note);
    fx
}

/// `n` (or any key but `y` on a proposal): the guard stands down for this deploy.
pub fn veto(m: &mut Model) -> Vec<Effect> {
    let (Some(Trip { step, .. }), Some(deploy)) =
        (m.guard.pending.take(), m.incident.last_deployed_at)
    else {
        return Vec::new();
    };
    m.say(Tone::Info, "Guard stood down for this deploy");
    vec![Effect::Append(
        Draft::new(
            kinds::GUARD_VETOED,
            format!("Guard vetoed: it will not {} for this deploy", step.words()),
        )
        .field("deploy_at", rfc3339_string(deploy))
        .field("action", step.words()),
    )]
}
