//! The model's behaviour through `update` alone, with a fixed clock.

mod common;

use common::*;
use crossterm::event::KeyCode;
use warroom::app::model::{InputPurpose, Tone};
use warroom::app::{Effect, Mode, Msg, Pane, update};
use warroom::incident::ItemStatus;
use warroom::journal::{Draft, ReadBatch, kinds};
use warroom::priority::Priority;

fn select(m: &mut warroom::app::Model, id: &str) {
    let i = m.items().position(|i| i.id == id).expect("item");
    m.selected = i;
}

fn status_of(m: &warroom::app::Model, id: &str) -> String {
    let item = m.incident.checklist.item(id).expect("item").clone();
    match m.incident.status(&item) {
        ItemStatus::Pending => "pending",
        ItemStatus::Done(_) => "done",
        ItemStatus::Waived(_) => "waived",
        ItemStatus::NotApplicable(_) => "n/a",
    }
    .to_string()
}

#[test]
fn opens_on_the_checklist_with_the_first_pending_item() {
    let m = model("P0", t(1));
    assert_eq!(m.focus, Pane::Checklist);
    // "assess-urgency" ticked itself on open, so the next item is selected.
    assert_eq!(
        m.selected_item().map(|i| i.id.as_str()),
        Some("on-call-alerted")
    );
}

#[test]
fn space_toggles_done_and_pending_through_the_journal() {
    let mut m = model("P1", t(1));
    select(&mut m, "impact-scoped");
    let fx = send(&mut m, key(' '));
    let d = appended(&fx);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].kind.as_str(), kinds::CHECKLIST_DONE);
    assert_eq!(d[0].fields["item"], "impact-scoped");
    assert_eq!(status_of(&m, "impact-scoped"), "done");
    let fx = send(&mut m, key(' '));
    assert_eq!(appended(&fx)[0].kind.as_str(), kinds::CHECKLIST_REOPENED);
    assert_eq!(status_of(&m, "impact-scoped"), "pending");
}

#[test]
fn the_screen_changes_only_when_the_event_is_read_back() {
    let mut m = model("P1", t(1));
    select(&mut m, "impact-scoped");
    let fx = update(&mut m, key(' '));
    assert!(matches!(fx[..], [Effect::Append(_)]));
    assert_eq!(status_of(&m, "impact-scoped"), "pending", "not on disk yet");
}

#[test]
fn not_applicable_items_cannot_be_ticked() {
    let mut m = model("P0", t(1));
    select(&mut m, "staging");
    assert!(send(&mut m, key(' ')).is_empty());
    assert_eq!(status_of(&m, "staging"), "n/a");
    assert!(
        m.status
            .as_ref()
            .is_some_and(|s| s.text.contains("Not applicable at P0"))
    );
}

#[test]
fn review_may_be_waived_at_p0_only_with_a_reason() {
    let mut m = model("P1", t(1));
    select(&mut m, "pr-approved");
    assert!(send(&mut m, key('w')).is_empty());
    assert_eq!(m.mode, Mode::Normal);
    let s = m.status.clone().expect("status");
    assert_eq!(s.tone, Tone::Warn);
    assert!(s.text.contains("only at P0"), "{}", s.text);

    let mut m = model("P0", t(1));
    select(&mut m, "pr-approved");
    send(&mut m, key('w'));
    assert!(
        matches!(&m.mode, Mode::Input { purpose: InputPurpose::Waive { item }, .. } if item == "pr-approved")
    );
    // An empty reason records nothing.
    let fx = send(&mut m, code(KeyCode::Enter));
    assert!(fx.is_empty());
    send(&mut m, key('w'));
    type_text(&mut m, "reviewer asleep, CTO approved");
    let fx = send(&mut m, code(KeyCode::Enter));
    let d = appended(&fx);
    assert_eq!(d[0].kind.as_str(), kinds::CHECKLIST_WAIVED);
    assert_eq!(d[0].fields["reason"], "reviewer asleep, CTO approved");
    assert_eq!(status_of(&m, "pr-approved"), "waived");
}

#[test]
fn escape_cancels_a_note_and_enter_records_it() {
    let mut m = model("P2", t(1));
    send(&mut m, key('n'));
    type_text(&mut m, "draft");
    assert!(send(&mut m, code(KeyCode::Esc)).is_empty());
    assert_eq!(m.mode, Mode::Normal);
    send(&mut m, key('n'));
    type_text(&mut m, "cache flushed");
    send(&mut m, code(KeyCode::Backspace));
    update(&mut m, Msg::Paste("d\nby ops".into()));
    send(&mut m, code(KeyCode::Enter));
    assert_eq!(
        m.incident.recent.back().map(|e| e.text.as_str()),
        Some("cache flushed by ops")
    );
}

#[test]
fn priority_picker_records_from_and_to() {
    let mut m = model("P0", t(1));
    send(&mut m, key('p'));
    assert!(matches!(m.mode, Mode::Pick { selected: 0, .. }));
    send(&mut m, key('j'));
    let fx = send(&mut m, code(KeyCode::Enter));
    let d = appended(&fx)[0].clone();
    assert_eq!(d.kind.as_str(), kinds::PRIORITY_CHANGED);
    assert_eq!(
        (d.fields["from"].as_str(), d.fields["to"].as_str()),
        (Some("P0"), Some("P1"))
    );
    assert_eq!(m.incident.priority, Priority::P1);
    // Staging now applies.
    assert_eq!(status_of(&m, "staging"), "pending");
    // Picking the current level records nothing.
    send(&mut m, key('p'));
    assert!(send(&mut m, key('1')).is_empty());
}

#[test]
fn milestones_from_the_picker() {
    let mut m = model("P0", t(1));
    send(&mut m, key('m'));
    let fx = send(&mut m, key('3'));
    assert_eq!(
        appended(&fx)[0].fields["milestone"],
        "root_cause_identified"
    );
    assert_eq!(status_of(&m, "root-cause-identified"), "done");
    send(&mut m, key('m'));
    let fx = send(&mut m, key('8'));
    assert_eq!(appended(&fx)[0].kind.as_str(), kinds::STATUS_UPDATE);
}

#[test]
fn cadence_reminder_rings_once_per_due_update() {
    // P0: an update every 30 min from the open at t(0).
    let mut m = model("P0", t(1));
    assert!(update(&mut m, Msg::Tick(t(29))).is_empty());
    assert_eq!(update(&mut m, Msg::Tick(t(30))), vec![Effect::Bell]);
    assert!(update(&mut m, Msg::Tick(t(31))).is_empty(), "rings once");
    assert!(
        m.status
            .as_ref()
            .is_some_and(|s| s.text.contains("Status update due"))
    );
    m.now = t(32);
    send(
        &mut m,
        Msg::Journal(ReadBatch {
            events: vec![Draft::new(kinds::STATUS_UPDATE, "posted").stamp(t(32))],
            warnings: vec![],
        }),
    );
    assert!(update(&mut m, Msg::Tick(t(61))).is_empty());
    assert_eq!(update(&mut m, Msg::Tick(t(62))), vec![Effect::Bell]);
    // With the bell off, the reminder still shows but does not ring.
    let mut quiet = model("P0", t(1));
    quiet.bell_enabled = false;
    assert!(update(&mut quiet, Msg::Tick(t(30))).is_empty());
    assert!(quiet.status.is_some());
}

#[test]
fn auto_triggers_tick_items_from_any_process() {
    let mut m = model("P0", t(1));
    let batch = ReadBatch {
        events: vec![
            Draft::new(kinds::CHECK_FINISHED, "typecheck failed")
                .field("name", "typecheck")
                .field("exit_code", 2)
                .stamp(t(5)),
            Draft::new(kinds::CHECK_FINISHED, "test passed")
                .field("name", "test")
                .field("exit_code", 0)
                .stamp(t(6)),
        ],
        warnings: vec![],
    };
    update(&mut m, Msg::Journal(batch));
    assert_eq!(status_of(&m, "test-suite"), "done");
    assert_eq!(status_of(&m, "type-check"), "pending");
}

#[test]
fn a_closed_incident_is_read_only_but_takes_notes() {
    let mut m = model("P1", t(1));
    send(&mut m, key('c'));
    assert!(matches!(m.mode, Mode::Confirm { .. }));
    assert!(send(&mut m, key('n')).is_empty(), "anything but y cancels");
    send(&mut m, key('c'));
    let fx = send(&mut m, key('y'));
    assert_eq!(appended(&fx)[0].kind.as_str(), kinds::INCIDENT_CLOSED);
    assert!(m.read_only());
    select(&mut m, "impact-scoped");
    assert!(send(&mut m, key(' ')).is_empty());
    assert!(send(&mut m, key('p')).is_empty());
    send(&mut m, key('n'));
    type_text(&mut m, "TODO: add alert");
    assert_eq!(appended(&send(&mut m, code(KeyCode::Enter))).len(), 1);
}

#[test]
fn focus_cycles_and_quit_asks_the_loop_to_stop() {
    let mut m = model("P3", t(1));
    send(&mut m, code(KeyCode::Tab));
    assert_eq!(m.focus, Pane::DeployLog);
    send(&mut m, code(KeyCode::BackTab));
    send(&mut m, code(KeyCode::BackTab));
    assert_eq!(m.focus, Pane::Timeline);
    assert_eq!(update(&mut m, key('q')), vec![Effect::Quit]);
    assert!(m.quitting);
}

#[test]
fn timeline_scroll_holds_its_place_while_events_arrive() {
    let mut m = model("P2", t(1));
    for i in 0..50 {
        send(
            &mut m,
            Msg::Journal(ReadBatch {
                events: vec![Draft::new(kinds::NOTE, format!("n{i}")).stamp(t(2))],
                warnings: vec![],
            }),
        );
    }
    m.focus = Pane::Timeline;
    send(&mut m, key('k'));
    send(&mut m, key('k'));
    assert_eq!(m.timeline.from_bottom, 2);
    send(
        &mut m,
        Msg::Journal(ReadBatch {
            events: vec![Draft::new(kinds::NOTE, "late").stamp(t(3))],
            warnings: vec![],
        }),
    );
    assert_eq!(m.timeline.from_bottom, 3);
    send(&mut m, key('f'));
    assert_eq!(m.timeline.from_bottom, 0);
    send(&mut m, code(KeyCode::Home));
    assert_eq!(m.timeline.from_bottom, m.incident.count - 1);
}

#[test]
fn journal_warnings_reach_the_footer() {
    let mut m = model("P2", t(1));
    update(
        &mut m,
        Msg::Journal(ReadBatch {
            events: vec![],
            warnings: vec!["journal line 7 is not a valid event".into()],
        }),
    );
    assert_eq!(m.warnings.len(), 1);
    assert_eq!(m.status.as_ref().map(|s| s.tone), Some(Tone::Warn));
}

#[test]
fn the_status_line_clears_when_it_no_longer_applies() {
    let mut m = model("P1", t(1));
    m.say(warroom::app::model::Tone::Warn, "Cancelled deploy");
    update(&mut m, Msg::Tick(t(1) + chrono::Duration::seconds(10)));
    assert!(m.status.is_some(), "still fresh after 10 s");
    update(&mut m, Msg::Tick(t(1) + chrono::Duration::seconds(16)));
    assert_eq!(m.status, None, "gone after 15 s");
    // A reminder that still applies stays until something replaces it.
    update(&mut m, Msg::Tick(t(60)));
    assert!(m.status.is_some());
    update(&mut m, Msg::Tick(t(62)));
    assert!(
        m.status
            .as_ref()
            .is_some_and(|s| s.text.contains("Status update due"))
    );
}
