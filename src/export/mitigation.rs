//! The mitigations in the documents: option 3 of the rollback plan for each configured flag,
//! and what was used (flags turned off or on, the guard's trips and vetoes), from the record.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::incident::Incident;
use crate::incident::mitigation::GuardOutcome;

/// A configured flag, for the rollback plan: its name and where it is changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanFlag {
    pub name: String,
    pub place: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Mitigations {
    /// The rollback plan's option 3, a flag each.
    pub plan: Vec<PlanFlag>,
    /// What was used, in words: `Flag new-checkout turned off at 14:32 UTC (Unleash, production)`.
    pub used: Vec<String>,
    /// The guard's part: `Guard tripped on the deploy of 14:20 UTC`.
    pub guard: Vec<String>,
}

fn utc(t: DateTime<Utc>) -> String {
    format!("{} UTC", crate::format::utc_minute(t))
}

pub fn mitigations(inc: &Incident, plan: &[PlanFlag]) -> Mitigations {
    // Every change, in order: a flag turned off and then on again was used.
    let used = inc
        .mitigation
        .changes
        .iter()
        .map(|c| {
            format!(
                "Flag {} turned {} at {} ({}, {}){}",
                c.flag,
                crate::flags::word(c.on),
                utc(c.at),
                c.provider,
                c.environment,
                if c.by_guard { ", by the guard" } else { "" }
            )
        })
        .collect();
    let guard = inc
        .mitigation
        .guard
        .iter()
        .map(|(deploy, outcome)| {
            let at = DateTime::parse_from_rfc3339(deploy)
                .map(|d| utc(d.with_timezone(&Utc)))
                .unwrap_or_else(|_| deploy.clone());
            match outcome {
                GuardOutcome::Tripped => format!("The guard tripped on the deploy of {at}"),
                GuardOutcome::Vetoed => {
                    format!("The guard tripped on the deploy of {at} and was vetoed")
                }
            }
        })
        .collect();
    Mitigations {
        plan: plan.to_vec(),
        used,
        guard,
    }
}
