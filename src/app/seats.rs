//! The seats of a shared incident in `update`: sharing it (`S`), roles (`R`), the commander's
//! handoff (`H`) and its acceptance, and what the share thread reports.

use super::model::{ConfirmAction, Mode, Model, PickPurpose, Tone};
use super::msg::Effect;
use crate::export::handoff::role;
use crate::incident::seats::ROLES;
use crate::journal::{Draft, Share, kinds};
use crate::share::{ShareMsg, ShareStatus};

/// The console's side of sharing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ShareView {
    /// This seat, once the incident is shared.
    pub me: Option<Share>,
    pub status: Option<ShareStatus>,
    /// Why the incident cannot be shared from here (not in a repository).
    pub unavailable: Option<String>,
    /// The handoff whose brief was offered to this seat (its start time), so it is offered once.
    pub offered: Option<chrono::DateTime<chrono::Utc>>,
    /// The documents were written for a close made on another seat (once, even when the
    /// record is read again from its start).
    pub wrote_for_close: bool,
}

impl ShareView {
    pub fn seat(&self) -> Option<&str> {
        self.me.as_ref().map(|s| s.seat.as_str())
    }
}

/// `S`: share the incident (asks `y`), or say how it is shared.
pub fn share_key(m: &mut Model) -> Vec<Effect> {
    if let Some(me) = &m.share.me {
        let text = format!(
            "Shared on {} as {} ({})",
            me.remote,
            me.seat,
            crate::format::count(m.incident.seats.people.len(), "seat", "seats")
        );
        m.say(Tone::Info, text);
    } else if let Some(why) = &m.share.unavailable {
        m.say(Tone::Warn, format!("Cannot share: {why}"));
    } else if m.read_only() {
        m.say(Tone::Warn, "The incident is closed: read-only");
    } else {
        m.mode = Mode::Confirm {
            action: ConfirmAction::Share,
        };
    }
    Vec::new()
}

/// The seats on the record, this one first.
pub fn seats(m: &Model) -> Vec<String> {
    let me = m.share.seat();
    let mut out: Vec<String> = me.map(String::from).into_iter().collect();
    out.extend(
        m.incident
            .seats
            .people
            .keys()
            .filter(|s| Some(s.as_str()) != me)
            .cloned(),
    );
    out
}

fn shared(m: &mut Model) -> bool {
    if m.share.me.is_none() {
        m.say(Tone::Info, "Not shared: S shares the incident first");
        return false;
    }
    true
}

/// `R`: which role, then which seat.
pub fn role_key(m: &mut Model) -> Vec<Effect> {
    if shared(m) {
        m.mode = Mode::Pick {
            purpose: PickPurpose::Role,
            selected: 0,
        };
    }
    Vec::new()
}

/// The role picked: now the seat.
pub fn role_chosen(m: &mut Model, index: usize) -> Vec<Effect> {
    if index < ROLES.len() {
        m.mode = Mode::Pick {
            purpose: PickPurpose::RoleSeat(index),
            selected: 0,
        };
    }
    Vec::new()
}

pub fn assign(m: &mut Model, role_index: usize, seat_index: usize) -> Vec<Effect> {
    let (Some((id, _)), Some(seat)) = (ROLES.get(role_index), seats(m).get(seat_index).cloned())
    else {
        return Vec::new();
    };
    let person = m.incident.seats.person(&seat).to_string();
    vec![Effect::Append(
        Draft::new(kinds::ROLE_ASSIGNED, format!("{person} is {}", role(id)))
            .field("role", *id)
            .field("to", seat),
    )]
}

/// `H`: accept the handoff offered to this seat, or hand the commander role to another seat.
pub fn handoff_key(m: &mut Model) -> Vec<Effect> {
    if !shared(m) || refuse_closed(m) {
        return Vec::new();
    }
    if let Some(h) = &m.incident.seats.handoff
        && Some(h.to.as_str()) == m.share.seat()
    {
        return vec![Effect::HandoffBrief { to: None }];
    }
    if let Some(ic) = m.incident.seats.holder("commander")
        && Some(ic) != m.share.seat()
    {
        let who = m.incident.seats.person(ic).to_string();
        m.say(
            Tone::Warn,
            format!("{who} is the commander: only they hand the role over (R assigns roles)"),
        );
        return Vec::new();
    }
    if seats(m).len() < 2 {
        m.say(
            Tone::Warn,
            "No other seat on the record yet: the incoming commander joins first (warroom join)",
        );
        return Vec::new();
    }
    m.mode = Mode::Pick {
        purpose: PickPurpose::Handoff,
        selected: 0,
    };
    Vec::new()
}

fn refuse_closed(m: &mut Model) -> bool {
    if m.read_only() {
        m.say(Tone::Warn, "The incident is closed: read-only");
    }
    m.read_only()
}

/// The other seats, for the handoff picker.
pub fn others(m: &Model) -> Vec<String> {
    seats(m).into_iter().skip(1).collect()
}

pub fn handoff_to(m: &mut Model, index: usize) -> Vec<Effect> {
    match others(m).get(index) {
        Some(seat) => vec![Effect::HandoffBrief {
            to: Some(seat.clone()),
        }],
        None => Vec::new(),
    }
}

/// The brief, rendered from the record: shown before handing over, or to the incoming
/// commander before accepting.
pub fn on_brief(m: &mut Model, to: Option<String>, brief: Result<String, String>) -> Vec<Effect> {
    match brief {
        Ok(text) => {
            m.mode = Mode::Confirm {
                action: match to {
                    Some(to) => ConfirmAction::Handoff { to, brief: text },
                    None => ConfirmAction::AcceptHandoff { brief: text },
                },
            };
        }
        Err(why) => m.say(Tone::Error, format!("Handoff brief: {why}")),
    }
    Vec::new()
}

pub fn hand_over(m: &Model, to: &str, post: Option<String>) -> Vec<Effect> {
    let person = m.incident.seats.person(to).to_string();
    let mut fx = vec![
        Effect::Append(
            Draft::new(
                kinds::HANDOFF_STARTED,
                format!("Commander role handed to {person}: waiting for them to accept"),
            )
            .field("to", to),
        ),
        Effect::Export(vec![crate::export::Format::Handoff]),
    ];
    fx.extend(post.map(|text| Effect::PostChat { to: None, text }));
    fx
}

pub fn accept(m: &Model) -> Vec<Effect> {
    let from = m
        .incident
        .seats
        .handoff
        .as_ref()
        .map(|h| m.incident.seats.person(&h.from).to_string())
        .unwrap_or_default();
    vec![Effect::Append(Draft::new(
        kinds::HANDOFF_ACCEPTED,
        format!("Commander role accepted from {from}"),
    ))]
}

/// After new events: a handoff to this seat is offered once, when nothing else is on screen.
pub fn after_fold(m: &mut Model) -> Vec<Effect> {
    let Some(h) = &m.incident.seats.handoff else {
        return Vec::new();
    };
    if Some(h.to.as_str()) != m.share.seat() || m.share.offered == Some(h.at) {
        return Vec::new();
    }
    m.share.offered = Some(h.at);
    let from = m.incident.seats.person(&h.from).to_string();
    if m.mode != Mode::Normal {
        m.say(
            Tone::Warn,
            format!("{from} hands you the commander role: H shows the brief"),
        );
        m.status_lasts = true;
        return Vec::new();
    }
    vec![Effect::HandoffBrief { to: None }]
}

pub fn on_share(m: &mut Model, msg: ShareMsg) -> Vec<Effect> {
    match msg {
        ShareMsg::Arrived { warnings, .. } => {
            if let Some(w) = warnings.last() {
                m.say(Tone::Warn, w.clone());
            }
            m.warnings.extend(warnings);
            vec![Effect::ReadJournal]
        }
        ShareMsg::Status(s) => {
            let before = m.share.status.clone().unwrap_or_default();
            if let Some(r) = &s.rejected
                && before.rejected.as_ref() != Some(r)
            {
                m.say(Tone::Error, r.clone());
                m.status_lasts = true;
            } else if let Some(e) = &s.error
                && before.error.is_none()
            {
                m.say(
                    Tone::Warn,
                    format!("The remote is out of reach ({e}): working here, it catches up later"),
                );
            } else if let Some(moved) = s
                .moved
                .as_ref()
                .filter(|m| before.moved.as_ref() != Some(*m))
            {
                m.say(Tone::Warn, moved.clone());
                m.status_lasts = true;
            } else if let Some((seat, off)) = s
                .clocks
                .iter()
                .find(|(k, v)| before.clocks.get(*k) != Some(v))
            {
                let said = skew_words(m, seat, *off);
                m.say(
                    Tone::Warn,
                    format!("{said}: their times are shown as written, marked ~"),
                );
            }
            m.share.status = Some(s);
            Vec::new()
        }
    }
}

/// The share is set up: this seat is on the record from now on.
pub fn on_shared(m: &mut Model, result: Result<Share, String>) -> Vec<Effect> {
    match result {
        Ok(me) => {
            m.say(
                Tone::Good,
                format!(
                    "Shared on {} as {}: others join with warroom join {}",
                    me.remote, me.seat, m.incident.ticket
                ),
            );
            m.share.me = Some(me);
            Vec::new()
        }
        Err(why) => {
            m.say(Tone::Error, format!("Not shared: {why}"));
            Vec::new()
        }
    }
}

/// What the header says of the sharing: `shared · 3 seats` or `offline since 14:32 · 3 events
/// waiting`.
pub fn summary(m: &Model) -> Option<String> {
    m.share.me.as_ref()?;
    let seats = crate::format::count(m.incident.seats.people.len().max(1), "seat", "seats");
    Some(match &m.share.status {
        None => format!("shared · {seats} · connecting"),
        Some(s) if !s.online && s.offline_since.is_some() => {
            let since = s
                .offline_since
                .map(|t| crate::format::hm(m.utc, t))
                .unwrap_or_default();
            let mut text = format!("shared · offline since {since}");
            if s.waiting > 0 {
                text.push_str(&format!(
                    " · {} waiting",
                    crate::format::count(s.waiting as usize, "event", "events")
                ));
            }
            text
        }
        Some(s) if s.rejected.is_some() => format!("shared · {seats} · push refused"),
        Some(s) if s.waiting > 0 => format!(
            "shared · {seats} · {} waiting",
            crate::format::count(s.waiting as usize, "event", "events")
        ),
        Some(s) => {
            let mut text = format!("shared · {seats}");
            if let Some((seat, off)) = s.clocks.iter().max_by_key(|(_, off)| off.abs()) {
                text.push_str(&format!(" · {}", skew_words(m, seat, *off)));
            }
            if !s.unsigned.is_empty() {
                let people: Vec<&str> = s
                    .unsigned
                    .iter()
                    .map(|seat| m.incident.seats.person(seat))
                    .collect();
                text.push_str(&format!(" · unsigned: {}", people.join(", ")));
            }
            text
        }
    })
}

/// `Bob's clock is ~10 min ahead`, of this machine's.
pub fn skew_words(m: &Model, seat: &str, seconds: i64) -> String {
    let person = m.incident.seats.person(seat);
    let secs = seconds.unsigned_abs();
    let amount = if secs >= 90 {
        format!("~{} min", (secs + 30) / 60)
    } else {
        format!("~{secs} s")
    };
    let way = if seconds > 0 { "ahead" } else { "behind" };
    format!("{person}'s clock is {amount} {way}")
}

/// Whether this seat's events are shown with a mark: its clock is named as off.
pub fn skewed(m: &Model, seat: &str) -> bool {
    m.share
        .status
        .as_ref()
        .is_some_and(|s| s.clocks.contains_key(seat))
}

/// The commander as the header names them: `IC alice`, or the handoff under way.
pub fn commander(m: &Model) -> Option<String> {
    let s = &m.incident.seats;
    if let Some(h) = &s.handoff {
        return Some(format!(
            "IC {} → {} (handoff pending)",
            s.person(&h.from),
            s.person(&h.to)
        ));
    }
    s.holder("commander").map(|c| format!("IC {}", s.person(c)))
}

/// A deploy or rollback running on another seat, in words.
pub fn running_elsewhere(m: &Model) -> Option<String> {
    let me = m.share.seat()?;
    let (seat, run) = m.incident.seats.running_elsewhere(me)?;
    Some(format!(
        "{} running on {}'s seat since {}",
        run.kind,
        m.incident.seats.person(seat),
        crate::format::hm(m.utc, run.since)
    ))
}
