//! The readiness check after the deploy command: what to ask (the configured URL, its
//! `{commit}` and `{tag}` filled in from the record), and the answer recorded as the deploy —
//! or as no deploy.

use super::model::{Model, Status, Tone};
use super::msg::Effect;
use crate::journal::{Draft, kinds};

/// The readiness check configured for this deploy, its `{commit}` and `{tag}` filled in from
/// the record (the commit the deploy ran from, the newest tag).
pub fn check(m: &Model) -> Option<crate::jobs::ReadyCheck> {
    let r = m.runbook.ready.as_ref()?;
    let commit =
        newest(m, kinds::DEPLOY_STARTED, "commit").map(|c| c[..c.len().min(7)].to_string());
    let tag = m.incident.last_tag.clone();
    // What cannot be filled in is never matched: an empty expectation would match any answer.
    let fill = |s: &str| {
        s.replace(
            "{commit}",
            commit
                .as_deref()
                .unwrap_or("{the deployed commit, not on the record}"),
        )
        .replace("{tag}", tag.as_deref().unwrap_or("{no tag on the record}"))
    };
    Some(crate::jobs::ReadyCheck {
        url: fill(&r.url),
        expect: r.expect.as_deref().map(fill),
        timeout: r.timeout,
        every: std::time::Duration::from_secs(5),
    })
}

/// A field of the newest event of `kind` among those the fold keeps.
fn newest(m: &Model, kind: &str, field: &str) -> Option<String> {
    m.incident
        .recent
        .iter()
        .rev()
        .find(|e| e.is(kind))
        .and_then(|e| e.str_field(field))
        .map(String::from)
}

/// The readiness check's answer: the fix is deployed, or the deploy is said not to have
/// taken.
pub fn on_ready(m: &mut Model, r: crate::jobs::ReadyMsg) -> Vec<Effect> {
    use crate::jobs::ReadyMsg;
    let url = newest(m, kinds::DEPLOY_FINISHED, "ready_url").unwrap_or_default();
    let d = match r {
        ReadyMsg::Ready { after, .. } => {
            let total = crate::format::duration(
                (m.now - m.incident.detected_at)
                    .to_std()
                    .unwrap_or_default(),
            );
            m.say(Tone::Good, format!("Fix deployed: {url} answers"));
            Draft::new(
                kinds::DEPLOY_READY,
                format!(
                    "Fix deployed: {url} answers with the new version {} after the command, {total} after detection",
                    crate::format::duration(after)
                ),
            )
            .field("ok", true)
        }
        ReadyMsg::NotReady { after, last } => {
            m.banner = Some(Status {
                tone: Tone::Error,
                text: format!("✗ not deployed: {url} did not answer with the new version"),
            });
            Draft::new(
                kinds::DEPLOY_READY,
                format!(
                    "Not deployed: {url} did not answer with the new version in {} (last: {last})",
                    crate::format::duration(after)
                ),
            )
            .field("ok", false)
            .field("last", last)
        }
    };
    vec![Effect::Append(d.field("url", url))]
}
