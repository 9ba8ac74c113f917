//! The deploy, checks, smoke tests and rollback in `update`: what the keys start, what the
//! runner's reports do to the pane, and what goes on the record.

use super::environments;
use super::log_view::LineKind;
use super::model::{ConfirmAction, EnvAction, Mode, Model, Running, Status, Tone};
use super::msg::Effect;
use crate::jobs::{JobKind, JobSpec, Outcome, RunMsg, Step};
use crate::journal::{Draft, kinds};
use crate::runbook::PRODUCTION;

fn busy(m: &mut Model) -> bool {
    if let Some(r) = &m.running {
        let what = format!("{} is running: wait, or x to cancel it", r.title());
        m.say(Tone::Warn, what);
        return true;
    }
    false
}

fn job(
    m: &mut Model,
    kind: JobKind,
    environment: &str,
    steps: Vec<Step>,
    stop_on_failure: bool,
) -> Vec<Effect> {
    m.next_job += 1;
    m.banner = None;
    m.log.bottom();
    m.running = Some(Running {
        id: m.next_job,
        kind,
        step: String::new(),
        started: m.now,
        environment: environment.to_string(),
    });
    vec![Effect::Run(JobSpec {
        id: m.next_job,
        kind,
        steps,
        stop_on_failure,
    })]
}

/// `d`, `s` and `r`: straight on when one environment can do it, else the picker.
fn pick_or(
    m: &mut Model,
    action: EnvAction,
    then: fn(&mut Model, &str) -> Vec<Effect>,
) -> Vec<Effect> {
    if busy(m) {
        return Vec::new();
    }
    let choices = environments::choices(m, action);
    match choices.as_slice() {
        [only] => {
            let only = only.clone();
            then(m, &only)
        }
        _ => {
            m.mode = Mode::Pick {
                purpose: super::model::PickPurpose::Environment(action),
                selected: 0,
            };
            Vec::new()
        }
    }
}

pub fn deploy_key(m: &mut Model) -> Vec<Effect> {
    pick_or(m, EnvAction::Deploy, deploy_to)
}

/// The deploy's confirmation for `environment` (after another seat's run, when there is one).
pub fn deploy_to(m: &mut Model, environment: &str) -> Vec<Effect> {
    if environment == PRODUCTION && m.runbook.deploy.is_none() && m.runbook.follow.is_none() {
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
    let environment = environment.to_string();
    m.mode = Mode::Confirm {
        action: match super::seats::running_elsewhere(m) {
            Some(what) => ConfirmAction::DeployElsewhere { what, environment },
            None => ConfirmAction::Deploy { environment },
        },
    };
    Vec::new()
}

/// `y` on the deploy's confirmation: production while staging is pending asks once more.
pub fn deploy_confirmed(m: &mut Model, environment: &str) -> Vec<Effect> {
    if environment == PRODUCTION
        && let Some(lines) = super::stakes::skipped_staging(m)
    {
        m.mode = Mode::Confirm {
            action: ConfirmAction::SkipStaging { lines },
        };
        return Vec::new();
    }
    run_deploy(m, environment)
}

pub fn run_deploy(m: &mut Model, environment: &str) -> Vec<Effect> {
    let (deploy, follow, tty) = match m.runbook.environment(environment) {
        Some(e) => (e.deploy.clone(), e.follow.clone(), e.tty),
        None => (
            m.runbook.deploy.clone(),
            m.runbook.follow.clone(),
            m.runbook.deploy_tty,
        ),
    };
    let (kind, name, command) = match (deploy, follow) {
        (Some(command), _) => (JobKind::Deploy, "deploy", command),
        (None, Some(command)) => (JobKind::Follow, "logs", command),
        (None, None) => return Vec::new(),
    };
    let step = Step::Shell {
        name: name.into(),
        command,
        tty,
    };
    job(m, kind, environment, vec![step], true)
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
    job(m, JobKind::Checks, PRODUCTION, steps, true)
}

pub fn smoke_key(m: &mut Model) -> Vec<Effect> {
    pick_or(m, EnvAction::Smoke, smoke_in)
}

pub fn smoke_in(m: &mut Model, environment: &str) -> Vec<Effect> {
    let smoke = match m.runbook.environment(environment) {
        Some(e) => e.smoke.clone(),
        None => m.runbook.smoke.clone(),
    };
    if smoke.is_empty() {
        m.say(
            Tone::Warn,
            format!(
                "No smoke tests configured: add [[smoke]] name, url, expect_status to {}",
                m.config_name
            ),
        );
        return Vec::new();
    }
    let steps = smoke.into_iter().map(Step::Smoke).collect();
    job(m, JobKind::Smoke, environment, steps, false)
}

pub fn rollback_key(m: &mut Model) -> Vec<Effect> {
    pick_or(m, EnvAction::Rollback, rollback_in)
}

pub fn rollback_in(m: &mut Model, environment: &str) -> Vec<Effect> {
    m.mode = Mode::Confirm {
        action: ConfirmAction::Rollback {
            environment: environment.to_string(),
        },
    };
    Vec::new()
}

pub fn confirmed_rollback(m: &mut Model, environment: &str) -> Vec<Effect> {
    let (command, tty) = match m.runbook.environment(environment) {
        Some(e) => (e.rollback.clone(), e.tty),
        None => (m.runbook.rollback.clone(), m.runbook.rollback_tty),
    };
    match command {
        Some(command) => job(
            m,
            JobKind::Rollback,
            environment,
            vec![Step::Shell {
                name: "rollback".into(),
                command,
                tty,
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
            let env = environment(m);
            if let Some(r) = m.running.as_mut() {
                r.step = name.clone();
            }
            let title = Running::title_of(kind, &name, &env);
            m.log.push_header(format!("━━ {title} · {command}"), at);
            let log = log.display().to_string();
            let (to, on) = where_(m, &env);
            let draft = match kind {
                JobKind::Deploy => {
                    let mut d = Draft::new(
                        kinds::DEPLOY_STARTED,
                        match &head {
                            Some((Some(b), c)) => format!(
                                "Deploy{to} started from {b} at {}: {command}",
                                &c[..c.len().min(7)]
                            ),
                            Some((None, c)) => format!(
                                "Deploy{to} started from {} (detached): {command}",
                                &c[..c.len().min(7)]
                            ),
                            None => format!("Deploy{to} started: {command}"),
                        },
                    )
                    .field("command", command)
                    .field("log", log);
                    if let Some((branch, commit)) = head {
                        d = d.field("commit", commit).field("branch", branch);
                    }
                    d
                }
                JobKind::Rollback => Draft::new(
                    kinds::ROLLBACK_STARTED,
                    format!("Rollback{on} started: {command}"),
                )
                .field("command", command)
                .field("log", log),
                // On the record so that other seats see a check running here.
                JobKind::Checks => {
                    return vec![Effect::Append(
                        Draft::new(
                            kinds::CHECK_STARTED,
                            format!("Check {name} started: {command}"),
                        )
                        .field("name", name)
                        .field("command", command)
                        .field("log", log),
                    )];
                }
                JobKind::Smoke => Draft::new(
                    kinds::SMOKE_STARTED,
                    format!("Smoke test {name}{on} started: {command}"),
                )
                .field("name", name)
                .field("command", command),
                JobKind::Follow => return Vec::new(),
            };
            vec![Effect::Append(draft.field("environment", env))]
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

/// The running job's environment.
fn environment(m: &Model) -> String {
    m.running
        .as_ref()
        .map_or_else(|| PRODUCTION.to_string(), |r| r.environment.clone())
}

/// `(" to staging", " on staging")` for the record's texts; nothing when production is the only
/// environment configured, so that its texts read as they always did.
fn where_(m: &Model, env: &str) -> (String, String) {
    if m.runbook.environments.is_empty() {
        (String::new(), String::new())
    } else {
        (format!(" to {env}"), format!(" on {env}"))
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
    let env = environment(m);
    let production = env == PRODUCTION;
    let (to, on) = where_(m, &env);
    let title = Running::title_of(kind, name, &env);
    let in_env = |d: Draft| match kind {
        JobKind::Checks => d,
        _ => d.field("environment", env.clone()),
    };
    if !ok && *outcome != Outcome::Cancelled {
        m.banner = Some(Status {
            text: format!("✗ {title} failed: {what}"),
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
        fx.push(Effect::Append(in_env(
            Draft::new(
                kinds::COMMAND_CANCELLED,
                format!("Cancelled {title} after {took}"),
            )
            .field("job", kind.as_str())
            .field("name", name)
            .field("command", command),
        )));
        m.say(Tone::Warn, format!("Cancelled {title}"));
        return fx;
    }
    let draft = match kind {
        JobKind::Deploy => {
            let since = m.incident.detected_at;
            let total = crate::format::duration((m.now - since).to_std().unwrap_or_default());
            let waiting = (ok && production).then(|| super::ready::check(m)).flatten();
            let text = match &waiting {
                Some(c) => format!(
                    "Deploy command finished in {took}: waiting for {} to answer{}",
                    m.shown(&c.url),
                    c.expect
                        .as_ref()
                        .map(|e| format!(" with {e}"))
                        .unwrap_or_default()
                ),
                None if ok && !production => {
                    format!("Deploy{to} finished in {took} (exit 0)")
                }
                None if ok => format!(
                    "Deploy command{to} finished in {took} (exit 0), {total} after detection"
                ),
                None => format!("Deploy{to} failed after {took}: {what}"),
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
                format!("Rollback{on} finished in {took}")
            } else {
                format!("Rollback{on} failed after {took}: {what}")
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
                    format!("Smoke test {name}{on} passed: {what}")
                } else {
                    format!("Smoke test {name}{on} failed: {what}")
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
            if fix_verified == Some(true)
                && let Some((sentry_environment, ask)) = environments::ask_sentry(m, &env)
            {
                d = d.field("sentry_environment", sentry_environment);
                fx.push(ask);
            }
            d
        }
        JobKind::Follow => {
            m.say(Tone::Info, format!("Stopped following the logs: {what}"));
            return fx;
        }
    };
    fx.insert(
        0,
        Effect::Append(in_env(
            draft
                .field("command", command)
                .field("duration_ms", ms)
                .field("log", log),
        )),
    );
    if kind == JobKind::Deploy
        && ok
        && production
        && let Some(release) = m.register_deploy.clone()
    {
        match release.or_else(|| m.incident.last_tag.clone()) {
            Some(release) => {
                let finished = m.now;
                let started = finished - chrono::Duration::from_std(duration).unwrap_or_default();
                fx.push(Effect::RegisterDeploy { release, started, finished });
            }
            None => fx.push(Effect::Append(match m.error_rate.source {
                crate::config::ErrorSource::Sentry => Draft::new(
                    kinds::SENTRY_DEPLOY,
                    "Sentry deploy not registered: no release name (set [sentry] release, or tag the hotfix first)",
                ),
                crate::config::ErrorSource::Rollbar => Draft::new(
                    kinds::ROLLBAR_DEPLOY,
                    "Rollbar deploy not registered: no revision to name (tag the hotfix first)",
                ),
            }
            .field("ok", false))),
        }
    }
    if kind == JobKind::Deploy || kind == JobKind::Rollback {
        let tone = if ok { Tone::Good } else { Tone::Error };
        m.say(
            tone,
            format!("{title} {}: {what}", if ok { "finished" } else { "failed" }),
        );
        if ok {
            m.banner = Some(Status {
                text: format!("✓ {title} finished: {what}"),
                tone: Tone::Good,
            });
        }
    }
    fx
}
