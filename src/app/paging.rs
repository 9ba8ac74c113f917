//! The page in `update`: `P` shows PagerDuty's incident (who acknowledged it, who is on call)
//! and what can be done about it; what PagerDuty reports is recorded once, compared with what
//! the record already holds, so a restart or a repeated poll records nothing twice.

use chrono::{DateTime, Utc};

use super::menus::{Menu, MenuRow};
use super::model::{ConfirmAction, Mode, Model, PickPurpose, Tone};
use super::msg::Effect;
use crate::journal::{Draft, Event, kinds};
use crate::pagerduty::follow::Find;
use crate::pagerduty::{PageAction, PageState, PagerMsg, Target};

/// The console's side of the page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PagingView {
    /// `[pagerduty] service`, when configured.
    pub service: Option<String>,
    /// Why PagerDuty cannot be reached from here (no token), if so.
    pub unavailable: Option<String>,
    /// The incident as PagerDuty answered last.
    pub live: Option<PageState>,
    /// Since when PagerDuty is not read, and why: on screen until a poll succeeds.
    pub error: Option<(DateTime<Utc>, String)>,
    /// An action asked for and not answered yet.
    pub busy: Option<&'static str>,
    /// Who can be asked to respond, once read.
    pub targets: Option<Vec<Target>>,
    /// The kinds of timeline events mirrored as notes.
    pub notes: Vec<String>,
}

/// The `P` menu's entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageChoice {
    Trigger,
    Acknowledge,
    Responders,
    StatusUpdate,
    Resolve,
}

impl PageChoice {
    pub const ALL: [PageChoice; 5] = [
        PageChoice::Trigger,
        PageChoice::Acknowledge,
        PageChoice::Responders,
        PageChoice::StatusUpdate,
        PageChoice::Resolve,
    ];

    fn label(self) -> &'static str {
        match self {
            PageChoice::Trigger => "page the service now (Events API, the ticket as dedup key)",
            PageChoice::Acknowledge => "acknowledge",
            PageChoice::Responders => "add responders (an escalation policy or a person)",
            PageChoice::StatusUpdate => {
                "post the status update (the Slack update's text; shown first)"
            }
            PageChoice::Resolve => "resolve on PagerDuty (asks y)",
        }
    }
}

/// Whether this seat speaks for the incident on PagerDuty and Statuspage: it is not shared,
/// or this seat is the commander (or no one is yet). Other seats only show.
pub fn leads(m: &Model) -> bool {
    let Some(me) = m.share.seat() else {
        return true;
    };
    m.incident.seats.holder("commander").is_none_or(|c| c == me)
}

/// Which incident to follow, from the record: the linked one, else the one paged for the ticket.
pub fn to_follow(m: &Model) -> Option<Find> {
    m.paging.service.as_ref()?;
    let page = &m.incident.outward.page;
    match (&page.incident, &page.triggered) {
        (Some(i), _) => Some(Find::Id(i.id.clone())),
        (None, Some(_)) => Some(Find::Ticket(m.incident.ticket.clone())),
        (None, None) => None,
    }
}

/// `P`: the page menu.
pub fn page_key(m: &mut Model) -> Vec<Effect> {
    if m.paging.service.is_none() {
        m.say(
            Tone::Info,
            format!(
                "No PagerDuty: set [pagerduty] service and from in {} (docs/paging.md)",
                m.config_name
            ),
        );
        return Vec::new();
    }
    if let Some(why) = &m.paging.unavailable {
        let text = format!("PagerDuty: {why}");
        m.say(Tone::Warn, text);
        return Vec::new();
    }
    m.mode = Mode::Pick {
        purpose: PickPurpose::Page,
        selected: 0,
    };
    Vec::new()
}

/// The page's state in words: `PD #12 acknowledged by Ana 14:03`, `on call: Ben (L1)`.
pub fn summary(m: &Model) -> Option<(String, Tone)> {
    m.paging.service.as_ref()?;
    let page = &m.incident.outward.page;
    let mut text = match (&page.incident, &page.triggered) {
        (Some(i), _) => {
            let state = if page.resolved.is_some() {
                ("resolved".to_string(), Tone::Good)
            } else if let Some((who, at)) = &page.acknowledged {
                (
                    format!("acknowledged by {who} {}", crate::format::hm(m.utc, *at)),
                    Tone::Good,
                )
            } else if m.paging.live.is_none() {
                // Not read yet this session: nothing says it is still unanswered.
                ("not read yet".to_string(), Tone::Info)
            } else {
                ("triggered, not acknowledged".to_string(), Tone::Warn)
            };
            (format!("PD #{} {}", i.number, state.0), state.1)
        }
        (None, Some((at, _))) => (
            format!(
                "PD paged {}: waiting for PagerDuty's incident",
                crate::format::hm(m.utc, *at)
            ),
            Tone::Warn,
        ),
        (None, None) => ("PD not paged (P)".to_string(), Tone::Info),
    };
    if let Some(live) = &m.paging.live
        && !live.on_call.is_empty()
    {
        let people: Vec<String> = live
            .on_call
            .iter()
            .map(|(level, who)| format!("{who} (L{level})"))
            .collect();
        text.0
            .push_str(&format!(" · on call: {}", people.join(", ")));
    }
    if let Some((since, _)) = &m.paging.error {
        text.0.push_str(&format!(
            " · ⚠ not read since {}",
            crate::format::hm(m.utc, *since)
        ));
        text.1 = Tone::Warn;
    }
    Some(text)
}

pub fn menu(m: &Model) -> Menu {
    let mut footer = Vec::new();
    if let Some((text, _)) = summary(m) {
        footer.push(format!(" {}", m.shown(&text)));
    }
    if let Some(i) = &m.incident.outward.page.incident {
        footer.push(format!(" {}", m.shown(&i.url)));
    }
    if let Some((_, e)) = &m.paging.error {
        footer.push(format!(" ⚠ {}", m.shown(e)));
    }
    Menu {
        title: " The page (PagerDuty) ",
        rows: PageChoice::ALL
            .iter()
            .enumerate()
            .map(|(i, c)| MenuRow {
                key: super::menus::numbered(i),
                badge: None,
                name: String::new(),
                text: c.label().into(),
                note: String::new(),
                current: false,
            })
            .collect(),
        footer,
    }
}

pub fn chosen(m: &mut Model, index: usize) -> Vec<Effect> {
    let Some(choice) = PageChoice::ALL.get(index).copied() else {
        return Vec::new();
    };
    if m.read_only() && choice != PageChoice::Resolve {
        m.say(Tone::Warn, "The incident is closed: read-only");
        return Vec::new();
    }
    if let Some(busy) = m.paging.busy {
        m.say(Tone::Info, format!("PagerDuty: {busy} is still on its way"));
        return Vec::new();
    }
    let page = &m.incident.outward.page;
    if choice == PageChoice::Trigger {
        if let Some(i) = &page.incident {
            let text = format!("Already paged: PD #{} {}", i.number, i.url);
            m.say(Tone::Info, text);
            return Vec::new();
        }
        return act(m, PageAction::Trigger);
    }
    let Some(inc) = page.incident.clone() else {
        m.say(
            Tone::Warn,
            "No PagerDuty incident on the record yet: page first (P → 1), or open with --pagerduty ID",
        );
        return Vec::new();
    };
    match choice {
        PageChoice::Acknowledge if page.acknowledged.is_some() => {
            m.say(
                Tone::Info,
                format!("PD #{} is acknowledged already", inc.number),
            );
            Vec::new()
        }
        PageChoice::Acknowledge => act(m, PageAction::Acknowledge),
        PageChoice::Resolve if page.resolved.is_some() => {
            m.say(
                Tone::Info,
                format!("PD #{} is resolved already", inc.number),
            );
            Vec::new()
        }
        PageChoice::Resolve => {
            m.mode = Mode::Confirm {
                action: ConfirmAction::PageResolve,
            };
            Vec::new()
        }
        PageChoice::StatusUpdate => vec![Effect::PageUpdatePreview],
        PageChoice::Responders => {
            m.mode = Mode::Pick {
                purpose: PickPurpose::Responder,
                selected: 0,
            };
            if m.paging.targets.is_none() {
                m.say(
                    Tone::Info,
                    "Reading PagerDuty's escalation policies and people…",
                );
            }
            vec![Effect::PageTargets]
        }
        PageChoice::Trigger => Vec::new(),
    }
}

/// Asks PagerDuty to do `action` on the incident on the record.
pub fn act(m: &mut Model, action: PageAction) -> Vec<Effect> {
    m.paging.busy = Some(action.words());
    m.say(Tone::Info, format!("PagerDuty: {}…", action.words()));
    vec![Effect::Page(action)]
}

pub fn responder_menu(m: &Model) -> Menu {
    let rows = match &m.paging.targets {
        Some(t) => t
            .iter()
            .enumerate()
            .map(|(i, t)| MenuRow {
                key: super::menus::numbered(i),
                badge: None,
                name: String::new(),
                text: m.shown(&t.name),
                note: if t.is_policy() {
                    "  escalation policy".into()
                } else {
                    "  person".into()
                },
                current: false,
            })
            .collect(),
        None => Vec::new(),
    };
    Menu {
        title: " Add responders ",
        footer: vec![if m.paging.targets.is_none() {
            " reading…".into()
        } else {
            " enter asks them to join (a responder request)".into()
        }],
        rows,
    }
}

pub fn responder_chosen(m: &mut Model, index: usize) -> Vec<Effect> {
    let Some(t) = m
        .paging
        .targets
        .as_ref()
        .and_then(|t| t.get(index))
        .cloned()
    else {
        return Vec::new();
    };
    act(m, PageAction::Responders(vec![t]))
}

/// The status update's text came back: shown before it is posted.
pub fn on_update_preview(m: &mut Model, text: Result<String, String>) -> Vec<Effect> {
    match text {
        Ok(text) => {
            m.mode = Mode::Confirm {
                action: ConfirmAction::PageStatusUpdate { text },
            }
        }
        Err(why) => m.say(Tone::Error, format!("PagerDuty status update: {why}")),
    }
    Vec::new()
}

/// The close was confirmed: the PagerDuty incident is resolved too when asked, not silently.
pub fn after_close(m: &mut Model) {
    let page = &m.incident.outward.page;
    if m.paging.service.is_some()
        && m.paging.unavailable.is_none()
        && page.incident.is_some()
        && page.resolved.is_none()
    {
        m.mode = Mode::Confirm {
            action: ConfirmAction::PageResolve,
        };
    }
}

pub fn on_pager(m: &mut Model, msg: PagerMsg) -> Vec<Effect> {
    match msg {
        PagerMsg::Error(e) => {
            if m.paging.error.as_ref().map(|(_, e)| e) != Some(&e) {
                m.say(Tone::Warn, format!("PagerDuty: {}", m.shown(&e)));
                let since = m.paging.error.as_ref().map_or(m.now, |(since, _)| *since);
                m.paging.error = Some((since, e));
            }
            Vec::new()
        }
        PagerMsg::State(s) => {
            if m.paging.error.take().is_some() {
                m.say(Tone::Good, format!("PD #{} followed again", s.number));
            }
            let drafts = if leads(m) { record(m, &s) } else { Vec::new() };
            m.paging.live = Some(s);
            drafts.into_iter().map(Effect::Append).collect()
        }
        PagerMsg::Targets(Ok(t)) => {
            if t.is_empty() {
                m.say(
                    Tone::Warn,
                    "PagerDuty lists no escalation policy and no one",
                );
            }
            m.paging.targets = Some(t);
            Vec::new()
        }
        PagerMsg::Targets(Err(e)) => {
            if matches!(
                m.mode,
                Mode::Pick {
                    purpose: PickPurpose::Responder,
                    ..
                }
            ) {
                m.mode = Mode::Normal;
            }
            m.say(Tone::Error, format!("PagerDuty: {}", m.shown(&e)));
            Vec::new()
        }
        PagerMsg::Done { action, result } => {
            if m.paging.busy == Some(action.words()) {
                m.paging.busy = None;
            }
            done(m, action, result)
        }
    }
}

fn done(m: &mut Model, action: PageAction, result: Result<(), String>) -> Vec<Effect> {
    let id = m
        .incident
        .outward
        .page
        .incident
        .as_ref()
        .map(|i| (i.id.clone(), i.number));
    if let Err(e) = result {
        m.say(
            Tone::Error,
            format!("PagerDuty: {} failed: {}", action.words(), m.shown(&e)),
        );
        return Vec::new();
    }
    let (incident, number) = id.unwrap_or_default();
    let draft = match action {
        PageAction::Trigger => {
            // Followed once the record holds it (`update` on the journal's batch).
            m.say(Tone::Good, "Paged: PagerDuty took the event");
            let service = m.paging.service.as_deref().unwrap_or_default();
            return vec![Effect::Append(triggered(&m.incident.ticket, service))];
        }
        // PagerDuty's own answer records these: the follower reads it now.
        PageAction::Acknowledge | PageAction::Resolve => {
            m.say(
                Tone::Good,
                format!(
                    "PagerDuty took {}: recorded from its next answer",
                    action.words()
                ),
            );
            return Vec::new();
        }
        PageAction::StatusUpdate(text) => {
            let said = format!("Status update posted to PD #{number}'s stakeholders");
            m.say(Tone::Good, said.clone());
            Draft::new(kinds::PAGERDUTY_STATUS_UPDATE, said).field("message", text)
        }
        PageAction::Note { of, .. } => Draft::new(
            kinds::PAGERDUTY_NOTE,
            format!("Mirrored to PD #{number} as a note"),
        )
        .field("of", of),
        PageAction::Responders(targets) => {
            let names: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
            let text = format!("Responders requested on PD #{number}: {}", names.join(", "));
            m.say(Tone::Good, text.clone());
            Draft::new(kinds::PAGERDUTY_RESPONDERS, text).field(
                "targets",
                targets
                    .iter()
                    .map(|t| serde_json::json!({"id": t.id, "type": t.kind, "name": t.name}))
                    .collect::<Vec<_>>(),
            )
        }
    };
    vec![Effect::Append(draft.field("incident", incident))]
}

/// The record of a page sent through the Events API.
pub fn triggered(ticket: &str, service: &str) -> Draft {
    Draft::new(
        kinds::PAGERDUTY_TRIGGERED,
        format!("Paged PagerDuty service {service} (dedup key {ticket})"),
    )
    .field("dedup_key", ticket)
    .field("service", service)
}

/// The record of the incident followed.
pub fn linked(s: &PageState, by_id: bool) -> Draft {
    Draft::new(
        kinds::PAGERDUTY_LINKED,
        format!("PagerDuty incident #{}: {} — {}", s.number, s.title, s.url),
    )
    .field("incident", s.id.clone())
    .field("number", s.number)
    .field("url", s.url.clone())
    .field("title", s.title.clone())
    .field("linked", by_id)
}

/// What PagerDuty says that the record does not hold yet.
pub fn record(m: &Model, s: &PageState) -> Vec<Draft> {
    let page = &m.incident.outward.page;
    let mut out = Vec::new();
    let known = page.incident.as_ref().filter(|i| i.id == s.id);
    let reopened = known.is_some() && page.resolved.is_some() && s.status != "resolved";
    if known.is_none() || reopened {
        let d = linked(s, false);
        out.push(if reopened {
            d.field("reopened", true)
        } else {
            d
        });
    }
    // A reopened incident keeps its acknowledgement on the record until PagerDuty says
    // otherwise: back to triggered takes it back (and its tick) like any lapse.
    let acked = known.and(page.acknowledged.as_ref());
    let resolved = known.is_some() && !reopened && page.resolved.is_some();
    match (s.status.as_str(), s.acknowledgers.last()) {
        ("acknowledged", Some((who, at))) if acked.is_none_or(|(w, _)| w != who) => {
            out.push(
                Draft::new(
                    kinds::PAGERDUTY_ACKNOWLEDGED,
                    format!("PD #{} acknowledged by {who}", s.number),
                )
                .field("incident", s.id.clone())
                .field("acknowledged", true)
                .field("person", who.clone())
                .field(
                    "acknowledged_at",
                    crate::journal::event::rfc3339_string(*at),
                ),
            );
        }
        ("triggered", _) if acked.is_some() => out.push(
            Draft::new(
                kinds::PAGERDUTY_ACKNOWLEDGED,
                format!(
                    "PD #{} is no longer acknowledged: PagerDuty has it triggered again",
                    s.number
                ),
            )
            .field("incident", s.id.clone())
            .field("acknowledged", false),
        ),
        ("resolved", _) if !resolved => {
            let by = s.changed_by.clone();
            out.push(
                Draft::new(
                    kinds::PAGERDUTY_RESOLVED,
                    format!(
                        "PD #{} resolved{}",
                        s.number,
                        by.as_ref().map(|b| format!(" by {b}")).unwrap_or_default()
                    ),
                )
                .field("incident", s.id.clone())
                .field("person", by),
            );
        }
        _ => {}
    }
    out
}

/// The new events of the configured kinds, mirrored onto the PagerDuty incident as notes (by
/// the seat that speaks for the incident, once each).
pub fn mirror(m: &mut Model, events: &[(String, String)]) -> Vec<Effect> {
    let page = &m.incident.outward.page;
    if page.incident.is_none()
        || page.resolved.is_some()
        || !leads(m)
        || m.paging.unavailable.is_some()
    {
        return Vec::new();
    }
    events
        .iter()
        .filter(|(key, _)| !page.mirrored.contains(key))
        .map(|(of, text)| {
            Effect::Page(PageAction::Note {
                of: of.clone(),
                text: m.shown(text),
            })
        })
        .collect()
}

/// The events of a batch that are mirrored: (key, note).
pub fn to_mirror(m: &Model, events: &[Event]) -> Vec<(String, String)> {
    if m.paging.notes.is_empty() || m.paging.service.is_none() {
        return Vec::new();
    }
    events
        .iter()
        .filter(|e| m.paging.notes.iter().any(|k| k == e.kind.as_str()))
        .map(|e| {
            let note = format!("[warroom {}] {}", m.incident.ticket, e.text);
            (crate::incident::outward::mirror_key(e), note)
        })
        .collect()
}
