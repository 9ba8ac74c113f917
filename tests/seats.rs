//! Many seats, one incident, through a real bare git remote: each seat with its own clone, git
//! identity and home. The git command line is the oracle for what is on the remote.

mod common;

use common::seats::{Seat, Team, git};
use common::stderr;
use serde_json::Value;

const T: &str = "INC-7";

fn events(v: &Value) -> &Vec<Value> {
    v["events"].as_array().expect("events")
}

fn texts(v: &Value) -> Vec<String> {
    events(v)
        .iter()
        .map(|e| e["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Alice opens and shares; the others join.
fn team(names: &[&str]) -> (Team, Vec<Seat>) {
    let team = Team::new();
    let seats: Vec<Seat> = names.iter().map(|n| team.seat(n)).collect();
    seats[0].ok(&[
        "open",
        T,
        "--priority",
        "P1",
        "--title",
        "Checkout fails",
        "--no-console",
        "--share",
    ]);
    for s in &seats[1..] {
        let out = s.ok(&["join", &T.to_lowercase(), "--no-console"]);
        assert!(out.contains(&format!("Joined {T} as seat")), "{out}");
    }
    (team, seats)
}

#[test]
fn seats_share_through_their_own_refs_and_agree_on_the_record() {
    let (team, seats) = team(&["Alice", "Bob"]);
    let (alice, bob) = (&seats[0], &seats[1]);
    let (a, b) = (alice.seat_id(T), bob.seat_id(T));
    assert!(a.starts_with("alice-") && b.starts_with("bob-"), "{a} {b}");
    // One ref per seat on the remote, and nothing on a branch.
    let refs = team.remote_refs();
    assert_eq!(
        refs,
        vec![
            format!("refs/warroom/{T}/{a}"),
            format!("refs/warroom/{T}/{b}")
        ]
    );
    let fresh = team.dir.path().join("fresh");
    git(
        team.dir.path(),
        &["clone", "-q", team.origin.to_str().expect("p"), "fresh"],
    );
    assert_eq!(
        git(&fresh, &["for-each-ref", "refs/warroom/"]),
        "",
        "a clone downloads no seat"
    );
    // Each commit of a seat's ref holds that seat's events, and only them.
    let batch = git(
        &team.origin,
        &["show", &format!("refs/warroom/{T}/{a}:events.jsonl")],
    );
    assert!(
        batch
            .lines()
            .all(|l| l.contains(&format!("\"seat\":\"{a}\""))),
        "{batch}"
    );

    bob.ok(&["note", T, "bob: the cache is stale"]);
    alice.ok(&["note", T, "alice: rolling the cache"]);
    let (ja, jb) = (alice.json(T), bob.json(T));
    assert_eq!(ja, jb, "both seats export the same record");
    let notes: Vec<(String, String)> = events(&ja)
        .iter()
        .filter(|e| e["kind"] == "note")
        .map(|e| {
            (
                e["by"].as_str().unwrap_or("").into(),
                e["seat"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert_eq!(
        notes,
        vec![("Bob".into(), b.clone()), ("Alice".into(), a.clone())]
    );
    // The opener is the commander; the documents name who did what.
    assert!(texts(&ja).contains(&"Alice is incident commander".to_string()));
    let pir = alice.ok(&["export", T, "--format", "pir"]);
    assert!(pir.contains("Bob: bob: the cache is stale"), "{pir}");
    let listed = bob.ok(&["list", "--remote"]);
    assert!(
        listed.contains(T) && listed.contains("Alice, Bob") && listed.contains("Checkout fails"),
        "{listed}"
    );
}

#[test]
fn a_handoff_from_the_command_line_is_accepted_on_the_other_seat() {
    let (_team, seats) = team(&["Alice", "Bob"]);
    let (alice, bob) = (&seats[0], &seats[1]);
    alice.ok(&["note", T, "TODO: page the payments team"]);
    let o = bob.run(&["handoff", T, "--to", "alice"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("Alice is the commander: only they hand the role over"),
        "{}",
        stderr(&o)
    );
    let brief = alice.ok(&["handoff", T, "--to", "bob"]);
    assert!(
        brief.contains("Handoff brief — INC-7: Checkout fails"),
        "{brief}"
    );
    assert!(
        brief.contains("Alice (alice-") && brief.contains("→ Bob (bob-"),
        "{brief}"
    );
    assert!(brief.contains("- [ ] page the payments team"), "{brief}");
    assert!(
        brief.contains("- Triage (3): On-call engineer alerted; Impact scoped"),
        "{brief}"
    );
    let o = alice.run(&["handoff", T, "--to", "carol"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no seat \"carol\""), "{}", stderr(&o));
    bob.ok(&["event", T, "handoff_accepted"]);
    let j = alice.json(T);
    let last = events(&j).last().expect("event");
    assert_eq!(last["kind"], "handoff_accepted");
    assert_eq!(last["by"], "Bob");
    let handoff = alice.ok(&["export", T, "--format", "handoff"]);
    assert!(
        handoff.contains("**Incident commander:** Bob (bob-"),
        "{handoff}"
    );
}

#[test]
fn three_seats_writing_at_once_converge() {
    let (_team, seats) = team(&["Alice", "Bob", "Carol"]);
    let per_seat = 500;
    let record =
        common::seats::both::writing_at_once_converges(&seats, T, &Default::default(), per_seat);
    let n = events(&record).len();
    // Opened, shared, commander, two joins, 3 × 500 notes, 3 "done".
    assert_eq!(n, 5 + 3 * per_seat + 3, "every seat's every event");
}

#[test]
fn a_hostile_seat_is_refused_or_made_inert_and_a_rewritten_ref_keeps_what_was_read() {
    let (team, seats) = team(&["Alice", "Bob"]);
    let (alice, bob) = (&seats[0], &seats[1]);
    let a = alice.seat_id(T);
    // Mallory writes a ref by hand: a forged event in Alice's name, a malformed line, a huge
    // one, and a note with escape sequences.
    let at = "2026-11-27T00:00:00.000Z";
    let huge = "x".repeat(20_000);
    let batch = [
        format!(r#"{{"at":"{at}","kind":"note","text":"forged","by":"Alice","seat":"{a}"}}"#),
        "{not an event".to_string(),
        format!(r#"{{"at":"{at}","kind":"note","text":"{huge}","seat":"mallory-0001"}}"#),
        format!(r#"{{"at":"{at}","kind":"note","text":"\u001b[2J\u001b]0;pwned\u0007clear","by":"Mallory","seat":"mallory-0001"}}"#),
        format!(r#"{{"at":"{at}","kind":"note","text":"spoofed","by":"Alice","seat":"mallory-0001"}}"#),
    ]
    .join("\n");
    let work = &alice.work;
    let (_, tree) = push_batch(
        work,
        &format!("{batch}\n"),
        "evil",
        &format!("refs/warroom/{T}/mallory-0001"),
    );

    // And a seat named for the Latin letters of "Аlice" (its first letter is Cyrillic, which
    // the seat id drops), writing as that lookalike.
    push_batch(
        work,
        &format!(
            "{}\n",
            format_args!(
                r#"{{"at":"{at}","kind":"note","text":"lookalike","by":"\u0410lice","seat":"lice-0001"}}"#
            )
        ),
        "lookalike",
        &format!("refs/warroom/{T}/lice-0001"),
    );

    let o = bob.run(&["export", T, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Bob's seat fetched those refs without touching his FETCH_HEAD (git says it has none).
    let fetch_head = std::process::Command::new("git")
        .args(["rev-parse", "--verify", "--quiet", "FETCH_HEAD"])
        .current_dir(&bob.work)
        .output()
        .expect("git");
    assert!(!fetch_head.status.success(), "{fetch_head:?}");
    let warned = stderr(&o);
    assert!(
        warned.contains("lice-0001: an event written as \"\u{410}lice\" refused"),
        "{warned}"
    );
    assert!(warned.contains("signed by seat"), "{warned}");
    assert!(warned.contains("not an event"), "{warned}");
    assert!(warned.contains("bytes refused"), "{warned}");
    assert!(warned.contains("shown inert"), "{warned}");
    assert!(
        warned.contains(r#"mallory-0001: an event written as "Alice" refused"#),
        "{warned}"
    );
    let j: Value = serde_json::from_slice(&o.stdout).expect("json");
    let all = texts(&j);
    assert!(
        !all.iter()
            .any(|t| t == "forged" || t == "spoofed" || t == "lookalike" || t.len() > 10_000),
        "{all:?}"
    );
    assert!(all.contains(&"␛[2J␛]0;pwned␇clear".to_string()), "{all:?}");
    assert!(!serde_json::to_string(&j).expect("s").contains('\u{1b}'));

    // Mallory rewrites the ref with the same batch: what was read stays, nothing is new.
    commit_to(
        work,
        tree.trim(),
        "rewritten",
        &format!("refs/warroom/{T}/mallory-0001"),
    );
    let o = bob.run(&["export", T, "--format", "json"]);
    let said = stderr(&o);
    assert!(
        said.contains("mallory-0001's ref was rewritten (a force-push): what was read from it stays; what it adds"),
        "{said}"
    );
    assert!(!said.contains("different there now"), "{said}");
    let again: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(texts(&again), all);

    // Again, with the event read before changed and one more after it: the changed one is
    // named and kept as read, the new one is judged like any other and taken.
    let rewrite = [
        format!(r#"{{"at":"{at}","kind":"note","text":"history changed","by":"Mallory","seat":"mallory-0001"}}"#),
        format!(r#"{{"at":"{at}","kind":"note","text":"after the rewrite","by":"Mallory","seat":"mallory-0001"}}"#),
        format!(r#"{{"at":"{at}","kind":"note","text":"forged again","by":"Alice","seat":"mallory-0001"}}"#),
    ]
    .join("\n");
    push_batch(
        work,
        &format!("{rewrite}\n"),
        "rewritten again",
        &format!("refs/warroom/{T}/mallory-0001"),
    );
    let o = bob.run(&["export", T, "--format", "json"]);
    let said = stderr(&o);
    assert!(
        said.contains("1 of the events read before are different there now, and are kept as read"),
        "{said}"
    );
    assert!(
        said.contains(r#"an event written as "Alice" refused"#),
        "{said}"
    );
    let after: Value = serde_json::from_slice(&o.stdout).expect("json");
    let expected = texts(&after);
    let mut kept = expected.clone();
    kept.retain(|t| t != "after the rewrite");
    assert_eq!(kept.len() + 1, expected.len(), "{expected:?}");
    assert_eq!(kept, all);

    // Rewritten to nothing: what was read stays and nothing is taken.
    push_batch(
        work,
        "\n",
        "emptied",
        &format!("refs/warroom/{T}/mallory-0001"),
    );
    let o = bob.run(&["export", T, "--format", "json"]);
    assert!(
        stderr(&o).contains("2 fewer events than were read"),
        "{}",
        stderr(&o)
    );
    let last: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(texts(&last), expected);
    let _ = team;
}

/// A batch as a seat writes one, committed and pushed over `refname` with plain git; its blob
/// and tree.
fn push_batch(
    work: &std::path::Path,
    batch: &str,
    message: &str,
    refname: &str,
) -> (String, String) {
    std::fs::write(work.join("batch"), batch).expect("write");
    let blob = git(work, &["hash-object", "-w", "batch"])
        .trim()
        .to_string();
    let tree = git_stdin(
        work,
        &["mktree"],
        &format!("100644 blob {blob}\tevents.jsonl\n"),
    )
    .trim()
    .to_string();
    commit_to(work, &tree, message, refname);
    (blob, tree)
}

/// A commit of `tree` pushed over `refname` on origin, forced (what a hostile seat can do).
fn commit_to(work: &std::path::Path, tree: &str, message: &str, refname: &str) -> String {
    let commit = git(work, &["commit-tree", tree, "-m", message])
        .trim()
        .to_string();
    git(
        work,
        &["push", "-q", "-f", "origin", &format!("{commit}:{refname}")],
    );
    commit
}

fn git_stdin(cwd: &std::path::Path, args: &[&str], input: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("git")
        .args(args)
        .current_dir(cwd)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("git");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_squatted_ref_is_never_forced_and_its_seat_goes_on_in_a_new_one() {
    let (team, seats) = team(&["Alice", "Bob"]);
    let (alice, bob) = (&seats[0], &seats[1]);
    let a = alice.seat_id(T);
    let theirs = format!("refs/warroom/{T}/{a}");
    // Someone else pushes over Alice's ref: her next push is not a fast-forward.
    let work = &bob.work;
    let tree = git_stdin(work, &["mktree"], "");
    let commit = commit_to(work, tree.trim(), "squatter", &theirs);
    let o = alice.run(&["note", T, "after the squat"]);
    assert!(
        o.status.success(),
        "the note is kept locally: {}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains(&format!("its events go on in {theirs}.2")),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        git(&team.origin, &["rev-parse", &theirs]).trim(),
        commit,
        "not forced"
    );
    // Bob reads Alice's note from the ref she moved on to.
    assert!(texts(&bob.json(T)).iter().any(|t| t == "after the squat"));
    let local = warroom::journal::file::read_all(
        &alice.home.join("incidents").join(T).join("journal.jsonl"),
    )
    .expect("read");
    assert_eq!(
        local.events.last().map(|e| e.text.as_str()),
        Some("after the squat")
    );
}

#[test]
fn pushes_to_a_file_remote_do_not_make_one_pack_each() {
    let (team, seats) = team(&["Alice"]);
    let alice = &seats[0];
    let packs = || -> u64 {
        git(&team.origin, &["count-objects", "-v"])
            .lines()
            .find_map(|l| l.strip_prefix("packs: ")?.trim().parse().ok())
            .expect("packs")
    };
    let before = packs();
    for i in 0..25 {
        alice.ok(&["note", T, &format!("note {i}")]);
    }
    let refname = format!("refs/warroom/{T}/{}", alice.seat_id(T));
    let commits: u64 = git(&team.origin, &["rev-list", "--count", &refname])
        .trim()
        .parse()
        .expect("count");
    assert!(commits >= 26, "every note was pushed: {commits} commits");
    assert_eq!(packs(), before, "25 pushes, no new pack on the remote");
}

#[test]
fn an_unreachable_remote_keeps_the_events_until_it_is_back() {
    let (team, seats) = team(&["Alice", "Bob"]);
    let away = team.dir.path().join("origin.away");
    common::seats::both::the_remote_away_and_back(
        &seats,
        T,
        || std::fs::rename(&team.origin, &away).expect("move away"),
        || std::fs::rename(&away, &team.origin).expect("restore"),
        &["is out of reach"],
    );
}

/// A seat's console in a tmux pane of its own.
fn console(seat: &Seat, name: &str) -> common::tmux::Tmux {
    seat.console(name, T)
}

#[test]
fn two_consoles_and_a_third_seat_work_one_incident_live() {
    if !common::tmux::tmux_available() {
        return;
    }
    let (team, seats) = team(&["Alice", "Bob", "Carol"]);
    let (alice, bob, carol) = (&seats[0], &seats[1], &seats[2]);
    let a = console(alice, "seat-a");
    let b = console(bob, "seat-b");
    a.wait_for("IC Alice");
    b.wait_for("⇄ shared · 3 seats");
    // A tick on Bob's seat shows on Alice's.
    b.wait_for("▶[ ] On-call engineer alerted");
    b.keys(&["Space"]);
    b.wait_for("Bob ✓ Done: On-call engineer alerted");
    a.wait_for("Bob ✓ Done: On-call engineer alerted");
    // A note from Carol's command line shows on both.
    carol.ok(&["note", T, "carol: customers see 502s"]);
    a.wait_for("Carol ✎ carol: customers see 502s");
    b.wait_for("Carol ✎ carol: customers see 502s");
    // Alice hands the commander role to Bob; Bob accepts.
    a.keys(&["H"]);
    a.wait_for("Hand the commander role to");
    let picker = a.screen();
    let bob_row = picker
        .lines()
        .find(|l| l.contains(" Bob "))
        .and_then(|l| l.chars().find(char::is_ascii_digit))
        .expect("Bob's row");
    a.keys(&[&bob_row.to_string()]);
    a.wait_for("Hand over the commander role");
    a.keys(&["y"]);
    a.wait_for("IC Alice → Bob (handoff pending)");
    b.wait_for("You are handed the commander role");
    b.keys(&["y"]);
    b.wait_for("IC Bob ");
    a.wait_for("IC Bob ");
    a.wait_for("Bob • Commander role accepted from Alice");
    // The remote goes away: both work on, and say so; back, they catch up.
    let away = team.dir.path().join("origin.away");
    std::fs::rename(&team.origin, &away).expect("move away");
    a.wait_for("⇄ shared · offline since");
    a.keys(&["n"]);
    a.line("alice while offline");
    b.keys(&["n"]);
    b.line("bob while offline");
    a.wait_for("1 event waiting");
    std::fs::rename(&away, &team.origin).expect("restore");
    a.wait_for("Bob ✎ bob while offline");
    b.wait_for("Alice ✎ alice while offline");
    a.keys(&["q"]);
    b.keys(&["q"]);
    a.wait_gone("Timeline");
    b.wait_gone("Timeline");
    assert_eq!(alice.json(T), bob.json(T));
    assert_eq!(bob.json(T), carol.json(T));
}

#[test]
fn a_tick_and_a_reopen_on_two_seats_settle_the_same_way_on_both() {
    let (_team, seats) = team(&["Alice", "Bob"]);
    let (alice, bob) = (&seats[0], &seats[1]);
    alice.ok(&["event", T, "checklist_done", "-f", "item=impact-scoped"]);
    alice.ok(&[
        "event",
        T,
        "priority_changed",
        "-f",
        "from=P1",
        "-f",
        "to=P0",
    ]);
    // Bob has not read Alice's yet: his come later, and stand.
    bob.ok(&["event", T, "checklist_reopened", "-f", "item=impact-scoped"]);
    bob.ok(&[
        "event",
        T,
        "priority_changed",
        "-f",
        "from=P1",
        "-f",
        "to=P2",
    ]);
    let (jb, ja) = (bob.json(T), alice.json(T));
    assert_eq!(ja, jb);
    assert_eq!(ja["priority"], "P2");
    let item = ja["checklist"]
        .as_array()
        .expect("checklist")
        .iter()
        .find(|i| i["id"] == "impact-scoped")
        .expect("item");
    assert_eq!(item["status"], "pending");
    let kinds: Vec<(&str, &str)> = events(&ja)
        .iter()
        .filter(|e| {
            e["kind"] != "seat_joined"
                && e["kind"] != "role_assigned"
                && e["kind"] != "incident_opened"
        })
        .map(|e| {
            (
                e["kind"].as_str().unwrap_or(""),
                e["by"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("checklist_done", "Alice"),
            ("priority_changed", "Alice"),
            ("checklist_reopened", "Bob"),
            ("priority_changed", "Bob"),
        ],
        "both sides of each conflict are on the timeline"
    );
}

#[test]
fn s_shares_an_incident_from_the_console() {
    if !common::tmux::tmux_available() {
        return;
    }
    let team = Team::new();
    let alice = team.seat("Alice");
    alice.ok(&[
        "open",
        T,
        "--priority",
        "P2",
        "--title",
        "Slow search",
        "--no-console",
    ]);
    alice.ok(&["note", T, "before sharing"]);
    assert!(team.remote_refs().is_empty());
    let a = console(&alice, "share-key");
    a.wait_for("Slow search");
    assert!(!a.screen().contains("shared ·"));
    a.keys(&["S"]);
    a.wait_for("Share the incident");
    a.wait_for("refs/warroom/INC-7/");
    a.keys(&["y"]);
    a.wait_for("IC Alice");
    a.wait_for("⇄ shared · 1 seat");
    a.wait_for("Alice ✎ before sharing");
    let a_id = alice.seat_id(T);
    let start = std::time::Instant::now();
    while team.remote_refs() != vec![format!("refs/warroom/{T}/{a_id}")] {
        assert!(
            start.elapsed() < common::tmux::timeout(),
            "{:?}",
            team.remote_refs()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // What the remote holds is every event so far, the ones from before sharing included.
    let bob = team.seat("Bob");
    bob.ok(&["join", T, "--no-console"]);
    let j = bob.json(T);
    assert!(texts(&j).contains(&"before sharing".to_string()));
    a.keys(&["q"]);
    a.wait_gone("Timeline");
}

#[test]
fn a_second_console_on_the_same_seat_is_refused_with_the_first_ones_pid() {
    if !common::tmux::tmux_available() {
        return;
    }
    let (_team, seats) = team(&["Alice", "Bob"]);
    let alice = &seats[0];
    let first = console(alice, "seat-twice-1");
    first.wait_for("IC Alice");
    let pid = common::tmux::console_pid(&first);
    let second = console(alice, "seat-twice-b");
    let said = second
        .wait_for("is already open on this seat")
        .replace('\n', "");
    assert!(
        said.contains(&format!(
            "{T} is already open on this seat in the console with pid {pid}"
        )),
        "{said}"
    );
    // The first goes on as it was, and its seat's notes still reach the others.
    alice.ok(&["note", T, "still one console"]);
    first.wait_for("Alice ✎ still one console");
    assert!(!first.screen().contains("push refused"));
    first.keys(&["q"]);
    first.wait_gone("Timeline");
    // Once it is gone, the seat opens again.
    let again = console(alice, "seat-twice-2");
    again.wait_for("IC Alice");
    again.keys(&["q"]);
    again.wait_gone("Timeline");
}

#[test]
fn a_bad_ref_is_named_and_skipped_and_the_other_seats_go_on() {
    let (_team, seats) = team(&["Alice", "Bob"]);
    let (alice, bob) = (&seats[0], &seats[1]);
    alice.ok(&["note", T, "before mallory"]);
    let work = &alice.work;
    // A seat that writes as warroom does, and is read once.
    let at = "2026-11-27T00:00:00.000Z";
    let (blob, tree) = push_batch(
        work,
        &(format!(
            r#"{{"at":"{at}","kind":"note","text":"hello from carol","seat":"carol-0001"}}"#
        ) + "\n"),
        "carol",
        &format!("refs/warroom/{T}/carol-0001"),
    );
    let o = bob.run(&["export", T, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let seen = |s: &Seat| {
        git(
            &s.work,
            &["for-each-ref", "--format=%(refname)", "refs/warroom-seen/"],
        )
    };
    assert!(seen(bob).contains("carol-0001"), "{}", seen(bob));

    // Mallory pushes a ref at a blob and a ref whose name makes a folder, with plain git; the
    // remote keeps both.
    git(
        work,
        &[
            "push",
            "-q",
            "origin",
            &format!("{blob}:refs/warroom/{T}/mallory-0002"),
        ],
    );
    let commit = git(work, &["commit-tree", tree.trim(), "-m", "folder"])
        .trim()
        .to_string();
    git(
        work,
        &[
            "push",
            "-q",
            "origin",
            &format!("{commit}:refs/warroom/{T}/eve/x"),
        ],
    );
    let remote = git(
        work,
        &["ls-remote", "origin", &format!("refs/warroom/{T}/*")],
    );
    assert!(
        remote.contains("mallory-0002") && remote.contains("eve/x"),
        "{remote}"
    );
    alice.ok(&["note", T, "after mallory"]);

    let o = bob.run(&["export", T, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let warned = stderr(&o);
    assert!(
        warned.contains(
            "mallory-0002's ref is refused: it points at a blob, not at a commit of events"
        ),
        "{warned}"
    );
    assert!(
        warned.contains(&format!(
            "refs/warroom/{T}/eve/x is not a seat's ref: skipped"
        )),
        "{warned}"
    );
    assert!(
        !warned.contains("offline") && !warned.contains("out of reach"),
        "{warned}"
    );
    let j: Value = serde_json::from_slice(&o.stdout).expect("json");
    let all = texts(&j);
    assert!(all.contains(&"after mallory".to_string()), "{all:?}");
    assert!(all.contains(&"hello from carol".to_string()), "{all:?}");
    // Nothing of the bad refs is kept in Bob's clone.
    let kept = seen(bob);
    assert!(
        !kept.contains("mallory-0002") && !kept.contains("eve"),
        "{kept}"
    );

    // A ref that leaves the remote leaves Bob's clone too; what was read of it stays.
    git(
        work,
        &[
            "push",
            "-q",
            "origin",
            &format!(":refs/warroom/{T}/carol-0001"),
        ],
    );
    let o = bob.run(&["export", T, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!seen(bob).contains("carol-0001"), "{}", seen(bob));
    let j: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(texts(&j).contains(&"hello from carol".to_string()));
}

#[test]
fn a_handoff_finds_a_seat_by_first_name_and_is_not_recorded_twice() {
    let (_team, seats) = team(&["Alice", "Bob Second"]);
    let alice = &seats[0];
    let brief = alice.ok(&["handoff", T, "--to", "bob"]);
    assert!(brief.contains("→ Bob Second (bob-second-"), "{brief}");
    let again = alice.run(&["handoff", T, "--to", "bob"]);
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("a handoff to Bob Second is already pending"),
        "{}",
        stderr(&again)
    );
    let j = alice.json(T);
    let started = events(&j)
        .iter()
        .filter(|e| e["kind"] == "handoff_started")
        .count();
    assert_eq!(started, 1);
    // An empty note is refused, as `warroom note` refuses one.
    let o = alice.run(&["event", T, "note"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("the note is empty"), "{}", stderr(&o));
}

#[test]
fn the_board_reads_the_git_remote_s_incidents_too() {
    if !common::tmux::tmux_available() {
        return;
    }
    let (_team, seats) = team(&["Alice", "Bob"]);
    let (alice, bob) = (&seats[0], &seats[1]);
    alice.ok(&[
        "open",
        "PAY-7",
        "--priority",
        "P0",
        "--title",
        "Payments down",
        "--no-console",
        "--share",
    ]);
    let board = bob.in_tmux("git-board", "board");
    board.wait_for("2 open");
    let screen = board.wait_for("Payments down");
    let at = |needle: &str| screen.find(needle).expect(needle);
    assert!(at("PAY-7") < at(T), "the P0 first: {screen}");
    assert!(screen.contains("the git remote \"origin\""), "{screen}");
    board.keys(&["q"]);
    board.wait_gone("Payments down");
}
