//! Metric gates as the record holds them: which gates were configured (`metric_gates`) and each
//! one's latest verdict on a deploy (`metric_verdict`). The checklist's metric items and
//! "verified resolved" rest on these.

use serde::{Deserialize, Serialize};

use super::Incident;
use crate::checklist::Item;
use crate::journal::{Event, kinds};

/// A gate as recorded: its name, the item its good verdict ticks, what it expects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateRecord {
    pub name: String,
    #[serde(default)]
    pub item: Option<String>,
    #[serde(default)]
    pub expect: String,
}

/// A gate's latest verdict: on which deploy (as written), and what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateVerdict {
    pub deploy_at: String,
    pub verdict: String,
    pub sentence: String,
}

pub const GOOD: &str = "good";

impl Incident {
    pub(super) fn apply_gates(&mut self, ev: &Event) {
        match ev.kind.as_str() {
            kinds::METRIC_GATES => {
                self.gates = ev
                    .fields
                    .get("gates")
                    .cloned()
                    .and_then(|g| serde_json::from_value(g).ok())
                    .unwrap_or_default();
            }
            kinds::METRIC_VERDICT => {
                if let (Some(name), Some(d), Some(v)) = (
                    ev.str_field("name"),
                    ev.str_field("deploy_at"),
                    ev.str_field("verdict"),
                ) {
                    self.gate_verdicts.insert(
                        name.to_string(),
                        GateVerdict {
                            deploy_at: d.to_string(),
                            verdict: v.to_string(),
                            sentence: ev.text.clone(),
                        },
                    );
                }
            }
            _ => {}
        }
    }

    /// The gate's latest verdict on the deploy at `deploy_at`.
    pub fn gate_verdict(&self, name: &str, deploy_at: &str) -> Option<&GateVerdict> {
        self.gate_verdicts
            .get(name)
            .filter(|v| v.deploy_at == deploy_at)
    }

    /// The verdicts on the latest deploy, in the gates' order: what the documents may state.
    pub fn gate_verdicts_now(&self) -> Vec<(&GateRecord, Option<&GateVerdict>)> {
        let key = self
            .judged_from()
            .map(crate::journal::event::rfc3339_string);
        self.gates
            .iter()
            .map(|g| {
                let v = key.as_deref().and_then(|k| self.gate_verdict(&g.name, k));
                (g, v)
            })
            .collect()
    }

    /// The gates that are not good on the deploy at `deploy_at` (every one when none is).
    pub fn gates_not_good(&self, deploy_at: &str) -> Vec<&str> {
        self.gates
            .iter()
            .filter(|g| {
                self.gate_verdict(&g.name, deploy_at)
                    .is_none_or(|v| v.verdict != GOOD)
            })
            .map(|g| g.name.as_str())
            .collect()
    }

    /// Why a good verdict of the gate in `ev` does not tick its item: another gate of the same
    /// item is not good on this deploy, or the verdict is on an earlier deploy.
    pub(super) fn gate_unmet(&self, ev: &Event) -> Option<String> {
        let deploy = self
            .judged_from()
            .map(crate::journal::event::rfc3339_string)?;
        if ev.str_field("deploy_at") != Some(deploy.as_str()) {
            return Some("the verdict is on an earlier deploy".into());
        }
        let item = ev.str_field("item")?;
        let name = ev.str_field("name").unwrap_or_default();
        let waiting: Vec<&str> = self
            .gates
            .iter()
            .filter(|g| g.item.as_deref() == Some(item) && g.name != name)
            .filter(|g| {
                self.gate_verdict(&g.name, &deploy)
                    .is_none_or(|v| v.verdict != GOOD)
            })
            .map(|g| g.name.as_str())
            .collect();
        (!waiting.is_empty()).then(|| format!("waiting for {} to be good too", waiting.join(", ")))
    }

    /// An item that only a metric gate can tick, and no gate on the record names it.
    pub fn without_gate(&self, item: &Item) -> bool {
        let gated: Vec<_> = item
            .auto
            .iter()
            .filter(|t| t.kind == kinds::METRIC_VERDICT)
            .collect();
        if gated.is_empty() || gated.len() != item.auto.len() {
            return false;
        }
        !gated.iter().any(|t| {
            self.gates.iter().any(|g| {
                let by_item = t
                    .fields
                    .get("item")
                    .and_then(|v| v.as_str())
                    .is_none_or(|i| g.item.as_deref() == Some(i));
                let by_name = t
                    .fields
                    .get("name")
                    .and_then(|v| v.as_str())
                    .is_none_or(|n| g.name == n);
                by_item && by_name
            })
        })
    }
}
