//! Every document against every kind of record: what each must say, and what it must never
//! claim when the record does not hold it.

mod common;

use std::sync::Arc;

use common::t;
use warroom::checklist::Checklist;
use warroom::clock::Policy;
use warroom::export::{Exporter, Format, Templates};
use warroom::incident::Incident;
use warroom::journal::{Draft, Event, kinds};

fn opened(priority: &str, detected: &str) -> Event {
    Draft::new(kinds::INCIDENT_OPENED, "Incident opened")
        .field("ticket", "PAY-42")
        .field("title", "Invoices double-charged")
        .field("priority", priority)
        .field("detected_at", detected)
        .stamp(t(0))
}

fn note(min: i64, text: &str) -> Event {
    Draft::new(kinds::NOTE, text).stamp(t(min))
}

fn milestone(min: i64, id: &str) -> Event {
    Draft::new(kinds::MILESTONE, id.replace('_', " "))
        .field("milestone", id)
        .stamp(t(min))
}

fn deploy(min: i64, exit: i64) -> Vec<Event> {
    vec![
        Draft::new(kinds::DEPLOY_STARTED, "Deploy started: ./deploy.sh")
            .field("command", "./deploy.sh")
            .field("branch", "hotfix/PAY-42-invoices")
            .field(
                "commit",
                format!("{min:07}aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            )
            .stamp(t(min - 1)),
        Draft::new(
            kinds::DEPLOY_FINISHED,
            if exit == 0 {
                "Fix deployed in 1m".to_string()
            } else {
                format!("Deploy failed after 1m: exit {exit}")
            },
        )
        .field("command", "./deploy.sh")
        .field("exit_code", exit)
        .field("duration_ms", 60000)
        .stamp(t(min)),
    ]
}

fn cancelled(min: i64) -> Event {
    Draft::new(kinds::COMMAND_CANCELLED, "Cancelled deploy after 20s")
        .field("job", "deploy")
        .field("name", "deploy")
        .field("command", "./deploy.sh")
        .stamp(t(min))
}

fn closed(min: i64) -> Event {
    Draft::new(kinds::INCIDENT_CLOSED, "Incident PAY-42 closed").stamp(t(min))
}

fn verdict(min: i64, verdict: &str, text: &str) -> Event {
    Draft::new(kinds::ERROR_RATE, text)
        .field("verdict", verdict)
        .field("deploy_at", "2026-11-26T14:30:00.000Z")
        .field("from_per_min", 300.0)
        .field("to_per_min", if verdict == "rose" { 900.0 } else { 2.0 })
        .field("baseline_per_min", 3.0)
        .stamp(t(min))
}

const INTERNAL_NOTES: [&str; 2] = [
    "Impact: sessions past expiry can still call /api/account and /api/invoices",
    "Root cause: the retry queue replays charges after a timeout in a3f9c21",
];

struct Case {
    name: &'static str,
    events: Vec<Event>,
    /// (document, phrase) that must be there.
    must: Vec<(Format, &'static str)>,
    /// (document, phrase) that must not.
    must_not: Vec<(Format, &'static str)>,
}

fn base(priority: &str) -> Vec<Event> {
    vec![
        opened(priority, "2026-11-26T13:50:00.000Z"),
        milestone(5, "on_call_alerted"),
        note(6, INTERNAL_NOTES[0]),
        note(7, INTERNAL_NOTES[1]),
    ]
}

fn cases() -> Vec<Case> {
    use Format::*;
    let claims_a_fix = [
        (Slack, "Hotfix Deployed"),
        (Slack, "✅ Resolved"),
        (Slack, "No new"),
        (Email, "fixed"),
        (Email, "deployed a fix"),
        (Email, "operating normally"),
        (Email, "working normally"),
        (Statuspage, "deployed"),
        (Statuspage, "working normally"),
        (Pir, "No new Sentry issue"),
        (Pir, "fixed in production"),
    ];
    let mut v = Vec::new();

    let mut never = base("P1");
    never.push(closed(40));
    v.push(Case {
        name: "never deployed",
        events: never,
        must: vec![
            (Slack, "closed (no deploy on the record)"),
            (Slack, "⚠ how was this closed without a deploy?"),
            (Statuspage, "⚪ Closed"),
            (Email, "The incident was closed at 2026-11-26 14:40 UTC."),
            (
                Pir,
                "| 2026-11-26 13:50 UTC | +0m | **Issue first detected** |",
            ),
            (Pir, "not deployed"),
        ],
        must_not: claims_a_fix.to_vec(),
    });

    let mut failed = base("P1");
    failed.extend(deploy(20, 1));
    failed.push(cancelled(25));
    failed.push(closed(40));
    v.push(Case {
        name: "deploy failed then cancelled",
        events: failed,
        must: vec![
            (
                Pir,
                "2 deploy attempts did not succeed (1 failed, 1 cancelled)",
            ),
            (Pir, "| deploy `./deploy.sh` | ❌ failed | exit 1 |"),
            (Pir, "| deploy `./deploy.sh` | ⏹ cancelled | cancelled |"),
        ],
        must_not: claims_a_fix.to_vec(),
    });

    let mut no_sentry = base("P2");
    no_sentry.extend(deploy(30, 0));
    no_sentry.push(closed(90));
    v.push(Case {
        name: "deployed without Sentry",
        events: no_sentry,
        must: vec![
            // Deployed and closed, never verified: not "resolved".
            (Slack, "Production Hotfix Deployed: monitoring"),
            (Slack, "👀 Fix deployed, monitoring"),
            (Statuspage, "🔵 Monitoring"),
            (Slack, "⚠ no error-rate verdict on the record"),
            (
                Email,
                "We deployed a fix at 2026-11-26 14:30 UTC, and the incident was closed",
            ),
            (Pir, "No error-rate verdict was recorded."),
            (Pir, "- Deployed from: hotfix/PAY-42-invoices at 0000030"),
            (Pr, "Deployed from: `hotfix/PAY-42-invoices at 0000030`"),
        ],
        must_not: vec![
            (Slack, "No new"),
            (Slack, "✅ Resolved"),
            (Statuspage, "🟢 Resolved"),
            (Email, "Subject: Resolved"),
            (Pir, "No new Sentry issue"),
            (Email, "working normally"),
            (Statuspage, "working normally"),
        ],
    });

    // The demo's old path: closed 34 s after the deploy, "verified resolved" marked at once.
    let mut early = base("P1");
    early.extend(deploy(30, 0));
    early.push(verdict(
        30,
        "dropped",
        "Error rate dropped from 300/min in the 5m before the deploy to 2.0/min (−99 %)",
    ));
    early.push(
        Draft::new(kinds::MILESTONE, "Verified resolved")
            .field("milestone", "verified_resolved")
            .field("window_secs", 1800)
            .stamp(t(30) + chrono::Duration::seconds(30)),
    );
    early.push(
        Draft::new(kinds::INCIDENT_CLOSED, "closed").stamp(t(30) + chrono::Duration::seconds(34)),
    );
    v.push(Case {
        name: "closed 34 s after the deploy",
        events: early,
        must: vec![
            (Pir, "**Detected → verified resolved**: not verified"),
            (Slack, "👀 Fix deployed, monitoring"),
            (Statuspage, "🔵 Monitoring"),
            (
                Pir,
                "- [ ] Post-deploy verification: Monitored 15–30 min and verified resolved",
            ),
        ],
        must_not: vec![
            (Slack, "✅ Resolved"),
            (Slack, "Verified resolved:"),
            (Statuspage, "🟢 Resolved"),
            (Email, "Subject: Resolved"),
            (Email, "working normally"),
            (Pir, "[x] Post-deploy verification: Monitored"),
        ],
    });

    // A smoke run of health checks only; a guard over no commit; a tag never pushed; a
    // verdict measured from the minutes before the deploy (the peak long before it).
    let mut health = base("P1");
    health.push(
        Draft::new(kinds::GIT_GUARD, "Guard: 0 commits")
            .field("branch", "hotfix/PAY-42-invoices")
            .field("commits", 0)
            .field("minimal", true)
            .field("regression_test", false)
            .stamp(t(20)),
    );
    health.extend(deploy(30, 0));
    health.push(
        Draft::new(
            kinds::SMOKE_FINISHED,
            "Smoke test health passed: 200 in 12 ms",
        )
        .field("name", "health")
        .field("ok", true)
        .field("all_passed", true)
        .field("fix_verified", false)
        .stamp(t(31)),
    );
    health.push(
        Draft::new(
            kinds::GIT_TAG_CREATED,
            "Tagged 0000030 as v2.3.5 (not pushed)",
        )
        .field("tag", "v2.3.5")
        .field("commit", "0000030aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        .field("pushed", false)
        .stamp(t(32)),
    );
    health.push(
        Draft::new(
            kinds::ERROR_RATE,
            "Error rate dropped from 40/min in the 5m before the deploy to 2.0/min (−95 %)",
        )
        .field("verdict", "dropped")
        .field("deploy_at", "2026-11-26T14:30:00.000Z")
        .field("from_per_min", 40.0)
        .field("to_per_min", 2.0)
        .field("baseline_per_min", 3.0)
        .field("before_secs", 300)
        .stamp(t(40)),
    );
    health.push(note(41, "Impact start: 13:20"));
    health.push(closed(50));
    v.push(Case {
        name: "health checks only, guard without commits, tag not pushed",
        events: health,
        must: vec![
            (
                Pir,
                "- [ ] Post-deploy verification: Fix verified in production",
            ),
            (
                Pir,
                "- [x] Post-deploy verification: Service healthy after the deploy",
            ),
            (Pir, "- [ ] Minimal fix: Change kept minimal"),
            (Pir, "v2.3.5 on 0000030 (not pushed to the remote)"),
            (
                Pir,
                "- Just before the deploy: 40/min (the 5m before the deploy)",
            ),
            (Pir, "between 13:20 and 14:30 UTC on 2026-11-26"),
            (Statuspage, "between 13:20 and 14:30 UTC on 2026-11-26"),
            (Email, "between 13:20 and 14:30 UTC on 2026-11-26"),
        ],
        must_not: vec![
            (Pir, "- Peak:"),
            (Pir, "456"),
            (Pir, "[x] Post-deploy verification: Fix verified"),
            (Pir, "[x] Minimal fix: Change kept minimal"),
            (Pir, "- start: 13:20"),
            (Pir, "(⚠ when did it start?"),
        ],
    });

    let mut dropped = base("P1");
    dropped.extend(deploy(30, 0));
    dropped.push(verdict(
        40,
        "dropped",
        "Error rate dropped from 300/min to 2.0/min (−99 %)",
    ));
    dropped.push(verdict(
        61,
        "no_new_issues",
        "No new Sentry issue in the 30m after the deploy",
    ));
    dropped.push(milestone(62, "verified_resolved"));
    dropped.push(closed(70));
    v.push(Case {
        name: "deployed, error rate dropped",
        events: dropped,
        must: vec![
            (Slack, "✅ Error rate dropped from 300/min to 2.0/min"),
            (Slack, "✅ No new Sentry issue in the monitoring window"),
            (
                Pir,
                "✅ No new Sentry issue in the monitoring window after the deploy",
            ),
            (
                Email,
                "confirmed at 2026-11-26 15:02 UTC that the service is working normally",
            ),
            (Statuspage, "🟢 Resolved"),
        ],
        must_not: vec![],
    });

    let mut rose = base("P1");
    rose.extend(deploy(30, 0));
    rose.push(verdict(
        40,
        "rose",
        "Error rate rose from 300/min to 900/min (+200 %)",
    ));
    v.push(Case {
        name: "deployed, error rate rose",
        events: rose,
        must: vec![
            (Slack, "⚠️ Error rate rose"),
            (Slack, "👀 Fix deployed, monitoring"),
            (Pir, "❌ Error rate rose"),
            (Statuspage, "🔵 Monitoring"),
            (Email, "are monitoring the service closely"),
        ],
        must_not: vec![(Slack, "✅ Error rate"), (Slack, "✅ Resolved")],
    });

    // Detected 09:15 on the 26th, closed 00:09 on the 27th.
    let mut midnight = vec![opened("P3", "2026-11-26T09:15:00.000Z")];
    midnight.push(note(
        5,
        "Public: Some invoices were charged twice; refunds are on their way.",
    ));
    midnight.push(Draft::new(kinds::INCIDENT_CLOSED, "closed").stamp(t(10 * 60 + 9)));
    v.push(Case {
        name: "closed across midnight",
        events: midnight,
        must: vec![
            (
                Statuspage,
                "from at least 09:15 UTC on 2026-11-26 (when it was detected) until 00:09 UTC on 2026-11-27",
            ),
            (
                Email,
                "from at least 09:15 UTC on 2026-11-26 (when it was detected) until 00:09 UTC on 2026-11-27",
            ),
            (
                Email,
                "Some invoices were charged twice; refunds are on their way.",
            ),
        ],
        must_not: vec![(Statuspage, "Between 09:15 and 00:09")],
    });

    let mut resolution = base("P1");
    resolution.push(note(
        20,
        "Resolution: turned the retry queue off; no code change needed",
    ));
    resolution.push(note(21, "Public title: Duplicate invoice charges"));
    resolution.push(note(
        22,
        "Public: Some customers were charged twice for one invoice.",
    ));
    resolution.push(closed(30));
    v.push(Case {
        name: "closed with Resolution and Public notes",
        events: resolution,
        must: vec![
            (Slack, "turned the retry queue off"),
            (Statuspage, "Duplicate invoice charges"),
            (
                Statuspage,
                "Some customers were charged twice for one invoice.",
            ),
            (Email, "Subject: Duplicate invoice charges"),
            (Email, "Some customers were charged twice for one invoice."),
        ],
        must_not: {
            let mut m = claims_a_fix.to_vec();
            m.push((Slack, "⚠ how was this closed"));
            m
        },
    });

    let mut promised = base("P1");
    promised.extend(deploy(30, 0));
    promised.push(verdict(40, "dropped", "Error rate dropped"));
    promised.push(
        Draft::new(kinds::MILESTONE, "Verified resolved")
            .field("milestone", "verified_resolved")
            .field("window_secs", 1800)
            .stamp(t(61)),
    );
    promised.push(
        Draft::new(kinds::CHECKLIST_DONE, "Done: review scheduled")
            .field("item", "pir-scheduled")
            .stamp(t(62)),
    );
    promised.push(note(
        63,
        "action: alert when charges repeat within a minute",
    ));
    promised.push(closed(64));
    v.push(Case {
        name: "verified, a review scheduled, an action item",
        events: promised,
        must: vec![
            (Statuspage, "🟢 Resolved"),
            (
                Statuspage,
                "We are reviewing this incident and following up",
            ),
            (Email, "- Reviewing the incident in full"),
            (Email, "- Improving our monitoring"),
            (Email, "Subject: Resolved"),
        ],
        must_not: vec![],
    });

    let mut waived = base("P0");
    waived.push(
        Draft::new(kinds::CHECKLIST_WAIVED, "Waived: staging")
            .field("item", "pr-approved")
            .field("reason", "CTO approved on the call")
            .stamp(t(15)),
    );
    waived.extend(deploy(45, 0));
    v.push(Case {
        name: "P0 with waivers",
        events: waived,
        must: vec![
            (Pir, "— waived: CTO approved on the call"),
            (Pir, "1 checklist item waived under time pressure"),
            (
                Pr,
                "⚠️ waived: PR approved by at least one reviewer — CTO approved on the call",
            ),
            (Pr, "[HOTFIX] [P0]"),
        ],
        must_not: vec![(Slack, "✅ Resolved")],
    });

    // Metric gates: each verdict on the record is stated; a gate without one is a prompt.
    let gates = || {
        Draft::new(
            kinds::METRIC_GATES,
            "Metric gates: API p95, DB time, Crash-free",
        )
        .field(
            "gates",
            serde_json::json!([
                {"name": "API p95", "item": "latency-stable", "expect": "stable"},
                {"name": "DB time", "item": "database-stable", "expect": "stable"},
                {"name": "Crash-free", "item": null, "expect": "above 0.995"},
            ]),
        )
        .stamp(t(1))
    };
    let gate = |min: i64, name: &str, item: &str, v: &str, text: &str| {
        Draft::new(kinds::METRIC_VERDICT, text)
            .field("name", name)
            .field("item", item)
            .field("verdict", v)
            .field("deploy_at", warroom::journal::event::rfc3339_string(t(30)))
            .stamp(t(min))
    };
    let mut judged = base("P1");
    judged.push(gates());
    judged.extend(deploy(30, 0));
    judged.push(gate(
        61,
        "API p95",
        "latency-stable",
        "good",
        "API p95: stable, 0.200 s before the deploy → 0.210 s (+5 %)",
    ));
    judged.push(gate(
        62,
        "DB time",
        "database-stable",
        "bad",
        "DB time: moved beyond 20%, 0.050 s before the deploy → 0.150 s (+200 %)",
    ));
    v.push(Case {
        name: "metric gates judged",
        events: judged,
        must: vec![
            (Pir, "## Metric gates"),
            (
                Pir,
                "- ✅ API p95: stable, 0.200 s before the deploy → 0.210 s (+5 %)",
            ),
            (Pir, "- ⚠️ DB time: moved beyond 20%"),
            (Pir, "- ⚠ Crash-free: not judged on the latest deploy"),
            (Slack, "✅ API p95: stable"),
            (Slack, "⚠️ DB time: moved beyond 20%"),
            (
                Statuspage,
                "Our monitoring shows API p95 back to normal so far.",
            ),
        ],
        must_not: vec![(Statuspage, "DB time"), (Statuspage, "Crash-free")],
    });
    let mut unjudged = base("P1");
    unjudged.push(gates());
    unjudged.extend(deploy(30, 0));
    v.push(Case {
        name: "metric gates not judged",
        events: unjudged,
        must: vec![(Pir, "- ⚠ API p95: not judged on the latest deploy")],
        must_not: vec![
            (Statuspage, "Our monitoring"),
            (Slack, "✅ API p95"),
            (Pir, "✅ API p95"),
        ],
    });
    v
}

fn exporter(now_min: i64) -> Exporter {
    Exporter {
        policy: Policy::default(),
        templates: Templates::load(None).expect("templates"),
        rollback_command: None,
        flags: Vec::new(),
        now: t(now_min),
    }
}

fn incident(events: Vec<Event>) -> Incident {
    Incident::from_events("PAY-42", Arc::new(Checklist::builtin().expect("c")), events)
}

#[test]
fn every_document_says_only_what_the_record_holds() {
    let ex = exporter(11 * 60);
    let mut failures = Vec::new();
    for case in cases() {
        let inc = incident(case.events.clone());
        let text = |f: Format| ex.render(&inc, &case.events, f).expect("render");
        // No promise that the record does not hold: a review, safeguards, monitoring.
        let promises = inc
            .checklist
            .item("pir-scheduled")
            .is_some_and(|it| matches!(inc.status(it), warroom::incident::ItemStatus::Done(_)));
        if !promises {
            for (f, phrase) in [
                (Format::Statuspage, "thorough review"),
                (Format::Statuspage, "We are reviewing"),
                (Format::Email, "full review"),
                (Format::Email, "Reviewing the incident"),
                (Format::Email, "Improving our monitoring"),
            ] {
                if text(f).contains(phrase) {
                    failures.push(format!("{}: {} promises {phrase:?}", case.name, f.name()));
                }
            }
        }
        // The impact's start is a note's, or "at least" since detection.
        if !case
            .events
            .iter()
            .any(|e| e.text.starts_with("Impact start"))
            && inc.deployed_at.is_some()
            && !text(Format::Statuspage).contains("from at least 13:50 UTC (when it was detected)")
        {
            failures.push(format!(
                "{}: statuspage states the impact's start as known",
                case.name
            ));
        }
        for (f, phrase) in &case.must {
            if !text(*f).contains(phrase) {
                failures.push(format!(
                    "{}: {} lacks {phrase:?}\n{}",
                    case.name,
                    f.name(),
                    text(*f)
                ));
            }
        }
        for (f, phrase) in &case.must_not {
            if text(*f).contains(phrase) {
                failures.push(format!(
                    "{}: {} claims {phrase:?}\n{}",
                    case.name,
                    f.name(),
                    text(*f)
                ));
            }
        }
        // The external documents never carry internal notes, paths, commit ids or the ticket.
        for f in [Format::Statuspage, Format::Email] {
            let doc = text(f);
            for leak in [
                "/api/",
                "PAY-42",
                "a3f9c21",
                "retry queue",
                "hotfix/",
                "Root cause",
            ] {
                if doc.contains(leak) {
                    failures.push(format!("{}: {} leaks {leak:?}\n{doc}", case.name, f.name()));
                }
            }
            if !doc.contains("UTC") {
                failures.push(format!("{}: {} names no time zone", case.name, f.name()));
            }
        }
        // Bookkeeping stays out of the review's table.
        let pir = text(Format::Pir);
        if pir.contains("Exported ") {
            failures.push(format!("{}: pir lists exports", case.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_closed_incidents_documents_are_the_same_bytes_every_time() {
    for case in cases() {
        let inc = incident(case.events.clone());
        if inc.closed_at.is_none() {
            continue;
        }
        for f in Format::ALL {
            let a = exporter(11 * 60).render(&inc, &case.events, f).expect("a");
            let b = exporter(50 * 60).render(&inc, &case.events, f).expect("b");
            assert_eq!(
                a,
                b,
                "{}: {} depends on when it is written",
                case.name,
                f.name()
            );
        }
    }
}

#[test]
fn the_review_leaves_out_bookkeeping_and_opens_with_the_detection() {
    let mut events = base("P1");
    for i in 0..8 {
        events.push(
            Draft::new(kinds::EXPORT_WRITTEN, format!("Exported /tmp/x/{i}.md"))
                .field("format", "pir")
                .stamp(t(9)),
        );
    }
    let inc = incident(events.clone());
    let pir = exporter(60)
        .render(&inc, &events, Format::Pir)
        .expect("pir");
    let table: Vec<&str> = pir
        .lines()
        .skip_while(|l| !l.starts_with("| time | since detection"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert!(
        table[0].contains("Issue first detected") && table[0].contains("+0m"),
        "{table:?}"
    );
    assert_eq!(
        table.len(),
        5,
        "detection, opened, alerted, two notes: {table:?}"
    );
    let csv = exporter(60)
        .render(&inc, &events, Format::Timeline)
        .expect("csv");
    assert_eq!(
        csv.matches("export_written").count(),
        8,
        "the CSV keeps every event"
    );
}
