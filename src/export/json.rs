//! `incident.json`: the record as one JSON object.

use std::cell::RefCell;
use std::io::Write;

use chrono::{DateTime, Utc};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{Value, json};

use crate::clock::{self, Policy, Sla};
use crate::incident::{Incident, ItemStatus, Mark};
use crate::journal::EventSource;
use crate::journal::event::rfc3339_string;

fn time(t: Option<DateTime<Utc>>) -> Value {
    t.map(|t| Value::String(rfc3339_string(t)))
        .unwrap_or(Value::Null)
}

/// The incident as one JSON object: the facts, the checklist outcome and every event, the
/// events streamed from the record as they are written.
pub fn write_incident_json(
    inc: &Incident,
    events: &dyn EventSource,
    policy: &Policy,
    now: DateTime<Utc>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let doc = Document {
        facts: facts(inc, policy, now),
        events: Streamed {
            source: events,
            failed: RefCell::new(None),
        },
    };
    let mut ser = serde_json::Serializer::pretty(&mut *out);
    let written = doc.serialize(&mut ser);
    if let Some(e) = doc.events.failed.take() {
        return Err(e);
    }
    written.map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}

/// The facts, then `"events"`, so the events can be written last, one at a time.
struct Document<'a> {
    facts: Value,
    events: Streamed<'a>,
}

impl Serialize for Document<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let facts = self.facts.as_object();
        let mut map = s.serialize_map(None)?;
        for (k, v) in facts.into_iter().flatten() {
            map.serialize_entry(k, v)?;
        }
        map.serialize_entry("events", &self.events)?;
        map.end()
    }
}

struct Streamed<'a> {
    source: &'a dyn EventSource,
    /// Why reading the record stopped, when it did.
    failed: RefCell<Option<std::io::Error>>,
}

impl Serialize for Streamed<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        let mut error = None;
        let read = self.source.each(&mut |ev| {
            seq.serialize_element(&ev).map_err(|e| {
                let text = e.to_string();
                error = Some(e);
                std::io::Error::other(text)
            })
        });
        if let Some(e) = error {
            return Err(e);
        }
        if let Err(e) = read {
            let text = e.to_string();
            *self.failed.borrow_mut() = Some(e);
            return Err(serde::ser::Error::custom(text));
        }
        seq.end()
    }
}

/// Everything but the events.
fn facts(inc: &Incident, policy: &Policy, now: DateTime<Utc>) -> Value {
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
                ItemStatus::NotApplicable(_) => ("not_applicable", None, None),
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
    })
}
