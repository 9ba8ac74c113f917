//! Who is on a shared incident: the seats and their people, the roles, the commander's
//! handoff, and what each seat is running.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::journal::{Event, kinds};

/// The roles of an incident, by id, with their names.
pub const ROLES: &[(&str, &str)] = &[
    ("commander", "incident commander"),
    ("comms", "comms lead"),
    ("ops", "ops lead"),
    ("scribe", "scribe"),
];

pub fn role_name(id: &str) -> Option<&'static str> {
    ROLES.iter().find(|(r, _)| *r == id).map(|(_, n)| *n)
}

/// The commander's role on its way from one seat to another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Handoff {
    pub from: String,
    pub to: String,
    pub at: DateTime<Utc>,
}

/// A deploy, rollback, check or smoke test started on a seat and not finished there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeatRun {
    pub kind: String,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Seats {
    /// Every seat on the record, with its person.
    pub people: BTreeMap<String, String>,
    /// Each role's seat, the last assignment standing.
    pub roles: BTreeMap<String, String>,
    pub handoff: Option<Handoff>,
    pub running: BTreeMap<String, SeatRun>,
    /// The seat that closed the incident.
    pub closed_by: Option<String>,
}

impl Seats {
    pub fn apply(&mut self, ev: &Event) {
        let Some(seat) = ev.str_field("seat") else {
            return;
        };
        if let Some(by) = ev.str_field("by") {
            self.people.insert(seat.to_string(), by.to_string());
        }
        match ev.kind.as_str() {
            kinds::ROLE_ASSIGNED => {
                if let (Some(role), Some(to)) = (ev.str_field("role"), ev.str_field("to")) {
                    self.roles.insert(role.to_string(), to.to_string());
                }
            }
            kinds::INCIDENT_CLOSED => {
                self.closed_by.get_or_insert_with(|| seat.to_string());
            }
            kinds::HANDOFF_STARTED => {
                if let Some(to) = ev.str_field("to") {
                    self.handoff = Some(Handoff {
                        from: seat.to_string(),
                        to: to.to_string(),
                        at: ev.at,
                    });
                }
            }
            kinds::HANDOFF_ACCEPTED if self.handoff.as_ref().is_some_and(|h| h.to == seat) => {
                self.roles.insert("commander".into(), seat.to_string());
                self.handoff = None;
            }
            kinds::DEPLOY_STARTED
            | kinds::ROLLBACK_STARTED
            | kinds::CHECK_STARTED
            | kinds::SMOKE_STARTED => {
                let kind = match ev.kind.as_str() {
                    kinds::SMOKE_STARTED => "smoke test",
                    k => k.trim_end_matches("_started"),
                }
                .to_string();
                self.running
                    .insert(seat.to_string(), SeatRun { kind, since: ev.at });
            }
            kinds::DEPLOY_FINISHED
            | kinds::ROLLBACK_FINISHED
            | kinds::CHECK_FINISHED
            | kinds::SMOKE_FINISHED
            | kinds::COMMAND_CANCELLED => {
                self.running.remove(seat);
            }
            _ => {}
        }
    }

    /// The person at a seat (the seat's id when no event named them).
    pub fn person<'a>(&'a self, seat: &'a str) -> &'a str {
        self.people.get(seat).map_or(seat, String::as_str)
    }

    /// The seat holding a role.
    pub fn holder(&self, role: &str) -> Option<&str> {
        self.roles.get(role).map(String::as_str)
    }

    /// What runs on a seat other than `me`: a deploy or rollback first, else a check or smoke test.
    pub fn running_elsewhere(&self, me: &str) -> Option<(&str, &SeatRun)> {
        let mut others = self.running.iter().filter(|(seat, _)| seat.as_str() != me);
        let mut first = None;
        for (seat, run) in others.by_ref() {
            if run.kind == "deploy" || run.kind == "rollback" {
                return Some((seat.as_str(), run));
            }
            first.get_or_insert((seat.as_str(), run));
        }
        first
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Draft;

    fn ev(kind: &str, seat: &str, fields: &[(&str, &str)]) -> Event {
        let mut d = Draft::new(kind, "x")
            .field("by", seat.trim_end_matches("-1"))
            .field("seat", seat);
        for (k, v) in fields {
            d = d.field(k, *v);
        }
        d.stamp(Utc::now())
    }

    #[test]
    fn roles_handoff_and_runs_follow_the_record() {
        let mut s = Seats::default();
        s.apply(&ev(
            kinds::ROLE_ASSIGNED,
            "alice-1",
            &[("role", "commander"), ("to", "alice-1")],
        ));
        s.apply(&ev(kinds::HANDOFF_STARTED, "alice-1", &[("to", "bob-1")]));
        assert_eq!(s.holder("commander"), Some("alice-1"));
        // Only the seat it was handed to can accept it.
        s.apply(&ev(kinds::HANDOFF_ACCEPTED, "carol-1", &[]));
        assert_eq!(s.holder("commander"), Some("alice-1"));
        s.apply(&ev(kinds::HANDOFF_ACCEPTED, "bob-1", &[]));
        assert_eq!(s.holder("commander"), Some("bob-1"));
        assert!(s.handoff.is_none());
        s.apply(&ev(kinds::DEPLOY_STARTED, "bob-1", &[]));
        assert_eq!(
            s.running_elsewhere("alice-1")
                .map(|(w, r)| (w, r.kind.as_str())),
            Some(("bob-1", "deploy"))
        );
        assert!(s.running_elsewhere("bob-1").is_none());
        s.apply(&ev(kinds::DEPLOY_FINISHED, "bob-1", &[]));
        assert!(s.running_elsewhere("alice-1").is_none());
        assert_eq!(s.person("bob-1"), "bob");
    }
}
