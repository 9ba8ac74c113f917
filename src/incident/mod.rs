//! The incident as the journal says it is: a pure fold of events.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub mod checkpoint;
pub mod environments;
pub mod facts;
pub mod gates;
pub mod mitigation;
pub mod outward;
pub mod record;
pub mod seats;
pub mod tickets;

pub use record::Record;
pub use seats::Seats;

use crate::checklist::{Checklist, Item};
use crate::journal::{Event, JournalReader, kinds};
use crate::priority::Priority;

/// Milestones of the post-incident timeline, in the order they usually happen.
pub const MILESTONES: &[(&str, &str)] = &[
    ("detected", "Issue detected"),
    ("on_call_alerted", "On-call engineer alerted"),
    ("root_cause_identified", "Root cause identified"),
    ("fix_pr_opened", "Fix PR opened"),
    ("pr_merged", "PR approved and merged"),
    ("fix_deployed", "Fix deployed to production"),
    ("verified_resolved", "Verified resolved"),
];

pub fn milestone_label(id: &str) -> Option<&'static str> {
    MILESTONES.iter().find(|(m, _)| *m == id).map(|(_, l)| *l)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Triage,
    Fixing,
    Deploying,
    Monitoring,
    Resolved,
    Closed,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Triage => "triage",
            Phase::Fixing => "fixing",
            Phase::Deploying => "deploying",
            Phase::Monitoring => "monitoring",
            Phase::Resolved => "resolved",
            Phase::Closed => "closed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Mark {
    Done {
        at: DateTime<Utc>,
        /// The event that ticked the item by itself, if it was not ticked by hand.
        auto: Option<String>,
    },
    Waived {
        at: DateTime<Utc>,
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum ItemStatus<'a> {
    Pending,
    Done(&'a Mark),
    Waived(&'a Mark),
    NotApplicable(Inapplicable),
}

/// Why an item does not apply to this incident.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Inapplicable {
    /// Not at this priority (the checklist's `applies`).
    Priority,
    /// Only a metric gate can tick it, and none is configured for it.
    NoGate,
}

impl Inapplicable {
    /// `not applicable at P0`, `no metric gate is configured for it`.
    pub fn reason(self, p: Priority) -> String {
        match self {
            Inapplicable::Priority => format!("not applicable at {p}"),
            Inapplicable::NoGate => "no metric gate is configured for it".into(),
        }
    }

    /// The checklist row's tag: `n/a P0`, `n/a no gate`.
    pub fn tag(self, p: Priority) -> String {
        match self {
            Inapplicable::Priority => format!("n/a {p}"),
            Inapplicable::NoGate => "n/a no gate".into(),
        }
    }
}

/// The fold's state: everything it knows, and no more than the newest events. A checkpoint
/// holds it as JSON (the checklist, which comes from the configuration, is not written).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub ticket: String,
    pub title: String,
    pub priority: Priority,
    pub detected_at: DateTime<Utc>,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// First successful deploy of the fix: stops the SLA clock.
    pub deployed_at: Option<DateTime<Utc>>,
    /// Latest successful deploy: starts the monitoring window.
    pub last_deployed_at: Option<DateTime<Utc>>,
    pub verified_at: Option<DateTime<Utc>>,
    pub last_status_update: Option<DateTime<Utc>>,
    pub deploy_running: bool,
    pub root_cause_known: bool,
    pub branch_created: bool,
    pub demo: bool,
    /// Whether the journal held its `incident_opened` line.
    pub opened: bool,
    #[serde(skip)]
    pub checklist: Arc<Checklist>,
    /// Ticks and waivers by hand.
    pub marks: HashMap<String, Mark>,
    /// Ticks by the facts they rest on, while those facts hold.
    pub ticks: HashMap<String, facts::Tick>,
    /// Why an item that would tick itself is not ticked: when its fact was taken back (and
    /// when), or the precondition its event did not meet.
    pub why_not: HashMap<String, (Option<DateTime<Utc>>, String)>,
    /// Error-rate verdicts on the record: (deploy time as written, verdict).
    pub verdicts: Vec<(String, String)>,
    /// Sentry issues already on the record, by id.
    pub sentry_issues: HashSet<String>,
    /// The newest hotfix tag created (the default release name for Sentry).
    pub last_tag: Option<String>,
    /// The release the latest deploy was registered under with Sentry.
    #[serde(default)]
    pub release: Option<String>,
    /// Every successful deploy, for the chart's markers.
    pub deploys: Vec<DateTime<Utc>>,
    /// The hotfix branch and the base commit it was created at.
    pub hotfix: Option<(String, String)>,
    /// The last guard on the record: (minimal, regression test).
    pub last_guard: Option<(bool, bool)>,
    /// When each milestone was last marked.
    pub milestones: HashMap<String, DateTime<Utc>>,
    /// Whether the review was recorded complete.
    pub pir_completed: bool,
    /// The hotfix pull request, as the record has followed it.
    pub pr: Option<PullRequest>,
    /// A shared incident's seats, roles, handoff and runs.
    #[serde(default)]
    pub seats: Seats,
    /// The environments before production (staging), by name.
    #[serde(default)]
    pub environments: std::collections::BTreeMap<String, environments::EnvRun>,
    /// The metric gates configured, as last recorded.
    #[serde(default)]
    pub gates: Vec<gates::GateRecord>,
    /// Each gate's latest verdict, by name.
    #[serde(default)]
    pub gate_verdicts: std::collections::BTreeMap<String, gates::GateVerdict>,
    /// The flags changed and what the guard did.
    #[serde(default)]
    pub mitigation: mitigation::Mitigation,
    /// The page and the public status page.
    #[serde(default)]
    pub outward: outward::Outward,
    /// The ticket in its tracker, what was written to it, the action items and follow-ups.
    pub tickets: tickets::Tickets,
    /// How many events the journal holds.
    pub count: usize,
    /// The newest events (at most [`RECENT`]), for the timeline's first screen. Older ones are
    /// read from the journal when they are looked at: memory does not grow with the record.
    /// Shared, so that the states a fold keeps to rewind to cost no copy of them.
    pub recent: VecDeque<Arc<Event>>,
}

/// The hotfix pull request as the record knows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PullRequest {
    pub number: u64,
    pub url: String,
    /// Each reviewer's last verdict on the record: `approved`, `changes_requested`, `dismissed`.
    pub reviews: std::collections::BTreeMap<String, String>,
    /// The checks' last state on the record: `success`, `failure` or `pending` (empty before
    /// any), for the head commit `head`.
    pub checks: String,
    #[serde(default)]
    pub head: String,
    pub merged: bool,
    pub merge_commit: Option<String>,
    pub closed: bool,
}

impl PullRequest {
    /// Who approved it, as the record holds.
    pub fn approved_by(&self) -> Vec<&str> {
        self.reviews
            .iter()
            .filter(|(_, s)| *s == "approved")
            .map(|(who, _)| who.as_str())
            .collect()
    }
}

/// How many of the newest events the fold keeps in memory.
pub const RECENT: usize = 512;

impl Incident {
    /// An incident with nothing recorded yet; `apply` of its `incident_opened` fills it in.
    pub fn empty(ticket: &str, checklist: Arc<Checklist>) -> Incident {
        let epoch = DateTime::<Utc>::UNIX_EPOCH;
        Incident {
            ticket: ticket.to_string(),
            title: String::new(),
            priority: Priority::P1,
            detected_at: epoch,
            opened_at: epoch,
            closed_at: None,
            deployed_at: None,
            last_deployed_at: None,
            verified_at: None,
            last_status_update: None,
            deploy_running: false,
            root_cause_known: false,
            branch_created: false,
            demo: false,
            opened: false,
            checklist,
            marks: HashMap::new(),
            ticks: HashMap::new(),
            why_not: HashMap::new(),
            verdicts: Vec::new(),
            sentry_issues: HashSet::new(),
            last_tag: None,
            release: None,
            deploys: Vec::new(),
            hotfix: None,
            last_guard: None,
            milestones: HashMap::new(),
            environments: Default::default(),
            gates: Vec::new(),
            gate_verdicts: Default::default(),
            mitigation: Default::default(),
            outward: Default::default(),
            tickets: Default::default(),
            pir_completed: false,
            pr: None,
            seats: Seats::default(),
            count: 0,
            recent: VecDeque::with_capacity(RECENT),
        }
    }

    /// Reads the journal from where `reader` stands and folds it: the one way an incident is
    /// loaded. The warnings say what could not be read, and when the opening line is missing.
    pub fn load(
        reader: &mut JournalReader,
        ticket: &str,
        checklist: Arc<Checklist>,
    ) -> std::io::Result<(Incident, Vec<String>)> {
        let mut inc = Incident::empty(ticket, checklist);
        let warnings = inc.fold_from(reader)?;
        Ok((inc, warnings))
    }

    /// Folds what `reader` has not read yet; the warnings say what could not be read, and
    /// when the opening line is missing.
    pub fn fold_from(&mut self, reader: &mut JournalReader) -> std::io::Result<Vec<String>> {
        let mut warnings = reader.read_each(|ev| self.apply(ev))?;
        if !self.opened {
            warnings.push(record::missing_open(&self.ticket));
        }
        Ok(warnings)
    }

    pub fn from_events(
        ticket: &str,
        checklist: Arc<Checklist>,
        events: impl IntoIterator<Item = Event>,
    ) -> Incident {
        let mut inc = Incident::empty(ticket, checklist);
        for ev in events {
            inc.apply(ev);
        }
        inc
    }

    pub fn apply(&mut self, ev: Event) {
        let at = ev.at;
        match ev.kind.as_str() {
            kinds::INCIDENT_OPENED => {
                if let Some(t) = ev.str_field("ticket") {
                    self.ticket = t.to_string();
                }
                if let Some(t) = ev.str_field("title") {
                    self.title = t.to_string();
                }
                if let Some(p) = ev.str_field("priority").and_then(|p| p.parse().ok()) {
                    self.priority = p;
                }
                self.opened = true;
                self.opened_at = at;
                self.detected_at = ev.time_field("detected_at").unwrap_or(at);
                self.demo = ev.flag("demo");
                self.tickets.untracked = ev.flag("no_ticket");
            }
            kinds::PRIORITY_CHANGED => {
                if let Some(p) = ev.str_field("to").and_then(|p| p.parse().ok()) {
                    self.priority = p;
                }
            }
            kinds::CHECKLIST_DONE => {
                if let Some(id) = ev.str_field("item") {
                    self.marks
                        .insert(id.to_string(), Mark::Done { at, auto: None });
                }
            }
            kinds::CHECKLIST_WAIVED => {
                if let Some(id) = ev.str_field("item") {
                    let reason = ev.str_field("reason").unwrap_or_default().to_string();
                    self.marks
                        .insert(id.to_string(), Mark::Waived { at, reason });
                }
            }
            kinds::CHECKLIST_REOPENED => {
                if let Some(id) = ev.str_field("item") {
                    self.marks.remove(id);
                    // Reopened by a person: a fact ticks it again when it next arrives.
                    if self.ticks.remove(id).is_some() {
                        self.why_not.insert(
                            id.to_string(),
                            (Some(at), "unticked: reopened by hand".into()),
                        );
                    }
                }
            }
            kinds::MILESTONE => {
                if let Some(id) = ev.str_field("milestone") {
                    self.milestones.insert(id.to_string(), at);
                    match id {
                        "fix_deployed" => self.deployed(at),
                        "verified_resolved" if facts::unmet(self, &ev).is_none() => {
                            self.verified_at.get_or_insert(at);
                        }
                        "root_cause_identified" => self.root_cause_known = true,
                        _ => {}
                    }
                }
            }
            kinds::STATUS_UPDATE => self.last_status_update = Some(at),
            // Posted to the PagerDuty incident's stakeholders: the cadence starts again.
            kinds::PAGERDUTY_STATUS_UPDATE => {
                self.last_status_update = Some(at);
                self.outward.apply(&ev);
            }
            kinds::DEPLOY_STARTED
            | kinds::DEPLOY_FINISHED
            | kinds::DEPLOY_READY
            | kinds::SMOKE_FINISHED
            | kinds::COMMAND_CANCELLED
            | kinds::ERROR_RATE
                if !ev.in_production() =>
            {
                self.apply_environment(&ev)
            }
            kinds::DEPLOY_STARTED => self.deploy_running = true,
            kinds::DEPLOY_FINISHED => {
                self.deploy_running = false;
                if Incident::ships_fix(&ev) {
                    self.deployed(at);
                }
            }
            kinds::DEPLOY_READY if Incident::ships_fix(&ev) => self.deployed(at),
            kinds::COMMAND_CANCELLED => self.deploy_running = false,
            kinds::GIT_BRANCH_CREATED => {
                self.branch_created = true;
                if let (Some(b), Some(c)) = (ev.str_field("branch"), ev.str_field("commit")) {
                    self.hotfix = Some((b.to_string(), c.to_string()));
                }
            }
            kinds::GIT_TAG_CREATED => {
                if let Some(tag) = ev.str_field("tag") {
                    self.last_tag = Some(tag.to_string());
                }
            }
            kinds::GIT_GUARD => {
                self.last_guard = Some((ev.flag("minimal"), ev.flag("regression_test")));
            }
            kinds::ERROR_RATE => {
                if let (Some(d), Some(v)) = (ev.str_field("deploy_at"), ev.str_field("verdict")) {
                    self.verdicts.push((d.to_string(), v.to_string()));
                }
            }
            kinds::METRIC_GATES | kinds::METRIC_VERDICT => self.apply_gates(&ev),
            kinds::FLAG_CHANGED | kinds::GUARD_TRIPPED | kinds::GUARD_VETOED => {
                self.mitigation.apply(&ev)
            }
            kinds::PAGERDUTY_TRIGGERED
            | kinds::PAGERDUTY_LINKED
            | kinds::PAGERDUTY_ACKNOWLEDGED
            | kinds::PAGERDUTY_RESOLVED
            | kinds::PAGERDUTY_RESPONDERS
            | kinds::PAGERDUTY_NOTE
            | kinds::STATUSPAGE_DRAFTED
            | kinds::STATUSPAGE_PUBLISHED => self.outward.apply(&ev),
            kinds::NOTE
            | kinds::TICKET_LINKED
            | kinds::TICKET_COMMENTED
            | kinds::TICKET_MOVED
            | kinds::TICKET_WRITE_FAILED
            | kinds::FOLLOWUP_CREATED
            | kinds::FOLLOWUP_FAILED => self.tickets.apply(&ev),
            kinds::SENTRY_DEPLOY if ev.flag("ok") => {
                self.release = ev.str_field("release").map(str::to_string);
            }
            kinds::SENTRY_ISSUE | kinds::ROLLBAR_ITEM => {
                if let Some(id) = ev.str_field("id") {
                    self.sentry_issues.insert(id.to_string());
                }
            }
            kinds::INCIDENT_CLOSED => {
                self.closed_at.get_or_insert(at);
            }
            kinds::PIR_COMPLETED => self.pir_completed = true,
            kinds::PR_OPENED => {
                if let Some(number) = ev.i64_field("number").and_then(|n| u64::try_from(n).ok()) {
                    self.pr = Some(PullRequest {
                        number,
                        url: ev.str_field("url").unwrap_or_default().to_string(),
                        ..PullRequest::default()
                    });
                }
            }
            kinds::PR_REVIEW => {
                if let (Some(pr), Some(who), Some(state)) = (
                    &mut self.pr,
                    ev.str_field("reviewer"),
                    ev.str_field("state"),
                ) {
                    pr.reviews.insert(who.to_string(), state.to_string());
                }
            }
            kinds::PR_CHECKS => {
                if let (Some(pr), Some(state)) = (&mut self.pr, ev.str_field("state")) {
                    pr.checks = state.to_string();
                    if let Some(head) = ev.str_field("head") {
                        pr.head = head.to_string();
                    }
                }
            }
            kinds::PR_MERGED => {
                if let Some(pr) = &mut self.pr {
                    pr.merged = true;
                    pr.merge_commit = ev.str_field("merge_commit").map(String::from);
                }
            }
            kinds::PR_CLOSED => {
                if let Some(pr) = &mut self.pr {
                    pr.closed = true;
                }
            }
            kinds::PR_REOPENED => {
                if let Some(pr) = &mut self.pr {
                    pr.closed = false;
                }
            }
            _ => {}
        }
        self.seats.apply(&ev);
        self.settle(&ev);
        self.count += 1;
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(Arc::new(ev));
    }

    /// Event `n` (0 is the oldest) when it is among the newest kept in memory.
    pub fn recent_event(&self, n: usize) -> Option<&Event> {
        let first = self.count - self.recent.len();
        n.checked_sub(first)
            .and_then(|i| self.recent.get(i))
            .map(Arc::as_ref)
    }

    /// The newest verdict among `class` on the record for the deploy at `deploy_at`.
    pub fn latest_verdict(&self, deploy_at: &str, class: &[&str]) -> Option<&str> {
        self.verdicts
            .iter()
            .rev()
            .find(|(d, v)| d == deploy_at && class.contains(&v.as_str()))
            .map(|(_, v)| v.as_str())
    }

    /// What the verification judges from: the latest deploy, or a flag changed after it (a
    /// mitigation starts the window again, as a deploy does).
    pub fn judged_from(&self) -> Option<DateTime<Utc>> {
        self.last_deployed_at
            .max(self.mitigation.last_flag_change())
    }

    /// What the verification judges from, in words: `the deploy` or `the flag change`.
    pub fn judged_after(&self) -> &'static str {
        match self.judged_from() {
            Some(t) if Some(t) != self.last_deployed_at => "the flag change",
            _ => "the deploy",
        }
    }

    /// The change a verdict's `deploy_at` names, in words.
    pub fn change_at(&self, deploy_at: &str) -> &'static str {
        let flag_change = self
            .mitigation
            .changes
            .iter()
            .any(|c| crate::journal::event::rfc3339_string(c.at) == deploy_at);
        let deploy = self
            .deploys
            .iter()
            .any(|d| crate::journal::event::rfc3339_string(*d) == deploy_at);
        if flag_change && !deploy {
            "the flag change"
        } else {
            "the deploy"
        }
    }

    fn deployed(&mut self, at: DateTime<Utc>) {
        self.deploys.push(at);
        self.deployed_at.get_or_insert(at);
        self.last_deployed_at = Some(at);
    }

    pub fn status<'a>(&'a self, item: &Item) -> ItemStatus<'a> {
        match self.marks.get(&item.id) {
            Some(m @ Mark::Done { .. }) => ItemStatus::Done(m),
            Some(m @ Mark::Waived { .. }) => ItemStatus::Waived(m),
            None => match self.ticks.get(&item.id) {
                Some(t) => ItemStatus::Done(&t.mark),
                None if !item.applies_to(self.priority) => {
                    ItemStatus::NotApplicable(Inapplicable::Priority)
                }
                None if self.without_gate(item) => ItemStatus::NotApplicable(Inapplicable::NoGate),
                None => ItemStatus::Pending,
            },
        }
    }

    pub fn phase(&self) -> Phase {
        if self.closed_at.is_some() {
            Phase::Closed
        } else if self.verified_at.is_some() {
            Phase::Resolved
        } else if self.deployed_at.is_some() && !self.deploy_running {
            Phase::Monitoring
        } else if self.deploy_running {
            Phase::Deploying
        } else if self.root_cause_known || self.branch_created {
            Phase::Fixing
        } else {
            Phase::Triage
        }
    }

    /// (settled, applicable) for a set of items: done and waived count as settled.
    pub fn progress<'a>(&self, items: impl IntoIterator<Item = &'a Item>) -> (usize, usize) {
        let mut settled = 0;
        let mut total = 0;
        for it in items {
            match self.status(it) {
                ItemStatus::NotApplicable(_) => {}
                ItemStatus::Pending => total += 1,
                ItemStatus::Done(_) | ItemStatus::Waived(_) => {
                    settled += 1;
                    total += 1;
                }
            }
        }
        (settled, total)
    }

    pub fn is_milestone(ev: &Event) -> bool {
        matches!(
            ev.kind.as_str(),
            kinds::MILESTONE
                | kinds::INCIDENT_OPENED
                | kinds::INCIDENT_CLOSED
                | kinds::PR_OPENED
                | kinds::PR_MERGED
        ) || Incident::ships_fix(ev)
            || (ev.is(kinds::PRIORITY_CHANGED))
    }

    /// Whether this event is the fix reaching production: a deploy command that exited 0 and
    /// waits for no readiness check, or the readiness check answered.
    pub fn ships_fix(ev: &Event) -> bool {
        ev.in_production()
            && ((ev.is(kinds::DEPLOY_FINISHED)
                && ev.i64_field("exit_code") == Some(0)
                && !ev.flag("awaiting_ready"))
                || (ev.is(kinds::DEPLOY_READY) && ev.flag("ok")))
    }
}

#[cfg(test)]
mod tests;
