//! Git in `update`: the `g` menu, dry runs to confirm, and the live guard.

use super::log_view::LineKind;
use super::model::{ConfirmAction, InputPurpose, Mode, Model, Tone};
use super::msg::Effect;
use crate::git::GitMsg;
use crate::git::{GitError, Op, ops};

pub fn run(m: &mut Model, op: Op) -> Vec<Effect> {
    if let Some(why) = &m.git.unavailable {
        m.say(Tone::Warn, why.clone());
        return Vec::new();
    }
    if let Some(busy) = m.git.busy {
        m.say(Tone::Warn, format!("git {busy} is still running"));
        return Vec::new();
    }
    if m.read_only() {
        m.say(Tone::Warn, "The incident is closed: read-only");
        return Vec::new();
    }
    m.git.busy = Some(op.name());
    m.say(Tone::Info, format!("git {}…", op.name()));
    vec![Effect::Git(op, crate::git::Subject::of(&m.incident))]
}

pub fn tag_version(m: &mut Model, version: &str) -> Vec<Effect> {
    let op = Op::Tag {
        version: Some(version.to_string()),
        commit: None,
        push: m.git_cfg.push,
    };
    run(m, op)
}

pub fn on_git(m: &mut Model, msg: GitMsg) -> Vec<Effect> {
    match msg {
        GitMsg::Done { op, result } => {
            m.git.busy = None;
            match result {
                Ok(report) => {
                    m.log.push(format!("━━ {}", report.title), LineKind::Header);
                    for l in &report.lines {
                        m.log.push(l.clone(), LineKind::Note);
                    }
                    if let Some(g) = report.guard.clone() {
                        m.git.guard = Some(g);
                        m.git.guard_note = None;
                    }
                    if let Some(next) = report.confirm.clone() {
                        m.mode = Mode::Confirm {
                            action: ConfirmAction::Git {
                                op: next,
                                lines: report.lines.clone(),
                            },
                        };
                    } else if !report.conflicts.is_empty() {
                        m.say(
                            Tone::Error,
                            format!(
                                "git {op}: conflicts in {} (nothing of it was written)",
                                report.conflicts.join(", ")
                            ),
                        );
                    } else {
                        m.say(Tone::Good, format!("git {op}: done"));
                    }
                    let mut fx: Vec<Effect> =
                        report.events.into_iter().map(Effect::Append).collect();
                    if report.guard.is_none() {
                        // The operation may have changed what the guard sees.
                        fx.push(Effect::GitGuard(crate::git::Subject::of(&m.incident)));
                    }
                    fx
                }
                Err(GitError::NeedsVersion) => {
                    m.mode = Mode::Input {
                        purpose: InputPurpose::TagVersion,
                        text: String::new(),
                    };
                    Vec::new()
                }
                Err(e) => {
                    let (tone, text) = match &e {
                        GitError::Refused(why) => (Tone::Warn, format!("git {op}: {why}")),
                        other => (Tone::Error, format!("git {op} failed: {other}")),
                    };
                    m.log.push(format!("✗ {text}"), LineKind::Note);
                    m.say(tone, text);
                    vec![Effect::Append(e.event(op))]
                }
            }
        }
        GitMsg::Changed => {
            if m.git.unavailable.is_some() || m.git.busy.is_some() || m.read_only() {
                Vec::new()
            } else {
                vec![Effect::GitGuard(crate::git::Subject::of(&m.incident))]
            }
        }
        GitMsg::Guard(Ok(g)) => {
            let now = (g.minimal(), g.regression_test());
            let changed = m.incident.last_guard != Some(now);
            m.git.guard_note = None;
            let fx = if changed {
                vec![Effect::Append(ops::guard_event(&g, &m.git_cfg))]
            } else {
                Vec::new()
            };
            m.git.guard = Some(g);
            fx
        }
        GitMsg::Guard(Err(e)) => {
            m.git.guard = None;
            m.git.guard_note = Some(e.to_string());
            Vec::new()
        }
    }
}
