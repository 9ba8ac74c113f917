//! Mitigations on the record: each feature flag's state as last changed and read back, and what
//! the guard did about each deploy.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::journal::{Event, kinds};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Mitigation {
    /// Each flag's last confirmed change, by name.
    pub flags: BTreeMap<String, FlagChange>,
    /// When a flag last changed: the verification window starts again there.
    pub last_flag_change: Option<DateTime<Utc>>,
    /// What the guard did about each deploy, by the deploy's time as written.
    pub guard: BTreeMap<String, GuardOutcome>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlagChange {
    pub on: bool,
    pub at: DateTime<Utc>,
    pub provider: String,
    pub environment: String,
    /// The guard made it (not a person).
    pub by_guard: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GuardOutcome {
    Tripped,
    Vetoed,
}

impl Mitigation {
    pub fn apply(&mut self, ev: &Event) {
        match ev.kind.as_str() {
            kinds::FLAG_CHANGED if ev.flag("confirmed") => {
                let (Some(name), Some(to)) = (ev.str_field("flag"), ev.str_field("to")) else {
                    return;
                };
                self.flags.insert(
                    name.to_string(),
                    FlagChange {
                        on: to == "on",
                        at: ev.at,
                        provider: ev.str_field("provider").unwrap_or_default().to_string(),
                        environment: ev.environment().to_string(),
                        by_guard: ev.flag("by_guard"),
                    },
                );
                self.last_flag_change = Some(ev.at);
            }
            kinds::GUARD_TRIPPED | kinds::GUARD_VETOED => {
                if let Some(d) = ev.str_field("deploy_at") {
                    let outcome = if ev.is(kinds::GUARD_VETOED) {
                        GuardOutcome::Vetoed
                    } else {
                        GuardOutcome::Tripped
                    };
                    self.guard.insert(d.to_string(), outcome);
                }
            }
            _ => {}
        }
    }
}
