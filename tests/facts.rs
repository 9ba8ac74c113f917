//! Every item that ticks itself rests on a fact, and unticks when the fact goes. The table below
//! names, for each automatic item of the built-in checklist, the events that establish its fact
//! and the events that withdraw it; a new automatic item without a row fails the first test.
//! Facts that stay once recorded (the incident was opened, a tag was created) go only when a
//! person reopens the item.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use warroom::checklist::Checklist;
use warroom::incident::{Incident, ItemStatus};
use warroom::journal::{Draft, Event, kinds};

fn t(min: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 14, 0, 0)
        .single()
        .expect("t")
        + Duration::minutes(min)
}

const DEPLOY_AT: &str = "2026-11-26T14:30:00.000Z";

fn opened() -> Event {
    Draft::new(kinds::INCIDENT_OPENED, "Incident opened")
        .field("ticket", "ENG-9")
        .field("title", "Checkout fails")
        .field("priority", "P1")
        .field("detected_at", "2026-11-26T13:50:00.000Z")
        .stamp(t(0))
}

fn ev(min: i64, kind: &str, text: &str, fields: &[(&str, serde_json::Value)]) -> Event {
    let mut d = Draft::new(kind, text);
    for (k, v) in fields {
        d = d.field(k, v.clone());
    }
    d.stamp(t(min))
}

fn milestone(min: i64, id: &str) -> Event {
    let mut d = Draft::new(kinds::MILESTONE, id).field("milestone", id);
    if id == "verified_resolved" {
        d = d.field("window_secs", 900);
    }
    d.stamp(t(min))
}

fn deployed(min: i64) -> Event {
    ev(
        min,
        kinds::DEPLOY_FINISHED,
        "Fix deployed",
        &[("exit_code", 0.into())],
    )
}

fn verdict(min: i64, v: &str) -> Event {
    ev(
        min,
        kinds::ERROR_RATE,
        &format!("error rate {v}"),
        &[("verdict", v.into()), ("deploy_at", DEPLOY_AT.into())],
    )
}

/// The gates configured: (name, item).
fn gates(min: i64, gates: &[(&str, &str)]) -> Event {
    let list: Vec<serde_json::Value> = gates
        .iter()
        .map(|(n, i)| serde_json::json!({"name": n, "item": i, "expect": "stable"}))
        .collect();
    ev(
        min,
        kinds::METRIC_GATES,
        "Metric gates",
        &[("gates", list.into())],
    )
}

fn gate_verdict(min: i64, name: &str, item: &str, v: &str) -> Event {
    ev(
        min,
        kinds::METRIC_VERDICT,
        &format!("{name}: {v}"),
        &[
            ("name", name.into()),
            ("item", item.into()),
            ("verdict", v.into()),
            ("deploy_at", DEPLOY_AT.into()),
        ],
    )
}

fn reopened(min: i64, item: &str) -> Event {
    ev(
        min,
        kinds::CHECKLIST_REOPENED,
        "Reopened",
        &[("item", item.into())],
    )
}

fn guard(min: i64, commits: i64, minimal: bool, test: bool) -> Event {
    ev(
        min,
        kinds::GIT_GUARD,
        "Guard",
        &[
            ("commits", commits.into()),
            ("minimal", minimal.into()),
            ("regression_test", test.into()),
        ],
    )
}

fn check(min: i64, name: &str, exit: i64) -> Event {
    ev(
        min,
        kinds::CHECK_FINISHED,
        &format!("{name} exit {exit}"),
        &[("name", name.into()), ("exit_code", exit.into())],
    )
}

fn review(min: i64, who: &str, state: &str) -> Event {
    ev(
        min,
        kinds::PR_REVIEW,
        &format!("{who}: {state}"),
        &[
            ("number", 7.into()),
            ("reviewer", who.into()),
            ("state", state.into()),
        ],
    )
}

fn pr_checks(min: i64, state: &str, head: &str) -> Event {
    ev(
        min,
        kinds::PR_CHECKS,
        &format!("checks {state} on {head}"),
        &[
            ("number", 7.into()),
            ("state", state.into()),
            ("head", head.into()),
        ],
    )
}

fn smoke(min: i64, all: bool, fix: bool) -> Event {
    ev(
        min,
        kinds::SMOKE_FINISHED,
        "smoke run",
        &[("all_passed", all.into()), ("fix_verified", fix.into())],
    )
}

fn staging(kind: &str, min: i64, text: &str, fields: &[(&str, serde_json::Value)]) -> Event {
    let mut all = vec![("environment", "staging".into())];
    all.extend_from_slice(fields);
    ev(min, kind, text, &all)
}

fn staged(min: i64, exit: i64) -> Event {
    staging(
        kinds::DEPLOY_FINISHED,
        min,
        &format!("Deploy to staging exit {exit}"),
        &[("exit_code", exit.into())],
    )
}

fn staging_smoke(min: i64, fix: bool) -> Event {
    staging(
        kinds::SMOKE_FINISHED,
        min,
        &format!("staging smoke fix verified {fix}"),
        &[("all_passed", fix.into()), ("fix_verified", fix.into())],
    )
}

/// One row: the item, what comes before (context), what ticks it, and what unticks it.
struct Row {
    item: &'static str,
    before: Vec<Event>,
    arrive: Vec<Event>,
    withdraw: Vec<Event>,
}

fn pr_opened() -> Event {
    ev(
        10,
        kinds::PR_OPENED,
        "Opened PR #7",
        &[("number", 7.into()), ("url", "https://x/7".into())],
    )
}

fn rows() -> Vec<Row> {
    let sticky = |item: &'static str, arrive: Vec<Event>| Row {
        item,
        before: vec![],
        arrive,
        withdraw: vec![reopened(200, item)],
    };
    vec![
        sticky("assess-urgency", vec![]),
        sticky("on-call-alerted", vec![milestone(5, "on_call_alerted")]),
        sticky(
            "root-cause-identified",
            vec![milestone(6, "root_cause_identified")],
        ),
        sticky(
            "hotfix-branch",
            vec![ev(
                8,
                kinds::GIT_BRANCH_CREATED,
                "branch",
                &[("branch", "hotfix/ENG-9".into()), ("commit", "abc".into())],
            )],
        ),
        Row {
            item: "minimal-change",
            before: vec![],
            arrive: vec![guard(9, 1, true, true)],
            withdraw: vec![guard(12, 3, false, true)],
        },
        Row {
            item: "regression-test",
            before: vec![],
            arrive: vec![guard(9, 1, true, true)],
            withdraw: vec![guard(12, 1, true, false)],
        },
        Row {
            item: "test-suite",
            before: vec![],
            arrive: vec![check(9, "test", 0)],
            withdraw: vec![check(12, "test", 1)],
        },
        Row {
            item: "type-check",
            before: vec![],
            arrive: vec![check(9, "typecheck", 0)],
            withdraw: vec![check(12, "typecheck", 2)],
        },
        Row {
            item: "build",
            before: vec![],
            arrive: vec![check(9, "build", 0)],
            withdraw: vec![check(12, "build", 1)],
        },
        sticky("pr-opened", vec![pr_opened()]),
        Row {
            item: "pr-approved",
            before: vec![pr_opened()],
            arrive: vec![review(11, "carol", "approved")],
            withdraw: vec![review(12, "carol", "dismissed")],
        },
        Row {
            item: "ci-green",
            before: vec![pr_opened()],
            arrive: vec![pr_checks(11, "success", "aaa")],
            withdraw: vec![pr_checks(12, "pending", "bbb")],
        },
        sticky(
            "pr-merged",
            vec![
                pr_opened(),
                ev(
                    20,
                    kinds::PR_MERGED,
                    "merged",
                    &[("number", 7.into()), ("merge_commit", "ccc".into())],
                ),
            ],
        ),
        Row {
            item: "staging",
            before: vec![staged(20, 0)],
            arrive: vec![staging_smoke(21, true)],
            withdraw: vec![staging_smoke(23, false)],
        },
        sticky(
            "release-tagged",
            vec![ev(
                25,
                kinds::GIT_TAG_CREATED,
                "tag",
                &[("tag", "v1.0.1".into()), ("pushed", true.into())],
            )],
        ),
        sticky("deployed", vec![deployed(30)]),
        Row {
            item: "smoke-tests",
            before: vec![deployed(30)],
            arrive: vec![smoke(31, true, true)],
            withdraw: vec![smoke(40, false, false)],
        },
        Row {
            item: "health-checked",
            before: vec![deployed(30)],
            arrive: vec![smoke(31, true, false)],
            withdraw: vec![smoke(40, false, false)],
        },
        Row {
            item: "error-rate-dropped",
            before: vec![deployed(30)],
            arrive: vec![verdict(38, "dropped")],
            withdraw: vec![verdict(42, "rose")],
        },
        Row {
            item: "no-new-errors",
            before: vec![deployed(30)],
            arrive: vec![verdict(61, "no_new_issues")],
            withdraw: vec![ev(
                70,
                kinds::SENTRY_ISSUE,
                "New Sentry issue API-9",
                &[
                    ("id", "9".into()),
                    ("first_seen", "2026-11-26T15:05:00Z".into()),
                ],
            )],
        },
        Row {
            item: "latency-stable",
            before: vec![
                gates(1, &[("latency-stable gate", "latency-stable")]),
                deployed(30),
            ],
            arrive: vec![gate_verdict(
                61,
                "latency-stable gate",
                "latency-stable",
                "good",
            )],
            withdraw: vec![gate_verdict(
                70,
                "latency-stable gate",
                "latency-stable",
                "bad",
            )],
        },
        Row {
            item: "database-stable",
            before: vec![
                gates(1, &[("database-stable gate", "database-stable")]),
                deployed(30),
            ],
            arrive: vec![gate_verdict(
                61,
                "database-stable gate",
                "database-stable",
                "good",
            )],
            withdraw: vec![gate_verdict(
                70,
                "database-stable gate",
                "database-stable",
                "bad",
            )],
        },
        Row {
            item: "third-parties-healthy",
            before: vec![
                gates(
                    1,
                    &[("third-parties-healthy gate", "third-parties-healthy")],
                ),
                deployed(30),
            ],
            arrive: vec![gate_verdict(
                61,
                "third-parties-healthy gate",
                "third-parties-healthy",
                "good",
            )],
            withdraw: vec![gate_verdict(
                70,
                "third-parties-healthy gate",
                "third-parties-healthy",
                "bad",
            )],
        },
        Row {
            item: "user-activity-normal",
            before: vec![
                gates(1, &[("user-activity-normal gate", "user-activity-normal")]),
                deployed(30),
            ],
            arrive: vec![gate_verdict(
                61,
                "user-activity-normal gate",
                "user-activity-normal",
                "good",
            )],
            withdraw: vec![gate_verdict(
                70,
                "user-activity-normal gate",
                "user-activity-normal",
                "bad",
            )],
        },
        Row {
            item: "verified-resolved",
            before: vec![deployed(30), verdict(38, "dropped")],
            arrive: vec![milestone(50, "verified_resolved")],
            withdraw: vec![verdict(55, "rose")],
        },
        sticky(
            "status-updates",
            vec![ev(15, kinds::STATUS_UPDATE, "update", &[])],
        ),
        sticky(
            "slack-posted",
            vec![ev(15, "slack_posted", "posted", &[("ok", true.into())])],
        ),
        sticky(
            "ticket-updated",
            vec![ev(
                80,
                kinds::TICKET_COMMENTED,
                "Resolution posted on ENG-9",
                &[("of", "resolution".into()), ("url", "https://x/c/1".into())],
            )],
        ),
        Row {
            item: "follow-up-tickets",
            before: vec![ev(
                80,
                kinds::NOTE,
                "TODO: Add a canary (@ana, by 2026-12-10)",
                &[],
            )],
            arrive: vec![ev(
                85,
                kinds::FOLLOWUP_CREATED,
                "Follow-up ENG-12 created",
                &[
                    ("item", "Add a canary (@ana, by 2026-12-10)".into()),
                    ("key", "ENG-12".into()),
                    ("url", "https://x/ENG-12".into()),
                    ("remaining", 0.into()),
                ],
            )],
            withdraw: vec![ev(
                95,
                kinds::NOTE,
                "TODO: alert on refresh failures (@ben, by 2026-12-12)",
                &[],
            )],
        },
        sticky(
            "pir-written",
            vec![ev(90, kinds::PIR_COMPLETED, "done", &[])],
        ),
    ]
}

fn status(inc: &Incident, id: &str) -> &'static str {
    let it = inc.checklist.item(id).expect("item");
    match inc.status(it) {
        ItemStatus::Done(_) => "done",
        ItemStatus::Pending => "pending",
        ItemStatus::Waived(_) => "waived",
        ItemStatus::NotApplicable(_) => "n/a",
    }
}

fn checklist() -> Arc<Checklist> {
    Arc::new(Checklist::builtin().expect("checklist"))
}

/// Rollbar's new item withdraws *No new errors introduced* as Sentry's issue does, and a Teams
/// post ticks the internal update as a Slack post does.
#[test]
fn a_rollbar_item_and_a_teams_post_are_the_same_facts() {
    let mut inc = Incident::from_events(
        "ENG-9",
        checklist(),
        [opened(), deployed(30), verdict(61, "no_new_issues")],
    );
    assert_eq!(status(&inc, "no-new-errors"), "done");
    inc.apply(ev(
        70,
        kinds::ROLLBAR_ITEM,
        "New Rollbar item #12",
        &[
            ("id", "270000012".into()),
            ("first_seen", "2026-11-26T15:05:00Z".into()),
        ],
    ));
    assert_eq!(status(&inc, "no-new-errors"), "pending");
    assert_eq!(status(&inc, "slack-posted"), "pending");
    inc.apply(ev(
        71,
        kinds::TEAMS_POSTED,
        "Teams update not posted",
        &[("ok", false.into())],
    ));
    assert_eq!(status(&inc, "slack-posted"), "pending");
    inc.apply(ev(
        72,
        kinds::TEAMS_POSTED,
        "Teams update posted",
        &[("ok", true.into())],
    ));
    assert_eq!(status(&inc, "slack-posted"), "done");
}

#[test]
fn every_automatic_item_has_a_row() {
    let c = checklist();
    let auto: Vec<&str> = c
        .items()
        .filter(|it| !it.auto.is_empty())
        .map(|it| it.id.as_str())
        .collect();
    let rows: Vec<&str> = rows().iter().map(|r| r.item).collect();
    assert_eq!(auto, rows, "every automatic item, in the checklist's order");
}

#[test]
fn every_automatic_item_ticks_with_its_fact_and_unticks_when_it_goes() {
    for row in rows() {
        let mut inc = Incident::from_events("ENG-9", checklist(), [opened()]);
        for e in row.before.iter().chain(&row.arrive) {
            inc.apply(e.clone());
        }
        assert_eq!(status(&inc, row.item), "done", "{}: ticks", row.item);
        for e in &row.withdraw {
            inc.apply(e.clone());
        }
        assert_eq!(status(&inc, row.item), "pending", "{}: unticks", row.item);
        let (_, why) = inc
            .why_not
            .get(row.item)
            .unwrap_or_else(|| panic!("{}: says why it unticked", row.item));
        if row.item != "assess-urgency" && !row.withdraw[0].is(kinds::CHECKLIST_REOPENED) {
            assert!(
                why.contains(&row.withdraw[0].text),
                "{}: the reason names the event: {why}",
                row.item
            );
        }
        // The fact arriving again ticks it again.
        for e in &row.arrive {
            let mut again = e.clone();
            again.at = t(300);
            inc.apply(again);
        }
        if !row.arrive.is_empty() && row.item != "verified-resolved" {
            assert_eq!(status(&inc, row.item), "done", "{}: ticks again", row.item);
        }
    }
}

#[test]
fn verified_needs_the_window_elapsed_with_a_good_verdict() {
    let base = || {
        Incident::from_events(
            "ENG-9",
            checklist(),
            [opened(), deployed(30), verdict(38, "dropped")],
        )
    };
    // 34 seconds after the deploy.
    let mut early = base();
    let mut m = milestone(30, "verified_resolved");
    m.at = t(30) + Duration::seconds(34);
    early.apply(m);
    assert_eq!(status(&early, "verified-resolved"), "pending");
    assert!(early.verified_at.is_none());
    assert!(
        early.why_not["verified-resolved"]
            .1
            .contains("monitoring window had not elapsed"),
        "{:?}",
        early.why_not
    );
    // No verdict at all.
    let mut blind = Incident::from_events("ENG-9", checklist(), [opened(), deployed(30)]);
    blind.apply(milestone(60, "verified_resolved"));
    assert_eq!(status(&blind, "verified-resolved"), "pending");
    // After the window, with the verdict: verified; a later deploy is judged again.
    let mut ok = base();
    ok.apply(milestone(50, "verified_resolved"));
    assert_eq!(status(&ok, "verified-resolved"), "done");
    assert!(ok.verified_at.is_some());
    ok.apply(deployed(70));
    assert_eq!(status(&ok, "verified-resolved"), "pending");
    assert_eq!(status(&ok, "error-rate-dropped"), "pending");
    assert!(ok.verified_at.is_none());
}

#[test]
fn a_metric_item_needs_every_gate_naming_it_and_any_one_takes_it_back() {
    let two = [
        ("API p95", "latency-stable"),
        ("Edge p95", "latency-stable"),
    ];
    let mut inc = Incident::from_events("ENG-9", checklist(), [opened()]);
    assert_eq!(status(&inc, "latency-stable"), "n/a", "no gate names it");
    inc.apply(gates(1, &two));
    assert_eq!(status(&inc, "latency-stable"), "pending");
    assert_eq!(status(&inc, "database-stable"), "n/a");
    inc.apply(deployed(30));
    inc.apply(gate_verdict(61, "API p95", "latency-stable", "good"));
    assert_eq!(
        status(&inc, "latency-stable"),
        "pending",
        "Edge p95 not judged"
    );
    assert!(
        inc.why_not["latency-stable"]
            .1
            .contains("waiting for Edge p95")
    );
    inc.apply(gate_verdict(62, "Edge p95", "latency-stable", "good"));
    assert_eq!(status(&inc, "latency-stable"), "done");
    // The gate that did not tick it turns bad: the item is taken back all the same.
    inc.apply(gate_verdict(70, "API p95", "latency-stable", "unsettled"));
    assert_eq!(status(&inc, "latency-stable"), "pending");
    assert!(
        inc.why_not["latency-stable"]
            .1
            .contains("API p95: unsettled")
    );
}

#[test]
fn verified_needs_every_configured_gate_good() {
    let mut inc = Incident::from_events(
        "ENG-9",
        checklist(),
        [
            opened(),
            gates(
                1,
                &[("API p95", "latency-stable"), ("DB", "database-stable")],
            ),
            deployed(30),
            verdict(38, "dropped"),
            gate_verdict(61, "API p95", "latency-stable", "good"),
        ],
    );
    inc.apply(milestone(62, "verified_resolved"));
    assert_eq!(status(&inc, "verified-resolved"), "pending");
    assert!(
        inc.why_not["verified-resolved"]
            .1
            .contains("not every metric gate is good on the latest deploy (DB)"),
        "{:?}",
        inc.why_not
    );
    inc.apply(gate_verdict(63, "DB", "database-stable", "good"));
    inc.apply(milestone(64, "verified_resolved"));
    assert_eq!(status(&inc, "verified-resolved"), "done");
    // A gate that turns bad withdraws the verification.
    inc.apply(gate_verdict(70, "DB", "database-stable", "bad"));
    assert_eq!(status(&inc, "verified-resolved"), "pending");
    assert!(inc.verified_at.is_none());
}

#[test]
fn a_person_reopening_an_automatic_item_holds_until_the_fact_comes_again() {
    let mut inc = Incident::from_events("ENG-9", checklist(), [opened(), check(5, "test", 0)]);
    inc.apply(reopened(6, "test-suite"));
    assert_eq!(status(&inc, "test-suite"), "pending");
    inc.apply(check(7, "test", 0));
    assert_eq!(status(&inc, "test-suite"), "done");
}

#[test]
fn staging_is_verified_on_its_own_deploy_and_never_counts_as_production() {
    let base = || Incident::from_events("ENG-9", checklist(), [opened()]);
    // Smoke tests on staging before any staging deploy: not verified, and it says why.
    let mut early = base();
    early.apply(staging_smoke(5, true));
    assert_eq!(status(&early, "staging"), "pending");
    assert!(
        early.why_not["staging"]
            .1
            .contains("no staging deploy has finished")
    );

    // A staging deploy and its smoke tests: staging ticks; production is untouched.
    let mut inc = base();
    inc.apply(staged(20, 0));
    inc.apply(staging_smoke(21, true));
    assert_eq!(status(&inc, "staging"), "done");
    for item in ["deployed", "smoke-tests", "health-checked"] {
        assert_eq!(status(&inc, item), "pending", "{item}");
    }
    assert_eq!(inc.deployed_at, None, "the SLA clock still runs");
    assert!(inc.deploys.is_empty());
    assert!(!Incident::ships_fix(&staged(20, 0)));
    // A later staging deploy that fails takes it back, naming the deploy.
    inc.apply(staged(25, 1));
    assert_eq!(status(&inc, "staging"), "pending");
    assert!(
        inc.why_not["staging"]
            .1
            .contains("Deploy to staging exit 1")
    );
    // Smoke tests after the failed deploy do not verify anything.
    inc.apply(staging_smoke(26, true));
    assert_eq!(status(&inc, "staging"), "pending");
    assert!(
        inc.why_not["staging"]
            .1
            .contains("the latest staging deploy failed")
    );
    // A good deploy and a good run again.
    inc.apply(staged(27, 0));
    inc.apply(staging_smoke(28, true));
    assert_eq!(status(&inc, "staging"), "done");
    // A new successful deploy is verified again.
    inc.apply(staged(29, 0));
    assert_eq!(status(&inc, "staging"), "pending");
    assert!(inc.why_not["staging"].1.contains("verified again"));

    // Production's smoke tests never tick staging; events without an environment are
    // production's (written before environments existed).
    let mut prod = base();
    prod.apply(deployed(30));
    prod.apply(smoke(31, true, true));
    assert_eq!(status(&prod, "smoke-tests"), "done");
    assert_eq!(status(&prod, "staging"), "pending");
    assert_eq!(prod.deployed_at, Some(t(30)));
}

#[test]
fn staging_with_sentry_waits_for_its_answer() {
    let key = "2026-11-26T14:20:00.000Z";
    let sentry = |min: i64, v: &str, deploy_at: &str| {
        staging(
            kinds::ERROR_RATE,
            min,
            &format!("staging sentry {v}"),
            &[("verdict", v.into()), ("deploy_at", deploy_at.into())],
        )
    };
    let asked = |min: i64| {
        staging(
            kinds::SMOKE_FINISHED,
            min,
            "staging smoke passed",
            &[
                ("all_passed", true.into()),
                ("fix_verified", true.into()),
                ("sentry_environment", "staging".into()),
            ],
        )
    };
    let mut inc = Incident::from_events("ENG-9", checklist(), [opened(), staged(20, 0), asked(21)]);
    assert_eq!(status(&inc, "staging"), "pending");
    assert!(inc.why_not["staging"].1.contains("waiting for Sentry"));
    // A verdict on another deploy says nothing of this one.
    inc.apply(sentry(22, "no_new_issues", "2026-11-26T14:00:00.000Z"));
    assert_eq!(status(&inc, "staging"), "pending");
    inc.apply(sentry(22, "no_new_issues", key));
    assert_eq!(status(&inc, "staging"), "done");
    // A new issue in staging takes it back.
    inc.apply(sentry(24, "new_issues", key));
    assert_eq!(status(&inc, "staging"), "pending");
    assert!(
        inc.why_not["staging"]
            .1
            .contains("staging sentry new_issues")
    );
    // Without a passing smoke run, Sentry's quiet alone verifies nothing.
    let mut quiet = Incident::from_events("ENG-9", checklist(), [opened(), staged(20, 0)]);
    quiet.apply(sentry(22, "no_new_issues", key));
    assert_eq!(status(&quiet, "staging"), "pending");
}

/// A new action item takes back "every follow-up created"; the same item noted again, whose
/// ticket exists, does not.
#[test]
fn only_an_action_item_without_a_ticket_unticks_the_follow_ups() {
    let item = "Add a canary (@ana, by 2026-12-10)";
    let mut inc = Incident::from_events(
        "ENG-9",
        checklist(),
        [
            opened(),
            ev(80, kinds::NOTE, &format!("TODO: {item}"), &[]),
            ev(
                85,
                kinds::FOLLOWUP_CREATED,
                "Follow-up ENG-12 created",
                &[
                    ("item", item.into()),
                    ("key", "ENG-12".into()),
                    ("url", "https://x/ENG-12".into()),
                    ("remaining", 0.into()),
                ],
            ),
        ],
    );
    assert_eq!(status(&inc, "follow-up-tickets"), "done");
    inc.apply(ev(90, kinds::NOTE, &format!("action: {item}"), &[]));
    assert_eq!(status(&inc, "follow-up-tickets"), "done");
    inc.apply(ev(91, kinds::NOTE, "a plain note about TODO lists", &[]));
    assert_eq!(status(&inc, "follow-up-tickets"), "done");
    inc.apply(ev(92, kinds::NOTE, "todo: rotate the signing keys", &[]));
    assert_eq!(status(&inc, "follow-up-tickets"), "pending");
}
