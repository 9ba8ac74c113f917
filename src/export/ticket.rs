//! The ticket's resolution comment, written from the record like every document: what
//! happened, the fix, its pull request, the deploy, the verification, and where the review is.
//! What the record does not hold is said as not recorded.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::context::Context;
use super::{ExportError, Exporter};
use crate::incident::Incident;
use crate::journal::EventSource;

impl Exporter {
    pub fn resolution(
        &self,
        inc: &Incident,
        events: &dyn EventSource,
        review: &Path,
    ) -> Result<String, ExportError> {
        let mut ctx = None;
        let ctx = self.context(inc, events, &mut ctx)?;
        Ok(resolution(ctx, review))
    }
}

fn listed(items: &[String], missing: &str) -> String {
    if items.is_empty() {
        missing.to_string()
    } else {
        items.join("; ")
    }
}

pub fn resolution(ctx: &Context, review: &Path) -> String {
    let or = |v: &Option<String>, missing: &str| v.clone().unwrap_or_else(|| missing.to_string());
    let fix = match (&ctx.branch, &ctx.tag) {
        (Some(b), Some(t)) => format!(
            "{} ({b}, tagged {t})",
            listed(&ctx.resolution, "the hotfix")
        ),
        (Some(b), None) => format!("{} ({b})", listed(&ctx.resolution, "the hotfix")),
        _ => listed(&ctx.resolution, "not recorded (notes starting \"Fix:\")"),
    };
    let deploy = match (&ctx.deployed, &ctx.deployed_from) {
        (Some(at), Some(from)) => format!("{at}, from {from}"),
        (Some(at), None) => at.clone(),
        (None, _) => "no deploy on the record".into(),
    };
    let mut lines = vec![
        format!("Resolved: [{}] {}", ctx.priority, ctx.title),
        format!(
            "- What happened: {}",
            listed(
                &ctx.root_cause,
                "root cause not recorded (notes starting \"Root cause:\")"
            )
        ),
        format!("- The fix: {fix}"),
        format!(
            "- Pull request: {}",
            or(&ctx.pull_request, "none on the record")
        ),
        format!("- Deploy: {deploy}"),
        format!(
            "- Verification: {}",
            ctx.verified
                .as_ref()
                .map_or("not verified on the record".to_string(), |v| format!(
                    "verified {v}"
                ))
        ),
    ];
    if let Some(v) = &ctx.error_verdict {
        lines.push(format!("- Error rate: {v}"));
    }
    lines.push(format!(
        "- Closed: {} · {}",
        or(&ctx.closed, "not closed"),
        ctx.sla_text
    ));
    lines.push(format!("- Post-incident review: {}", review.display()));
    lines.join("\n")
}

/// The action items made tickets, by their text, and the tracker (`Linear`, else "the
/// tracker").
#[derive(Debug, Serialize)]
pub struct Followups {
    pub tracker: String,
    pub items: BTreeMap<String, FollowupRow>,
}

/// A follow-up's `key` and `url`, or the `error` that kept it from being created.
#[derive(Debug, Serialize)]
pub struct FollowupRow {
    pub key: Option<String>,
    pub url: Option<String>,
    pub error: Option<String>,
}

pub fn followups(inc: &Incident) -> Followups {
    use crate::incident::tickets::Followup;
    let t = &inc.tickets;
    let items = t
        .followups
        .iter()
        .map(|(item, f)| {
            let row = match f {
                Followup::Created { key, url } => FollowupRow {
                    key: Some(key.clone()),
                    url: Some(url.clone()),
                    error: None,
                },
                Followup::Failed { error } => FollowupRow {
                    key: None,
                    url: None,
                    error: Some(error.clone()),
                },
            };
            (item.clone(), row)
        })
        .collect();
    Followups {
        tracker: t
            .linked
            .as_ref()
            .map_or("the tracker".into(), |l| l.provider.clone()),
        items,
    }
}
