//! The feature flags in the model: `F` lists them with their state as read now, a choice shows
//! what will change and where, `y` changes it; the change is recorded only once it is read back.

use chrono::{DateTime, Utc};

use super::menus::{Menu, MenuRow};
use super::model::{ConfirmAction, Mode, Model, PickPurpose, Tone};
use super::msg::Effect;
use crate::config::{FlagConfig, FlagProvider};
use crate::flags::{Change, FlagMsg, word};
use crate::journal::{Draft, kinds};

/// One flag as the console knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct FlagView {
    pub name: String,
    pub provider: FlagProvider,
    pub environment: String,
    /// Where a change is made, in words (`Unleash default/production`).
    pub place: String,
    /// As read last (`true` is on), or why it could not be read; `None` before any read.
    pub state: Option<Result<bool, String>>,
    pub read_at: Option<DateTime<Utc>>,
    /// A change asked for and not answered yet: the state asked for.
    pub changing: Option<bool>,
    /// Why it cannot be reached from here (no token), if so.
    pub unavailable: Option<String>,
}

impl FlagView {
    pub fn new(cfg: &FlagConfig) -> FlagView {
        FlagView {
            name: cfg.name.get_ref().clone(),
            provider: cfg.provider,
            environment: cfg.environment.clone(),
            place: cfg.place(),
            state: None,
            read_at: None,
            changing: None,
            unavailable: None,
        }
    }

    /// `on`, `off`, `turning off…`, `not read: …`.
    pub fn state_words(&self) -> String {
        if let Some(to) = self.changing {
            return format!("turning {}…", word(to));
        }
        if let Some(why) = &self.unavailable {
            return format!("cannot reach it: {why}");
        }
        match &self.state {
            None => "reading…".into(),
            Some(Ok(on)) => word(*on).into(),
            Some(Err(why)) => format!("not read: {why}"),
        }
    }

    /// What `y` would do: turn it off unless it is read off now.
    pub fn next(&self) -> bool {
        matches!(self.state, Some(Ok(false)))
    }
}

/// `F`: the flags, read afresh.
pub fn flags_key(m: &mut Model) -> Vec<Effect> {
    if m.flags.is_empty() {
        m.say(
            Tone::Info,
            format!(
                "No feature flags: add [[flags]] to {} (docs/mitigation.md)",
                m.config_name
            ),
        );
        return Vec::new();
    }
    m.mode = Mode::Pick {
        purpose: PickPurpose::Flag,
        selected: 0,
    };
    vec![Effect::ReadFlags]
}

pub fn menu(m: &Model) -> Menu {
    let width = m.flags.iter().map(|f| f.name.len()).max().unwrap_or(0);
    Menu {
        title: " Feature flags ",
        rows: m
            .flags
            .iter()
            .enumerate()
            .map(|(i, f)| MenuRow {
                key: char::from_digit((i + 1) as u32 % 10, 10).unwrap_or(' '),
                badge: None,
                name: format!("{:<width$}  ", f.name),
                text: m.shown(&f.state_words()),
                note: format!("  {}", m.shown(&f.place)),
                current: false,
            })
            .collect(),
        footer: vec![" as read now; enter shows what will change, then y changes it".into()],
    }
}

pub fn chosen(m: &mut Model, index: usize) -> Vec<Effect> {
    let Some(f) = m.flags.get(index) else {
        return Vec::new();
    };
    if let Some(why) = &f.unavailable {
        let text = format!("{}: {}", f.name, m.shown(why));
        m.say(Tone::Warn, text);
        return Vec::new();
    }
    m.mode = Mode::Confirm {
        action: ConfirmAction::Flag {
            name: f.name.clone(),
            on: f.next(),
        },
    };
    Vec::new()
}

/// The confirmation's lines: what changes, where, and what it was read as.
pub fn stakes(m: &Model, name: &str, on: bool) -> Vec<String> {
    let Some(f) = m.flags.iter().find(|f| f.name == name) else {
        return vec![format!("No flag {name:?} is configured")];
    };
    vec![
        format!(
            "Turn {} {} in {}.",
            f.name,
            word(on).to_uppercase(),
            m.shown(&f.place)
        ),
        format!(
            "Read now: {}{}.",
            m.shown(&f.state_words()),
            f.read_at
                .map(|t| format!(" at {}", crate::format::stamp(m.utc, t)))
                .unwrap_or_default()
        ),
        "It is read back after the change; the record holds it only when the read agrees.".into(),
        "The verification window starts again from the change.".into(),
    ]
}

/// Asks the provider to change it (a person's `y`, or the guard).
pub fn change(m: &mut Model, name: &str, on: bool, by_guard: bool) -> Vec<Effect> {
    let ticket = m.incident.ticket.clone();
    let Some(f) = m.flags.iter_mut().find(|f| f.name == name) else {
        return Vec::new();
    };
    if f.changing.is_some() {
        m.say(Tone::Info, format!("{name} is being changed already"));
        return Vec::new();
    }
    f.changing = Some(on);
    m.say(Tone::Info, format!("Turning {name} {}…", word(on)));
    vec![Effect::SetFlag {
        name: name.to_string(),
        on,
        comment: format!(
            "{ticket}: turned {} from warroom{}",
            word(on),
            if by_guard { " by its guard" } else { "" }
        ),
        by_guard,
    }]
}

/// The record of a change made and read back.
pub fn changed(
    name: &str,
    provider: FlagProvider,
    environment: &str,
    place: &str,
    change: Change,
    by_guard: bool,
) -> Draft {
    let to = word(change.read_back);
    Draft::new(
        kinds::FLAG_CHANGED,
        format!(
            "Flag {name} turned {to}{} in {place} (read back)",
            if by_guard { " by the guard" } else { "" },
        ),
    )
    .field("flag", name)
    .field("provider", provider.name())
    .field("environment", environment)
    .field("from", change.from.map(word))
    .field("to", to)
    .field("confirmed", true)
    .field("by_guard", by_guard)
}

pub fn on_flag(m: &mut Model, msg: FlagMsg) -> Vec<Effect> {
    match msg {
        FlagMsg::State { name, state, at } => {
            if let Some(f) = m.flags.iter_mut().find(|f| f.name == name) {
                f.state = Some(state);
                f.read_at = Some(at);
            }
            Vec::new()
        }
        FlagMsg::Changed {
            name,
            to,
            result,
            by_guard,
            at,
        } => {
            let Some(f) = m.flags.iter_mut().find(|f| f.name == name) else {
                return Vec::new();
            };
            f.changing = None;
            match result {
                Ok(change) => {
                    f.state = Some(Ok(change.read_back));
                    f.read_at = Some(at);
                    let (provider, environment, place) =
                        (f.provider, f.environment.clone(), f.place.clone());
                    let draft = changed(
                        &name,
                        provider,
                        &environment,
                        &m.shown(&place),
                        change,
                        by_guard,
                    );
                    m.say(Tone::Good, draft.text.clone());
                    vec![Effect::Append(draft)]
                }
                Err(why) => {
                    let why = m.shown(&why);
                    m.say(
                        Tone::Error,
                        format!(
                            "Flag {name} not turned {}: {why} (nothing recorded)",
                            word(to)
                        ),
                    );
                    Vec::new()
                }
            }
        }
    }
}
