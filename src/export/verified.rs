//! Where the fix was verified, for the documents: `on staging at 14:52 UTC`, `in production at
//! 15:20 UTC`, each from the checklist's tick that holds now; nothing about an environment the
//! incident never used.

use chrono::{DateTime, Utc};

use crate::incident::{Incident, ItemStatus, Mark};
use crate::runbook::PRODUCTION;

/// When the item ticked by itself, if it is ticked now.
fn ticked(inc: &Incident, item: &str) -> Option<DateTime<Utc>> {
    let it = inc.checklist.item(item)?;
    match inc.status(it) {
        ItemStatus::Done(Mark::Done { at, .. }) => Some(*at),
        _ => None,
    }
}

fn minute(at: DateTime<Utc>) -> String {
    at.format("%H:%M UTC").to_string()
}

/// Where the fix was verified, or what happened instead.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Where {
    pub ok: bool,
    /// `on staging at 14:52 UTC`, or `staging deployed at 14:40 UTC, not verified there`.
    pub text: String,
}

/// One per environment the record holds, before production first; nothing when no environment
/// before production was used (production's own verification has its checklist line).
pub fn verified_where(inc: &Incident) -> Vec<Where> {
    if inc.environments.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<Where> = inc
        .environments
        .iter()
        .filter(|(name, _)| name.as_str() != PRODUCTION)
        .map(|(name, env)| {
            let verified = if name == "staging" {
                ticked(inc, "staging")
            } else {
                env.fix_verified_at
            };
            let text = match (verified, env.deployed_at, env.failed) {
                (Some(at), _, _) => format!("on {name} at {}", minute(at)),
                (None, _, Some(at)) => format!("{name} deploy at {} failed", minute(at)),
                (None, Some(at), None) => {
                    format!("{name} deployed at {}, not verified there", minute(at))
                }
                (None, None, None) => format!("{name} never deployed"),
            };
            Where {
                ok: verified.is_some(),
                text,
            }
        })
        .collect();
    if let Some(at) = ticked(inc, "smoke-tests") {
        out.push(Where {
            ok: true,
            text: format!("in production at {}", minute(at)),
        });
    }
    out
}
