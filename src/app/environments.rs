//! Environments before production in `update`: which ones `d`, `s` and `r` offer and in what
//! order, and Sentry's answer for an environment after its smoke tests passed.

use chrono::{DateTime, Utc};

use super::menus::MenuRow;
use super::model::{EnvAction, Model, Tone};
use super::msg::Effect;
use crate::incident::ItemStatus;
use crate::journal::{Draft, kinds};
use crate::runbook::PRODUCTION;
use crate::sentry::api::Issue;

/// Whether the staging item is still to do at this priority (and staging is configured).
pub fn staging_pending(m: &Model) -> bool {
    m.runbook.environment("staging").is_some()
        && m.incident
            .checklist
            .item("staging")
            .is_some_and(|it| m.incident.status(it) == ItemStatus::Pending)
}

/// The environments `action` can act on, in the picker's order: production first, except
/// staging first while its item is pending; then the others by name. One entry means no picker.
pub fn choices(m: &Model, action: EnvAction) -> Vec<String> {
    let others: Vec<String> = m
        .runbook
        .environments
        .iter()
        .filter(|e| match action {
            EnvAction::Deploy => e.deploy.is_some() || e.follow.is_some(),
            EnvAction::Smoke => !e.smoke.is_empty(),
            EnvAction::Rollback => e.rollback.is_some(),
        })
        .map(|e| e.name.clone())
        .collect();
    // Production is always offered for a deploy and a rollback (its confirmation says what to
    // set); for smoke tests only when it has some.
    let production = action != EnvAction::Smoke || !m.runbook.smoke.is_empty() || others.is_empty();
    let mut out = Vec::with_capacity(others.len() + 1);
    let staging_first = staging_pending(m) && others.iter().any(|e| e == "staging");
    if staging_first {
        out.push("staging".to_string());
    }
    if production {
        out.push(PRODUCTION.to_string());
    }
    out.extend(
        others
            .into_iter()
            .filter(|e| !(staging_first && e == "staging")),
    );
    out
}

/// The picker's rows: the environment, its command, and where it stands.
pub fn rows(m: &Model, action: EnvAction) -> Vec<MenuRow> {
    let names = choices(m, action);
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0) + 2;
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let env = m.runbook.environment(name);
            let command = match (action, env) {
                (EnvAction::Deploy, Some(e)) => e.deploy.clone().or_else(|| e.follow.clone()),
                (EnvAction::Deploy, None) => m
                    .runbook
                    .deploy
                    .clone()
                    .or_else(|| m.runbook.follow.clone()),
                (EnvAction::Smoke, Some(e)) => Some(smoke_names(&e.smoke)),
                (EnvAction::Smoke, None) => Some(smoke_names(&m.runbook.smoke)),
                (EnvAction::Rollback, Some(e)) => e.rollback.clone(),
                (EnvAction::Rollback, None) => m.runbook.rollback.clone(),
            };
            MenuRow {
                key: super::menus::numbered(i),
                badge: None,
                name: format!("{name:<width$}"),
                text: command.map_or_else(|| "not configured".into(), |c| m.shown(&c)),
                note: standing(m, name),
                current: false,
            }
        })
        .collect()
}

fn smoke_names(smoke: &[crate::config::SmokeConfig]) -> String {
    smoke
        .iter()
        .map(|s| s.name.get_ref().as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `  verified 14:52`, `  deploy failed 14:40`, `  stops the SLA clock`.
fn standing(m: &Model, name: &str) -> String {
    if name == PRODUCTION {
        return match m.incident.deployed_at {
            Some(_) => String::new(),
            None => "  stops the SLA clock".into(),
        };
    }
    let stamp = |at| crate::format::stamp(m.utc, at);
    match m.incident.environments.get(name) {
        None => "  not deployed yet".into(),
        Some(e) => match (e.failed, e.fix_verified_at, e.deployed_at) {
            (Some(at), _, _) => format!("  deploy failed {}", stamp(at)),
            (None, Some(at), _) => format!("  fix verified {}", stamp(at)),
            (None, None, Some(at)) => format!("  deployed {}, not verified", stamp(at)),
            (None, None, None) => "  not deployed yet".into(),
        },
    }
}

/// After an environment's smoke tests verified the fix: the Sentry environment to ask and the
/// effect that asks, when that environment names one and Sentry is set up.
pub fn ask_sentry(m: &mut Model, environment: &str) -> Option<(String, Effect)> {
    let sentry_environment = m
        .runbook
        .environment(environment)?
        .sentry_environment
        .clone()?;
    if let Some(why) = &m.error_rate.unconfigured {
        let why = why.clone();
        m.say(
            Tone::Warn,
            format!(
                "{environment}'s {} environment is not asked: {why}",
                m.error_rate.source.name()
            ),
        );
        return None;
    }
    let since = m.incident.environments.get(environment)?.deployed_at?;
    Some((
        sentry_environment.clone(),
        Effect::EnvironmentIssues {
            environment: environment.to_string(),
            sentry_environment,
            since,
        },
    ))
}

/// Sentry's answer: a verdict on the record, or (when it could not be asked) words that say
/// the environment stays unverified.
pub fn on_issues(
    m: &mut Model,
    environment: String,
    sentry_environment: String,
    since: DateTime<Utc>,
    issues: Result<Vec<Issue>, String>,
) -> Vec<Effect> {
    let issues = match issues {
        Ok(i) => i,
        Err(e) => {
            let e = m.shown(&e);
            m.say(
                Tone::Warn,
                format!(
                    "{} ({sentry_environment}): {e} — {environment} stays unverified; s asks again",
                    m.error_rate.source.name()
                ),
            );
            return Vec::new();
        }
    };
    let new: Vec<&Issue> = issues
        .iter()
        .filter(|i| i.first_seen.is_none_or(|f| f >= since))
        .collect();
    let key = crate::journal::event::rfc3339_string(since);
    let (name, unit) = (m.error_rate.source.name(), m.error_rate.source.unit());
    let d = if new.is_empty() {
        Draft::new(
            kinds::ERROR_RATE,
            format!("No new {name} {unit} in {sentry_environment} since the {environment} deploy"),
        )
        .field("verdict", "no_new_issues")
    } else {
        let named: Vec<String> = new
            .iter()
            .take(3)
            .map(|i| format!("{} {}", i.short_id, i.title))
            .collect();
        Draft::new(
            kinds::ERROR_RATE,
            format!(
                "{} in {sentry_environment} since the {environment} deploy: {}{}",
                crate::format::count(
                    new.len(),
                    &format!("new {name} {unit}"),
                    &format!("new {name} {unit}s")
                ),
                named.join("; "),
                if new.len() > 3 { "; …" } else { "" }
            ),
        )
        .field("verdict", "new_issues")
        .field("issues", new.len())
    };
    vec![Effect::Append(
        d.field("environment", environment)
            .field("sentry_environment", sentry_environment)
            .field("deploy_at", key),
    )]
}
