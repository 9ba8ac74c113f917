//! What the documents say, computed from the record: the facts, the durations and the SLA, the
//! timeline, the runs and git steps, the checklist outcome, the error rate, and the prompts
//! that still need a person.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::rows::{
    Capped, LIST_KEEP, Row, Run, Timeline, between, gap_row, gap_run, pull_request, row,
};
use super::window::{impact_span, impact_start, span};
use crate::clock::{self, Policy, Sla};
use crate::format::{self, count};
use crate::incident::{Incident, ItemStatus, Mark};
use crate::journal::{Event, EventSource, kinds};

#[derive(Debug, Serialize)]
pub struct ItemOutcome {
    pub phase: String,
    pub text: String,
    pub status: String,
    pub note: String,
}

#[derive(Debug, Serialize)]
pub struct Context {
    pub ticket: String,
    pub title: String,
    /// warroom's demo: every document says it was simulated.
    pub demo: bool,
    pub priority: String,
    pub severity: String,
    pub phase: String,
    /// investigating, identified, monitoring, resolved (deployed, then verified or closed) or
    /// closed (closed without a deploy on the record).
    pub status: String,
    pub date: String,
    /// Every instant is written one way: `2026-11-26 14:23 UTC`.
    pub detected: String,
    pub deployed: Option<String>,
    pub verified: Option<String>,
    pub closed: Option<String>,
    /// From detection to the deploy (else the close, else now), e.g. `between 09:15 and 11:02
    /// UTC on 2026-11-26`; a range across midnight names both dates; an open one says `since`.
    pub span: String,
    pub to_deploy: Option<String>,
    pub to_verify: Option<String>,
    pub total: String,
    pub target: String,
    pub sla_met: Option<bool>,
    pub sla_text: String,
    pub timeline: Vec<Row>,
    pub milestones: Vec<Row>,
    pub runs: Vec<Run>,
    pub checks: Vec<Run>,
    pub git: Vec<Row>,
    pub branch: Option<String>,
    pub tag: Option<String>,
    /// The commit the tag is on, short.
    pub tag_commit: Option<String>,
    /// Whether the newest tag was pushed to the remote, as its event says (unknown: None).
    pub tag_pushed: Option<bool>,
    /// A review is on the record as scheduled or written: customer texts may say one is held.
    pub review_on_record: bool,
    /// An action item names monitoring or alerting: customer texts may say it is improved.
    pub monitoring_action: bool,
    /// The start of the impact came from a note (`Impact start: …`), not from detection.
    pub impact_start_known: bool,
    /// What the successful deploy ran from: `hotfix/… at 1a2b3c4`.
    pub deployed_from: Option<String>,
    pub backports: Vec<String>,
    pub guard: Option<String>,
    pub impact: Vec<String>,
    pub root_cause: Vec<String>,
    pub resolution: Vec<String>,
    /// Text written for customers: notes starting `Public:`.
    pub public: Vec<String>,
    /// The title to show customers: a note starting `Public title:`.
    pub public_title: Option<String>,
    pub action_items: Vec<String>,
    pub followups: super::ticket::Followups,
    pub notes: Vec<Row>,
    pub checklist: Vec<ItemOutcome>,
    pub waivers: Vec<ItemOutcome>,
    pub tests_done: Vec<String>,
    pub went_well: Vec<String>,
    pub went_wrong: Vec<String>,
    pub error_before: Option<String>,
    pub error_peak: Option<String>,
    /// The level the verdict measured the change against: the minutes just before the deploy.
    pub error_before_deploy: Option<String>,
    pub error_after: Option<String>,
    pub error_verdict: Option<String>,
    /// Whether the monitoring window ended with no new Sentry issue on the record.
    pub no_new_issues: bool,
    pub new_issues: Vec<String>,
    /// Where the error rate came from (`Sentry`, `Rollbar`), and what it calls one error.
    pub errors_source: String,
    pub issue_word: String,
    pub rollback_command: Option<String>,
    pub has_chart: bool,
    /// The hotfix PR as the record followed it: number, page, approvals, checks, merge.
    pub pull_request: Option<String>,
    /// The seats, roles and handoff of a shared incident.
    pub seats: super::handoff::SeatsView,
    /// Where the fix was verified: `verified on staging at 14:52 UTC`, `… in production …`.
    pub verified_where: Vec<super::verified::Where>,
    /// The metric gates' verdicts on the latest deploy.
    pub gates: super::gates::Gates,
    pub mitigation: super::mitigation::Mitigations,
    pub communication: super::outward::Communication,
    /// The error-rate event whose series the chart draws.
    #[serde(skip)]
    pub chart: Option<Event>,
}

/// Notes that begin with one of these words feed a section (the word is dropped).
fn tagged(ev: &Event, tags: &[&str]) -> Option<String> {
    let text = ev.text.trim();
    let lower = text.to_ascii_lowercase();
    tags.iter().find_map(|t| {
        lower.strip_prefix(t).map(|_| {
            text[t.len()..]
                .trim_start_matches([':', ' ', '-'])
                .trim()
                .to_string()
        })
    })
}

fn per_min(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_f64).map(crate::format::rate)
}

pub fn build(
    inc: &Incident,
    events: &dyn EventSource,
    policy: &Policy,
    rollback_command: Option<String>,
    now: DateTime<Utc>,
) -> std::io::Result<Context> {
    let end = inc.closed_at.unwrap_or(now);
    let target = policy.target(inc.priority);
    let (sla_met, sla_text) = match clock::sla(inc, policy, now) {
        Sla::Stopped { took, target } if took <= target => (
            Some(true),
            format!(
                "deployed in {} against a {} target",
                crate::format::duration(took),
                crate::format::target(target)
            ),
        ),
        Sla::Stopped { took, target } => (
            Some(false),
            format!(
                "deployed in {}, past the {} target by {}",
                crate::format::duration(took),
                crate::format::target(target),
                crate::format::duration(took - target)
            ),
        ),
        Sla::Running { left, .. } if inc.closed_at.is_some() => (
            None,
            format!(
                "closed without a deploy on the record, {} before the {} target",
                crate::format::duration(left),
                crate::format::target(target)
            ),
        ),
        Sla::Running { left, .. } => (
            None,
            format!(
                "not deployed yet; {} of the {} target left",
                crate::format::duration(left),
                crate::format::target(target)
            ),
        ),
        Sla::Breached { overdue } if inc.closed_at.is_some() => (
            Some(false),
            format!(
                "closed without a deploy on the record, {} past the {} target",
                crate::format::duration(overdue),
                crate::format::target(target)
            ),
        ),
        Sla::Breached { overdue } => (
            Some(false),
            format!(
                "not deployed; the {} target passed {} ago",
                crate::format::target(target),
                crate::format::duration(overdue)
            ),
        ),
    };
    let deployed_or_end = inc.deployed_at.or(inc.closed_at);
    let status = crate::incident::outward::public_status(inc);
    let mut ctx = Context {
        ticket: inc.ticket.clone(),
        title: inc.title.clone(),
        demo: inc.demo,
        priority: inc.priority.to_string(),
        severity: inc.priority.kind().to_string(),
        phase: inc.phase().as_str().to_string(),
        status: status.to_string(),
        date: format::utc_day(inc.detected_at),
        detected: format::utc_minute(inc.detected_at),
        deployed: inc.deployed_at.map(format::utc_minute),
        verified: inc.verified_at.map(format::utc_minute),
        closed: inc.closed_at.map(format::utc_minute),
        span: span(inc.detected_at, deployed_or_end),
        to_deploy: inc.deployed_at.map(|d| between(inc.detected_at, d)),
        to_verify: inc.verified_at.map(|v| between(inc.detected_at, v)),
        total: between(inc.detected_at, end),
        target: crate::format::target(target),
        sla_met,
        sla_text,
        timeline: Vec::new(),
        milestones: Vec::new(),
        runs: Vec::new(),
        checks: Vec::new(),
        git: Vec::new(),
        branch: inc.hotfix.as_ref().map(|h| h.0.clone()),
        tag: inc.last_tag.clone(),
        tag_commit: None,
        tag_pushed: None,
        review_on_record: ["pir-scheduled", "pir-written"].iter().any(|id| {
            inc.checklist
                .item(id)
                .is_some_and(|it| matches!(inc.status(it), ItemStatus::Done(_)))
        }) || inc.pir_completed,
        monitoring_action: false,
        impact_start_known: false,
        deployed_from: None,
        backports: Vec::new(),
        guard: None,
        impact: Vec::new(),
        root_cause: Vec::new(),
        resolution: Vec::new(),
        public: Vec::new(),
        public_title: None,
        action_items: Vec::new(),
        followups: super::ticket::followups(inc),
        notes: Vec::new(),
        checklist: Vec::new(),
        waivers: Vec::new(),
        tests_done: Vec::new(),
        went_well: Vec::new(),
        went_wrong: Vec::new(),
        error_before: None,
        error_peak: None,
        error_before_deploy: None,
        error_after: None,
        error_verdict: None,
        no_new_issues: false,
        new_issues: Vec::new(),
        errors_source: "Sentry".into(),
        issue_word: "Sentry issue".into(),
        rollback_command,
        has_chart: false,
        pull_request: inc.pr.as_ref().map(|p| pull_request(inc, p)),
        seats: super::handoff::seats_view(inc, policy, now),
        verified_where: super::verified::verified_where(inc),
        gates: super::gates::gates(inc),
        mitigation: Default::default(),
        communication: super::outward::communication(inc),
        chart: None,
    };
    let mut checks_failed_before = 0;
    let mut checks_failed_after = 0;
    let mut deploys_failed = 0;
    let mut deploys_cancelled = 0;
    let mut rolled_back = false;
    let mut last_start: Option<String> = None;
    let mut impact_from: Option<DateTime<Utc>> = None;
    let before_deploy = |at: DateTime<Utc>| inc.deployed_at.is_none_or(|d| at < d);
    let mut timeline = Timeline::new(inc);
    let mut milestones = Capped::new(LIST_KEEP);
    let mut runs = Capped::new(LIST_KEEP);
    let mut checks = Capped::new(LIST_KEEP);
    let mut git = Capped::new(LIST_KEEP);
    let mut notes = Capped::new(LIST_KEEP);
    let mut lists: [Capped<String>; 5] = std::array::from_fn(|_| Capped::new(LIST_KEEP));
    let [public, action_items, root_cause, resolution, impact] = &mut lists;
    events.each(&mut |ev| {
        let ev = &ev;
        timeline.push(inc, ev);
        if Incident::is_milestone(ev) {
            milestones.push(row(inc, ev), ev.kind.as_str());
        }
        let ms = ev
            .i64_field("duration_ms")
            .map(|m| crate::format::duration(std::time::Duration::from_millis(m as u64)))
            .unwrap_or_default();
        let exit = ev.i64_field("exit_code");
        let result = match (exit, ev.i64_field("signal")) {
            (Some(c), _) => format!("exit {c}"),
            (None, Some(s)) => format!("signal {s}"),
            _ => ev.str_field("error").unwrap_or("no exit code").to_string(),
        };
        let run = |what: &str, name: String, ok: bool, result: String| Run {
            what: what.into(),
            name,
            time: format::utc_minute(ev.at),
            ok,
            outcome: if ok { "passed" } else { "failed" }.into(),
            icon: if ok { "✅" } else { "❌" }.into(),
            result,
            duration: ms.clone(),
        };
        if let Some(s) = crate::config::ErrorSource::of(ev.kind.as_str(), ev.str_field("source")) {
            (ctx.errors_source, ctx.issue_word) = (s.name().into(), s.noun());
        }
        match ev.kind.as_str() {
            kinds::DEPLOY_STARTED if ev.in_production() => {
                if let Some(c) = ev.str_field("commit") {
                    last_start = Some(match ev.str_field("branch") {
                        Some(b) => format!("{b} at {}", &c[..c.len().min(7)]),
                        None => format!("{} (detached)", &c[..c.len().min(7)]),
                    });
                }
            }
            // A deploy that waited for its readiness check shipped the fix when the service
            // answered: the commit is the one its command ran from.
            kinds::DEPLOY_READY if inc.deployed_at == Some(ev.at) => {
                ctx.deployed_from = last_start.clone();
            }
            kinds::DEPLOY_FINISHED | kinds::ROLLBACK_FINISHED => {
                let ok = exit == Some(0);
                let what = if ev.is(kinds::DEPLOY_FINISHED) {
                    let production = ev.in_production();
                    if production && !ok {
                        deploys_failed += 1;
                    } else if production && inc.deployed_at == Some(ev.at) {
                        // The deploy that shipped the fix.
                        ctx.deployed_from = last_start.clone();
                    }
                    "deploy"
                } else {
                    rolled_back |= ok && ev.in_production();
                    "rollback"
                };
                let name = command_name(ev);
                runs.push(run(&in_env(what, ev), name, ok, result), what);
            }
            kinds::COMMAND_CANCELLED => {
                let job = ev.str_field("job").unwrap_or("command");
                let what = match job {
                    "smoke" => "smoke test",
                    other => other,
                };
                if job == "deploy" && ev.in_production() {
                    deploys_cancelled += 1;
                }
                let name = match job {
                    "deploy" | "rollback" => command_name(ev),
                    _ => ev.str_field("name").unwrap_or_default().to_string(),
                };
                let mut r = run(&in_env(what, ev), name, false, "cancelled".into());
                r.outcome = "cancelled".into();
                r.icon = "⏹".into();
                runs.push(r, what);
            }
            kinds::CHECK_FINISHED => {
                let ok = exit == Some(0);
                if !ok {
                    if before_deploy(ev.at) {
                        checks_failed_before += 1;
                    } else {
                        checks_failed_after += 1;
                    }
                }
                let r = run(
                    "check",
                    ev.str_field("name").unwrap_or_default().into(),
                    ok,
                    result,
                );
                runs.push(r.clone(), ev.kind.as_str());
                checks.push(r, ev.kind.as_str());
            }
            kinds::SMOKE_FINISHED => {
                let ok = ev.fields.get("ok").and_then(Value::as_bool) == Some(true);
                let r = run(
                    &in_env("smoke test", ev),
                    ev.str_field("name").unwrap_or_default().into(),
                    ok,
                    ev.str_field("reason").unwrap_or_default().into(),
                );
                runs.push(r.clone(), ev.kind.as_str());
                checks.push(r, ev.kind.as_str());
            }
            kinds::GIT_BRANCH_CREATED
            | kinds::GIT_TAG_CREATED
            | kinds::GIT_REVERT
            | kinds::GIT_BACKPORT
            | kinds::GIT_VERIFIED
            | kinds::GIT_PATCH
            | kinds::GIT_GUARD
            | kinds::GIT_REFUSED => {
                git.push(row(inc, ev), ev.kind.as_str());
                if ev.is(kinds::GIT_BACKPORT)
                    && ev.fields.get("ok").and_then(Value::as_bool) == Some(true)
                {
                    ctx.backports.push(format!(
                        "{} → {}",
                        ev.str_field("target").unwrap_or_default(),
                        ev.str_field("branch").unwrap_or_default()
                    ));
                }
                if ev.is(kinds::GIT_GUARD) {
                    ctx.guard = Some(ev.text.trim_start_matches("Guard: ").to_string());
                }
                if ev.is(kinds::GIT_TAG_CREATED) {
                    ctx.tag_commit = ev
                        .str_field("commit")
                        .map(|c| c[..c.len().min(7)].to_string());
                    ctx.tag_pushed = ev.fields.get("pushed").and_then(Value::as_bool);
                }
            }
            kinds::NOTE => {
                if let Some(t) = tagged(ev, &["public title"]) {
                    ctx.public_title = Some(t);
                } else if let Some(t) = tagged(ev, &["public"]) {
                    public.push(t, "public");
                } else {
                    notes.push(row(inc, ev), "note");
                    let started = impact_start(&ev.text, inc.detected_at);
                    if let Some(start) = started {
                        impact_from =
                            Some(impact_from.map_or(start, |s: DateTime<Utc>| s.min(start)));
                    }
                    if let Some(t) = tagged(ev, &["todo", "action"]) {
                        let lower = t.to_ascii_lowercase();
                        ctx.monitoring_action |=
                            lower.contains("monitor") || lower.contains("alert");
                        action_items.push(t, "action");
                    } else if let Some(t) = tagged(ev, &["root cause", "rca", "cause"]) {
                        root_cause.push(t, "root cause");
                    } else if let Some(t) = tagged(ev, &["resolution", "fix"]) {
                        resolution.push(t, "resolution");
                    } else if let Some(t) = tagged(ev, &["impact"])
                        && started.is_none()
                    {
                        impact.push(t, "impact");
                    }
                }
            }
            kinds::MILESTONE
                if ev.str_field("milestone") == Some("root_cause_identified")
                    && ev.text != "Root cause identified" =>
            {
                root_cause.push(ev.text.clone(), "root cause");
            }
            kinds::ERROR_RATE if ev.in_production() => match ev.str_field("verdict") {
                Some("dropped") | Some("rose") => {
                    ctx.error_before = per_min(ev.fields.get("baseline_per_min"));
                    // Events from before `before_secs` measured from the peak.
                    match ev.i64_field("before_secs") {
                        Some(secs) => {
                            ctx.error_peak = None;
                            ctx.error_before_deploy =
                                per_min(ev.fields.get("from_per_min")).map(|r| {
                                    format!(
                                        "{r} (the {} before {})",
                                        crate::format::duration(std::time::Duration::from_secs(
                                            u64::try_from(secs).unwrap_or(0)
                                        )),
                                        inc.change_at(ev.str_field("deploy_at").unwrap_or(""))
                                    )
                                });
                        }
                        None if ev.str_field("verdict") == Some("rose") => {
                            ctx.error_peak = None;
                            ctx.error_before_deploy = per_min(ev.fields.get("from_per_min"));
                        }
                        None => {
                            ctx.error_before_deploy = None;
                            ctx.error_peak = per_min(ev.fields.get("from_per_min"));
                        }
                    }
                    ctx.error_after = per_min(ev.fields.get("to_per_min"));
                    ctx.error_verdict = Some(ev.text.clone());
                    if ev.fields.get("series").is_some_and(Value::is_array) {
                        ctx.has_chart = true;
                        ctx.chart = Some(ev.clone());
                    }
                }
                Some("no_new_issues") => ctx.no_new_issues = true,
                _ => {}
            },
            kinds::SENTRY_ISSUE | kinds::ROLLBAR_ITEM => ctx.new_issues.push(format!(
                "{} {}{}",
                ev.str_field("short_id").unwrap_or_default(),
                ev.str_field("title").unwrap_or_default(),
                ev.str_field("permalink")
                    .map(|p| format!(" ({p})"))
                    .unwrap_or_default()
            )),
            _ => {}
        }
        Ok(())
    })?;
    if impact_from.is_some() {
        ctx.impact_start_known = true;
    }
    ctx.span = impact_span(impact_from, inc.detected_at, deployed_or_end);
    ctx.timeline = timeline.finish();
    ctx.milestones = milestones.finish(gap_row);
    ctx.runs = runs.finish(gap_run);
    ctx.checks = checks.finish(gap_run);
    ctx.git = git.finish(gap_row);
    ctx.notes = notes.finish(gap_row);
    let [public, action_items, root_cause, resolution, impact] =
        lists.map(|l| l.finish(|n| format!("… and {n} more in timeline.csv")));
    (
        ctx.public,
        ctx.action_items,
        ctx.root_cause,
        ctx.resolution,
        ctx.impact,
    ) = (public, action_items, root_cause, resolution, impact);
    // A new issue seen after the verdict outweighs it.
    ctx.no_new_issues &= ctx.new_issues.is_empty();
    for phase in &inc.checklist.phases {
        for it in &phase.items {
            let (status, note) = match inc.status(it) {
                ItemStatus::Pending => ("pending", String::new()),
                ItemStatus::NotApplicable(why) => ("n/a", why.reason(inc.priority)),
                ItemStatus::Done(Mark::Done {
                    auto: Some(why), ..
                }) => ("done", why.clone()),
                ItemStatus::Done(_) => ("done", String::new()),
                ItemStatus::Waived(Mark::Waived { reason, .. }) => ("waived", reason.clone()),
                ItemStatus::Waived(_) => ("waived", String::new()),
            };
            let outcome = ItemOutcome {
                phase: phase.title.clone(),
                text: it.text.clone(),
                status: status.into(),
                note,
            };
            if status == "done" && phase.id == "testing" {
                ctx.tests_done.push(it.text.clone());
            }
            if status == "waived" {
                ctx.waivers.push(ItemOutcome {
                    phase: outcome.phase.clone(),
                    text: outcome.text.clone(),
                    status: outcome.status.clone(),
                    note: outcome.note.clone(),
                });
            }
            ctx.checklist.push(outcome);
        }
    }
    // What went well and wrong, as facts; people add the rest.
    match ctx.sla_met {
        Some(true) => ctx.went_well.push(format!("Fix {}", ctx.sla_text)),
        Some(false) => ctx.went_wrong.push(format!("SLA missed: {}", ctx.sla_text)),
        None => {}
    }
    if let Some(v) = &ctx.error_verdict {
        if v.contains("dropped") {
            ctx.went_well.push(v.clone())
        } else {
            ctx.went_wrong.push(v.clone())
        }
    }
    if ctx.no_new_issues {
        ctx.went_well.push(format!(
            "No new Sentry issue in the monitoring window after {}",
            inc.judged_after()
        ));
    } else if !ctx.new_issues.is_empty() {
        let after = inc.judged_after();
        ctx.went_wrong.push(count(
            ctx.new_issues.len(),
            &format!("new Sentry issue after {after}"),
            &format!("new Sentry issues after {after}"),
        ));
    }
    if checks_failed_before > 0 {
        ctx.went_wrong.push(count(
            checks_failed_before,
            if inc.deployed_at.is_some() {
                "check run failed before the deploy"
            } else {
                "check run failed"
            },
            if inc.deployed_at.is_some() {
                "check runs failed before the deploy"
            } else {
                "check runs failed"
            },
        ));
    }
    if checks_failed_after > 0 {
        ctx.went_wrong.push(count(
            checks_failed_after,
            "check run failed after the deploy",
            "check runs failed after the deploy",
        ));
    }
    let unsuccessful = deploys_failed + deploys_cancelled;
    if unsuccessful > 0 {
        ctx.went_wrong.push(format!(
            "{} ({deploys_failed} failed, {deploys_cancelled} cancelled)",
            count(
                unsuccessful,
                "deploy attempt did not succeed",
                "deploy attempts did not succeed"
            )
        ));
    }
    if rolled_back {
        ctx.went_wrong.push("A rollback was needed".into());
    }
    if !ctx.waivers.is_empty() {
        ctx.went_wrong.push(count(
            ctx.waivers.len(),
            "checklist item waived under time pressure",
            "checklist items waived under time pressure",
        ));
    }
    if inc.last_guard.is_some_and(|(_, test)| !test) {
        ctx.went_wrong.push(if inc.deployed_at.is_some() {
            "The hotfix shipped without a regression test".into()
        } else {
            "The hotfix has no regression test".into()
        });
    } else if inc.last_guard.is_some_and(|(min, test)| min && test) {
        ctx.went_well
            .push("Minimal change, with a regression test".into());
    }
    Ok(ctx)
}

/// `deploy`, or `deploy to staging` for an environment before production.
fn in_env(what: &str, ev: &Event) -> String {
    match ev.environment() {
        crate::runbook::PRODUCTION => what.to_string(),
        env if what == "deploy" => format!("deploy to {env}"),
        env => format!("{what} on {env}"),
    }
}

fn command_name(ev: &Event) -> String {
    format!("`{}`", ev.str_field("command").unwrap_or_default())
}
