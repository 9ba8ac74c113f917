//! The outward loop on the record: the PagerDuty incident this one follows (who acknowledged
//! it, whether it was resolved there, what was mirrored onto it) and every publication of the
//! public status page, with the comms lead's draft waiting for the commander.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::journal::{Event, kinds};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Outward {
    pub page: Paging,
    pub status_page: StatusPage,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Paging {
    /// Paged from here through the Events API, with this dedup key.
    pub triggered: Option<(DateTime<Utc>, String)>,
    pub incident: Option<PagedIncident>,
    /// Who acknowledged it on PagerDuty, and when, while it stays acknowledged.
    pub acknowledged: Option<(String, DateTime<Utc>)>,
    pub resolved: Option<DateTime<Utc>>,
    /// Status updates posted to its stakeholders.
    pub status_updates: usize,
    /// Responders requested, by name.
    pub responders: Vec<String>,
    /// The timeline events already mirrored as notes (`kind@time`).
    pub mirrored: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PagedIncident {
    pub id: String,
    pub number: u64,
    pub url: String,
    pub title: String,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatusPage {
    /// The Statuspage incident publications go to, and its page.
    pub incident: Option<(String, String)>,
    pub published: Vec<Publication>,
    /// A draft waiting for the commander's approval.
    pub draft: Option<Publication>,
}

/// What the status page says (or will say, for a draft).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Publication {
    pub at: DateTime<Utc>,
    /// `investigating`, `identified`, `monitoring`, `resolved`.
    pub status: String,
    pub name: String,
    pub body: String,
    /// Each component's id and the status it gets.
    pub components: BTreeMap<String, String>,
    /// The seat's person who wrote it (a draft), or who published it.
    pub by: String,
    pub url: Option<String>,
}

/// What the public is told the incident's state is: `investigating`, `identified`,
/// `monitoring`, `resolved` (only when the record holds a verification; a fix deployed and not
/// verified is said as such, closed or not), or `closed` (closed with nothing deployed).
pub fn public_status(inc: &super::Incident) -> &'static str {
    use super::Phase;
    match inc.phase() {
        Phase::Triage => "investigating",
        Phase::Fixing | Phase::Deploying => "identified",
        Phase::Monitoring => "monitoring",
        Phase::Resolved => "resolved",
        Phase::Closed if inc.verified_at.is_some() => "resolved",
        Phase::Closed if inc.deployed_at.is_some() => "monitoring",
        Phase::Closed => "closed",
    }
}

/// How a timeline event is named among those mirrored: its kind and time.
pub fn mirror_key(ev: &Event) -> String {
    format!(
        "{}@{}",
        ev.kind,
        crate::journal::event::rfc3339_string(ev.at)
    )
}

impl Publication {
    pub fn from_event(ev: &Event) -> Publication {
        let components = ev
            .fields
            .get("components")
            .and_then(|c| c.as_object())
            .map(|o| {
                o.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        Publication {
            at: ev.at,
            status: ev.str_field("status").unwrap_or_default().to_string(),
            name: ev.str_field("name").unwrap_or_default().to_string(),
            body: ev.str_field("body").unwrap_or_default().to_string(),
            components,
            by: ev.str_field("by").unwrap_or_default().to_string(),
            url: ev.str_field("url").map(str::to_string),
        }
    }
}

impl Outward {
    pub fn apply(&mut self, ev: &Event) {
        let page = &mut self.page;
        match ev.kind.as_str() {
            kinds::PAGERDUTY_TRIGGERED => {
                page.triggered = Some((
                    ev.at,
                    ev.str_field("dedup_key").unwrap_or_default().to_string(),
                ));
            }
            // Reopened after it was resolved: the same incident, open again.
            kinds::PAGERDUTY_LINKED if ev.flag("reopened") => page.resolved = None,
            kinds::PAGERDUTY_LINKED => {
                if let Some(id) = ev.str_field("incident") {
                    page.incident = Some(PagedIncident {
                        id: id.to_string(),
                        number: ev
                            .i64_field("number")
                            .and_then(|n| u64::try_from(n).ok())
                            .unwrap_or_default(),
                        url: ev.str_field("url").unwrap_or_default().to_string(),
                        title: ev.str_field("title").unwrap_or_default().to_string(),
                        since: ev.at,
                    });
                    page.acknowledged = None;
                    page.resolved = None;
                }
            }
            kinds::PAGERDUTY_ACKNOWLEDGED if ev.flag("acknowledged") => {
                let who = ev.str_field("person").unwrap_or("someone").to_string();
                let at = ev.time_field("acknowledged_at").unwrap_or(ev.at);
                page.acknowledged = Some((who, at));
                page.resolved = None;
            }
            kinds::PAGERDUTY_ACKNOWLEDGED => page.acknowledged = None,
            kinds::PAGERDUTY_RESOLVED => page.resolved = Some(ev.at),
            kinds::PAGERDUTY_STATUS_UPDATE => page.status_updates += 1,
            kinds::PAGERDUTY_RESPONDERS => {
                for t in ev
                    .fields
                    .get("targets")
                    .and_then(|t| t.as_array())
                    .into_iter()
                    .flatten()
                {
                    if let Some(n) = t.get("name").and_then(|n| n.as_str()) {
                        page.responders.push(n.to_string());
                    }
                }
            }
            kinds::PAGERDUTY_NOTE => {
                if let Some(of) = ev.str_field("of") {
                    page.mirrored.insert(of.to_string());
                }
            }
            kinds::STATUSPAGE_DRAFTED => {
                self.status_page.draft = Some(Publication::from_event(ev));
            }
            kinds::STATUSPAGE_PUBLISHED => {
                let p = Publication::from_event(ev);
                if let (Some(id), Some(url)) = (ev.str_field("incident"), &p.url) {
                    self.status_page.incident = Some((id.to_string(), url.clone()));
                }
                self.status_page.draft = None;
                self.status_page.published.push(p);
            }
            _ => {}
        }
    }
}
