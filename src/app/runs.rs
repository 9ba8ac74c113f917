//! The deploy, checks, smoke tests and rollback in `update`: what the keys start, what the
//! runner's reports do to the pane, and what goes on the record.

use super::log_view::LineKind;
use super::model::{ConfirmAction, Mode, Model, Running, Status, Tone};
use super::msg::Effect;
use crate::incident::ItemStatus;
use crate::jobs::{JobKind, JobSpec, Outcome, RunMsg, Step};
use crate::journal::{Draft, kinds};

fn busy(m: &mut Model) -> bool {
    if let Some(r) = &m.running {
        let what = format!(
            "{} is running: wait, or x to cancel it",
            r.kind.title(&r.step)
        );
        m.say(Tone::Warn, what);
        return true;
    }
    false
}

fn job(m: &mut Model, kind: JobKind, steps: Vec<Step>, stop_on_failure: bool) -> Vec<Effect> {
    m.next_job += 1;
    m.banner = None;
    m.log.bottom();
    m.running = Some(Running {
        id: m.next_job,
        kind,
        step: String::new(),
        started: m.now,
    });
    vec![Effect::Run(JobSpec {
        id: m.next_job,
        kind,
        steps,
        stop_on_failure,
    })]
}

pub fn deploy_key(m: &mut Model) -> Vec<Effect> {
    if busy(m) {
        return Vec::new();
    }
    if m.runbook.deploy.is_none() && m.runbook.follow.is_none() {
        let what = match m.runbook.deploy_advice {
            Some(a) => a.to_string(),
            None => format!(
                "No deploy command configured: set [deploy] in {}",
                m.config_name
            ),
        };
        m.say(Tone::Warn, what);
        return Vec::new();
    }
    m.mode = Mode::Confirm {
        action: match super::seats::running_elsewhere(m) {
            Some(what) => ConfirmAction::DeployElsewhere { what },
            None => ConfirmAction::Deploy,
        },
    };
    Vec::new()
}

/// What the deploy confirmation lists: the command and, at P0, what is not done yet.
pub fn deploy_stakes(m: &Model) -> Vec<String> {
    let mut out = Vec::new();
    match (&m.runbook.deploy, &m.runbook.follow) {
        (Some(cmd), _) => out.push(format!(
            "Run the deploy: {}   ({})",
            m.shown(cmd),
            m.runbook.deploy_source
        )),
        (None, Some(follow)) => {
            if let Some(a) = m.runbook.deploy_advice {
                out.push(a.to_string());
            }
            out.push(format!("Follow the platform's logs: {}", m.shown(follow)));
        }
        (None, None) => {}
    }
    let deploy_phase = m
        .incident
        .checklist
        .phases
        .iter()
        .position(|p| p.id == "deploy")
        .unwrap_or(usize::MAX);
    let open = open_items(m, |pi, id| {
        pi < deploy_phase || (pi == deploy_phase && id != "deployed")
    });
    if open.is_empty() {
        out.push("Everything the workflow expects before the deploy is done.".into());
    } else {
        out.push(String::new());
        out.push("Not done yet: the workflow expects these before the deploy".into());
        out.extend(open_by_phase(&open));
    }
    let waived = waived_items(m);
    if !waived.is_empty() {
        out.push(format!("Waived at {}:", m.incident.priority));
        out.extend(waived.into_iter().map(|w| format!("  ~ {w}")));
    }
    out
}

/// What closing leaves undone: the monitoring time left and the open items by phase.
pub fn close_stakes(m: &Model) -> Vec<String> {
    let mut out = vec![format!(
        "Close {}? This records incident_closed and writes the exports.",
        m.incident.ticket
    )];
    match crate::clock::monitoring(&m.incident, &m.policy, m.now) {
        crate::clock::Monitoring::Running { left } => out.push(format!(
            "Monitoring after the deploy is not over: {} left of {}.",
            crate::format::duration(left),
            crate::format::duration(m.policy.monitoring)
        )),
        crate::clock::Monitoring::NotStarted => out.push(
            "Nothing was deployed: say how it was resolved in a note (Resolution: …).".into(),
        ),
        crate::clock::Monitoring::Done => {}
    }
    let open = open_items(m, |_, _| true);
    if open.is_empty() {
        out.push("Every checklist item is settled.".into());
    } else {
        out.push(format!(
            "{} still open:",
            crate::format::count(open.len(), "checklist item", "checklist items")
        ));
        out.extend(open_by_phase(&open));
    }
    out
}

/// Pending items (phase name, item text) of the phases `keep` selects by index and item id.
fn open_items(m: &Model, keep: impl Fn(usize, &str) -> bool) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (pi, phase) in m.incident.checklist.phases.iter().enumerate() {
        for it in &phase.items {
            if keep(pi, &it.id) && m.incident.status(it) == ItemStatus::Pending {
                out.push((phase.title.clone(), it.text.clone()));
            }
        }
    }
    out
}

/// One line a phase: `  Testing (3): Full test suite passes · Type check passes · …`.
fn open_by_phase(open: &[(String, String)]) -> Vec<String> {
    let mut lines: Vec<(String, Vec<&str>)> = Vec::new();
    for (phase, text) in open {
        match lines.last_mut() {
            Some((p, items)) if p == phase => items.push(text),
            _ => lines.push((phase.clone(), vec![text])),
        }
    }
    lines
        .into_iter()
        .map(|(phase, items)| {
            let shown: Vec<&str> = items.iter().take(3).copied().collect();
            let more = if items.len() > 3 { " · …" } else { "" };
            format!("  {phase} ({}): {}{more}", items.len(), shown.join(" · "))
        })
        .collect()
}

fn waived_items(m: &Model) -> Vec<String> {
    m.incident
        .checklist
        .items()
        .filter_map(|it| match m.incident.status(it) {
            ItemStatus::Waived(crate::incident::Mark::Waived { reason, .. }) => {
                Some(format!("{} — {reason}", it.text))
            }
            _ => None,
        })
        .collect()
}

pub fn confirmed_deploy(m: &mut Model) -> Vec<Effect> {
    match (m.runbook.deploy.clone(), m.runbook.follow.clone()) {
        (Some(command), _) => job(
            m,
            JobKind::Deploy,
            vec![Step::Shell {
                name: "deploy".into(),
                command,
                tty: m.runbook.deploy_tty,
            }],
            true,
        ),
        (None, Some(command)) => job(
            m,
            JobKind::Follow,
            vec![Step::Shell {
                name: "logs".into(),
                command,
                tty: m.runbook.deploy_tty,
            }],
            true,
        ),
        (None, None) => Vec::new(),
    }
}

pub fn checks_key(m: &mut Model) -> Vec<Effect> {
    if busy(m) {
        return Vec::new();
    }
    if m.runbook.checks.is_empty() {
        m.say(
            Tone::Warn,
            format!(
                "No checks configured: add [[checks]] name = \"test\", command = \"…\" to {}",
                m.config_name
            ),
        );
        return Vec::new();
    }
    let steps = m
        .runbook
        .checks
        .iter()
        .map(|c| Step::Shell {
            name: c.name.clone(),
            command: c.command.clone(),
            tty: c.tty,
        })
        .collect();
    if let Some(what) = m.runbook.checks_detected {
        m.say(
            Tone::Info,
            format!("Running the checks of a {what} project (set [[checks]] to choose them)"),
        );
    }
    job(m, JobKind::Checks, steps, true)
}

pub fn smoke_key(m: &mut Model) -> Vec<Effect> {
    if busy(m) {
        return Vec::new();
    }
    if m.runbook.smoke.is_empty() {
        m.say(
            Tone::Warn,
            format!(
                "No smoke tests configured: add [[smoke]] name, url, expect_status to {}",
                m.config_name
            ),
        );
        return Vec::new();
    }
    let steps = m
        .runbook
        .smoke
        .iter()
        .map(|s| Step::Smoke(s.clone()))
        .collect();
    job(m, JobKind::Smoke, steps, false)
}

pub fn rollback_key(m: &mut Model) -> Vec<Effect> {
    if busy(m) {
        return Vec::new();
    }
    m.mode = Mode::Confirm {
        action: ConfirmAction::Rollback,
    };
    Vec::new()
}

/// The rollback plan, as the workflow lists its options.
pub fn rollback_stakes(m: &Model) -> Vec<String> {
    let mut out =
        vec!["Option 1 — revert the hotfix commit: g → revert (then push and deploy)".to_string()];
    match (&m.runbook.rollback, m.runbook.rollback_advice) {
        (Some(cmd), _) => out.push(format!(
            "Option 2 — deploy the previous version: {}   ← y runs this",
            m.shown(cmd)
        )),
        (None, Some(advice)) => out.push(format!("Option 2 — {advice}")),
        (None, None) => out.push(format!(
            "Option 2 — no rollback command: set [rollback] command in {}",
            m.config_name
        )),
    }
    out.push("Option 3 — turn the fix's feature flag off in the environment".into());
    out
}

pub fn confirmed_rollback(m: &mut Model) -> Vec<Effect> {
    match m.runbook.rollback.clone() {
        Some(command) => job(
            m,
            JobKind::Rollback,
            vec![Step::Shell {
                name: "rollback".into(),
                command,
                tty: m.runbook.rollback_tty,
            }],
            true,
        ),
        None => {
            m.say(Tone::Info, "No rollback command to run: use option 1 or 3");
            Vec::new()
        }
    }
}

pub fn cancel_key(m: &mut Model) -> Vec<Effect> {
    if m.running.is_none() {
        m.say(Tone::Info, "Nothing is running");
        return Vec::new();
    }
    m.mode = Mode::Confirm {
        action: ConfirmAction::Cancel,
    };
    Vec::new()
}

pub fn on_run(m: &mut Model, msg: RunMsg) -> Vec<Effect> {
    match msg {
        RunMsg::StepStarted {
            kind,
            name,
            command,
            log,
            at,
            head,
            ..
        } => {
            if let Some(r) = m.running.as_mut() {
                r.step = name.clone();
            }
            m.log
                .push_header(format!("━━ {} · {command}", kind.title(&name)), at);
            let log = log.display().to_string();
            match kind {
                JobKind::Deploy => {
                    let mut d = Draft::new(
                        kinds::DEPLOY_STARTED,
                        match &head {
                            Some((Some(b), c)) => format!(
                                "Deploy started from {b} at {}: {command}",
                                &c[..c.len().min(7)]
                            ),
                            Some((None, c)) => format!(
                                "Deploy started from {} (detached): {command}",
                                &c[..c.len().min(7)]
                            ),
                            None => format!("Deploy started: {command}"),
                        },
                    )
                    .field("command", command)
                    .field("log", log);
                    if let Some((branch, commit)) = head {
                        d = d.field("commit", commit).field("branch", branch);
                    }
                    vec![Effect::Append(d)]
                }
                JobKind::Rollback => vec![Effect::Append(
                    Draft::new(
                        kinds::ROLLBACK_STARTED,
                        format!("Rollback started: {command}"),
                    )
                    .field("command", command)
                    .field("log", log),
                )],
                // On the record so that other seats see a check running here.
                JobKind::Checks => vec![Effect::Append(
                    Draft::new(
                        kinds::CHECK_STARTED,
                        format!("Check {name} started: {command}"),
                    )
                    .field("name", name)
                    .field("command", command)
                    .field("log", log),
                )],
                JobKind::Smoke => vec![Effect::Append(
                    Draft::new(
                        kinds::SMOKE_STARTED,
                        format!("Smoke test {name} started: {command}"),
                    )
                    .field("name", name)
                    .field("command", command),
                )],
                _ => Vec::new(),
            }
        }
        RunMsg::Output {
            lines,
            live,
            skipped,
            ..
        } => {
            m.log.skip(skipped);
            for l in lines {
                m.log.push(l, LineKind::Output);
            }
            m.log.live = live;
            Vec::new()
        }
        RunMsg::StepFinished {
            kind,
            name,
            command,
            outcome,
            duration,
            log,
            all_passed,
            fix_verified,
            ..
        } => {
            m.log.live.clear();
            finished(
                m,
                kind,
                &name,
                &command,
                &outcome,
                duration,
                &log,
                (all_passed, fix_verified),
            )
        }
        RunMsg::JobFinished {
            kind,
            passed,
            total,
            ..
        } => {
            m.running = None;
            if kind == JobKind::Checks || kind == JobKind::Smoke {
                let (tone, text) = if passed == total {
                    (
                        Tone::Good,
                        format!("✓ {} passed ({passed}/{total})", plural(kind)),
                    )
                } else {
                    (
                        Tone::Error,
                        format!("✗ {} failed ({passed}/{total} passed)", plural(kind)),
                    )
                };
                if tone == Tone::Good || m.banner.is_none() {
                    m.banner = Some(Status {
                        text: text.clone(),
                        tone,
                    });
                }
                m.say(tone, text);
            }
            Vec::new()
        }
    }
}

fn plural(kind: JobKind) -> &'static str {
    match kind {
        JobKind::Checks => "checks",
        JobKind::Smoke => "smoke tests",
        other => other.as_str(),
    }
}

#[allow(clippy::too_many_arguments)]
fn finished(
    m: &mut Model,
    kind: JobKind,
    name: &str,
    command: &str,
    outcome: &Outcome,
    duration: std::time::Duration,
    log: &std::path::Path,
    (all_passed, fix_verified): (Option<bool>, Option<bool>),
) -> Vec<Effect> {
    let took = crate::format::duration(duration);
    let ms = duration.as_millis() as u64;
    let log = log.display().to_string();
    let ok = outcome.is_success();
    let what = outcome.describe();
    if !ok && *outcome != Outcome::Cancelled {
        m.banner = Some(Status {
            text: format!("✗ {} failed: {what}", kind.title(name)),
            tone: Tone::Error,
        });
    }
    let with_exit = |d: Draft| match outcome {
        Outcome::Exited(c) => d.field("exit_code", *c),
        Outcome::Signalled(s) => d
            .field("exit_code", serde_json::Value::Null)
            .field("signal", *s),
        _ => d
            .field("exit_code", serde_json::Value::Null)
            .field("error", what.clone()),
    };
    let mut fx = Vec::new();
    if *outcome == Outcome::Cancelled {
        fx.push(Effect::Append(
            Draft::new(
                kinds::COMMAND_CANCELLED,
                format!("Cancelled {} after {took}", kind.title(name)),
            )
            .field("job", kind.as_str())
            .field("name", name)
            .field("command", command),
        ));
        m.say(Tone::Warn, format!("Cancelled {}", kind.title(name)));
        return fx;
    }
    let draft = match kind {
        JobKind::Deploy => {
            let since = m.incident.detected_at;
            let total = crate::format::duration((m.now - since).to_std().unwrap_or_default());
            let waiting = ok.then(|| super::ready::check(m)).flatten();
            let text = match &waiting {
                Some(c) => format!(
                    "Deploy command finished in {took}: waiting for {} to answer{}",
                    m.shown(&c.url),
                    c.expect
                        .as_ref()
                        .map(|e| format!(" with {e}"))
                        .unwrap_or_default()
                ),
                None if ok => {
                    format!("Deploy command finished in {took} (exit 0), {total} after detection")
                }
                None => format!("Deploy failed after {took}: {what}"),
            };
            let mut d = with_exit(Draft::new(kinds::DEPLOY_FINISHED, text));
            if let Some(c) = waiting {
                d = d
                    .field("awaiting_ready", true)
                    .field("ready_url", c.url.clone());
                fx.push(Effect::WaitReady(c));
            }
            d
        }
        JobKind::Rollback => with_exit(Draft::new(
            kinds::ROLLBACK_FINISHED,
            if ok {
                format!("Rollback finished in {took}")
            } else {
                format!("Rollback failed after {took}: {what}")
            },
        )),
        JobKind::Checks => with_exit(
            Draft::new(
                kinds::CHECK_FINISHED,
                if ok {
                    format!("Check {name} passed in {took}")
                } else {
                    format!("Check {name} failed after {took}: {what}")
                },
            )
            .field("name", name),
        ),
        JobKind::Smoke => {
            let mut d = Draft::new(
                kinds::SMOKE_FINISHED,
                if ok {
                    format!("Smoke test {name} passed: {what}")
                } else {
                    format!("Smoke test {name} failed: {what}")
                },
            )
            .field("name", name)
            .field("ok", ok);
            d = match outcome {
                Outcome::Http { status, reason, .. } => d
                    .field("status", status.map(u64::from))
                    .field("reason", reason.clone()),
                Outcome::Exited(c) => d.field("exit_code", *c),
                _ => d.field("reason", what.clone()),
            };
            if let Some(all) = all_passed {
                d = d.field("all_passed", all);
            }
            if let Some(fixed) = fix_verified {
                d = d.field("fix_verified", fixed);
            }
            d
        }
        JobKind::Follow => {
            m.say(Tone::Info, format!("Stopped following the logs: {what}"));
            return fx;
        }
    };
    fx.push(Effect::Append(
        draft
            .field("command", command)
            .field("duration_ms", ms)
            .field("log", log),
    ));
    if kind == JobKind::Deploy
        && ok
        && let Some(release) = m.register_deploy.clone()
    {
        match release.or_else(|| m.incident.last_tag.clone()) {
            Some(release) => {
                let finished = m.now;
                let started = finished - chrono::Duration::from_std(duration).unwrap_or_default();
                fx.push(Effect::RegisterDeploy { release, started, finished });
            }
            None => fx.push(Effect::Append(
                Draft::new(
                    kinds::SENTRY_DEPLOY,
                    "Sentry deploy not registered: no release name (set [sentry] release, or tag the hotfix first)",
                )
                .field("ok", false),
            )),
        }
    }
    if kind == JobKind::Deploy || kind == JobKind::Rollback {
        let tone = if ok { Tone::Good } else { Tone::Error };
        m.say(
            tone,
            format!(
                "{} {}: {what}",
                kind.as_str(),
                if ok { "finished" } else { "failed" }
            ),
        );
        if ok {
            m.banner = Some(Status {
                text: format!("✓ {} finished: {what}", kind.as_str()),
                tone: Tone::Good,
            });
        }
    }
    fx
}
