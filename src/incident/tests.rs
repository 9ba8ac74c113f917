use super::*;
use crate::journal::Draft;
use chrono::TimeZone;

fn t(min: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 14, 0, 0)
        .single()
        .expect("time")
        + chrono::Duration::minutes(min)
}

pub fn opened(p: &str) -> Event {
    Draft::new(kinds::INCIDENT_OPENED, "Incident opened")
        .field("ticket", "ENG-1")
        .field("title", "Auth bypass")
        .field("priority", p)
        .field("detected_at", "2026-11-26T13:50:00Z")
        .stamp(t(0))
}

fn inc(events: Vec<Event>) -> Incident {
    Incident::from_events("ENG-1", Arc::new(Checklist::builtin().expect("c")), events)
}

#[test]
fn opening_sets_the_facts() {
    let i = inc(vec![opened("P0")]);
    assert_eq!(i.title, "Auth bypass");
    assert_eq!(i.priority, Priority::P0);
    assert_eq!(i.detected_at, t(-10));
    assert_eq!(i.phase(), Phase::Triage);
    // assess-urgency ticks itself on open
    let item = i.checklist.item("assess-urgency").expect("item");
    assert!(matches!(
        i.status(item),
        ItemStatus::Done(Mark::Done { auto: Some(_), .. })
    ));
}

#[test]
fn checklist_rules_follow_the_priority() {
    let mut i = inc(vec![opened("P0")]);
    let staging = i.checklist.item("staging").expect("s").clone();
    assert_eq!(
        i.status(&staging),
        ItemStatus::NotApplicable(crate::incident::Inapplicable::Priority)
    );
    i.apply(
        Draft::new(kinds::PRIORITY_CHANGED, "P0 → P1")
            .field("from", "P0")
            .field("to", "P1")
            .stamp(t(5)),
    );
    assert_eq!(i.priority, Priority::P1);
    assert_eq!(i.status(&staging), ItemStatus::Pending);
}

#[test]
fn manual_marks_and_reopen() {
    let mut i = inc(vec![opened("P1")]);
    i.apply(
        Draft::new(kinds::CHECKLIST_DONE, "x")
            .field("item", "impact-scoped")
            .stamp(t(1)),
    );
    i.apply(
        Draft::new(kinds::CHECKLIST_WAIVED, "x")
            .field("item", "ci-green")
            .field("reason", "CI down")
            .stamp(t(2)),
    );
    let scoped = i.checklist.item("impact-scoped").expect("i").clone();
    let ci = i.checklist.item("ci-green").expect("i").clone();
    assert!(matches!(i.status(&scoped), ItemStatus::Done(_)));
    assert!(
        matches!(i.status(&ci), ItemStatus::Waived(Mark::Waived { reason, .. }) if reason == "CI down")
    );
    i.apply(
        Draft::new(kinds::CHECKLIST_REOPENED, "x")
            .field("item", "impact-scoped")
            .stamp(t(3)),
    );
    assert_eq!(i.status(&scoped), ItemStatus::Pending);
}

#[test]
fn deploy_and_milestones_drive_the_phase() {
    let mut i = inc(vec![opened("P0")]);
    i.apply(
        Draft::new(kinds::MILESTONE, "Root cause")
            .field("milestone", "root_cause_identified")
            .stamp(t(10)),
    );
    assert_eq!(i.phase(), Phase::Fixing);
    i.apply(Draft::new(kinds::DEPLOY_STARTED, "deploy").stamp(t(20)));
    assert_eq!(i.phase(), Phase::Deploying);
    i.apply(
        Draft::new(kinds::DEPLOY_FINISHED, "failed")
            .field("exit_code", 1)
            .stamp(t(25)),
    );
    assert_eq!(i.deployed_at, None);
    assert_eq!(i.phase(), Phase::Fixing);
    i.apply(
        Draft::new(kinds::DEPLOY_FINISHED, "ok")
            .field("exit_code", 0)
            .stamp(t(30)),
    );
    assert_eq!(i.deployed_at, Some(t(30)));
    assert_eq!(i.phase(), Phase::Monitoring);
    let deployed = i.checklist.item("deployed").expect("d").clone();
    assert!(
        matches!(i.status(&deployed), ItemStatus::Done(Mark::Done { auto: Some(w), .. }) if w == "ok")
    );
    // Marked before any verdict: not verified.
    i.apply(
        Draft::new(kinds::MILESTONE, "ok")
            .field("milestone", "verified_resolved")
            .stamp(t(55)),
    );
    assert_eq!(i.phase(), Phase::Monitoring);
    i.apply(
        Draft::new(kinds::ERROR_RATE, "dropped")
            .field("verdict", "dropped")
            .field("deploy_at", "2026-11-26T14:30:00.000Z")
            .stamp(t(58)),
    );
    i.apply(
        Draft::new(kinds::MILESTONE, "ok")
            .field("milestone", "verified_resolved")
            .stamp(t(60)),
    );
    assert_eq!(i.phase(), Phase::Resolved);
    i.apply(Draft::new(kinds::INCIDENT_CLOSED, "closed").stamp(t(70)));
    assert_eq!(i.phase(), Phase::Closed);
}

#[test]
fn auto_tick_does_not_override_a_waiver() {
    let mut i = inc(vec![opened("P0")]);
    i.apply(
        Draft::new(kinds::CHECKLIST_WAIVED, "x")
            .field("item", "test-suite")
            .field("reason", "flaky")
            .stamp(t(1)),
    );
    i.apply(
        Draft::new(kinds::CHECK_FINISHED, "test passed")
            .field("name", "test")
            .field("exit_code", 0)
            .stamp(t(2)),
    );
    let item = i.checklist.item("test-suite").expect("i").clone();
    assert!(matches!(i.status(&item), ItemStatus::Waived(_)));
}

#[test]
fn unknown_kinds_are_kept_on_the_record() {
    let mut i = inc(vec![opened("P2")]);
    i.apply(Draft::new("from_the_future", "something new").stamp(t(1)));
    assert_eq!(i.count, 2);
    assert_eq!(
        i.recent.back().map(|e| e.kind.as_str()),
        Some("from_the_future")
    );
    assert_eq!(i.phase(), Phase::Triage);
}
