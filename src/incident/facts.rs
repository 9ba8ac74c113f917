//! Automatic ticks as the current state of the facts they rest on.
//!
//! An item's trigger (`auto = { kind = …, field = value }`) holds for a *subject*: a reviewer, a
//! named check, the guard, the smoke run, the error rate of the latest deploy. A later event about
//! the same subject replaces what the earlier one said, so an approval that is dismissed, a check
//! that fails after it passed or a guard that finds the change grew all take their tick back. An
//! item is ticked while any of its subjects holds. Kinds without a subject (the incident was
//! opened, a tag was created, a milestone was marked) are facts that stay once recorded.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Incident, Mark};
use crate::journal::{Event, kinds};

/// The monitoring window assumed when a `verified_resolved` milestone does not say its own
/// (the lower end of the workflow's 15–30 minutes).
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(15 * 60);

/// What an item's automatic tick rests on now: each `kind|subject|trigger` that holds, with when
/// and why it came to hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tick {
    pub held: BTreeMap<String, (DateTime<Utc>, String)>,
    /// The mark it shows: since when it holds, and why (the oldest subject that still holds).
    pub mark: Mark,
}

impl Tick {
    fn remark(&mut self) {
        if let Some((at, why)) = self.held.values().min_by_key(|(at, _)| *at) {
            self.mark = Mark::Done {
                at: *at,
                auto: Some(why.clone()),
            };
        }
    }
}

/// Verdicts on the error rate and on new issues are judged apart: a later "no new issues" does
/// not take back "dropped".
pub const RATE_VERDICTS: &[&str] = &["dropped", "rose"];
pub const ISSUE_VERDICTS: &[&str] = &["no_new_issues", "new_issues"];

/// The subject this event speaks of, when a later event about it replaces it.
pub fn subject(ev: &Event) -> Option<String> {
    let subject = production_subject(ev)?;
    Some(match ev.environment() {
        crate::journal::event::PRODUCTION => subject,
        env => format!("{subject}:{env}"),
    })
}

fn production_subject(ev: &Event) -> Option<String> {
    match ev.kind.as_str() {
        kinds::CHECK_FINISHED => Some(format!("check:{}", ev.str_field("name")?)),
        kinds::GIT_GUARD => Some("guard".into()),
        kinds::PR_REVIEW => Some(format!("review:{}", ev.str_field("reviewer")?)),
        kinds::PR_CHECKS => Some("checks".into()),
        kinds::PAGERDUTY_ACKNOWLEDGED => Some("pagerduty".into()),
        // Every follow-up created or failed says how many action items still lack a ticket.
        kinds::FOLLOWUP_CREATED | kinds::FOLLOWUP_FAILED => Some("followups".into()),
        // Only the run's closing event says how the run went.
        kinds::SMOKE_FINISHED if ev.fields.get("all_passed").is_some() => Some("smoke".into()),
        kinds::METRIC_VERDICT => Some(format!("metric:{}", ev.str_field("name")?)),
        kinds::ERROR_RATE => {
            let v = ev.str_field("verdict")?;
            if RATE_VERDICTS.contains(&v) {
                Some("error_rate".into())
            } else if ISSUE_VERDICTS.contains(&v) {
                Some("new_issues".into())
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Why an event that matches a trigger does not establish its fact: a precondition the record
/// does not hold. `None` when it does.
pub fn unmet(inc: &Incident, ev: &Event) -> Option<String> {
    match ev.kind.as_str() {
        kinds::GIT_GUARD if ev.i64_field("commits") == Some(0) => {
            Some("the hotfix branch has no commit yet".into())
        }
        kinds::DEPLOY_FINISHED if ev.flag("awaiting_ready") => Some(
            "the deploy command finished; the service has not answered with the new version yet"
                .into(),
        ),
        kinds::SMOKE_FINISHED | kinds::ERROR_RATE if !ev.in_production() => {
            inc.unverified_before_production(ev)
        }
        kinds::METRIC_VERDICT if ev.str_field("verdict") == Some(super::gates::GOOD) => {
            inc.gate_unmet(ev)
        }
        kinds::MILESTONE if ev.str_field("milestone") == Some("verified_resolved") => {
            unverified(inc, ev.at, window_of(ev))
        }
        _ => None,
    }
}

fn window_of(ev: &Event) -> Duration {
    ev.i64_field("window_secs")
        .and_then(|s| u64::try_from(s).ok())
        .map_or(DEFAULT_WINDOW, Duration::from_secs)
}

/// Why "verified resolved" at `at` would not be true: no deploy, the window not over, or no good
/// verdict on the latest deploy.
pub fn unverified(inc: &Incident, at: DateTime<Utc>, window: Duration) -> Option<String> {
    let (Some(_), Some(deploy)) = (inc.last_deployed_at, inc.judged_from()) else {
        return Some("no deploy of the fix is on the record".into());
    };
    let since = (at - deploy).to_std().unwrap_or_default();
    if since < window {
        let after = if Some(deploy) == inc.mitigation.last_flag_change() {
            "the flag change"
        } else {
            "the deploy"
        };
        return Some(format!(
            "marked {} after {after}: the {} monitoring window had not elapsed",
            crate::format::duration(since),
            crate::format::duration(window)
        ));
    }
    let key = crate::journal::event::rfc3339_string(deploy);
    if inc.latest_verdict(&key, RATE_VERDICTS) == Some("rose") {
        return Some("the error rate rose after the deploy".into());
    }
    let not_good = inc.gates_not_good(&key);
    if !not_good.is_empty() {
        return Some(format!(
            "not every metric gate is good on the latest deploy ({})",
            not_good.join(", ")
        ));
    }
    let good = inc.latest_verdict(&key, RATE_VERDICTS) == Some("dropped")
        || inc.latest_verdict(&key, ISSUE_VERDICTS) == Some("no_new_issues")
        || !inc.gates.is_empty();
    if !good {
        return Some(
            "no good verdict on the latest deploy (the error rate was not judged): waive the item with a reason to verify by hand"
                .into(),
        );
    }
    None
}

impl Incident {
    /// Ticks and unticks what `ev` speaks of.
    pub(super) fn settle(&mut self, ev: &Event) {
        let subject = subject(ev);
        let unmet = unmet(self, ev);
        let why = if ev.text.is_empty() {
            ev.kind.to_string()
        } else {
            ev.text.clone()
        };
        // A milestone's key names it, so that one milestone can be taken back alone.
        let key_subject = subject.clone().unwrap_or_else(|| {
            ev.str_field("milestone")
                .map(|m| format!("milestone:{m}"))
                .unwrap_or_default()
        });
        let checklist = self.checklist.clone();
        for item in checklist.listening(ev.kind.as_str()) {
            for (i, t) in item.auto.iter().enumerate() {
                if t.kind != ev.kind.as_str() {
                    continue;
                }
                let key = format!("{}|{}|{i}", t.kind, key_subject);
                let speaks =
                    subject.is_some() && t.fields.keys().all(|k| ev.fields.get(k).is_some());
                match (t.matches(ev), &unmet) {
                    (true, None) => self.hold(&item.id, key, ev.at, &why),
                    (true, Some(reason)) => {
                        self.release_key(&item.id, &key, ev.at, reason);
                        self.why_not
                            .insert(item.id.clone(), (None, format!("not ticked: {reason}")));
                    }
                    (false, _) if speaks => self.release_key(&item.id, &key, ev.at, &why),
                    _ => {}
                }
            }
        }
        self.withdraw_stale(ev, &why);
    }

    /// Facts that a different kind of event makes stale.
    fn withdraw_stale(&mut self, ev: &Event, why: &str) {
        // A flag changed: what runs now is judged afresh, in whichever environment it serves.
        if ev.is(kinds::FLAG_CHANGED) && ev.flag("confirmed") {
            return self.judged_again(ev.at, &format!("{why}: what runs is judged again"));
        }
        if !ev.in_production() {
            return self.withdraw_before_production(ev, why);
        }
        match ev.kind.as_str() {
            // A new deploy is judged afresh: the verdicts and the verification of the one before
            // no longer describe what runs.
            kinds::DEPLOY_FINISHED | kinds::DEPLOY_READY | kinds::MILESTONE
                if self.deploys.len() > 1 && self.last_deployed_at == Some(ev.at) =>
            {
                self.judged_again(ev.at, &format!("{why}: the new deploy is judged again"));
            }
            kinds::ERROR_RATE if ev.str_field("verdict") == Some("rose") => {
                self.release_verified(ev.at, why);
            }
            // One gate of an item that is not good takes the item back, whichever gate ticked it.
            kinds::METRIC_VERDICT if ev.str_field("verdict") != Some(super::gates::GOOD) => {
                if let Some(item) = ev.str_field("item") {
                    self.release_item(item, |k| k.starts_with("metric_verdict|"), ev.at, why);
                }
                self.release_verified(ev.at, why);
            }
            kinds::SENTRY_ISSUE | kinds::ROLLBAR_ITEM => {
                let after = match (ev.time_field("first_seen"), self.judged_from()) {
                    (Some(first), Some(deploy)) => first >= deploy,
                    (None, Some(_)) => true,
                    _ => false,
                };
                if after && let Some(deploy) = self.judged_from() {
                    let key = crate::journal::event::rfc3339_string(deploy);
                    self.verdicts.push((key, "new_issues".into()));
                    self.release_matching(|k| k.starts_with("error_rate|new_issues|"), ev.at, why);
                }
            }
            // A new action item has no ticket yet: "every follow-up created" no longer holds.
            kinds::NOTE => {
                let fresh = super::tickets::action_text(&ev.text).is_some_and(|t| {
                    !matches!(
                        self.tickets.followups.get(t),
                        Some(super::tickets::Followup::Created { .. })
                    )
                });
                if fresh {
                    let why = format!("{why}: a new action item has no ticket yet");
                    self.release_matching(|k| k.starts_with("followup_created|"), ev.at, &why);
                }
            }
            // Another pull request: the reviews and checks of the one before are not its own.
            kinds::PR_OPENED => {
                self.release_matching(
                    |k| k.starts_with("pr_review|") || k.starts_with("pr_checks|"),
                    ev.at,
                    why,
                );
            }
            _ => {}
        }
    }

    /// An environment's verification rests on its latest deploy, the smoke run after it and
    /// Sentry's answer: a new deploy, a smoke run that does not verify the fix or a new issue
    /// takes every one of its facts back.
    fn withdraw_before_production(&mut self, ev: &Event, why: &str) {
        let env = ev.environment();
        let reason = match ev.kind.as_str() {
            kinds::DEPLOY_FINISHED if ev.i64_field("exit_code") == Some(0) => {
                format!("{why}: the new {env} deploy is verified again")
            }
            kinds::DEPLOY_FINISHED => why.to_string(),
            kinds::SMOKE_FINISHED
                if ev.fields.get("fix_verified").is_some() && !ev.flag("fix_verified") =>
            {
                why.to_string()
            }
            kinds::ERROR_RATE if ev.str_field("verdict") == Some("new_issues") => why.to_string(),
            _ => return,
        };
        let tail = format!(":{env}");
        self.release_matching(
            |k| k.split('|').nth(1).is_some_and(|s| s.ends_with(&tail)),
            ev.at,
            &reason,
        );
    }

    /// What runs changed (a deploy, a flag): the verdicts and the verification of what ran
    /// before no longer describe it.
    fn judged_again(&mut self, at: DateTime<Utc>, why: &str) {
        self.release_matching(
            |k| k.starts_with("error_rate|") || k.starts_with("metric_verdict|"),
            at,
            why,
        );
        self.release_verified(at, why);
    }

    fn release_verified(&mut self, at: DateTime<Utc>, why: &str) {
        if self.verified_at.take().is_some() {
            let reason = format!("verification withdrawn: {why}");
            self.release_matching(
                |k| k.starts_with("milestone|milestone:verified_resolved|"),
                at,
                &reason,
            );
        }
    }

    fn hold(&mut self, item: &str, key: String, at: DateTime<Utc>, why: &str) {
        self.why_not.remove(item);
        let tick = self.ticks.entry(item.to_string()).or_insert_with(|| Tick {
            held: BTreeMap::new(),
            mark: Mark::Done { at, auto: None },
        });
        tick.held.insert(key, (at, why.to_string()));
        tick.remark();
    }

    fn release_key(&mut self, item: &str, key: &str, at: DateTime<Utc>, why: &str) {
        let Some(tick) = self.ticks.get_mut(item) else {
            return;
        };
        if tick.held.remove(key).is_some() {
            tick.remark();
            if tick.held.is_empty() {
                self.ticks.remove(item);
                self.withdrawn(item, at, why);
            }
        }
    }

    fn release_item(
        &mut self,
        item: &str,
        pred: impl Fn(&str) -> bool,
        at: DateTime<Utc>,
        why: &str,
    ) {
        let Some(tick) = self.ticks.get_mut(item) else {
            return;
        };
        let before = tick.held.len();
        tick.held.retain(|k, _| !pred(k));
        tick.remark();
        if before > 0 && tick.held.is_empty() {
            self.ticks.remove(item);
            self.withdrawn(item, at, why);
        }
    }

    fn release_matching(&mut self, pred: impl Fn(&str) -> bool, at: DateTime<Utc>, why: &str) {
        let mut emptied = Vec::new();
        for (item, tick) in self.ticks.iter_mut() {
            let before = tick.held.len();
            tick.held.retain(|k, _| !pred(k));
            tick.remark();
            if before > 0 && tick.held.is_empty() {
                emptied.push(item.clone());
            }
        }
        for item in emptied {
            self.ticks.remove(&item);
            self.withdrawn(&item, at, why);
        }
    }

    fn withdrawn(&mut self, item: &str, at: DateTime<Utc>, why: &str) {
        self.why_not
            .insert(item.to_string(), (Some(at), format!("unticked: {why}")));
    }
}
