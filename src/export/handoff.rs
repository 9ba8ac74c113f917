//! What the handoff brief says of the seats: who holds which role, the handoff under way, the
//! status-update cadence, and what is running on which seat. The rest of the brief (phase, SLA,
//! pending items, action items, notes) comes from the documents' context.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::clock::{self, Policy};
use crate::format;
use crate::incident::seats::{ROLES, role_name};
use crate::incident::{Incident, ItemStatus};

#[derive(Debug, Default, Serialize)]
pub struct SeatsView {
    /// Whether more than one seat is on the record (the incident is shared).
    pub shared: bool,
    /// `alice (alice-3f9a)`, or nothing when no one was given the role.
    pub commander: Option<String>,
    /// `comms lead: bob (bob-77c1)`, every role held.
    pub roles: Vec<String>,
    /// `alice (alice-3f9a) → bob (bob-77c1), since 14:40 UTC`, until it is accepted.
    pub handoff: Option<String>,
    /// Every seat on the record.
    pub seats: Vec<String>,
    pub last_update: Option<String>,
    pub next_update: Option<String>,
    /// Deploys and rollbacks running, and where.
    pub in_progress: Vec<String>,
    /// One line per phase with items still pending: `Testing (3): Full test suite passes; …`.
    pub pending: Vec<String>,
}

/// The items still pending, a line per phase, the first few of each named.
fn pending(inc: &Incident) -> Vec<String> {
    const NAMED: usize = 3;
    inc.checklist
        .phases
        .iter()
        .filter_map(|phase| {
            let open: Vec<&str> = phase
                .items
                .iter()
                .filter(|it| inc.status(it) == ItemStatus::Pending)
                .map(|it| it.text.as_str())
                .collect();
            if open.is_empty() {
                return None;
            }
            let mut line = format!(
                "{} ({}): {}",
                phase.title,
                open.len(),
                open[..open.len().min(NAMED)].join("; ")
            );
            if open.len() > NAMED {
                line.push_str("; …");
            }
            Some(line)
        })
        .collect()
}

pub fn seats_view(inc: &Incident, policy: &Policy, now: DateTime<Utc>) -> SeatsView {
    let s = &inc.seats;
    let who = |seat: &str| format!("{} ({seat})", s.person(seat));
    let mut in_progress: Vec<String> = s
        .running
        .iter()
        .map(|(seat, run)| {
            format!(
                "{} running on {}'s seat since {} ({} ago)",
                run.kind,
                s.person(seat),
                format::utc_minute(run.since),
                format::duration((now - run.since).to_std().unwrap_or_default())
            )
        })
        .collect();
    if in_progress.is_empty() && inc.deploy_running {
        in_progress.push("a deploy is running".into());
    }
    SeatsView {
        shared: !s.people.is_empty(),
        commander: s.holder("commander").map(who),
        roles: ROLES
            .iter()
            .filter_map(|(id, name)| Some(format!("{name}: {}", who(s.holder(id)?))))
            .collect(),
        handoff: s.handoff.as_ref().map(|h| {
            format!(
                "{} → {}, since {}",
                who(&h.from),
                who(&h.to),
                format::utc_minute(h.at)
            )
        }),
        seats: s.people.keys().map(|seat| who(seat)).collect(),
        last_update: inc.last_status_update.map(format::utc_minute),
        next_update: clock::next_update_due(inc, policy)
            .filter(|_| inc.closed_at.is_none())
            .map(|t| {
                let late = if t < now { " (overdue)" } else { "" };
                format!("{}{late}", format::utc_minute(t))
            }),
        in_progress,
        pending: pending(inc),
    }
}

/// The role's name, for the screen (`incident commander`).
pub fn role(id: &str) -> &str {
    role_name(id).unwrap_or(id)
}
