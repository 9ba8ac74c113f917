//! The ticket in `update`: what the record asks to be written to it (configured milestones, the
//! resolution and the move to done at the close), what the tracker answered, and `T`, the
//! action items and their follow-ups. Only the seat that speaks for the incident writes.

use chrono::{DateTime, Utc};

use super::menus::{Menu, MenuRow};
use super::model::{InputPurpose, Mode, Model, PickPurpose, Tone};
use super::msg::Effect;
use super::paging::leads;
use crate::config::{TicketsConfig, TrackerKind};
use crate::incident::tickets::{ActionItem, Followup, Tickets};
use crate::journal::{Draft, kinds};
use crate::tickets::write::{Outcome, RESOLUTION, Write};
use crate::tickets::{Linked, NewIssue, Ticket, TicketMsg};

/// The console's side of the ticket.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketsView {
    /// `[tickets] provider`, when configured.
    pub provider: Option<TrackerKind>,
    /// Why the tracker cannot be reached from here (no token), if so.
    pub unavailable: Option<String>,
    /// The milestones posted as comments.
    pub milestones: Vec<String>,
    /// The close is posted (the resolution comment and the move).
    pub resolution: bool,
    pub done_state: String,
    /// The writes last handed to the writer, by key: the same list is not handed twice.
    pub sent: Vec<String>,
    /// The writer's last failure: since when, why, and how many writes wait.
    pub waiting: Option<(DateTime<Utc>, String, usize)>,
    /// Follow-ups asked for and not answered yet.
    pub creating: usize,
}

impl TicketsView {
    pub fn from_config(cfg: &TicketsConfig) -> TicketsView {
        TicketsView {
            provider: cfg.provider(),
            milestones: cfg.milestone_ids().map(str::to_string).collect(),
            resolution: cfg.posts_resolution(),
            done_state: cfg.done_state.clone(),
            ..TicketsView::default()
        }
    }
}

/// What the record asks of the ticket and the ticket does not have yet, in order.
pub fn outbox(m: &Model) -> Vec<Write> {
    writes_for(&m.incident, &m.tickets)
}

pub fn writes_for(inc: &crate::incident::Incident, view: &TicketsView) -> Vec<Write> {
    let t = &inc.tickets;
    let Some(linked) = &t.linked else {
        return Vec::new();
    };
    let mut out: Vec<Write> = view
        .milestones
        .iter()
        .filter(|id| !t.commented.contains_key(*id))
        .filter_map(|id| {
            let at = inc.milestones.get(id)?;
            let label = crate::incident::milestone_label(id)?;
            Some(Write::Comment {
                of: id.clone(),
                text: format!(
                    "{label} at {} — incident {} [{}] {}",
                    crate::format::utc_minute(*at),
                    linked.key,
                    inc.priority,
                    inc.title
                ),
            })
        })
        .collect();
    if view.resolution && inc.closed_at.is_some() {
        if !t.commented.contains_key(RESOLUTION) {
            out.push(Write::Comment {
                of: RESOLUTION.into(),
                text: String::new(),
            });
        }
        if t.moved.is_none() {
            out.push(Write::Move {
                state: view.done_state.clone(),
            });
        }
    }
    out
}

/// After a fold: the writes the record asks for now go to the writer, when this seat speaks for
/// the incident and the list changed.
pub fn after_fold(m: &mut Model) -> Vec<Effect> {
    // A closed incident is written to as well: its close is what the resolution reports.
    if m.tickets.provider.is_none() || m.tickets.unavailable.is_some() || !leads(m) {
        return Vec::new();
    }
    let writes = outbox(m);
    let keys: Vec<String> = writes.iter().map(Write::key).collect();
    if keys == m.tickets.sent {
        return Vec::new();
    }
    m.tickets.sent = keys;
    if writes.is_empty() {
        m.tickets.waiting = None;
    }
    let ticket = m
        .incident
        .tickets
        .linked
        .as_ref()
        .map(|l| l.key.clone())
        .unwrap_or_default();
    vec![Effect::TicketWrites { ticket, writes }]
}

/// When the console starts: the ticket is read if the record has not linked it (and the
/// incident was not opened without one), and what waits is written.
pub fn at_start(m: &mut Model) -> Vec<Effect> {
    if m.tickets.provider.is_none() || m.tickets.unavailable.is_some() {
        return Vec::new();
    }
    let t = &m.incident.tickets;
    if t.linked.is_none() && !t.untracked {
        return vec![Effect::ReadTicket];
    }
    after_fold(m)
}

/// The ticket as the tracker has it, for the record.
pub fn linked(provider: TrackerKind, t: &Ticket) -> Draft {
    let mut d = Draft::new(
        kinds::TICKET_LINKED,
        format!(
            "Ticket {} in {}: {} ({})",
            t.key,
            provider.name(),
            t.title,
            t.state
        ),
    )
    .field("key", t.key.clone())
    .field("provider", provider.name())
    .field("title", t.title.clone())
    .field("url", t.url.clone())
    .field("state", t.state.clone());
    if let Some(p) = &t.priority {
        d = d.field("priority", p.clone());
    }
    if let Some(a) = &t.assignee {
        d = d.field("assignee", a.clone());
    }
    d
}

pub fn on_ticket(m: &mut Model, msg: TicketMsg) -> Vec<Effect> {
    let t = &m.incident.tickets;
    let key = t.linked.as_ref().map(|l| l.key.clone()).unwrap_or_default();
    match msg {
        TicketMsg::Read(Ok(ticket)) if t.linked.is_none() => {
            let provider = m.tickets.provider.unwrap_or(TrackerKind::Linear);
            vec![Effect::Append(linked(provider, &ticket))]
        }
        TicketMsg::Read(Ok(_)) => Vec::new(),
        TicketMsg::Read(Err(e)) => {
            m.say(Tone::Warn, format!("Ticket: {e}"));
            Vec::new()
        }
        TicketMsg::Done(outcome) => {
            m.tickets.waiting = None;
            done_event(t, &key, outcome)
                .map(Effect::Append)
                .into_iter()
                .collect()
        }
        TicketMsg::Waiting {
            write,
            error,
            pending,
            retry,
        } => {
            let since = m.tickets.waiting.as_ref().map_or(m.now, |w| w.0);
            m.tickets.waiting = Some((since, error.clone(), pending));
            m.say(
                Tone::Warn,
                format!(
                    "{key}: {write} waits ({error}); tried again in {}s",
                    retry.as_secs()
                ),
            );
            // Recorded once per cause: a retry that fails the same way adds nothing.
            if m.incident
                .tickets
                .failing
                .as_ref()
                .is_some_and(|(_, e)| *e == error)
            {
                return Vec::new();
            }
            vec![Effect::Append(
                Draft::new(
                    kinds::TICKET_WRITE_FAILED,
                    format!("{key}: {write} waits: {error}"),
                )
                .field("write", write)
                .field("error", error),
            )]
        }
        TicketMsg::Followup { item, result } => {
            m.tickets.creating = m.tickets.creating.saturating_sub(1);
            let ev = followup_event(t, &key, &item, result);
            let tone = if ev.kind.as_str() == kinds::FOLLOWUP_CREATED {
                Tone::Good
            } else {
                Tone::Error
            };
            m.say(tone, ev.text.clone());
            vec![Effect::Append(ev)]
        }
    }
}

/// What a write did, for the record; nothing when the record has it already.
pub fn done_event(t: &Tickets, key: &str, outcome: Outcome) -> Option<Draft> {
    match outcome {
        Outcome::Commented { of, url, found } => {
            if t.commented.contains_key(&of) {
                return None;
            }
            let what = if of == RESOLUTION {
                "resolution".to_string()
            } else {
                of.replace('_', " ")
            };
            let said = if found {
                format!("{key}: the {what} comment was there already ({url})")
            } else {
                format!("{key}: {what} comment posted ({url})")
            };
            Some(
                Draft::new(kinds::TICKET_COMMENTED, said)
                    .field("of", of)
                    .field("url", url)
                    .field("found", found),
            )
        }
        Outcome::Moved { state } => (t.moved.as_deref() != Some(state.as_str())).then(|| {
            Draft::new(kinds::TICKET_MOVED, format!("{key} moved to {state}")).field("state", state)
        }),
    }
}

/// A follow-up created under the ticket `key` for `item`, or why not, for the record: with
/// how many action items are still without a ticket.
pub fn followup_event(t: &Tickets, key: &str, item: &str, result: Result<Linked, String>) -> Draft {
    let remaining = t
        .items
        .iter()
        .filter(|i| !(result.is_ok() && i.text == item))
        .filter(|i| !matches!(t.followups.get(&i.text), Some(Followup::Created { .. })))
        .count();
    match result {
        Ok(Linked {
            key: made,
            url,
            unlinked: None,
            ..
        }) => Draft::new(
            kinds::FOLLOWUP_CREATED,
            format!("Follow-up {made} created under {key}: {item}"),
        )
        .field("key", made)
        .field("url", url),
        Ok(Linked {
            key: made,
            url,
            unlinked: Some(why),
            ..
        }) => Draft::new(
            kinds::FOLLOWUP_CREATED,
            format!("Follow-up {made} created, not linked under {key} ({why}): {item}"),
        )
        .field("key", made)
        .field("url", url)
        .field("unlinked", why),
        Err(error) => Draft::new(
            kinds::FOLLOWUP_FAILED,
            format!("Follow-up not created ({error}): {item}"),
        )
        .field("error", error),
    }
    .field("item", item)
    .field("remaining", remaining)
}

/// The ticket in words for the header: `ENG-1234 In Progress · High · Ana`, and the writes
/// that wait.
pub fn summary(m: &Model) -> Option<(String, Tone)> {
    let provider = m.tickets.provider?;
    let t = &m.incident.tickets;
    let Some(l) = &t.linked else {
        return Some((format!("{} ticket not read", provider.name()), Tone::Info));
    };
    let mut text = format!("{} {}", l.key, t.moved.as_deref().unwrap_or(&l.state));
    for part in [&l.priority, &l.assignee].into_iter().flatten() {
        text.push_str(&format!(" · {part}"));
    }
    let waiting = m
        .tickets
        .waiting
        .as_ref()
        .map(|(since, _, n)| (*since, *n))
        .or_else(|| {
            t.failing
                .as_ref()
                .map(|(since, _)| (*since, outbox(m).len()))
        });
    match waiting {
        Some((since, n)) if n > 0 => {
            text.push_str(&format!(
                " · ⚠ {} waiting since {}",
                crate::format::count(n, "write", "writes"),
                crate::format::hm(m.utc, since)
            ));
            Some((text, Tone::Warn))
        }
        _ => Some((text, Tone::Info)),
    }
}

/// `T`: the action items and their follow-ups.
pub fn tickets_key(m: &mut Model) -> Vec<Effect> {
    let Some(provider) = m.tickets.provider else {
        m.say(
            Tone::Info,
            format!(
                "No tracker: set [tickets] provider in {} (docs/tickets.md)",
                m.config_name
            ),
        );
        return Vec::new();
    };
    if m.incident.tickets.items.is_empty() {
        add_item(m);
        m.say(
            Tone::Info,
            format!(
                "No action items yet: what (@owner, by YYYY-MM-DD), Enter notes it; T then creates it in {}",
                provider.name()
            ),
        );
        return Vec::new();
    }
    m.mode = Mode::Pick {
        purpose: PickPurpose::Followups,
        selected: 0,
    };
    Vec::new()
}

/// `a` on the list: an action item is a `TODO:` note, so the note prompt opens with the tag.
pub fn add_item(m: &mut Model) {
    m.mode = Mode::Input {
        purpose: InputPurpose::Note,
        text: "TODO: ".into(),
    };
}

pub fn menu(m: &Model) -> Menu {
    let t = &m.incident.tickets;
    let provider = m.tickets.provider.map_or("the tracker", TrackerKind::name);
    let rows = t
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| MenuRow {
            key: super::menus::numbered(i),
            badge: None,
            name: String::new(),
            text: item.title.clone(),
            note: format!("  {}", state(t.followups.get(&item.text), item)),
            current: false,
        })
        .collect();
    let under = t
        .linked
        .as_ref()
        .map_or(String::new(), |l| format!(" under {}", l.key));
    Menu {
        title: " Action items → follow-up tickets ",
        rows,
        footer: vec![format!(
            " y creates every ready one in {provider}{under} · Enter: the selected one · a adds one"
        )],
    }
}

fn state(f: Option<&Followup>, item: &ActionItem) -> String {
    match f {
        Some(Followup::Created { key, .. }) => format!("→ {key}"),
        Some(Followup::Failed { error }) if item.ready() => format!("✗ not created: {error}"),
        _ if item.ready() => format!(
            "ready: {}, by {}",
            item.owner.as_deref().unwrap_or_default(),
            item.due.map(|d| d.to_string()).unwrap_or_default()
        ),
        _ => format!("needs {}", item.missing().join(" and ")),
    }
}

/// Enter on an item: that one.
pub fn chosen(m: &mut Model, index: usize) -> Vec<Effect> {
    let Some(item) = m.incident.tickets.items.get(index).cloned() else {
        return Vec::new();
    };
    if !item.ready() {
        m.say(
            Tone::Warn,
            format!(
                "Not created: the item needs {}",
                item.missing().join(" and ")
            ),
        );
        return Vec::new();
    }
    if let Some(Followup::Created { key, .. }) = m.incident.tickets.followups.get(&item.text) {
        let said = format!("Already a ticket: {key}");
        m.say(Tone::Info, said);
        return Vec::new();
    }
    create(m, vec![item])
}

/// `y` on the list: every ready item without a ticket.
pub fn create_all(m: &mut Model) -> Vec<Effect> {
    m.mode = Mode::Normal;
    let items: Vec<ActionItem> = m.incident.tickets.to_create().cloned().collect();
    if items.is_empty() {
        m.say(
            Tone::Info,
            "No item is ready and without a ticket: an item needs @owner and by YYYY-MM-DD",
        );
        return Vec::new();
    }
    create(m, items)
}

fn create(m: &mut Model, items: Vec<ActionItem>) -> Vec<Effect> {
    if let Some(why) = &m.tickets.unavailable {
        let said = format!("Follow-ups not created: {why}");
        m.say(Tone::Error, said);
        return Vec::new();
    }
    if !leads(m) {
        m.say(
            Tone::Warn,
            "Only the commander's seat creates follow-ups (R hands roles, H the command)",
        );
        return Vec::new();
    }
    let inc = &m.incident;
    let Some(parent) = inc.tickets.linked.clone() else {
        m.say(
            Tone::Warn,
            "The ticket has not been read from the tracker yet: follow-ups need it",
        );
        return Vec::new();
    };
    let issues: Vec<(String, NewIssue)> = items
        .iter()
        .map(|i| (i.text.clone(), new_issue(i, &parent, &inc.title)))
        .collect();
    m.tickets.creating += issues.len();
    m.say(
        Tone::Info,
        format!(
            "Creating {} under {}…",
            crate::format::count(issues.len(), "follow-up", "follow-ups"),
            parent.key
        ),
    );
    vec![Effect::CreateFollowups {
        parent: parent.key,
        issues,
    }]
}

/// A follow-up's issue: the item's title, and a body that says where it comes from.
pub fn new_issue(
    item: &ActionItem,
    parent: &crate::incident::tickets::LinkedTicket,
    title: &str,
) -> NewIssue {
    let owner = item.owner.clone().unwrap_or_default();
    let due = item.due.map(|d| d.to_string()).unwrap_or_default();
    NewIssue {
        title: item.title.clone(),
        body: format!(
            "Follow-up from the incident {} ({title}): an action item of its post-incident review.\n\nOwner: {owner}\nDue: {due}\nIncident ticket: {}",
            parent.key, parent.url
        ),
        owner: item.owner.clone(),
        due: item.due.map(|d| d.to_string()),
    }
}
