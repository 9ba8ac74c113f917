//! The seats in `update`: a deploy running on another seat, a handoff offered to this seat, a
//! close made on another seat, and what the header says of the sharing.

mod common;

use common::*;
use warroom::app::model::{ConfirmAction, Mode};
use warroom::app::{Effect, Msg};
use warroom::config::Config;
use warroom::journal::{Draft, Event, ReadBatch, Share, kinds};
use warroom::runbook::Runbook;
use warroom::share::{ShareMsg, ShareStatus};

fn from(seat: &str, by: &str, d: Draft, min: i64) -> Event {
    d.field("by", by).field("seat", seat).stamp(t(min))
}

fn fold(m: &mut warroom::app::Model, events: Vec<Event>) -> Vec<Effect> {
    update_all(
        m,
        Msg::Journal(ReadBatch {
            events,
            warnings: vec![],
        }),
    )
}

fn update_all(m: &mut warroom::app::Model, msg: Msg) -> Vec<Effect> {
    warroom::app::update(m, msg)
}

fn alice_seat() -> warroom::app::Model {
    let cfg = Config::parse("[deploy]\ncommand = \"./deploy.sh\"\n", "t").expect("config");
    let mut m = model("P1", t(30)).with_runbook(Runbook::from_config(
        &cfg,
        std::path::Path::new("/nonexistent"),
    ));
    m.share.me = Some(Share {
        remote: "origin".into(),
        seat: "alice-0001".into(),
        by: "Alice".into(),
        email: "alice@example.com".into(),
        moved: 0,
        backend: Default::default(),
    });
    fold(
        &mut m,
        vec![
            from(
                "alice-0001",
                "Alice",
                Draft::new(kinds::ROLE_ASSIGNED, "Alice is incident commander")
                    .field("role", "commander")
                    .field("to", "alice-0001"),
                1,
            ),
            from(
                "bob-0002",
                "Bob",
                Draft::new(kinds::SEAT_JOINED, "Bob joined"),
                2,
            ),
        ],
    );
    m
}

#[test]
fn a_deploy_running_on_another_seat_needs_a_second_confirmation() {
    let mut m = alice_seat();
    fold(
        &mut m,
        vec![from(
            "bob-0002",
            "Bob",
            Draft::new(kinds::DEPLOY_STARTED, "Deploy started"),
            20,
        )],
    );
    assert!(screen_text(&m).contains("⚠ deploy running on Bob's seat since 14:20"));
    send(&mut m, key('d'));
    assert!(
        matches!(&m.mode, Mode::Confirm { action: ConfirmAction::DeployElsewhere { what, .. } } if what == "deploy running on Bob's seat since 14:20"),
        "{:?}",
        m.mode
    );
    assert!(screen_text(&m).contains("Another seat is running"));
    let fx = send(&mut m, key('y'));
    assert!(fx.is_empty(), "the first y deploys nothing: {fx:?}");
    assert!(matches!(
        &m.mode,
        Mode::Confirm {
            action: ConfirmAction::Deploy { .. }
        }
    ));
    let fx = send(&mut m, key('y'));
    assert!(fx.iter().any(|e| matches!(e, Effect::Run(_))), "{fx:?}");
    // Once Bob's deploy finished, one confirmation is enough again.
    let mut m = alice_seat();
    fold(
        &mut m,
        vec![
            from(
                "bob-0002",
                "Bob",
                Draft::new(kinds::DEPLOY_STARTED, "Deploy started"),
                20,
            ),
            from(
                "bob-0002",
                "Bob",
                Draft::new(kinds::DEPLOY_FINISHED, "Deploy failed").field("exit_code", 1),
                21,
            ),
        ],
    );
    send(&mut m, key('d'));
    assert!(matches!(
        &m.mode,
        Mode::Confirm {
            action: ConfirmAction::Deploy { .. }
        }
    ));
}

fn screen_text(m: &warroom::app::Model) -> String {
    let term = render(m, 160, 45);
    let buf = term.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[test]
fn only_the_commander_hands_the_role_over() {
    let mut m = alice_seat();
    m.share.me = Some(Share {
        seat: "bob-0002".into(),
        by: "Bob".into(),
        ..m.share.me.clone().expect("me")
    });
    send(&mut m, key('H'));
    assert_eq!(m.mode, Mode::Normal);
    assert!(screen_text(&m).contains("Alice is the commander: only they hand the role over"));
    // Alice's own seat picks Bob.
    let mut m = alice_seat();
    send(&mut m, key('H'));
    assert!(screen_text(&m).contains("Hand the commander role to"));
    let fx = send(&mut m, key('1'));
    assert_eq!(
        fx,
        vec![Effect::HandoffBrief {
            to: Some("bob-0002".into())
        }]
    );
}

#[test]
fn a_handoff_to_this_seat_is_offered_once_and_accepted_with_y() {
    let mut m = alice_seat();
    m.share.me = Some(Share {
        seat: "bob-0002".into(),
        by: "Bob".into(),
        ..m.share.me.clone().expect("me")
    });
    let fx = fold(
        &mut m,
        vec![from(
            "alice-0001",
            "Alice",
            Draft::new(kinds::HANDOFF_STARTED, "handed").field("to", "bob-0002"),
            25,
        )],
    );
    assert_eq!(fx, vec![Effect::HandoffBrief { to: None }]);
    assert!(screen_text(&m).contains("IC Alice → Bob (handoff pending)"));
    // Asked once: more events do not ask again.
    let fx = fold(
        &mut m,
        vec![from(
            "alice-0001",
            "Alice",
            Draft::new(kinds::NOTE, "x"),
            26,
        )],
    );
    assert!(fx.is_empty(), "{fx:?}");
    update_all(
        &mut m,
        Msg::HandoffBrief {
            to: None,
            brief: Ok("# Handoff brief".into()),
        },
    );
    assert!(screen_text(&m).contains("You are handed the commander role"));
    let fx = update_all(&mut m, key('y'));
    let accepted = appended(&fx)[0].clone();
    assert_eq!(accepted.kind.as_str(), kinds::HANDOFF_ACCEPTED);
    // The journal's writer signs it with this seat, and it is read back.
    fold(&mut m, vec![from("bob-0002", "Bob", accepted, 27)]);
    assert_eq!(m.incident.seats.holder("commander"), Some("bob-0002"));
    assert!(screen_text(&m).contains("IC Bob"));
}

#[test]
fn a_close_on_another_seat_writes_the_documents_here_too() {
    let mut m = alice_seat();
    let fx = fold(
        &mut m,
        vec![from(
            "bob-0002",
            "Bob",
            Draft::new(kinds::INCIDENT_CLOSED, "closed"),
            40,
        )],
    );
    assert!(
        fx.iter().any(
            |e| matches!(e, Effect::Export(f) if f.contains(&warroom::export::Format::Handoff))
        ),
        "{fx:?}"
    );
    // Read again from its start (a late batch): written once.
    update_all(&mut m, Msg::JournalRestarted);
    let again: Vec<Event> = vec![
        from(
            "bob-0002",
            "Bob",
            Draft::new(kinds::SEAT_JOINED, "Bob joined"),
            2,
        ),
        from(
            "bob-0002",
            "Bob",
            Draft::new(kinds::INCIDENT_CLOSED, "closed"),
            40,
        ),
    ];
    let fx = fold(&mut m, again);
    assert!(!fx.iter().any(|e| matches!(e, Effect::Export(_))), "{fx:?}");
    // Closed here: the close's own effect writes them, not the fold.
    let mut m = alice_seat();
    let fx = fold(
        &mut m,
        vec![from(
            "alice-0001",
            "Alice",
            Draft::new(kinds::INCIDENT_CLOSED, "closed"),
            40,
        )],
    );
    assert!(!fx.iter().any(|e| matches!(e, Effect::Export(_))), "{fx:?}");
}

#[test]
fn the_header_says_how_the_sharing_stands() {
    let mut m = alice_seat();
    assert!(screen_text(&m).contains("⇄ shared · 2 seats · connecting"));
    update_all(
        &mut m,
        Msg::Share(ShareMsg::Status(ShareStatus {
            online: true,
            ..ShareStatus::default()
        })),
    );
    assert!(screen_text(&m).contains("IC Alice   ⇄ shared · 2 seats"));
    update_all(
        &mut m,
        Msg::Share(ShareMsg::Status(ShareStatus {
            online: false,
            offline_since: Some(t(28)),
            waiting: 3,
            error: Some("could not find repository".into()),
            ..ShareStatus::default()
        })),
    );
    assert!(screen_text(&m).contains("⇄ shared · offline since 14:28 · 3 events waiting"));
    assert!(screen_text(&m).contains("The remote is out of reach (could not find repository)"));
    update_all(
        &mut m,
        Msg::Share(ShareMsg::Status(ShareStatus {
            online: true,
            rejected: Some("the remote refused this seat's events (not a fast-forward)".into()),
            ..ShareStatus::default()
        })),
    );
    assert!(screen_text(&m).contains("push refused"));
    assert!(screen_text(&m).contains("the remote refused this seat's events"));
    let fx = update_all(
        &mut m,
        Msg::Share(ShareMsg::Arrived {
            events: 2,
            warnings: vec!["mallory-0001: an event signed by seat \"alice-0001\" refused".into()],
        }),
    );
    assert_eq!(fx, vec![Effect::ReadJournal]);
    assert!(screen_text(&m).contains("signed by seat"));
}

#[test]
fn a_check_running_on_another_seat_shows_until_it_finishes() {
    let mut m = alice_seat();
    fold(
        &mut m,
        vec![from(
            "bob-0002",
            "Bob",
            Draft::new(kinds::CHECK_STARTED, "Check test started: pnpm test").field("name", "test"),
            20,
        )],
    );
    assert!(screen_text(&m).contains("⚠ check running on Bob's seat since 14:20"));
    send(&mut m, key('d'));
    assert!(
        matches!(&m.mode, Mode::Confirm { action: ConfirmAction::DeployElsewhere { what, .. } } if what.starts_with("check running on Bob's seat")),
        "{:?}",
        m.mode
    );
    send(&mut m, key('n'));
    fold(
        &mut m,
        vec![from(
            "bob-0002",
            "Bob",
            Draft::new(kinds::CHECK_FINISHED, "Check test passed")
                .field("name", "test")
                .field("exit_code", 0),
            22,
        )],
    );
    assert!(!screen_text(&m).contains("running on Bob's seat"));
    // A smoke test, likewise.
    fold(
        &mut m,
        vec![from(
            "bob-0002",
            "Bob",
            Draft::new(kinds::SMOKE_STARTED, "Smoke test health started").field("name", "health"),
            23,
        )],
    );
    assert!(screen_text(&m).contains("⚠ smoke test running on Bob's seat since 14:23"));
    fold(
        &mut m,
        vec![from(
            "bob-0002",
            "Bob",
            Draft::new(kinds::SMOKE_FINISHED, "Smoke test health passed").field("ok", true),
            24,
        )],
    );
    assert!(!screen_text(&m).contains("running on Bob's seat"));
}

#[test]
fn a_late_batch_goes_back_to_the_kept_fold_and_ends_where_a_whole_fold_ends() {
    use warroom::journal::seats::REWIND_EVERY;
    let mut m = model("P1", t(700));
    // Opened (event 0), then 600 notes and ticks.
    let events: Vec<Event> = (1..=600)
        .map(|i| match i % 100 {
            50 => Draft::new(kinds::CHECKLIST_DONE, "Done")
                .field("item", "on-call-alerted")
                .stamp(t(i)),
            _ => Draft::new(kinds::NOTE, format!("n{i}")).stamp(t(i)),
        })
        .collect();
    let batch = |events: Vec<Event>| {
        Msg::Journal(ReadBatch {
            events,
            warnings: Vec::new(),
        })
    };
    send(&mut m, batch(events.clone()));
    assert!(warroom::app::rewind::has(&m, REWIND_EVERY));
    // Another seat's reopen belongs after event 300: the reader goes back to 256 and sends
    // every event from there, the late one in its place.
    let late = Draft::new(kinds::CHECKLIST_REOPENED, "Reopened")
        .field("item", "on-call-alerted")
        .stamp(t(300) + chrono::Duration::seconds(30));
    let at = REWIND_EVERY;
    let mut suffix: Vec<Event> = events[at - 1..].to_vec();
    suffix.insert(300 - at + 1, late.clone());
    send(&mut m, Msg::JournalRewound(at));
    send(&mut m, batch(suffix.clone()));
    // The same as folding the whole order at once.
    let mut whole = vec![opened("P1")];
    whole.extend(events[..at - 1].iter().cloned());
    whole.extend(suffix);
    let expected =
        warroom::incident::Incident::from_events("ENG-1234", m.incident.checklist.clone(), whole);
    assert_eq!(m.incident, expected);
    assert_eq!(m.incident.count, 602);
}

#[test]
fn a_late_batch_right_after_the_start_goes_back_to_where_the_console_began() {
    let mut m = model("P1", t(700));
    // The console starts from a fold that is not at a multiple of the rewind step.
    let start = m.incident.count;
    assert!(!start.is_multiple_of(warroom::journal::seats::REWIND_EVERY));
    assert!(warroom::app::rewind::has(&m, start));
    let note = |i: i64| Draft::new(kinds::NOTE, format!("n{i}")).stamp(t(i));
    let batch = |events: Vec<Event>| {
        Msg::Journal(ReadBatch {
            events,
            warnings: Vec::new(),
        })
    };
    send(&mut m, batch(vec![note(1), note(3)]));
    // Another seat's reopen belongs between them: everything from the start comes again.
    let late = Draft::new(kinds::NOTE, "late").stamp(t(2));
    send(&mut m, Msg::JournalRewound(start));
    send(&mut m, batch(vec![note(1), late.clone(), note(3)]));
    let expected = warroom::incident::Incident::from_events(
        "ENG-1234",
        m.incident.checklist.clone(),
        vec![opened("P1"), note(1), late, note(3)],
    );
    assert_eq!(m.incident, expected);
}
