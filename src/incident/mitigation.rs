//! Mitigations on the record: each feature flag's state as last changed and read back, and what
//! the guard did about each deploy.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::journal::{Event, kinds};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Mitigation {
    /// Every confirmed flag change, oldest first (people's and the guard's: a handful).
    pub changes: Vec<FlagChange>,
    /// What the guard did about each deploy, by the deploy's time as written.
    pub guard: BTreeMap<String, GuardOutcome>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlagChange {
    pub flag: String,
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
    /// Each flag's state as last changed, by name.
    pub fn flags(&self) -> BTreeMap<&str, &FlagChange> {
        self.changes.iter().map(|c| (c.flag.as_str(), c)).collect()
    }

    /// When a flag last changed: the verification window starts again there.
    pub fn last_flag_change(&self) -> Option<DateTime<Utc>> {
        self.changes.last().map(|c| c.at)
    }

    pub fn apply(&mut self, ev: &Event) {
        match ev.kind.as_str() {
            kinds::FLAG_CHANGED if ev.flag("confirmed") => {
                let (Some(name), Some(to)) = (ev.str_field("flag"), ev.str_field("to")) else {
                    return;
                };
                self.changes.push(FlagChange {
                    flag: name.to_string(),
                    on: to == "on",
                    at: ev.at,
                    provider: ev.str_field("provider").unwrap_or_default().to_string(),
                    environment: ev.environment().to_string(),
                    by_guard: ev.flag("by_guard"),
                });
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
