//! Environments before production (staging): each one's latest deploy and whether the fix was
//! verified on it since. None of it stops the SLA clock or counts as the fix deployed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Incident;
use crate::journal::{Event, kinds};

/// What the record holds of one environment before production.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EnvRun {
    /// A deploy to it is running.
    pub running: bool,
    /// Its latest deploy that finished with exit 0.
    pub deployed_at: Option<DateTime<Utc>>,
    /// Its latest deploy failed (after `deployed_at`, if any).
    pub failed: Option<DateTime<Utc>>,
    /// Its smoke tests that verify the fix passed after its latest deploy.
    pub fix_verified_at: Option<DateTime<Utc>>,
    /// When its latest smoke run ended without verifying the fix.
    pub smoke_failed: Option<DateTime<Utc>>,
}

impl EnvRun {
    /// The latest deploy, as verdicts name it.
    pub fn deploy_key(&self) -> Option<String> {
        self.deployed_at.map(crate::journal::event::rfc3339_string)
    }
}

impl Incident {
    /// What a run event of an environment before production changes.
    pub(super) fn apply_environment(&mut self, ev: &Event) {
        let env = self
            .environments
            .entry(ev.environment().to_string())
            .or_default();
        match ev.kind.as_str() {
            kinds::DEPLOY_STARTED => env.running = true,
            kinds::COMMAND_CANCELLED if ev.str_field("job") == Some("deploy") => {
                env.running = false
            }
            kinds::DEPLOY_FINISHED => {
                env.running = false;
                env.fix_verified_at = None;
                env.smoke_failed = None;
                if ev.i64_field("exit_code") == Some(0) {
                    env.deployed_at = Some(ev.at);
                    env.failed = None;
                } else {
                    env.failed = Some(ev.at);
                }
            }
            kinds::SMOKE_FINISHED if ev.fields.get("fix_verified").is_some() => {
                if ev.flag("fix_verified") && env.deployed_at.is_some() && env.failed.is_none() {
                    env.fix_verified_at = Some(ev.at);
                    env.smoke_failed = None;
                } else {
                    env.fix_verified_at = None;
                    env.smoke_failed = Some(ev.at);
                }
            }
            _ => {}
        }
    }

    /// Why a smoke run or a Sentry verdict on `ev`'s environment does not verify the fix there:
    /// no deploy to it finished, or (for the smoke run) Sentry is still to be asked.
    pub(super) fn unverified_before_production(&self, ev: &Event) -> Option<String> {
        let name = ev.environment();
        let env = self.environments.get(name);
        let deployed = env.and_then(|e| e.deployed_at.filter(|_| e.failed.is_none()));
        if deployed.is_none() {
            return Some(match env.and_then(|e| e.failed) {
                Some(_) => format!("the latest {name} deploy failed"),
                None => format!("no {name} deploy has finished"),
            });
        }
        match ev.kind.as_str() {
            kinds::SMOKE_FINISHED => ev
                .str_field("sentry_environment")
                .map(|s| format!("waiting for Sentry's new issues in {s} since the {name} deploy")),
            kinds::ERROR_RATE => {
                let current = env.and_then(EnvRun::deploy_key);
                if ev.str_field("deploy_at") != current.as_deref() {
                    Some(format!("the verdict is on an earlier {name} deploy"))
                } else if env.and_then(|e| e.fix_verified_at).is_none() {
                    Some(format!(
                        "no smoke test that verifies the fix passed on {name} since its deploy"
                    ))
                } else {
                    None
                }
            }
            _ => None,
        }
    }
}
