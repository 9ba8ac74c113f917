//! The kill switch against a real Unleash (the `unleash-server` npm package on PostgreSQL, on
//! 127.0.0.1): the real binary turns a flag off and on, and Unleash's client API, what the
//! service's SDK reads, then reports the new state. A token without the permission, a flag that
//! does not exist and a server that stops answering each fail with the reason and record nothing.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::unleash::{ADMIN_TOKEN, CLIENT_TOKEN, Unleash};
use common::*;

const TICKET: &str = "INC-FLAG-1";

fn setup(unleash: &Unleash, key: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().expect("tmp");
    std::fs::write(
        home.path().join("warroom.toml"),
        format!(
            "[[flags]]\nname = \"new-checkout\"\nprovider = \"unleash\"\nurl = \"{}\"\nproject = \"default\"\nenvironment = \"production\"\nkey = \"{key}\"\ntoken_env = \"UNLEASH_ADMIN_TOKEN\"\n",
            unleash.url
        ),
    )
    .expect("config");
    open_incident(home.path(), TICKET, "P1", "Checkout double-charges");
    home
}

fn flag(home: &Path, token: &str, state: &str) -> std::process::Output {
    warroom_env(
        home,
        home,
        &["flag", TICKET, "new-checkout", state],
        &[("UNLEASH_ADMIN_TOKEN", token)],
    )
}

fn flag_events(home: &Path) -> Vec<serde_json::Value> {
    events_of(home, TICKET, "flag_changed")
}

/// The client API may serve from a cache for a moment: asked until it says `want`.
fn client_says(unleash: &Unleash, key: &str, want: bool) -> Duration {
    let start = Instant::now();
    while unleash.client_enabled(key) != want {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "the client API still says {} after 15 s",
            !want
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    start.elapsed()
}

#[test]
fn the_binary_turns_a_real_unleash_flag_off_and_on_and_the_client_api_follows() {
    let mut unleash = Unleash::start();
    unleash.create_flag("new-checkout");
    assert!(unleash.client_enabled("new-checkout"));
    let home = setup(&unleash, "new-checkout");

    let o = flag(home.path(), ADMIN_TOKEN, "status");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).trim(),
        "new-checkout: on in Unleash default/production"
    );

    let started = Instant::now();
    let o = flag(home.path(), ADMIN_TOKEN, "off");
    let took = started.elapsed();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Flag new-checkout turned off in Unleash default/production"));
    client_says(&unleash, "new-checkout", false);
    eprintln!("off, read back and recorded in {took:?}");

    let events = flag_events(home.path());
    assert_eq!(events.len(), 1, "{events:?}");
    let e = &events[0];
    assert_eq!(e["flag"], "new-checkout");
    assert_eq!(e["provider"], "Unleash");
    assert_eq!(e["environment"], "production");
    assert_eq!(e["from"], "on");
    assert_eq!(e["to"], "off");
    assert_eq!(e["confirmed"], true);

    let o = flag(home.path(), ADMIN_TOKEN, "on");
    assert!(o.status.success(), "{}", stderr(&o));
    client_says(&unleash, "new-checkout", true);
    let events = flag_events(home.path());
    assert_eq!(events.len(), 2);
    // The review names both changes: the flag was used even though it is on again.
    let o = warroom(home.path(), &["export", TICKET, "--format", "pir"]);
    let pir = stdout(&o);
    assert!(pir.contains("- Flag new-checkout turned off at "), "{pir}");
    assert!(pir.contains("- Flag new-checkout turned on at "), "{pir}");
    assert_eq!(
        (&events[1]["from"], &events[1]["to"]),
        (&"off".into(), &"on".into())
    );

    // A client token may read the client API but not change a flag: refused, nothing recorded.
    let o = flag(home.path(), CLIENT_TOKEN, "off");
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("403"), "{err}");
    assert!(err.contains("the token is refused"), "{err}");
    assert!(err.contains("nothing recorded"), "{err}");
    assert!(!err.contains("warroom-client-token-for-tests"), "{err}");
    assert!(unleash.client_enabled("new-checkout"));
    assert_eq!(flag_events(home.path()).len(), 2);

    // A flag Unleash does not have.
    let missing = setup(&unleash, "no-such-flag");
    let o = flag(missing.path(), ADMIN_TOKEN, "off");
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("404") && err.contains("no-such-flag"), "{err}");
    assert!(flag_events(missing.path()).is_empty());

    // A name that is not in [[flags]]: refused (2).
    let o = warroom_env(
        home.path(),
        home.path(),
        &["flag", TICKET, "old-checkout", "off"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("there are new-checkout"),
        "{}",
        stderr(&o)
    );

    // The server stops answering.
    unleash.stop();
    let o = flag(home.path(), ADMIN_TOKEN, "off");
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("Unleash") && err.to_lowercase().contains("refused"),
        "{err}"
    );
    assert_eq!(flag_events(home.path()).len(), 2);

    // No token anywhere on the record.
    let journal = std::fs::read_to_string(
        home.path()
            .join("incidents")
            .join(TICKET)
            .join("journal.jsonl"),
    )
    .expect("journal");
    assert!(journal.contains("flag_changed"));
    assert!(!journal.contains("warroom-admin-token-for-tests"));
}

/// `F`, choose, `y`: the change made, read back and on the record, timed from the key press to
/// the record's stamp (taken after the read back). `WARROOM_FLAG_ROUNDS` repeats it for
/// BENCHMARKS.md beside the bare API calls the change needs (POST, then GET).
#[test]
fn f_in_the_console_turns_the_flag_off_and_records_it_once_read_back() {
    if !common::tmux::tmux_available() {
        return;
    }
    let unleash = Unleash::start();
    unleash.create_flag("new-checkout");
    let home = setup(&unleash, "new-checkout");
    let tmux = common::tmux::Tmux::new("flag-f");
    tmux.start_sized(home.path(), 140, 45);
    tmux.line(&format!(
        "UNLEASH_ADMIN_TOKEN='{ADMIN_TOKEN}' {} resume {TICKET}",
        bin().display()
    ));
    tmux.wait_for("Checklist");
    let rounds: usize = std::env::var("WARROOM_FLAG_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1);
    let mut console = Vec::new();
    let mut bare = Vec::new();
    for round in 0..rounds * 2 {
        let on_now = round % 2 == 1;
        tmux.keys(&["F"]);
        let screen = tmux.wait_for(if on_now {
            "new-checkout  off"
        } else {
            "new-checkout  on"
        });
        assert!(screen.contains("Unleash default/production"), "{screen}");
        tmux.keys(&["1"]);
        tmux.wait_for(if on_now {
            "Turn new-checkout ON"
        } else {
            "Turn new-checkout OFF"
        });
        let pressed = chrono::Utc::now();
        tmux.keys(&["y"]);
        let start = Instant::now();
        let event = loop {
            if let Some(e) = flag_events(home.path()).get(round).cloned() {
                break e;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "no flag_changed");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(event["to"], if on_now { "on" } else { "off" });
        assert_eq!(event["confirmed"], true);
        let at = chrono::DateTime::parse_from_rfc3339(event["at"].as_str().expect("at"))
            .expect("at")
            .with_timezone(&chrono::Utc);
        console.push((at - pressed).num_milliseconds());
        client_says(&unleash, "new-checkout", on_now);
        bare.push(unleash.bare_change(on_now).as_millis() as i64);
        tmux.wait_for(if on_now { "turned on" } else { "turned off" });
    }
    console.sort_unstable();
    bare.sort_unstable();
    let (c, b) = (console[console.len() / 2], bare[bare.len() / 2]);
    eprintln!(
        "flag key to confirmed record: median {c} ms, max {} ms over {} changes; bare POST+GET median {b} ms; ratio {:.1}",
        console[console.len() - 1],
        console.len(),
        c as f64 / b.max(1) as f64
    );
    tmux.keys(&["q"]);
}
