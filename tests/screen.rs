//! The whole screen and single panes, rendered headless at fixed sizes with a fixed clock.

mod common;

use common::*;
use crossterm::event::KeyCode;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use warroom::app::{Model, Msg, Pane, update};
use warroom::journal::{Draft, ReadBatch, kinds};
use warroom::ui;

fn text(buf: &Buffer) -> String {
    let mut s = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

#[test]
fn whole_screen_120x40() {
    let term = render(&busy_model(), 120, 40);
    insta::assert_snapshot!(term.backend());
}

#[test]
fn whole_screen_80x24() {
    let term = render(&busy_model(), 80, 24);
    insta::assert_snapshot!(term.backend());
}

#[test]
fn help_and_pickers_120x40() {
    let mut m = busy_model();
    update(&mut m, key('?'));
    insta::assert_snapshot!("help", render(&m, 120, 40).backend());
    update(&mut m, key('?'));
    update(&mut m, key('p'));
    insta::assert_snapshot!("priority_picker", render(&m, 120, 40).backend());
}

#[test]
fn no_panic_at_any_size_down_to_1x1() {
    let mut models = vec![busy_model()];
    for k in ['?', 'p', 'm', 'n', 'c'] {
        let mut m = busy_model();
        update(&mut m, key(k));
        models.push(m);
    }
    for m in &models {
        for w in (1..=130).step_by(9).chain([2, 59, 60, 61]) {
            for h in (1..=45).step_by(5).chain([2, 3, 29, 30, 31]) {
                render(m, w, h);
            }
        }
    }
}

fn header_fg_of(m: &Model, needle: &str) -> Color {
    let term = render(m, 120, 40);
    let buf = term.backend().buffer();
    for y in 0..6 {
        let row: String = (0..buf.area.width)
            .map(|x| buf[(x, y)].symbol().to_string())
            .collect();
        if let Some(col) = row.find(needle) {
            let x = row[..col].chars().count() as u16;
            return buf[(x, y)].fg;
        }
    }
    panic!("{needle:?} not in the header:\n{}", text(buf));
}

#[test]
fn sla_clock_colours_at_the_quarter_and_breach_points() {
    // Detected 13:50, P0 target 2 h: amber from 15:20 (t(80)), red from 15:50 (t(110)).
    let mut m = model("P0", t(79));
    assert_eq!(header_fg_of(&m, "SLA 31:00 left"), Color::Green);
    m.now = t(80);
    assert_eq!(
        header_fg_of(&m, "SLA 30:00 left of 2h — under 25 % left"),
        Color::Yellow
    );
    m.now = t(110);
    assert_eq!(header_fg_of(&m, "SLA BREACHED: 00:00 overdue"), Color::Red);
    m.now = t(125);
    assert_eq!(header_fg_of(&m, "SLA BREACHED: 15:00 overdue"), Color::Red);
}

#[test]
fn deploy_stops_the_clock_and_starts_monitoring() {
    let mut m = model("P0", t(60));
    update(
        &mut m,
        Msg::Journal(ReadBatch {
            events: vec![
                Draft::new(kinds::DEPLOY_FINISHED, "Deploy finished")
                    .field("exit_code", 0)
                    .stamp(t(34)),
            ],
            warnings: vec![],
        }),
    );
    assert_eq!(
        header_fg_of(&m, "Deployed in 44m (target 2h) — SLA met"),
        Color::Green
    );
    let screen = text(render(&m, 120, 40).backend().buffer());
    assert!(screen.contains("Monitoring: 04:00 left of 30m"), "{screen}");
    assert!(screen.contains("MONITORING"), "{screen}");
}

#[test]
fn status_update_due_is_shouted() {
    let m = model("P0", t(33));
    let screen = text(render(&m, 120, 40).backend().buffer());
    assert!(
        screen.contains("STATUS UPDATE DUE (3m overdue)"),
        "{screen}"
    );
}

#[test]
fn timeline_shows_the_newest_events_whatever_the_length() {
    let mut m = model("P1", t(5));
    let events = (0..100_000)
        .map(|i| Draft::new(kinds::NOTE, format!("note {i}")).stamp(t(1)))
        .collect();
    update(
        &mut m,
        Msg::Journal(ReadBatch {
            events,
            warnings: vec![],
        }),
    );
    m.focus = Pane::Timeline;
    let area = Rect::new(0, 0, 100, 8);
    let mut buf = Buffer::empty(area);
    ui::timeline::render(&m, area, &mut buf);
    let out = text(&buf);
    assert!(out.contains("100001 events"), "{out}");
    assert!(
        out.contains("note 99999") && out.contains("note 99994") && !out.contains("note 99993"),
        "{out}"
    );
    update(&mut m, key('k'));
    let mut buf = Buffer::empty(area);
    ui::timeline::render(&m, area, &mut buf);
    assert!(!text(&buf).contains("note 99999"));
}

#[test]
fn unknown_kinds_show_as_generic_events() {
    let screen = text(render(&busy_model(), 120, 40).backend().buffer());
    assert!(
        screen.contains("CI pipeline green  [ci_pipeline_green]"),
        "{screen}"
    );
}

#[test]
fn every_pane_live_140x45() {
    use warroom::app::error_rate::ErrorRate;
    use warroom::app::log_view::LineKind;
    use warroom::sentry::{PollState, SentryMsg};
    let mut m = busy_model();
    m.error_rate = ErrorRate::new(&warroom::config::SentryConfig::default());
    update(
        &mut m,
        Msg::Journal(ReadBatch {
            events: vec![
                Draft::new(
                    kinds::DEPLOY_FINISHED,
                    "Fix deployed in 1m12s (1h04m after detection)",
                )
                .field("exit_code", 0)
                .stamp(t(54)),
            ],
            warnings: vec![],
        }),
    );
    for l in [
        "━━ deploy · vercel --prod · 2026-11-26 14:52:48",
        "\x1b[36mVercel CLI 39.1.0\x1b[0m",
        "Building…",
        "\x1b[32m✓ Production: https://app.example.com [1m]\x1b[0m",
        "\x1b[32m✓ exit 0\x1b[0m",
    ] {
        m.log.push(l.into(), LineKind::Output);
    }
    let mut buckets: Vec<(i64, f64)> = (-70..-10)
        .map(|i| (t(i).timestamp(), 10.0 + (i % 3) as f64))
        .collect();
    buckets.extend((-10..54).map(|i| (t(i).timestamp(), 400.0 + ((i * 7) % 60) as f64)));
    buckets.extend((54..62).map(|i| (t(i).timestamp(), 3.0)));
    m.now = t(62);
    update(
        &mut m,
        Msg::Sentry(SentryMsg::Series {
            start: t(-70).timestamp(),
            buckets,
            width: 60,
            at: t(62),
        }),
    );
    update(&mut m, Msg::Sentry(SentryMsg::State(PollState::Ok)));
    insta::assert_snapshot!(render(&m, 140, 45).backend());
}

#[test]
fn a_closed_incident_says_so_instead_of_counting() {
    let mut m = model("P0", t(60));
    update(
        &mut m,
        Msg::Journal(ReadBatch {
            events: vec![
                Draft::new(kinds::DEPLOY_FINISHED, "Fix deployed")
                    .field("exit_code", 0)
                    .stamp(t(34)),
                Draft::new(kinds::INCIDENT_CLOSED, "Incident closed").stamp(t(40)),
            ],
            warnings: vec![],
        }),
    );
    let screen = text(render(&m, 120, 40).backend().buffer());
    assert!(
        screen.contains("Closed 2026-11-26 14:40:00") && !screen.contains("Monitoring:"),
        "{screen}"
    );
    assert!(
        screen.contains("CLOSED (read-only)") && screen.contains("No status-update reminder"),
        "{screen}"
    );
}

/// Colour aside, the selected row of the checklist and of every menu is marked `▶`, and moving
/// the selection moves the mark.
#[test]
fn the_selected_row_shows_in_the_text_alone() {
    let marked = |m: &Model| -> Vec<String> {
        text(render(m, 120, 40).backend().buffer())
            .lines()
            .filter(|l| l.contains('▶'))
            .map(String::from)
            .collect()
    };
    let m = busy_model();
    let rows = marked(&m);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains("▶["), "{rows:?}");
    for k in ['p', 'm', 'g', 'e'] {
        let mut m = busy_model();
        update(&mut m, key(k));
        let first = marked(&m);
        update(&mut m, code(KeyCode::Down));
        let second = marked(&m);
        assert!(
            first.len() == 2 && second.len() == 2 && first[1] != second[1],
            "the {k} menu marks one row and the mark follows the selection: {first:?} then {second:?}"
        );
    }
}

/// At 80×24 the keys do not all fit: the help scrolls, says how much is out of sight, and
/// every key can be read.
#[test]
fn help_scrolls_to_every_key_at_80x24() {
    let mut m = busy_model();
    update(&mut m, key('?'));
    let first = text(render(&m, 80, 24).backend().buffer());
    assert!(first.contains("more · j k scroll"), "{first}");
    let mut seen = first.clone();
    for _ in 0..40 {
        update(&mut m, key('j'));
        seen.push_str(&text(render(&m, 80, 24).backend().buffer()));
    }
    let last = text(render(&m, 80, 24).backend().buffer());
    assert!(last.contains("end · j k scroll"), "{last}");
    for needle in [
        "quit the console",
        "toggle UTC",
        "export now",
        "close the incident",
    ] {
        assert!(seen.contains(needle), "{needle:?} never shown");
    }
    update(&mut m, key('x'));
    assert_eq!(m.mode, warroom::app::Mode::Normal, "another key closes it");
}

/// On a short screen the focused pane gets the room: the deploy log at 60×20 shows most of
/// the body, and so does the error rate when it is focused.
#[test]
fn the_focused_pane_comes_first_on_a_short_screen() {
    let mut m = busy_model();
    m.error_rate.unconfigured = None;
    let area = Rect::new(0, 0, 60, 20);
    m.focus = Pane::DeployLog;
    let a = ui::layout(&m, area);
    assert!(a.deploy_log.height >= 10, "{a:?}");
    assert!(a.header.height >= 2, "the SLA line stays: {a:?}");
    m.focus = Pane::ErrorRate;
    let a = ui::layout(&m, area);
    assert!(a.error_rate.height > a.deploy_log.height, "{a:?}");
    m.focus = Pane::Timeline;
    let a = ui::layout(&m, area);
    assert!(a.timeline.height >= 5, "{a:?}");
}

/// A terminal without box drawing, blocks or braille (`TERM=linux`, `vt100`, `dumb`, or
/// `[theme] ascii`): the whole screen, menus included, is plain ASCII and keeps its layout.
#[test]
fn ascii_screens_for_plain_terminals() {
    let mut m = busy_model();
    m.ascii = true;
    for (w, h) in [(120, 40), (80, 24), (60, 20)] {
        let screen = text(render(&m, w, h).backend().buffer());
        let odd: String = screen.chars().filter(|c| !c.is_ascii()).collect();
        assert!(odd.is_empty(), "{w}x{h}: {odd:?} in\n{screen}");
        assert!(screen.contains("Checklist") && screen.contains("Deploy log"));
    }
    insta::assert_snapshot!("ascii_80x24", render(&m, 80, 24).backend());
    for k in ['?', 'p', 'g'] {
        let mut m = m.clone();
        update(&mut m, key(k));
        let screen = text(render(&m, 80, 24).backend().buffer());
        assert!(screen.is_ascii(), "{k}: {screen}");
    }
}

/// Every size, from a wide monitor to a small split, in Unicode and in ASCII.
#[test]
fn snapshots_at_every_size() {
    for (w, h) in [(200, 50), (120, 40), (80, 24), (60, 20)] {
        let mut m = busy_model();
        insta::assert_snapshot!(format!("size_{w}x{h}"), render(&m, w, h).backend());
        m.ascii = true;
        insta::assert_snapshot!(format!("size_{w}x{h}_ascii"), render(&m, w, h).backend());
    }
}

/// However long what is at stake, the dialog says what `y` and the other keys do.
#[test]
fn confirmations_keep_their_keys_in_sight_at_every_size() {
    for (k, yes) in [('d', "y deploys"), ('c', "y closes")] {
        for (w, h) in [(120, 40), (80, 24), (60, 20)] {
            let cfg =
                warroom::config::Config::parse("[deploy]\ncommand = \"./deploy.sh --prod\"\n", "t")
                    .expect("config");
            let mut m = busy_model().with_runbook(warroom::runbook::Runbook::from_config(
                &cfg,
                std::path::Path::new("/nonexistent"),
            ));
            update(&mut m, key(k));
            let screen = text(render(&m, w, h).backend().buffer());
            assert!(
                screen.contains(yes) && screen.contains("any other key"),
                "{k} at {w}x{h}:\n{screen}"
            );
        }
    }
}

/// The deploy log's search hit is marked too, and a long result banner wraps instead of
/// being cut.
#[test]
fn the_search_hit_is_marked_and_the_banner_wraps() {
    let mut m = busy_model();
    for i in 0..30 {
        m.log.push(
            format!("line {i} of the deploy"),
            warroom::app::log_view::LineKind::Output,
        );
    }
    assert!(m.log.find("line 7 of"));
    m.banner = Some(warroom::app::model::Status {
        text: "✗ deploy failed: exit 1 after 3m12s; the run's log file is logs/004-deploy.log and the platform said the build ran out of memory".into(),
        tone: warroom::app::model::Tone::Error,
    });
    let screen = text(render(&m, 120, 40).backend().buffer());
    assert!(screen.contains("▶ line 7 of the deploy"), "{screen}");
    assert!(
        screen.contains("ran out of") && screen.contains("│memory"),
        "the banner wraps:\n{screen}"
    );
}

#[test]
fn the_menus_show_every_choice_whole() {
    for (k, name) in [
        ('e', "export_menu"),
        ('g', "git_menu"),
        ('m', "milestone_menu"),
    ] {
        let mut m = busy_model();
        m.git.unavailable = None;
        update(&mut m, key(k));
        insta::assert_snapshot!(name, render(&m, 120, 40).backend());
    }
}
