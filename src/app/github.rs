//! The hotfix pull request in `update`: the body shown before it is opened, and every change
//! GitHub reports (a review, the checks, the merge) recorded once as an event, compared with
//! what the record already holds, so a restart or a repeated poll records nothing twice.

use super::model::{ConfirmAction, Mode, Model, Status, Tone};
use super::msg::Effect;
use crate::github::{Checks, GithubMsg, PrState};
use crate::incident::ItemStatus;
use crate::journal::{Draft, kinds};

/// `g` → pull request: shows the body first.
pub fn preview(m: &mut Model) -> Vec<Effect> {
    if let Some(why) = &m.github.unavailable {
        m.say(Tone::Warn, format!("Pull request: {why}"));
        return Vec::new();
    }
    if m.read_only() {
        m.say(Tone::Warn, "The incident is closed: read-only");
        return Vec::new();
    }
    if let Some(pr) = &m.incident.pr {
        m.say(Tone::Info, format!("PR #{} is open: {}", pr.number, pr.url));
        return Vec::new();
    }
    if m.incident.hotfix.is_none() {
        m.say(
            Tone::Warn,
            "No hotfix branch on the record yet: g → branch first",
        );
        return Vec::new();
    }
    vec![Effect::PrPreview]
}

pub fn on_preview(m: &mut Model, preview: Result<(String, String), String>) -> Vec<Effect> {
    match preview {
        Ok((title, body)) => {
            m.mode = Mode::Confirm {
                action: ConfirmAction::OpenPr { title, body },
            }
        }
        Err(why) => {
            m.say(Tone::Error, format!("Pull request: {why}"));
            m.github.unavailable = Some(why);
        }
    }
    Vec::new()
}

pub fn confirmed(m: &mut Model, title: String, body: String) -> Vec<Effect> {
    m.github.opening = true;
    m.say(Tone::Info, "Pushing the hotfix branch and opening the PR…");
    vec![Effect::OpenPr { title, body }]
}

pub fn on_github(m: &mut Model, msg: GithubMsg) -> Vec<Effect> {
    match msg {
        GithubMsg::Opened(Ok(o)) => {
            m.github.opening = false;
            let draft = crate::github::opened_event(&o);
            if o.left_off.is_empty() {
                m.say(Tone::Good, draft.text.clone());
            } else {
                m.say(
                    Tone::Warn,
                    format!("{}; labels left off: {}", draft.text, o.left_off.join("; ")),
                );
            }
            vec![Effect::Append(draft), Effect::FollowPr(o.pr.number)]
        }
        GithubMsg::Opened(Err(why)) => {
            m.github.opening = false;
            m.say(Tone::Error, format!("Pull request not opened: {why}"));
            Vec::new()
        }
        GithubMsg::Error(e) => {
            if m.github.error.as_ref().map(|(_, e)| e) != Some(&e) {
                m.say(Tone::Warn, format!("GitHub: {e}"));
                let since = m.github.error.as_ref().map_or(m.now, |(since, _)| *since);
                m.github.error = Some((since, e));
            }
            Vec::new()
        }
        GithubMsg::State(s) => {
            if m.github.error.take().is_some() {
                m.say(Tone::Good, format!("PR #{} followed again", s.number));
            }
            record(m, &s).into_iter().map(Effect::Append).collect()
        }
    }
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(7)]
}

/// What the state says that the record does not hold yet.
pub fn record(m: &mut Model, s: &PrState) -> Vec<Draft> {
    let Some(known) = m.incident.pr.clone().filter(|p| p.number == s.number) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (who, verdict) in &s.reviews {
        let state = verdict.to_ascii_lowercase();
        let before = known.reviews.get(who);
        if before == Some(&state) {
            continue;
        }
        let text = match state.as_str() {
            "approved" => format!("PR #{} approved by {who}", s.number),
            "changes_requested" => format!("PR #{}: {who} requested changes", s.number),
            _ if before.map(String::as_str) == Some("approved") => {
                format!("PR #{}: {who}'s approval was dismissed", s.number)
            }
            _ => format!("PR #{}: {who}'s review was dismissed", s.number),
        };
        out.push(
            Draft::new(kinds::PR_REVIEW, text)
                .field("number", s.number)
                .field("reviewer", who.clone())
                .field("state", state.clone())
                .field("ok", state != "changes_requested"),
        );
    }
    out.extend(checks(m, &known, s));
    if s.merged && !known.merged {
        let approvers: Vec<String> = s
            .reviews
            .iter()
            .filter(|(_, v)| *v == "APPROVED")
            .map(|(w, _)| w.clone())
            .collect();
        let waived = m
            .incident
            .checklist
            .item("pr-approved")
            .is_some_and(|it| matches!(m.incident.status(it), ItemStatus::Waived(_)));
        let commit = s.merge_commit.clone().unwrap_or_default();
        let how = match (approvers.is_empty(), waived) {
            (false, _) => format!("approved by {}", approvers.join(", ")),
            (true, true) => format!(
                "without an approval: the review was waived at {}",
                m.incident.priority
            ),
            (true, false) => "without an approval on record".to_string(),
        };
        out.push(
            Draft::new(
                kinds::PR_MERGED,
                format!(
                    "PR #{} merged into {} as {}, {how}",
                    s.number,
                    s.base,
                    short(&commit)
                ),
            )
            .field("number", s.number)
            .field("merge_commit", commit)
            .field("base", s.base.clone())
            .field("approved", !approvers.is_empty())
            .field("review_waived", waived),
        );
    } else if s.state == "closed" && !s.merged && !known.closed {
        out.push(
            Draft::new(
                kinds::PR_CLOSED,
                format!(
                    "PR #{} was closed without merging (still followed, in case it is reopened)",
                    s.number
                ),
            )
            .field("number", s.number)
            .field("ok", false),
        );
    } else if s.state == "open" && known.closed {
        out.push(
            Draft::new(kinds::PR_REOPENED, format!("PR #{} was reopened", s.number))
                .field("number", s.number),
        );
    }
    out
}

/// The checks of the current head, recorded when their state or the head changed; the failure
/// banner stands only while a check of the current head fails.
fn checks(m: &mut Model, known: &crate::incident::PullRequest, s: &PrState) -> Option<Draft> {
    let state = match s.checks {
        Checks::None => "pending",
        ref c => c.as_str(),
    };
    let new_head = !known.head.is_empty() && known.head != s.head_sha;
    let banner = format!("✗ PR #{}: check", s.number);
    if state != "failure"
        && m.banner
            .as_ref()
            .is_some_and(|b| b.text.starts_with(&banner))
    {
        m.banner = None;
    }
    if known.checks == state && !new_head {
        return None;
    }
    // Nothing to say about a PR's first head until its checks report.
    if state == "pending" && known.checks.is_empty() {
        return None;
    }
    let n = s.number;
    let head = short(&s.head_sha);
    let d = match &s.checks {
        Checks::Success { passed, skipped } => {
            let skipped = if *skipped > 0 {
                format!(", {skipped} skipped")
            } else {
                String::new()
            };
            Draft::new(
                kinds::PR_CHECKS,
                format!("PR #{n}: all checks passed on {head} ({passed} passed{skipped})"),
            )
            .field("ok", true)
        }
        Checks::Failure { name, url } => {
            let link = url.as_ref().map(|u| format!(" — {u}")).unwrap_or_default();
            m.banner = Some(Status {
                tone: Tone::Error,
                text: format!("✗ PR #{n}: check {name} failed{link}"),
            });
            Draft::new(
                kinds::PR_CHECKS,
                format!("PR #{n}: check {name} failed on {head}{link}"),
            )
            .field("name", name.clone())
            .field("url", url.clone())
            .field("ok", false)
        }
        Checks::Pending | Checks::None if new_head => Draft::new(
            kinds::PR_CHECKS,
            format!("PR #{n}: new commits ({head}): checks running again"),
        ),
        Checks::Pending | Checks::None => Draft::new(
            kinds::PR_CHECKS,
            format!("PR #{n}: checks running again on {head}"),
        ),
    };
    Some(
        d.field("number", n)
            .field("state", state)
            .field("head", s.head_sha.clone()),
    )
}
