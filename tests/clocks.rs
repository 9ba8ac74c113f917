//! Seats whose clocks are wrong, with libfaketime: the real binary runs 10 minutes ahead, 10
//! minutes behind, or steps back, each seat through its own clone of a bare remote. The one
//! order follows what each seat had read (the hybrid logical clock), the facts never date a
//! deed before what its seat had seen, and the console names the seat whose clock is off.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use chrono::{DateTime, Utc};
use common::seats::{Seat, Team};
use common::tmux::{Tmux, tmux_available};
use serde_json::Value;

const T: &str = "CLK-1";

fn libfaketime() -> Option<PathBuf> {
    let found = std::fs::read_dir("/usr/lib")
        .into_iter()
        .flatten()
        .flatten()
        .map(|d| d.path().join("faketime/libfaketime.so.1"))
        .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var("WARROOM_SKIP_FAKETIME").is_ok(),
            "libfaketime is needed for the skewed clocks (test.sh installs faketime); set WARROOM_SKIP_FAKETIME=1 to skip them"
        );
    }
    found
}

/// Runs the binary as `seat` with its clock moved by `offset` (`+10m`, `-10m`).
fn skewed(lib: &Path, seat: &Seat, offset: &str, args: &[&str]) -> Output {
    let o = common::warroom_env(
        &seat.home,
        &seat.work,
        args,
        &[
            ("LD_PRELOAD", lib.to_str().expect("lib")),
            ("FAKETIME", offset),
            ("FAKETIME_DONT_FAKE_MONOTONIC", "1"),
            ("FAKETIME_NO_CACHE", "1"),
        ],
    );
    assert!(
        o.status.success(),
        "{} {args:?} at {offset}: {}",
        seat.name,
        common::stderr(&o)
    );
    o
}

fn team(lib: &Path, bob_clock: &str) -> (Team, Seat, Seat) {
    let team = Team::new();
    let (alice, bob) = (team.seat("Alice"), team.seat("Bob"));
    alice.ok(&[
        "open",
        T,
        "--priority",
        "P1",
        "--title",
        "Checkout fails",
        "--no-console",
        "--share",
    ]);
    skewed(lib, &bob, bob_clock, &["join", T, "--no-console"]);
    (team, alice, bob)
}

fn events(v: &Value) -> Vec<Value> {
    v["events"].as_array().expect("events").clone()
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().expect("time"))
        .expect("rfc3339")
        .with_timezone(&Utc)
}

#[test]
fn a_seat_ten_minutes_behind_never_deploys_before_what_it_saw() {
    let Some(lib) = libfaketime() else { return };
    let (_team, alice, bob) = team(&lib, "-10m");
    alice.ok(&["note", T, "rollback is ready"]);
    // Bob's clock says ten minutes ago; he had read the incident and Alice's note.
    skewed(&lib, &bob, "-10m", &["export", T, "--format", "json"]);
    skewed(
        &lib,
        &bob,
        "-10m",
        &["event", T, "deploy_finished", "-f", "exit_code=0"],
    );
    for seat in [&alice, &bob] {
        let v = seat.json(T);
        let evs = events(&v);
        let kinds: Vec<&str> = evs
            .iter()
            .map(|e| e["kind"].as_str().unwrap_or(""))
            .collect();
        let deploy = kinds
            .iter()
            .position(|k| *k == "deploy_finished")
            .expect("deploy");
        let note = evs
            .iter()
            .position(|e| e["text"] == "rollback is ready")
            .expect("note");
        assert!(
            note < deploy,
            "{}: what Bob read comes first: {kinds:?}",
            seat.name
        );
        let d = &evs[deploy];
        assert!(
            d["written_at"].is_string(),
            "Bob's own time is kept for the screen: {d}"
        );
        assert!(time(&d["written_at"]) < time(&evs[note]["at"]));
        // The facts: deployed at or after everything Bob had seen, never before detection.
        let deployed = time(&v["deployed_at"]);
        assert!(deployed >= time(&evs[note]["at"]), "{deployed}");
        assert!(deployed >= time(&v["detected_at"]), "{deployed}");
        assert!(
            evs.windows(2)
                .all(|w| time(&w[0]["at"]) <= time(&w[1]["at"])),
            "the folded times never go back"
        );
    }
    assert_eq!(alice.json(T)["events"], bob.json(T)["events"], "one record");
}

#[test]
fn a_seat_ten_minutes_ahead_does_not_win_a_decision_taken_after_it() {
    let Some(lib) = libfaketime() else { return };
    let (_team, alice, bob) = team(&lib, "+10m");
    // Bob, ten minutes fast, raises it to P0; Alice reads that and sets P2 afterwards.
    skewed(
        &lib,
        &bob,
        "+10m",
        &[
            "event",
            T,
            "priority_changed",
            "-f",
            "from=P1",
            "-f",
            "to=P0",
        ],
    );
    alice.ok(&["export", T, "--format", "json"]);
    alice.ok(&[
        "event",
        T,
        "priority_changed",
        "-f",
        "from=P0",
        "-f",
        "to=P2",
    ]);
    for seat in [&alice, &bob] {
        let v = seat.json(T);
        assert_eq!(
            v["priority"], "P2",
            "{}: the later decision stands",
            seat.name
        );
    }
    // `list --remote` reads the same order.
    let listed = alice.ok(&["list", "--remote"]);
    let row = listed.lines().find(|l| l.starts_with(T)).expect("row");
    assert!(row.contains("P2"), "{listed}");
}

#[test]
fn a_clock_that_steps_back_keeps_its_seat_s_order() {
    let Some(lib) = libfaketime() else { return };
    let (_team, alice, _bob) = team(&lib, "+0");
    alice.ok(&["note", T, "first"]);
    skewed(
        &lib,
        &alice,
        "-5m",
        &["note", T, "second, after the clock stepped back"],
    );
    let v = alice.json(T);
    let texts: Vec<&str> = v["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["text"].as_str().unwrap_or(""))
        .collect();
    let first = texts.iter().position(|t| *t == "first").expect("first");
    let second = texts
        .iter()
        .position(|t| t.starts_with("second"))
        .expect("second");
    assert!(first < second, "{texts:?}");
}

#[test]
fn the_console_names_a_seat_whose_clock_is_ahead_and_marks_its_times() {
    let Some(lib) = libfaketime() else { return };
    if !tmux_available() {
        return;
    }
    let (_team, alice, bob) = team(&lib, "+10m");
    let tmux = Tmux::new("clock-ahead");
    tmux.start_sized(&alice.work, 140, 40);
    tmux.line(&format!(
        "cd '{}'; WARROOM_HOME='{}' {} resume {T}",
        alice.work.display(),
        alice.home.display(),
        common::bin().display()
    ));
    tmux.wait_for("Checklist");
    skewed(&lib, &bob, "+10m", &["note", T, "bob from the future"]);
    tmux.wait_for("Bob's clock is ~10 min ahead");
    let s = tmux.wait_for("bob from the future");
    let row = s
        .lines()
        .find(|l| l.contains("bob from the future"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(
        row.contains("~Bob") || row.contains("~ Bob"),
        "marked: {row}"
    );
    tmux.keys(&["q"]);
    tmux.wait_gone("Checklist");
}
