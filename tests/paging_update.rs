//! The page and the status page in `update`: the comms lead drafts the status page and the
//! commander approves and publishes it (each an event); timeline events are mirrored onto
//! PagerDuty's incident once; the responders picker asks whom PagerDuty lists.

mod common;

use common::*;
use warroom::app::model::{ConfirmAction, Mode, PickPurpose};
use warroom::app::{Effect, Model, Msg};
use warroom::journal::{Draft, Event, ReadBatch, Share, kinds};
use warroom::pagerduty::{PageAction, PagerMsg, Target};
use warroom::statuspage::Published;

fn from(seat: &str, by: &str, d: Draft, min: i64) -> Event {
    d.field("by", by).field("seat", seat).stamp(t(min))
}

fn fold(m: &mut Model, events: Vec<Event>) -> Vec<Effect> {
    send(
        m,
        Msg::Journal(ReadBatch {
            events,
            warnings: vec![],
        }),
    )
}

/// Folds what the effects append, as `seat` wrote them.
fn fold_appended(m: &mut Model, fx: &[Effect], seat: &str, by: &str, min: i64) -> Vec<Effect> {
    let events = appended(fx)
        .into_iter()
        .map(|d| from(seat, by, d.clone(), min))
        .collect();
    fold(m, events)
}

/// A shared incident: Ivan is the commander, Cara the comms lead; `me` is this seat.
fn seat(me: (&str, &str)) -> Model {
    let mut m = model("P1", t(10));
    m.share.me = Some(Share {
        remote: "origin".into(),
        seat: me.0.into(),
        by: me.1.into(),
        email: format!("{}@example.com", me.1.to_lowercase()),
        moved: 0,
        backend: Default::default(),
    });
    m.status_page.page = Some("kctbh9vrtdwd".into());
    m.status_page.components = vec![warroom::config::ComponentConfig {
        id: "cmp_api".into(),
        name: "API".into(),
        status: warroom::config::ComponentStatus::PartialOutage,
    }];
    fold(
        &mut m,
        vec![
            from(
                "ivan-1",
                "Ivan",
                Draft::new(kinds::ROLE_ASSIGNED, "Ivan is incident commander")
                    .field("role", "commander")
                    .field("to", "ivan-1"),
                1,
            ),
            from(
                "ivan-1",
                "Ivan",
                Draft::new(kinds::ROLE_ASSIGNED, "Cara is comms lead")
                    .field("role", "comms")
                    .field("to", "cara-2"),
                2,
            ),
        ],
    );
    m
}

const RENDERED: &str =
    "🔴 Investigating — Checkout errors\n\nWe are investigating reports of an issue.\n";

/// `e` → publish the status page, as far as the confirmation.
fn to_confirmation(m: &mut Model) -> ConfirmAction {
    send(m, key('e'));
    let fx = send(m, key('0'));
    if fx.contains(&Effect::StatusPreview) {
        send(m, Msg::StatusPreview(Ok(RENDERED.into())));
    }
    match &m.mode {
        Mode::Confirm { action } => action.clone(),
        other => panic!("no confirmation: {other:?} {:?}", m.status),
    }
}

#[test]
fn the_comms_lead_drafts_and_the_commander_approves_and_publishes() {
    let mut cara = seat(("cara-2", "Cara"));
    let ConfirmAction::Publish {
        publication,
        approving: None,
    } = to_confirmation(&mut cara)
    else {
        panic!("a fresh publication");
    };
    assert_eq!(publication.status, "investigating");
    assert_eq!(publication.name, "Checkout errors");
    assert_eq!(publication.components["cmp_api"], "partial_outage");
    let fx = send(&mut cara, key('y'));
    let drafts = appended(&fx);
    assert_eq!(drafts.len(), 1, "{fx:?}");
    assert_eq!(drafts[0].kind.as_str(), kinds::STATUSPAGE_DRAFTED);
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::Publish { .. })),
        "a draft publishes nothing"
    );
    let drafted = from("cara-2", "Cara", drafts[0].clone(), 12);

    // The commander's seat sees the draft, by whom, and y approves and publishes it.
    let mut ivan = seat(("ivan-1", "Ivan"));
    fold(&mut ivan, vec![drafted]);
    let action = to_confirmation(&mut ivan);
    let ConfirmAction::Publish {
        publication,
        approving: Some((by, _)),
    } = &action
    else {
        panic!("the draft to approve: {action:?}");
    };
    assert_eq!(by, "Cara");
    assert_eq!(
        publication.body,
        "We are investigating reports of an issue."
    );
    let fx = send(&mut ivan, key('y'));
    let drafts = appended(&fx);
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].kind.as_str(), kinds::STATUSPAGE_APPROVED);
    assert_eq!(drafts[0].fields["drafted_by"], "Cara");
    let Some(Effect::Publish {
        existing: None,
        publication,
    }) = fx
        .iter()
        .find(|e| matches!(e, Effect::Publish { .. }))
        .cloned()
    else {
        panic!("{fx:?}");
    };
    fold_appended(&mut ivan, &fx, "ivan-1", "Ivan", 13);
    let fx = send(
        &mut ivan,
        Msg::Published(Ok((
            publication,
            Published {
                id: "sp001".into(),
                shortlink: Some("https://stspg.io/abc".into()),
                status: "investigating".into(),
            },
        ))),
    );
    let drafts = appended(&fx);
    assert_eq!(drafts[0].kind.as_str(), kinds::STATUSPAGE_PUBLISHED);
    assert_eq!(drafts[0].fields["url"], "https://stspg.io/abc");
    fold_appended(&mut ivan, &fx, "ivan-1", "Ivan", 14);
    assert!(
        ivan.incident.outward.status_page.draft.is_none(),
        "the draft is used"
    );
    // The next publication updates the same Statuspage incident.
    to_confirmation(&mut ivan);
    let fx = send(&mut ivan, key('y'));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Publish { existing: Some(id), .. } if id == "sp001")),
        "{fx:?}"
    );
}

#[test]
fn a_closed_incident_with_nothing_deployed_is_not_published_as_resolved() {
    let mut m = model("P1", t(10));
    m.status_page.page = Some("p".into());
    fold(
        &mut m,
        vec![Draft::new(kinds::INCIDENT_CLOSED, "Incident closed").stamp(t(9))],
    );
    send(&mut m, key('e'));
    let fx = send(&mut m, key('0'));
    assert_eq!(fx, vec![Effect::StatusPreview]);
    send(&mut m, Msg::StatusPreview(Ok(RENDERED.into())));
    assert!(matches!(m.mode, Mode::Normal));
    let said = m
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(said.contains("nothing true says"), "{said}");
}

fn linked(m: &mut Model) {
    m.paging.service = Some("PSVC001".into());
    m.paging.notes = vec!["milestone".into()];
    fold(
        m,
        vec![
            Draft::new(kinds::PAGERDUTY_LINKED, "PagerDuty incident #100")
                .field("incident", "PINC100")
                .field("number", 100)
                .field("url", "https://acme.pagerduty.com/incidents/PINC100")
                .stamp(t(2)),
        ],
    );
}

#[test]
fn the_configured_kinds_are_mirrored_as_notes_once() {
    let mut m = model("P1", t(10));
    linked(&mut m);
    let milestone = Draft::new(kinds::MILESTONE, "Root cause identified")
        .field("milestone", "root_cause_identified")
        .stamp(t(5));
    let note = Draft::new(kinds::NOTE, "an internal aside").stamp(t(6));
    let fx = fold(&mut m, vec![milestone.clone(), note]);
    let notes: Vec<&Effect> = fx
        .iter()
        .filter(|e| matches!(e, Effect::Page(PageAction::Note { .. })))
        .collect();
    assert_eq!(notes.len(), 1, "only the configured kinds: {fx:?}");
    let Effect::Page(PageAction::Note { of, text }) = notes[0].clone() else {
        unreachable!()
    };
    assert_eq!(text, "[warroom ENG-1234] Root cause identified");
    let fx = send(
        &mut m,
        Msg::Pager(PagerMsg::Done {
            action: PageAction::Note { of, text },
            result: Ok(()),
        }),
    );
    let recorded = appended(&fx);
    assert_eq!(recorded[0].kind.as_str(), kinds::PAGERDUTY_NOTE);
    fold(&mut m, vec![recorded[0].clone().stamp(t(7))]);
    // The same event read again (the journal read from its start): nothing twice.
    let fx = fold(&mut m, vec![milestone]);
    assert!(!fx.iter().any(|e| matches!(e, Effect::Page(_))), "{fx:?}");
}

#[test]
fn responders_are_picked_from_what_pagerduty_lists_and_recorded_once_requested() {
    let mut m = model("P1", t(10));
    linked(&mut m);
    send(&mut m, key('P'));
    assert!(matches!(
        m.mode,
        Mode::Pick {
            purpose: PickPurpose::Page,
            ..
        }
    ));
    let fx = send(&mut m, key('3'));
    assert_eq!(fx, vec![Effect::PageTargets]);
    assert!(matches!(
        m.mode,
        Mode::Pick {
            purpose: PickPurpose::Responder,
            ..
        }
    ));
    let targets: Vec<Target> = (0..30)
        .map(|i| Target {
            id: format!("PU{i}"),
            kind: "user_reference".into(),
            name: format!("Person {i}"),
        })
        .collect();
    send(&mut m, Msg::Pager(PagerMsg::Targets(Ok(targets))));
    // The 21st person: past the digits, with the arrows; the list scrolls to keep it in view.
    for _ in 0..20 {
        send(&mut m, code(crossterm::event::KeyCode::Down));
    }
    let screen = render(&m, 100, 20);
    let text: String = screen
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(text.contains("Person 20"), "the selection is on screen");
    let fx = send(&mut m, code(crossterm::event::KeyCode::Enter));
    let Some(Effect::Page(PageAction::Responders(t))) = fx.first() else {
        panic!("{fx:?}");
    };
    assert_eq!(t[0].name, "Person 20");
    let fx = send(
        &mut m,
        Msg::Pager(PagerMsg::Done {
            action: PageAction::Responders(t.clone()),
            result: Ok(()),
        }),
    );
    let recorded = appended(&fx);
    assert_eq!(recorded[0].kind.as_str(), kinds::PAGERDUTY_RESPONDERS);
    assert_eq!(recorded[0].fields["incident"], "PINC100");
    // A failure is said and recorded nowhere.
    let fx = send(
        &mut m,
        Msg::Pager(PagerMsg::Done {
            action: PageAction::StatusUpdate("x".into()),
            result: Err("PagerDuty refused it (403): no access".into()),
        }),
    );
    assert!(appended(&fx).is_empty());
    let said = m
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(said.contains("403"), "{said}");
}

#[test]
fn a_page_recorded_from_anywhere_is_followed_from_then_on() {
    use warroom::pagerduty::follow::Find;
    let mut m = model("P1", t(10));
    m.paging.service = Some("PSVC001".into());
    let follows = |fx: &[Effect]| -> Vec<Find> {
        fx.iter()
            .filter_map(|e| match e {
                Effect::FollowPage(f) => Some(f.clone()),
                _ => None,
            })
            .collect()
    };
    // Paged from a shell (`warroom open --page` in another terminal, or another seat).
    let paged = Draft::new(kinds::PAGERDUTY_TRIGGERED, "Paged")
        .field("dedup_key", "ENG-1234")
        .stamp(t(3));
    let fx = fold(&mut m, vec![paged]);
    assert_eq!(follows(&fx), vec![Find::Ticket("ENG-1234".into())]);
    // Found: followed by its id from then on; a note changes nothing.
    let fx = fold(
        &mut m,
        vec![
            Draft::new(kinds::PAGERDUTY_LINKED, "PagerDuty incident #100")
                .field("incident", "PINC100")
                .field("number", 100)
                .stamp(t(4)),
        ],
    );
    assert_eq!(follows(&fx), vec![Find::Id("PINC100".into())]);
    let fx = fold(&mut m, vec![Draft::new(kinds::NOTE, "x").stamp(t(5))]);
    assert!(follows(&fx).is_empty());
    // Without [pagerduty] on this seat nothing is followed.
    let mut other = model("P1", t(10));
    let fx = fold(
        &mut other,
        vec![Draft::new(kinds::PAGERDUTY_TRIGGERED, "Paged").stamp(t(3))],
    );
    assert!(follows(&fx).is_empty());
}
