//! Many seats, one incident, through a real nats-server with JetStream: each seat with its own
//! clone, git identity (the person) and home, `[share] backend = "nats"`. The server is the
//! oracle for what was stored: its stream's messages are read with the client, apart from
//! warroom's reading of them.

mod common;

use std::time::Duration;

use common::nats::{self, Nats};
use common::seats::{Seat, Team};
use common::stderr;
use serde_json::Value;

const T: &str = "INC-9";

fn events(v: &Value) -> &Vec<Value> {
    v["events"].as_array().expect("events")
}

fn texts(v: &Value) -> Vec<String> {
    events(v)
        .iter()
        .map(|e| e["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Writes the seat's configuration.
fn configure(seat: &Seat, toml: &str) {
    for xdg in ["xdg-config", "xdg"] {
        let dir = seat.home.join(xdg).join("warroom");
        std::fs::create_dir_all(&dir).expect("config dir");
        std::fs::write(dir.join("warroom.toml"), toml).expect("config");
    }
}

/// Alice opens and shares on the server; the others join.
fn team(server: &Nats, names: &[&str]) -> (Team, Vec<Seat>) {
    let tomls: Vec<String> = names
        .iter()
        .map(|_| server.share_toml("acme", ""))
        .collect();
    team_with(&tomls, names)
}

/// As [`team`], each seat with its own configuration.
fn team_with(tomls: &[String], names: &[&str]) -> (Team, Vec<Seat>) {
    let team = Team::new();
    let seats: Vec<Seat> = names.iter().map(|n| team.seat(n)).collect();
    for (s, toml) in seats.iter().zip(tomls) {
        configure(s, toml);
    }
    let out = seats[0].ok(&[
        "open",
        T,
        "--priority",
        "P1",
        "--title",
        "Checkout fails",
        "--no-console",
        "--share",
    ]);
    assert!(out.contains("Shared on "), "{out}");
    for s in &seats[1..] {
        let out = s.ok(&["join", &T.to_lowercase(), "--no-console"]);
        assert!(out.contains(&format!("Joined {T} as seat")), "{out}");
    }
    (team, seats)
}

/// The server's own account of the incident's stream: each message's subject and body.
fn stored(server: &Nats) -> Vec<(String, Value)> {
    nats::block_on(async {
        let mut stream = nats::js(std::slice::from_ref(&server.url))
            .await
            .get_stream(format!("WARROOM_acme_{T}"))
            .await
            .expect("stream");
        let last = stream.info().await.expect("info").state.last_sequence;
        let mut out = Vec::new();
        for seq in 1..=last {
            if let Ok(m) = stream.get_raw_message(seq).await {
                out.push((
                    m.subject.to_string(),
                    serde_json::from_slice(&m.payload).expect("json"),
                ));
            }
        }
        out
    })
}

#[test]
fn seats_share_through_the_stream_and_agree_on_the_record() {
    if !nats::available() {
        return;
    }
    let server = Nats::start();
    let (_team, seats) = team(&server, &["Alice", "Bob"]);
    let (alice, bob) = (&seats[0], &seats[1]);
    let (a, b) = (alice.seat_id(T), bob.seat_id(T));
    bob.ok(&["note", T, "bob: the cache is stale"]);
    alice.ok(&["note", T, "alice: rolling the cache"]);
    let (ja, jb) = (alice.json(T), bob.json(T));
    assert_eq!(ja, jb, "both seats export the same record");
    assert!(texts(&ja).contains(&"Alice is incident commander".to_string()));
    // The server holds each seat's events on its own subject, each once.
    let on_server = stored(&server);
    let (pa, ma) = a.rsplit_once('-').expect("seat id");
    let (pb, mb) = b.rsplit_once('-').expect("seat id");
    for (subject, ev) in &on_server {
        let seat = ev["seat"].as_str().expect("seat");
        let want = if seat == a {
            format!("warroom.acme.{T}.{pa}.{ma}")
        } else {
            format!("warroom.acme.{T}.{pb}.{mb}")
        };
        assert_eq!(*subject, want, "{ev}");
    }
    let notes: Vec<&str> = on_server
        .iter()
        .filter(|(_, e)| e["kind"] == "note")
        .map(|(_, e)| e["text"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        notes,
        ["bob: the cache is stale", "alice: rolling the cache"]
    );
    let listed = bob.ok(&["list", "--remote"]);
    assert!(
        listed.contains(T) && listed.contains("Alice, Bob") && listed.contains("Checkout fails"),
        "{listed}"
    );
    // The commander role on the server: Alice's from the share, Bob's from his acceptance.
    assert_eq!(commander(&server).as_deref(), Some(a.as_str()));
    alice.ok(&["handoff", T, "--to", "bob"]);
    bob.ok(&["event", T, "handoff_accepted"]);
    assert_eq!(commander(&server).as_deref(), Some(b.as_str()));
    assert!(
        alice
            .ok(&["export", T, "--format", "handoff"])
            .contains("**Incident commander:** Bob (bob-")
    );
}

/// The seat the server's role entry names, read with the client.
fn commander(server: &Nats) -> Option<String> {
    nats::block_on(async {
        let js = nats::js(std::slice::from_ref(&server.url)).await;
        let kv = js.get_key_value("warroom_acme").await.expect("bucket");
        kv.get(format!("{T}.commander"))
            .await
            .expect("entry")
            .map(|v| String::from_utf8_lossy(&v).into_owned())
    })
}

#[test]
fn three_seats_writing_at_once_converge_with_nothing_stored_twice() {
    if !nats::available() {
        return;
    }
    let server = Nats::start();
    let (_team, seats) = team(&server, &["Alice", "Bob", "Carol"]);
    let per_seat = 300;
    let cfg = warroom::config::ShareConfig {
        backend: warroom::journal::Backend::Nats,
        url: vec![server.url.clone()],
        org: "acme".into(),
        ..Default::default()
    };
    let record = common::seats::both::writing_at_once_converges(&seats, T, &cfg, per_seat);
    // Opened, shared, commander, two joins, 3 × 300 notes, 3 "done".
    assert_eq!(events(&record).len(), 5 + 3 * per_seat + 3);
    assert_eq!(
        stored(&server).len(),
        5 + 3 * per_seat + 3,
        "each event stored once"
    );
}

#[test]
fn a_server_that_goes_away_keeps_the_events_until_it_is_back_and_stores_none_twice() {
    if !nats::available() {
        return;
    }
    let server = std::cell::RefCell::new(Nats::start());
    let (_team, seats) = team(&server.borrow(), &["Alice", "Bob"]);
    common::seats::both::the_remote_away_and_back(
        &seats,
        T,
        || server.borrow_mut().down(),
        || server.borrow_mut().up(),
        &["did not answer", "cannot reach"],
    );
    let on_server = stored(&server.borrow());
    let mut ids: Vec<(String, String)> = on_server
        .iter()
        .map(|(_, e)| {
            (
                e["seat"].to_string(),
                e["at"].to_string() + &e["text"].to_string(),
            )
        })
        .collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "nothing stored twice");
}

#[test]
fn a_hostile_seat_s_events_are_refused_and_the_server_refuses_a_forged_subject() {
    if !nats::available() {
        return;
    }
    // Each person is a user known by nkey, and may publish on their own subjects only.
    let (mallory_key, bob_key) = (nkeys::KeyPair::new_user(), nkeys::KeyPair::new_user());
    let user = |key: &nkeys::KeyPair, person: &str| {
        format!(
            r#"{{ nkey: {}, permissions: {{ publish: {{ allow: ["warroom.acme.*.{person}.>", "$JS.API.>", "$JS.ACK.>", "$JS.FC.>", "_INBOX.>"] }}, subscribe: {{ allow: ["_INBOX.>"] }} }} }}"#,
            key.public_key()
        )
    };
    let accounts = format!(
        "accounts {{ TEAM {{ jetstream: enabled\n users = [\n{}\n{}\n] }} }}",
        user(&mallory_key, "mallory"),
        user(&bob_key, "bob")
    );
    let server = Nats::with_config(&accounts);
    nats::block_on(async {
        let mallory = async_nats::ConnectOptions::with_nkey(mallory_key.seed().expect("seed"))
            .connect(&server.url)
            .await
            .expect("mallory");
        let js = async_nats::jetstream::new(mallory);
        js.get_or_create_stream(async_nats::jetstream::stream::Config {
            name: format!("WARROOM_acme_{T}"),
            subjects: vec![format!("warroom.acme.{T}.>")],
            ..Default::default()
        })
        .await
        .expect("stream");
        // On her own subject, as another seat: stored, and refused by every reader.
        let forged = r#"{"at":"2026-12-04T10:00:00Z","kind":"note","text":"I am alice","by":"Alice","seat":"alice-0001"}"#;
        js.publish(format!("warroom.acme.{T}.mallory.0002"), forged.into())
            .await
            .expect("sent")
            .await
            .expect("stored");
        // On Alice's subject: the server refuses it, nothing is stored.
        let on_alice = js
            .publish(format!("warroom.acme.{T}.alice.0001"), "{}".into())
            .await
            .expect("sent")
            .await;
        assert!(on_alice.is_err(), "a forged subject must not be stored");
    });
    let tmp = tempfile::tempdir().expect("tmp");
    let seed = tmp.path().join("bob.nk");
    std::fs::write(&seed, bob_key.seed().expect("seed")).expect("seed file");
    let setup = warroom::share::worker::ShareSetup {
        git: Default::default(),
        cfg: warroom::config::ShareConfig {
            backend: warroom::journal::Backend::Nats,
            url: vec![server.url.clone()],
            org: "acme".into(),
            nkey: Some(seed),
            ..Default::default()
        },
        cwd: tmp.path().into(),
        dir: tmp.path().join("INC"),
        ticket: T.into(),
        share: warroom::journal::Share {
            remote: server.url.clone(),
            seat: "bob-0003".into(),
            by: "Bob".into(),
            email: String::new(),
            moved: 0,
            backend: warroom::journal::Backend::Nats,
        },
    };
    std::fs::create_dir_all(tmp.path().join("INC")).expect("dir");
    std::fs::write(tmp.path().join("INC/journal.jsonl"), "").expect("journal");
    let mut setup2 = setup.clone();
    let (_, warnings) = warroom::share::worker::sync_once(setup, Duration::from_secs(20), true)
        .expect("in time")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("signed by seat") && w.contains("mallory-0002")),
        "{warnings:?}"
    );
    assert!(
        !tmp.path().join("INC/seats/alice-0001.jsonl").exists(),
        "nothing is kept as Alice's"
    );
    // A seat whose person the server does not let publish there: refused, in the server's words.
    std::fs::write(
        tmp.path().join("INC/journal.jsonl"),
        "{\"at\":\"2026-12-04T10:00:00Z\",\"kind\":\"note\",\"text\":\"hi\"}\n",
    )
    .expect("journal");
    setup2.share.seat = "robert-0003".into();
    setup2.share.by = "Robert".into();
    let (status, _) = warroom::share::worker::sync_once(setup2, Duration::from_secs(20), false)
        .expect("in time")
        .unwrap_or_else(|e| panic!("{e}"));
    let refused = status.rejected.expect("refused");
    assert!(
        refused.contains("Permissions Violation")
            && refused.contains("warroom.acme.INC-9.robert.0003"),
        "{refused}"
    );
    assert_eq!(status.waiting, 1, "the event waits here");
}

#[test]
fn two_seats_taking_the_commander_role_at_once_one_gets_it() {
    if !nats::available() {
        return;
    }
    let server = Nats::start();
    let cfg = warroom::config::ShareConfig {
        backend: warroom::journal::Backend::Nats,
        url: vec![server.url.clone()],
        org: "acme".into(),
        ..Default::default()
    };
    for round in 0..5 {
        let ticket = format!("RACE-{round}");
        let barrier = std::sync::Barrier::new(2);
        let claims: Vec<_> = std::thread::scope(|s| {
            let hs: Vec<_> = ["alice-0001", "bob-0002"]
                .iter()
                .map(|seat| {
                    let (cfg, ticket, barrier) = (&cfg, &ticket, &barrier);
                    s.spawn(move || {
                        barrier.wait();
                        warroom::share::nats::claim_commander(cfg, ticket, seat)
                    })
                })
                .collect();
            hs.into_iter()
                .map(|h| h.join().expect("join").expect("claim"))
                .collect()
        });
        use warroom::share::nats::commander::Claim;
        let taken: Vec<_> = claims
            .iter()
            .filter(|c| matches!(c, Claim::Taken(_)))
            .collect();
        assert_eq!(taken.len(), 1, "{claims:?}");
        let held: Vec<_> = claims
            .iter()
            .filter_map(|c| match c {
                Claim::Held(s) => Some(s.clone()),
                Claim::Taken(_) => None,
            })
            .collect();
        assert_eq!(held.len(), 1, "{claims:?}");
        assert!(held[0] == "alice-0001" || held[0] == "bob-0002");
    }
}

/// A seat's console in a tmux pane of its own.
fn console(seat: &Seat, name: &str) -> common::tmux::Tmux {
    seat.console(name, T)
}

#[test]
fn two_consoles_and_a_third_seat_work_one_incident_live_through_a_partition() {
    if !common::tmux::tmux_available() || !nats::available() {
        return;
    }
    let mut server = Nats::start();
    let (_team, seats) = team(&server, &["Alice", "Bob", "Carol"]);
    let (alice, bob, carol) = (&seats[0], &seats[1], &seats[2]);
    // The server down when Alice's console starts: it works here and says so.
    server.down();
    let a = console(alice, "nats-a");
    a.wait_for("IC Alice");
    a.wait_for("⇄ shared · offline since");
    a.keys(&["n"]);
    a.line("alice before the server");
    a.wait_for("1 event waiting");
    server.up();
    let b = console(bob, "nats-b");
    b.wait_for("⇄ shared · 3 seats");
    b.wait_for("Alice ✎ alice before the server");
    // A third seat, from its command line: on both screens.
    carol.ok(&["note", T, "carol: customers see 502s"]);
    a.wait_for("Carol ✎ carol: customers see 502s");
    b.wait_for("Carol ✎ carol: customers see 502s");
    b.wait_for("▶[ ] On-call engineer alerted");
    b.keys(&["Space"]);
    a.wait_for("Bob ✓ Done: On-call engineer alerted");
    // The server goes away: both work on and say so; back, nothing is lost or doubled.
    server.down();
    a.wait_for("⇄ shared · offline since");
    a.keys(&["n"]);
    a.line("alice while offline");
    b.keys(&["n"]);
    b.line("bob while offline");
    a.wait_for("1 event waiting");
    server.up();
    a.wait_for("Bob ✎ bob while offline");
    b.wait_for("Alice ✎ alice while offline");
    a.keys(&["q"]);
    b.keys(&["q"]);
    a.wait_gone("Timeline");
    b.wait_gone("Timeline");
    let (ja, jb) = (alice.json(T), bob.json(T));
    assert_eq!(ja, jb);
    assert_eq!(jb, carol.json(T));
    for t in [
        "alice before the server",
        "alice while offline",
        "bob while offline",
    ] {
        assert_eq!(texts(&ja).iter().filter(|x| *x == t).count(), 1, "{t}");
    }
}

#[test]
fn the_board_shows_the_organisation_s_incidents_most_urgent_first_live_and_opens_one() {
    if !common::tmux::tmux_available() || !nats::available() {
        return;
    }
    let server = Nats::start();
    let (_team, seats) = team(&server, &["Alice", "Bob"]);
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
    let listed = bob.ok(&["list", "--remote"]);
    let order: Vec<&str> = listed
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        order,
        ["PAY-7", T],
        "the P0's SLA has the least left: {listed}"
    );
    let board = bob.in_tmux("nats-board", "board");
    board.wait_for("Payments down");
    board.wait_for("2 open");
    let screen = board.screen();
    let at = |needle: &str| screen.find(needle).expect(needle);
    assert!(at("PAY-7") < at(T), "{screen}");
    // A third incident, opened on Alice's seat, is on Bob's board at once.
    alice.ok(&[
        "open",
        "WEB-3",
        "--priority",
        "P3",
        "--title",
        "Slow avatars",
        "--no-console",
        "--share",
    ]);
    board.wait_for("Slow avatars");
    board.wait_for("3 open");
    // Closed on the remote: it leaves the open ones.
    alice.ok(&["close", "WEB-3"]);
    board.wait_for("2 open · 1 closed");
    // Down to PAY-7's neighbour, INC-9, which this home has: its console opens.
    board.keys(&["Down", "Enter"]);
    board.wait_for("Checkout fails");
    board.wait_for("⇄ shared · 2 seats");
    board.keys(&["q"]);
    board.wait_gone("Timeline");
}

/// Waits until every seat's export is the same and holds each of `texts_once` once.
fn converged(seats: &[Seat], texts_once: &[&str]) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let exports: Vec<Value> = seats.iter().map(|s| s.json(T)).collect();
        let all = texts(&exports[0]);
        let once = texts_once
            .iter()
            .all(|t| all.iter().filter(|x| x == t).count() == 1);
        if once && exports.windows(2).all(|w| w[0] == w[1]) {
            return exports[0].clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the seats did not converge: {:?}",
            exports.iter().map(texts).collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn a_cluster_of_three_keeps_the_incident_when_one_server_is_killed() {
    if !nats::available() {
        return;
    }
    let mut nodes = nats::cluster();
    let urls: Vec<String> = nodes.iter().map(|n| format!("{:?}", n.url)).collect();
    let toml = format!(
        "[share]\nbackend = \"nats\"\nurl = [{}]\norg = \"acme\"\nreplicas = 3\ntimeout = \"20s\"\n",
        urls.join(", ")
    );
    let (_team, seats) = team_with(&[toml.clone(), toml], &["Alice", "Bob"]);
    let (alice, bob) = (&seats[0], &seats[1]);
    alice.ok(&["note", T, "before"]);
    // The server that leads the incident's stream is the one killed.
    let leader = stream_info(&nodes.iter().map(|n| n.url.clone()).collect::<Vec<_>>())
        .cluster
        .and_then(|c| c.leader)
        .expect("a leader");
    let gone: usize = leader.trim_start_matches('n').parse().expect("n<i>");
    nodes[gone].down();
    alice.run(&["note", T, "after a server is gone"]);
    bob.run(&["note", T, "bob on the two left"]);
    converged(
        &seats,
        &["before", "after a server is gone", "bob on the two left"],
    );
    // The stream is kept on the servers left, led by another (the server's own account).
    let left: Vec<String> = (0..3)
        .filter(|i| *i != gone)
        .map(|i| nodes[i].url.clone())
        .collect();
    let info = stream_info(&left);
    assert_eq!(info.config.num_replicas, 3);
    let now = info.cluster.and_then(|c| c.leader).expect("a leader");
    assert_ne!(now, leader);
}

/// The incident's stream as the servers at `urls` describe it.
fn stream_info(urls: &[String]) -> async_nats::jetstream::stream::Info {
    nats::block_on(async {
        let mut stream = nats::js(urls)
            .await
            .get_stream(format!("WARROOM_acme_{T}"))
            .await
            .expect("stream");
        stream.info().await.expect("info").clone()
    })
}

#[test]
fn a_leaf_node_cut_from_its_hub_keeps_its_seat_s_events_until_it_rejoins() {
    if !nats::available() {
        return;
    }
    let port = nats::free_port();
    // The hub's JetStream is its domain `hub`; the leaf has none of its own and reaches it
    // across its link.
    let hub = Nats::with_domain("hub", &format!("leafnodes {{ listen: 127.0.0.1:{port} }}"));
    let link = nats::Proxy::start(port);
    let leaf = Nats::without_jetstream(&format!(
        "leafnodes {{ reconnect: 1, remotes: [ {{ url: \"nats-leaf://127.0.0.1:{}\" }} ] }}",
        link.port
    ));
    nats::reaches_jetstream(&leaf.url, "hub");
    let tomls = [
        hub.share_toml("acme", "domain = \"hub\""),
        leaf.share_toml("acme", "domain = \"hub\""),
    ];
    let (_team, seats) = team_with(&tomls, &["Alice", "Bob"]);
    let (alice, bob) = (&seats[0], &seats[1]);
    bob.ok(&["note", T, "through the leaf"]);
    converged(&seats, &["through the leaf"]);
    link.cut();
    let o = bob.run(&["note", T, "while the leaf is cut"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("Pushed"), "{}", stderr(&o));
    alice.ok(&["note", T, "the hub side meanwhile"]);
    link.rejoin();
    nats::reaches_jetstream(&leaf.url, "hub");
    converged(
        &seats,
        &[
            "through the leaf",
            "while the leaf is cut",
            "the hub side meanwhile",
        ],
    );
}

#[test]
fn an_incident_moves_from_git_to_nats_and_back_losing_nothing_and_doubling_nothing() {
    if !nats::available() {
        return;
    }
    let server = Nats::start();
    // Shared through git first (the default backend), with the server configured beside it.
    let toml = format!(
        "[share]\nurl = \"{}\"\norg = \"acme\"\ntimeout = \"10s\"\n",
        server.url
    );
    let (_team, seats) = team_with(&[toml.clone(), toml], &["Alice", "Bob"]);
    let (alice, bob) = (&seats[0], &seats[1]);
    alice.ok(&["note", T, "alice on git"]);
    bob.ok(&["note", T, "bob on git"]);
    let out = alice.ok(&["share", "migrate", T, "--to", "nats"]);
    assert!(out.contains(&format!("Moved {T} to NATS")), "{out}");
    // Bob, still on git, reads the move there, and moves too.
    bob.ok(&["note", T, "bob still on git"]);
    let moved = texts(&bob.json(T))
        .into_iter()
        .find(|t| t.contains("moved the incident to NATS"))
        .expect("the move on Bob's record");
    assert!(
        moved.contains(&format!("warroom share migrate {T} --to nats")),
        "{moved}"
    );
    bob.ok(&["share", "migrate", T, "--to", "nats"]);
    alice.ok(&["note", T, "alice on nats"]);
    bob.ok(&["note", T, "bob on nats"]);
    let all = [
        "alice on git",
        "bob on git",
        "bob still on git",
        "alice on nats",
        "bob on nats",
    ];
    let record = converged(&seats, &all);
    // The stream holds every event of both seats, each once.
    let on_server = stored(&server);
    assert_eq!(on_server.len(), events(&record).len(), "{on_server:?}");
    for t in all {
        assert_eq!(
            on_server.iter().filter(|(_, e)| e["text"] == t).count(),
            1,
            "{t}"
        );
    }
    // And back to git.
    alice.ok(&["share", "migrate", T, "--to", "git"]);
    bob.ok(&["share", "migrate", T, "--to", "git"]);
    alice.ok(&["note", T, "alice back on git"]);
    bob.ok(&["note", T, "bob back on git"]);
    let mut again = all.to_vec();
    again.extend(["alice back on git", "bob back on git"]);
    converged(&seats, &again);
    let o = alice.run(&["share", "migrate", T, "--to", "git"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("already shared through git"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_token_from_a_command_and_a_verified_tls_server_and_the_token_in_no_file() {
    if !nats::available() {
        return;
    }
    let certs = tempfile::tempdir().expect("tmp");
    let (ca, cert, key) = nats::tls_files(certs.path());
    let token = "nats-token-7f3k9q2w";
    let server = Nats::with_config(&format!(
        "authorization {{ token: {token:?} }}\ntls {{ cert_file: {:?}, key_file: {:?} }}",
        cert.display().to_string(),
        key.display().to_string()
    ));
    let tls_url = server.url.replace("nats://", "tls://");
    let toml = |ca: &str| {
        format!(
            "[share]\nbackend = \"nats\"\nurl = \"{tls_url}\"\norg = \"acme\"\ntimeout = \"10s\"\ntoken_command = \"printf {token}\"\n{ca}\n"
        )
    };
    let with_ca = toml(&format!("tls_ca = {:?}", ca.display().to_string()));
    let (_team, seats) = team_with(&[with_ca.clone(), with_ca], &["Alice", "Bob"]);
    seats[1].ok(&["note", T, "over tls"]);
    converged(&seats, &["over tls"]);
    // Without the CA the server's certificate is not trusted: said, and nothing is read.
    configure(&seats[1], &toml(""));
    let o = seats[1].run(&["list", "--remote"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        stderr(&o).to_lowercase().contains("certificate"),
        "{}",
        stderr(&o)
    );
    // The token is in no file of either seat (journal, share file, mirror, logs, exports).
    for s in &seats {
        for entry in walk(&s.home) {
            let bytes = std::fs::read(&entry).unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes);
            if entry.ends_with("warroom.toml") {
                continue;
            }
            assert!(!text.contains(token), "{} holds the token", entry.display());
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_console_that_reads_nothing_while_the_stream_runs_on_misses_nothing() {
    if !common::tmux::tmux_available() || !nats::available() {
        return;
    }
    // The server gives up on a client that does not read within a second, or that has more
    // than 128 KiB pending.
    let server =
        Nats::with_config("write_deadline: \"1s\"\nmax_payload: 65536\nmax_pending: 131072");
    let (_team, seats) = team(&server, &["Alice", "Bob"]);
    let (alice, bob) = (&seats[0], &seats[1]);
    // The console in place of the shell (`exec`): no job control takes the terminal from it
    // while it is stopped.
    let b = common::tmux::Tmux::new("nats-slow");
    b.start_command(170, 48, "sh");
    b.line(&format!(
        "export WARROOM_HOME='{}' XDG_CONFIG_HOME='{}/xdg' TERM=xterm-256color; cd '{}'; clear; exec '{}' resume {T}",
        bob.home.display(),
        bob.home.display(),
        bob.work.display(),
        common::bin().display()
    ));
    b.wait_for("⇄ shared · 2 seats");
    let pid = b.pane_pid();
    let signal = |sig: &str| {
        let ok = std::process::Command::new("kill")
            .args([sig, &pid])
            .status()
            .expect("kill");
        assert!(ok.success());
    };
    // Bob's console reads nothing while Alice's seat writes 2,000 events.
    signal("-STOP");
    let cfg = warroom::config::ShareConfig {
        backend: warroom::journal::Backend::Nats,
        url: vec![server.url.clone()],
        org: "acme".into(),
        ..Default::default()
    };
    let store = warroom::journal::Store::new(&alice.home);
    let writer = store.writer(T).expect("writer");
    for i in 0..2000 {
        writer
            .append(warroom::journal::Draft::new(
                "note",
                format!("burst {i:04} {}", "x".repeat(200)),
            ))
            .expect("append");
    }
    let dir = store.incident_dir(T);
    let setup = warroom::share::worker::ShareSetup {
        git: Default::default(),
        cfg,
        cwd: alice.work.clone(),
        dir: dir.clone(),
        ticket: T.into(),
        share: warroom::journal::Share::load(&dir)
            .expect("load")
            .expect("shared"),
    };
    let (status, _) = warroom::share::worker::sync_once(setup, Duration::from_secs(60), false)
        .expect("in time")
        .expect("published");
    assert!(status.online && status.waiting == 0, "{status:?}");
    std::thread::sleep(Duration::from_secs(3));
    signal("-CONT");
    b.wait_for_within("burst 1999", Duration::from_secs(60));
    b.keys(&["q"]);
    b.wait_gone("Timeline");
    let record = bob.json(T);
    let bursts = texts(&record)
        .iter()
        .filter(|t| t.starts_with("burst "))
        .count();
    assert_eq!(bursts, 2000, "each event once");
    // More than the server holds pending for a client (128 KiB) was stored while the console
    // read nothing: the ordered consumer's flow control held it back, and nothing was dropped.
    assert!(!server.log().contains("Slow Consumer"), "{}", server.log());
}
