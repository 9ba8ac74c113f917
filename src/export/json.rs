//! `incident.json`: the record as one JSON object.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::clock::{self, Policy, Sla};
use crate::incident::{Incident, ItemStatus, Mark};
use crate::journal::event::rfc3339_string;

fn time(t: Option<DateTime<Utc>>) -> Value {
    t.map(|t| Value::String(rfc3339_string(t)))
        .unwrap_or(Value::Null)
}

/// The incident as one JSON object: the facts, the checklist outcome and every event.
pub fn incident_json(inc: &Incident, policy: &Policy, now: DateTime<Utc>) -> Value {
    let target = policy.target(inc.priority);
    let sla = match clock::sla(inc, policy, now) {
        Sla::Stopped { took, target } => json!({
            "target_seconds": target.as_secs(),
            "deployed_after_seconds": took.as_secs(),
            "met": took <= target,
        }),
        Sla::Running { .. } => json!({ "target_seconds": target.as_secs(), "met": null }),
        Sla::Breached { .. } => json!({ "target_seconds": target.as_secs(), "met": false }),
    };
    let checklist: Vec<Value> = inc
        .checklist
        .phases
        .iter()
        .flat_map(|p| p.items.iter().map(move |it| (p, it)))
        .map(|(p, it)| {
            let mut v = json!({ "id": it.id, "phase": p.id, "text": it.text });
            let (status, at, extra) = match inc.status(it) {
                ItemStatus::Pending => ("pending", None, None),
                ItemStatus::NotApplicable => ("not_applicable", None, None),
                ItemStatus::Done(Mark::Done { at, auto }) => {
                    ("done", Some(*at), auto.clone().map(|a| ("auto", a)))
                }
                ItemStatus::Waived(Mark::Waived { at, reason }) => {
                    ("waived", Some(*at), Some(("reason", reason.clone())))
                }
                ItemStatus::Done(_) | ItemStatus::Waived(_) => ("pending", None, None),
            };
            v["status"] = json!(status);
            if let Some(at) = at {
                v["at"] = time(Some(at));
            }
            if let Some((k, val)) = extra {
                v[k] = json!(val);
            }
            v
        })
        .collect();
    json!({
        "ticket": inc.ticket,
        "title": inc.title,
        "priority": inc.priority.to_string(),
        "phase": inc.phase().as_str(),
        "detected_at": time(Some(inc.detected_at)),
        "opened_at": time(Some(inc.opened_at)),
        "deployed_at": time(inc.deployed_at),
        "verified_at": time(inc.verified_at),
        "closed_at": time(inc.closed_at),
        "sla": sla,
        "checklist": checklist,
        "events": inc.events,
    })
}
