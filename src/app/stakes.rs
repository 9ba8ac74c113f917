//! What a confirmation lists before `y`: the deploy's command and the workflow's open items,
//! what closing leaves undone, the rollback plan, and the staging a production deploy skips.

use super::model::Model;
use crate::incident::{ItemStatus, Mark};

/// What the deploy confirmation lists: the command and what is not done yet; for an
/// environment before production, its command and that the clock keeps running.
pub fn deploy_stakes(m: &Model, environment: &str) -> Vec<String> {
    if let Some(env) = m.runbook.environment(environment) {
        let mut out = Vec::new();
        match (&env.deploy, &env.follow) {
            (Some(cmd), _) => out.push(format!(
                "Run the deploy to {environment}: {}   ([environments.{environment}] deploy)",
                m.shown(cmd)
            )),
            (None, Some(follow)) => {
                out.push(format!("Follow {environment}'s logs: {}", m.shown(follow)))
            }
            (None, None) => {}
        }
        out.push(format!(
            "Only {environment}: production is not touched and the SLA clock keeps running."
        ));
        if !env.smoke.is_empty() {
            out.push(format!(
                "Then s runs {environment}'s {}.",
                crate::format::count(env.smoke.len(), "smoke test", "smoke tests")
            ));
        }
        return out;
    }
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
            ItemStatus::Waived(Mark::Waived { reason, .. }) => {
                Some(format!("{} — {reason}", it.text))
            }
            _ => None,
        })
        .collect()
}

/// The rollback plan, as the workflow lists its options; an environment before production has
/// its own command.
pub fn rollback_stakes(m: &Model, environment: &str) -> Vec<String> {
    if let Some(env) = m.runbook.environment(environment) {
        return vec![match &env.rollback {
            Some(cmd) => format!("Roll {environment} back: {}   ← y runs this", m.shown(cmd)),
            None => format!(
                "No rollback command for {environment}: set [environments.{environment}] rollback"
            ),
        }];
    }
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
    if m.flags.is_empty() {
        out.push(format!(
            "Option 3 — turn the fix's feature flag off (add [[flags]] to {} to do it with F)",
            m.config_name
        ));
    }
    for f in &m.flags {
        out.push(format!(
            "Option 3 — turn {} off in {} (now {}): F",
            f.name,
            m.shown(&f.place),
            m.shown(&f.state_words())
        ));
    }
    out
}

/// A production deploy while `[environments.staging]` is configured and the staging item is
/// pending at this priority: what is skipped, and why, in words.
pub fn skipped_staging(m: &Model) -> Option<Vec<String>> {
    let item = m.incident.checklist.item("staging")?;
    if m.runbook.environment("staging").is_none() || m.incident.status(item) != ItemStatus::Pending
    {
        return None;
    }
    let env = m.incident.environments.get("staging");
    let state = match env {
        None => "nothing was deployed to staging".to_string(),
        Some(e) if e.running => "a staging deploy is still running".to_string(),
        Some(e) if e.failed.is_some() => "the latest staging deploy failed".to_string(),
        Some(e) => match (&e.smoke_failed, e.deployed_at) {
            (Some(at), _) => format!(
                "staging's smoke tests did not verify the fix (the run that ended at {})",
                crate::format::stamp(m.utc, *at)
            ),
            (None, Some(at)) => format!(
                "staging was deployed at {} and its smoke tests have not verified the fix",
                crate::format::stamp(m.utc, at)
            ),
            (None, None) => "nothing was deployed to staging".to_string(),
        },
    };
    let mut out = vec![
        format!("Skipped: {} — {state}.", item.text),
        "The workflow deploys to staging and verifies the fix there first.".to_string(),
    ];
    if let Some((_, why)) = m.incident.why_not.get("staging") {
        out.push(format!("Checklist: {why}"));
    }
    out.push(String::new());
    out.push("Deploy to production without it?".into());
    Some(out)
}
