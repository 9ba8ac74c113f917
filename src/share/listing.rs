//! The incidents shared on the remote (the git remote's refs, or the organisation's streams on
//! NATS), each read whole and folded in the one order: what `warroom list --remote` prints and
//! `warroom board` shows, most urgent first.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::checklist::Checklist;
use crate::clock::{self, Policy, Sla};
use crate::config::ShareConfig;
use crate::git::Git;
use crate::incident::Incident;
use crate::journal::Event;

/// An incident on the remote: its ticket, and each seat's events.
pub type SharedIncident = (String, BTreeMap<String, Vec<Event>>);

/// The incidents on the git remote: ticket → (seat → its newest ref's tip).
pub fn git_refs(git: &Git) -> Result<BTreeMap<String, BTreeMap<String, git2::Oid>>, String> {
    let refs = super::remote::list(git)
        .map_err(|e| format!("cannot reach the remote {:?}: {e}", git.cfg.remote))?;
    let mut by_ticket: BTreeMap<String, Vec<(String, git2::Oid)>> = BTreeMap::new();
    for (name, oid) in refs {
        if let Some((ticket, _)) = name
            .strip_prefix("refs/warroom/")
            .and_then(|r| r.split_once('/'))
        {
            by_ticket
                .entry(ticket.to_string())
                .or_default()
                .push((name.clone(), oid));
        }
    }
    // Each seat's newest ref (the one it moved on to last, if it did).
    Ok(by_ticket
        .into_iter()
        .map(|(ticket, refs)| {
            let (seats, _) = super::newest_refs(&ticket, refs);
            let seats = seats.into_iter().map(|(s, (_, oid))| (s, oid)).collect();
            (ticket, seats)
        })
        .collect())
}

/// The incidents on the git remote, each with its seats' events (and what was refused).
pub fn git_incidents(git: &Git) -> Result<(Vec<SharedIncident>, Vec<String>), String> {
    let incidents = git_refs(git)?;
    if !incidents.is_empty() {
        super::remote::fetch_all(git).map_err(|e| format!("fetching: {e}"))?;
    }
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for (ticket, seats) in incidents {
        let mut streams = BTreeMap::new();
        for (seat, tip) in seats {
            let mut events = Vec::new();
            super::ingest::each_event(
                &git.repo,
                &seat,
                tip,
                None,
                &mut warnings,
                &mut |_| Ok(()),
                &mut |ev| {
                    events.push(ev);
                    Ok(())
                },
            )
            .map_err(|e| format!("{ticket}: {e}"))?;
            streams.insert(seat, events);
        }
        out.push((ticket, streams));
    }
    Ok((out, warnings))
}

/// The organisation's incidents on NATS (or the one named), each with its seats' events.
pub async fn nats_incidents(
    js: &async_nats::jetstream::Context,
    cfg: &ShareConfig,
    only: Option<&str>,
) -> Result<(Vec<SharedIncident>, Vec<String>), String> {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for ticket in super::nats::incidents::tickets(js, &cfg.org).await? {
        if only.is_some_and(|t| !t.eq_ignore_ascii_case(&ticket)) {
            continue;
        }
        let (seats, w) = super::nats::incidents::read(js, &cfg.org, &ticket, cfg.timeout).await?;
        warnings.extend(w);
        out.push((ticket, seats));
    }
    Ok((out, warnings))
}

/// As [`nats_incidents`], connecting for it.
pub fn nats_incidents_once(
    cfg: &ShareConfig,
    only: Option<&str>,
) -> Result<(Vec<SharedIncident>, Vec<String>), String> {
    let conn = super::nats::Connect::new(cfg, "list");
    let (cfg, only) = (cfg.clone(), only.map(str::to_string));
    super::nats::blocking(async move {
        let js = conn.jetstream(conn.once().await?);
        nats_incidents(&js, &cfg, only.as_deref()).await
    })
}

/// One incident of the board: folded from every seat's events.
#[derive(Debug, Clone)]
pub struct Row {
    pub ticket: String,
    pub incident: Incident,
    /// The people on its seats, in seat order.
    pub people: Vec<String>,
}

impl Row {
    pub fn of(
        ticket: &str,
        seats: &BTreeMap<String, Vec<Event>>,
        checklist: Arc<Checklist>,
    ) -> Row {
        let streams = seats.iter().map(|(s, e)| (s.clone(), e.clone())).collect();
        let events = crate::journal::seats::in_one_order(streams);
        let incident = Incident::from_events(ticket, checklist, events);
        let people = seats
            .keys()
            .map(|s| incident.seats.person(s).to_string())
            .collect();
        Row {
            ticket: ticket.to_string(),
            incident,
            people,
        }
    }

    pub fn closed(&self) -> bool {
        self.incident.closed_at.is_some()
    }

    /// The SLA as a few words: `1h 20m left`, `BREACHED +12m`, `met in 1h 5m of 2h`.
    pub fn sla_text(&self, policy: &Policy, now: DateTime<Utc>) -> String {
        match clock::sla(&self.incident, policy, now) {
            Sla::Running { left, .. } => format!("{} left", crate::format::duration(left)),
            Sla::Breached { overdue } => {
                format!("BREACHED +{}", crate::format::duration(overdue))
            }
            Sla::Stopped { took, target } => format!(
                "{} in {} of {}",
                if took <= target { "met" } else { "missed" },
                crate::format::duration(took),
                crate::format::target(target)
            ),
        }
    }
}

/// Most urgent first: breached (longest overdue first), then running (least left first), then
/// those whose clock stopped at the deploy; the ticket breaks ties.
pub fn by_urgency(rows: &mut [Row], policy: &Policy, now: DateTime<Utc>) {
    let key = |r: &Row| match clock::sla(&r.incident, policy, now) {
        Sla::Breached { overdue } => (0, -(overdue.as_secs() as i64)),
        Sla::Running { left, .. } => (1, left.as_secs() as i64),
        Sla::Stopped { .. } => (2, 0),
    };
    rows.sort_by(|a, b| key(a).cmp(&key(b)).then_with(|| a.ticket.cmp(&b.ticket)));
}

/// The open incidents' rows, most urgent first, and how many are closed.
pub fn open_rows(
    incidents: &[SharedIncident],
    checklist: &Arc<Checklist>,
    policy: &Policy,
    now: DateTime<Utc>,
) -> (Vec<Row>, usize) {
    let all: Vec<Row> = incidents
        .iter()
        .map(|(t, seats)| Row::of(t, seats, checklist.clone()))
        .collect();
    let closed = all.iter().filter(|r| r.closed()).count();
    let mut open: Vec<Row> = all.into_iter().filter(|r| !r.closed()).collect();
    by_urgency(&mut open, policy, now);
    (open, closed)
}
