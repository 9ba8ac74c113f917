//! The error rate in `update`: merging what the poller reports, and putting the verdicts and
//! the new issues on the record.

use super::model::{Model, Tone};
use super::msg::Effect;
use crate::clock::{self, Monitoring};
use crate::config::ErrorSource;
use crate::incident::facts::{ISSUE_VERDICTS, RATE_VERDICTS};
use crate::journal::event::rfc3339_string;
use crate::journal::{Draft, kinds};
use crate::sentry::{PollState, SentryMsg};

pub fn on_sentry(m: &mut Model, msg: SentryMsg) -> Vec<Effect> {
    match msg {
        SentryMsg::Series {
            start,
            buckets,
            width,
            at,
        } => {
            let detected = m.incident.detected_at.timestamp();
            m.error_rate
                .merge(start, buckets, width, at.timestamp(), detected);
            m.error_rate.last_ok = Some(at);
            let mut fx = judge(m);
            fx.extend(guard_poll(m));
            fx
        }
        SentryMsg::Issues { since, issues } => {
            let mut fx = Vec::new();
            let source = m.error_rate.source;
            let kind = match source {
                ErrorSource::Sentry => kinds::SENTRY_ISSUE,
                ErrorSource::Rollbar => kinds::ROLLBAR_ITEM,
            };
            for i in issues.iter().rev() {
                let new = i.first_seen.is_none_or(|f| f >= since);
                if new && !m.incident.sentry_issues.contains(&i.id) {
                    fx.push(Effect::Append(
                        Draft::new(
                            kind,
                            format!(
                                "New {} {} {}: {}",
                                source.name(),
                                source.unit(),
                                i.short_id,
                                i.title
                            ),
                        )
                        .field("id", i.id.clone())
                        .field("short_id", i.short_id.clone())
                        .field("title", i.title.clone())
                        .field("permalink", i.permalink.clone())
                        .field("first_seen", i.first_seen.map(rfc3339_string))
                        .field("count", i.count),
                    ));
                }
            }
            m.error_rate.issues = issues;
            fx
        }
        SentryMsg::State(s) => {
            // An error body may echo what was sent (a token in a URL, a header).
            let s = match s {
                PollState::Error { reason, next } => PollState::Error {
                    reason: m.shown(&reason),
                    next,
                },
                PollState::Retrying {
                    reason,
                    attempt,
                    next,
                } => PollState::Retrying {
                    reason: m.shown(&reason),
                    attempt,
                    next,
                },
                PollState::RateLimited { until, detail } => PollState::RateLimited {
                    until,
                    detail: m.shown(&detail),
                },
                other => other,
            };
            if let PollState::Error { reason, .. } = &s
                && m.error_rate.state != s
            {
                m.say(
                    Tone::Warn,
                    format!("{}: {reason}", m.error_rate.source.name()),
                );
            }
            m.error_rate.state = s;
            Vec::new()
        }
        SentryMsg::Notice(n) => {
            let n = m.shown(&n);
            m.say(Tone::Warn, format!("{}: {n}", m.error_rate.source.name()));
            m.error_rate.notice = Some(n);
            Vec::new()
        }
        SentryMsg::DeployRegistered(r) => {
            let source = m.error_rate.source;
            let (kind, name) = match source {
                ErrorSource::Sentry => (kinds::SENTRY_DEPLOY, "release"),
                ErrorSource::Rollbar => (kinds::ROLLBAR_DEPLOY, "revision"),
            };
            let d = match r {
                Ok(value) => Draft::new(
                    kind,
                    format!("Deploy registered with {} ({name} {value})", source.name()),
                )
                .field("ok", true)
                .field(name, value),
                Err(e) => Draft::new(
                    kind,
                    format!("{} deploy not registered: {e}", source.name()),
                )
                .field("ok", false)
                .field("error", e),
            };
            vec![Effect::Append(d)]
        }
    }
}

/// The poll as the guard counts it: the error rate risen since the deploy is a bad poll.
fn guard_poll(m: &mut Model) -> Vec<Effect> {
    let Some(deploy) = m.incident.last_deployed_at else {
        return Vec::new();
    };
    let e = &m.error_rate;
    match e.verdict(m.incident.detected_at, deploy) {
        Some(v) => {
            let bad = matches!(v, super::error_rate::Verdict::Rose { .. });
            super::guard::observe(m, "error rate", Some(bad), &v.sentence("the deploy"))
        }
        // Judged, neither dropped nor risen: not a bad poll.
        None if e.complete_after(deploy).len() >= e.verdict_buckets.max(1) => {
            super::guard::observe(m, "error rate", Some(false), "")
        }
        None => Vec::new(),
    }
}

/// The verdict on the latest deploy, recorded once per deploy and kind.
fn judge(m: &mut Model) -> Vec<Effect> {
    let Some(deploy) = m.incident.judged_from() else {
        return Vec::new();
    };
    let Some(v) = m.error_rate.verdict(m.incident.detected_at, deploy) else {
        return Vec::new();
    };
    let key = rfc3339_string(deploy);
    if m.incident.latest_verdict(&key, RATE_VERDICTS) == Some(v.name()) {
        return Vec::new();
    }
    let sentence = v.sentence(m.incident.judged_after());
    let series: Vec<serde_json::Value> = m
        .error_rate
        .points()
        .map(|(t, v)| serde_json::json!([t, (v * 10.0).round() / 10.0]))
        .collect();
    let mut d = Draft::new(kinds::ERROR_RATE, sentence.clone())
        .field("verdict", v.name())
        .field("source", m.error_rate.source.key())
        .field("deploy_at", key)
        .field("buckets", m.error_rate.verdict_buckets)
        .field("series", series);
    d = match v {
        super::error_rate::Verdict::Dropped {
            from,
            to,
            baseline,
            threshold,
            before_secs,
        } => d
            .field("from_per_min", from.round())
            .field("to_per_min", (to * 10.0).round() / 10.0)
            .field(
                "baseline_per_min",
                baseline.map(|b| (b * 10.0).round() / 10.0),
            )
            .field("threshold_per_min", threshold)
            .field("before_secs", before_secs),
        super::error_rate::Verdict::Rose {
            before,
            after,
            baseline,
        } => {
            m.say(Tone::Error, sentence);
            d.field("from_per_min", before.round())
                .field("to_per_min", after.round())
                .field(
                    "baseline_per_min",
                    baseline.map(|b| (b * 10.0).round() / 10.0),
                )
        }
    };
    vec![Effect::Append(d)]
}

/// At the end of the monitoring window, with Sentry polled since and no issue first seen after
/// the deploy: "no new errors introduced".
pub fn quiet_after_deploy(m: &mut Model) -> Vec<Effect> {
    if m.error_rate.unconfigured.is_some() || m.read_only() {
        return Vec::new();
    }
    let Some(deploy) = m.incident.judged_from() else {
        return Vec::new();
    };
    if clock::monitoring(&m.incident, &m.policy, m.now) != Monitoring::Done {
        return Vec::new();
    }
    let window_end = deploy + chrono::Duration::from_std(m.policy.monitoring).unwrap_or_default();
    let key = rfc3339_string(deploy);
    let polled_since = m.error_rate.last_ok.is_some_and(|t| t >= window_end);
    let quiet = m
        .error_rate
        .issues
        .iter()
        .all(|i| i.first_seen.is_some_and(|f| f < deploy));
    if !polled_since
        || !quiet
        || m.incident.latest_verdict(&key, ISSUE_VERDICTS) == Some("no_new_issues")
    {
        return Vec::new();
    }
    vec![Effect::Append(
        Draft::new(
            kinds::ERROR_RATE,
            format!(
                "No new {} {}s in the {} after {}",
                m.error_rate.source.name(),
                m.error_rate.source.unit(),
                crate::format::duration(m.policy.monitoring),
                m.incident.judged_after()
            ),
        )
        .field("verdict", "no_new_issues")
        .field("source", m.error_rate.source.key())
        .field("deploy_at", key),
    )]
}
