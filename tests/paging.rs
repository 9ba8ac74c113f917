//! The page and the status page against stand-ins built from PagerDuty's and Statuspage's own
//! OpenAPI descriptions (every request and answer validated against them), then the real
//! console in tmux: PagerDuty's acknowledgement ticks the checklist, a publication shows its
//! URL, the documents list what was published.

mod common;

use std::time::{Duration, Instant};

use common::pagerduty::{self, PagerDuty};
use common::statuspage::{self, Statuspage};
use common::tmux::{Tmux, tmux_available};
use common::*;
use warroom::app::Msg;
use warroom::config::{PagerdutyConfig, StatuspageConfig};
use warroom::pagerduty::follow::{Find, names_ticket};
use warroom::pagerduty::{Client, PageAction, PageState, PagerMsg, PdError, Target};
use warroom::statuspage::Publication;

fn pd_config(pd: &PagerDuty, from: &str) -> PagerdutyConfig {
    let toml = format!(
        "service = \"{}\"\nfrom = \"{from}\"\napi_url = \"{}\"\nevents_url = \"{}\"\nrouting_key_command = \"echo {}\"\n",
        pagerduty::SERVICE,
        pd.url,
        pd.url,
        pagerduty::ROUTING_KEY
    );
    toml::from_str(&toml).expect("config")
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt")
}

#[test]
fn a_page_is_triggered_found_acknowledged_joined_noted_updated_and_resolved() {
    let pd = PagerDuty::start(150);
    // Another incident on the service first: the page is told apart by its dedup key.
    pd.add_incident("Disk 91% on db-2", "disk-db-2");
    let client =
        Client::new(&pd_config(&pd, "ic@example.com"), pagerduty::TOKEN.into()).expect("client");
    let rt = rt();
    let key = rt
        .block_on(client.trigger("PAY-42", "[P0] PAY-42 Checkout 500s", "critical"))
        .expect("trigger");
    assert_eq!(key, "PAY-42");
    let open = rt
        .block_on(client.open_incidents(pagerduty::SERVICE))
        .expect("list");
    assert_eq!(open.len(), 2);
    let ours: Vec<_> = open.iter().filter(|i| names_ticket(i, "pay-42")).collect();
    assert_eq!(ours.len(), 1, "{open:?}");
    let id = ours[0].id.clone();
    // A title names a ticket only as a word.
    assert!(names_ticket(&open[0], "db-2"));
    assert!(!names_ticket(&open[0], "B-2"));

    for action in [
        PageAction::Acknowledge,
        PageAction::Responders(vec![Target {
            id: "PPOL002".into(),
            kind: "escalation_policy_reference".into(),
            name: "Database on-call".into(),
        }]),
        PageAction::Note {
            of: "milestone@2026-12-03T10:00:00.000Z".into(),
            text: "[warroom PAY-42] Root cause identified".into(),
        },
        PageAction::StatusUpdate("Checkout is failing for some customers; fix in progress".into()),
        PageAction::Resolve,
    ] {
        rt.block_on(warroom::pagerduty::act(&client, &id, &action))
            .unwrap_or_else(|e| panic!("{action:?}: {e}"));
        if action == PageAction::Acknowledge {
            let inc = pd.incident(&id);
            assert_eq!(inc["status"], "acknowledged");
            assert_eq!(
                inc["acknowledgements"][0]["acknowledger"]["summary"],
                "Irene Commander"
            );
        }
    }
    let s = pd.lock();
    // The requester is the From user, found on the users' list by email.
    assert_eq!(s.responder_requests.len(), 1);
    assert_eq!(s.responder_requests[0].1, "PU00000");
    assert_eq!(
        s.responder_requests[0].2[0]["responder_request_target"]["type"],
        "escalation_policy_reference"
    );
    assert_eq!(
        s.notes,
        vec![(id.clone(), "[warroom PAY-42] Root cause identified".into())]
    );
    assert_eq!(s.status_updates.len(), 1);
    drop(s);
    assert_eq!(pd.incident(&id)["status"], "resolved");
    // Whom to ask: both policies and every one of 150 people (two pages of users).
    let targets = rt
        .block_on(warroom::pagerduty::targets(&client))
        .expect("targets");
    assert_eq!(targets.len(), 152);
    assert!(pd.count("GET", "/users?limit=100&offset=100") >= 1);
    assert_eq!(pd.violations(), Vec::<String>::new());
}

#[test]
fn a_wrong_token_a_missing_from_and_a_rate_limit_are_said() {
    let pd = PagerDuty::start(3);
    let id = pd.add_incident("PAY-7 Checkout 500s", "PAY-7");
    let rt = rt();
    let wrong = Client::new(&pd_config(&pd, "ic@example.com"), "nope".into()).expect("client");
    let e = rt.block_on(wrong.incident(&id)).expect_err("401");
    assert!(matches!(e, PdError::BadToken(..)), "{e:?}");
    assert!(e.to_string().contains("PAGERDUTY_TOKEN"), "{e}");

    // No From: PagerDuty refuses the write, and says so.
    let no_from = Client::new(&pd_config(&pd, ""), pagerduty::TOKEN.into()).expect("client");
    let e = rt
        .block_on(warroom::pagerduty::act(
            &no_from,
            &id,
            &PageAction::Acknowledge,
        ))
        .expect_err("400");
    assert!(e.contains("From header is missing"), "{e}");
    pd.lock().violations.clear();

    // A 429 names its wait; the follower waits it out before asking again.
    let client =
        Client::new(&pd_config(&pd, "ic@example.com"), pagerduty::TOKEN.into()).expect("client");
    pd.lock().limit_next = Some(2);
    let e = rt.block_on(client.incident(&id)).expect_err("429");
    assert_eq!(e.wait(), Some(Duration::from_secs(2)), "{e:?}");
    pd.lock().limit_next = Some(2);
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    let poke = std::sync::Arc::new(tokio::sync::Notify::new());
    let started = Instant::now();
    let state = rt.block_on(async {
        let follow = tokio::spawn(warroom::pagerduty::follow::run(
            client.clone(),
            pagerduty::SERVICE.into(),
            Find::Id(id.clone()),
            Duration::from_millis(200),
            poke,
            tx,
        ));
        let first = rx.recv().await;
        let second = rx.recv().await;
        follow.abort();
        (first, second)
    });
    assert!(
        matches!(&state.0, Some(PagerMsg::Error(e)) if e.contains("rate limit")),
        "{state:?}"
    );
    assert!(matches!(&state.1, Some(PagerMsg::State(s)) if s.status == "triggered"));
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(pd.violations(), Vec::<String>::new());
}

fn state(status: &str, ack: Option<&str>) -> PageState {
    PageState {
        id: "PINC100".into(),
        number: 100,
        title: "PAY-42 Checkout 500s".into(),
        url: "https://acme.pagerduty.com/incidents/PINC100".into(),
        status: status.into(),
        acknowledgers: ack.map(|w| (w.to_string(), t(3))).into_iter().collect(),
        changed_by: ack.map(str::to_string),
        on_call: vec![(1, "Ana Oncall".into())],
    }
}

#[test]
fn the_acknowledgement_ticks_the_item_once_and_a_lapse_unticks_it() {
    let mut m = model("P0", t(5));
    m.paging.service = Some("PSVC001".into());
    let fx = send(
        &mut m,
        Msg::Pager(PagerMsg::State(state("triggered", None))),
    );
    let drafts = appended(&fx);
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].kind.as_str(), "pagerduty_linked");
    fold(&mut m, &fx);
    // The same answer again records nothing.
    let fx = send(
        &mut m,
        Msg::Pager(PagerMsg::State(state("triggered", None))),
    );
    assert!(appended(&fx).is_empty());
    assert_eq!(item(&m, "on-call-alerted"), "pending");

    let fx = send(
        &mut m,
        Msg::Pager(PagerMsg::State(state("acknowledged", Some("Ana Oncall")))),
    );
    let drafts = appended(&fx);
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].kind.as_str(), "pagerduty_acknowledged");
    fold(&mut m, &fx);
    assert_eq!(item(&m, "on-call-alerted"), "done");
    let fx = send(
        &mut m,
        Msg::Pager(PagerMsg::State(state("acknowledged", Some("Ana Oncall")))),
    );
    assert!(appended(&fx).is_empty(), "nothing twice");
    let header = warroom::app::paging::summary(&m).expect("summary").0;
    assert!(header.contains("acknowledged by Ana Oncall"), "{header}");
    assert!(header.contains("on call: Ana Oncall (L1)"), "{header}");

    // The acknowledgement timed out: PagerDuty has it triggered again; the tick is taken back.
    let fx = send(
        &mut m,
        Msg::Pager(PagerMsg::State(state("triggered", None))),
    );
    let drafts = appended(&fx);
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].fields["acknowledged"], false);
    fold(&mut m, &fx);
    assert_eq!(item(&m, "on-call-alerted"), "pending");
    assert!(
        m.incident.why_not["on-call-alerted"]
            .1
            .contains("no longer acknowledged"),
        "{:?}",
        m.incident.why_not
    );
    let fx = send(
        &mut m,
        Msg::Pager(PagerMsg::State(state("resolved", Some("Ben Backup")))),
    );
    let drafts = appended(&fx);
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].kind.as_str(), "pagerduty_resolved");
    assert_eq!(drafts[0].fields["person"], "Ben Backup");
}

fn item(m: &warroom::app::Model, id: &str) -> &'static str {
    let it = m.incident.checklist.item(id).expect("item");
    match m.incident.status(it) {
        warroom::incident::ItemStatus::Done(_) => "done",
        warroom::incident::ItemStatus::Pending => "pending",
        _ => "other",
    }
}

/// Folds what the effects append, stamped now.
fn fold(m: &mut warroom::app::Model, fx: &[warroom::app::Effect]) {
    let events: Vec<_> = appended(fx)
        .into_iter()
        .map(|d| d.clone().stamp(m.now))
        .collect();
    send(
        m,
        Msg::Journal(warroom::journal::ReadBatch {
            events,
            warnings: Vec::new(),
        }),
    );
}

fn sp_config(sp: &Statuspage, key_env: &str) -> StatuspageConfig {
    toml::from_str(&format!(
        "page = \"{}\"\napi_url = \"{}\"\nkey_env = \"{key_env}\"\n[[components]]\nid = \"cmp_api\"\nname = \"API\"\nstatus = \"partial_outage\"\n",
        statuspage::PAGE,
        sp.url
    ))
    .expect("config")
}

fn publication(status: &str, component: &str) -> Publication {
    Publication {
        name: "Checkout errors".into(),
        status: status.into(),
        body: "Some customers cannot check out.".into(),
        components: [("cmp_api".to_string(), component.to_string())].into(),
    }
}

#[test]
fn a_status_page_incident_is_created_updated_and_resolved_one_request_a_second() {
    let sp = Statuspage::start();
    let cfg = sp_config(&sp, "UNUSED");
    let client = warroom::statuspage::Client::new(&cfg, statuspage::KEY.into()).expect("client");
    let rt = rt();
    let created = rt
        .block_on(client.publish(None, &publication("investigating", "partial_outage")))
        .expect("created");
    assert!(
        created.url().starts_with("https://stspg.io/"),
        "{created:?}"
    );
    // Three at once wait their turn: none is refused for coming too soon.
    let started = Instant::now();
    let results = rt.block_on(async {
        let (pa, pb, pc) = (
            publication("identified", "partial_outage"),
            publication("monitoring", "degraded_performance"),
            publication("resolved", "operational"),
        );
        let a = client.publish(Some(&created.id), &pa);
        let b = client.publish(Some(&created.id), &pb);
        let c = client.publish(Some(&created.id), &pc);
        tokio::join!(a, b, c)
    });
    for r in [&results.0, &results.1, &results.2] {
        assert!(r.is_ok(), "{r:?}");
    }
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "spaced a second apart"
    );
    // A 429 is waited out (Retry-After) and asked again.
    sp.lock().limit_next = true;
    rt.block_on(client.publish(Some(&created.id), &publication("resolved", "operational")))
        .expect("after the 429");
    let s = sp.lock();
    assert_eq!(s.too_fast, 0);
    assert_eq!(s.incidents.len(), 1);
    let inc = &s.incidents[0];
    assert_eq!(inc["status"], "resolved");
    assert_eq!(inc["components"][0]["status"], "operational");
    assert_eq!(inc["incident_updates"].as_array().map(Vec::len), Some(5));
    assert!(s.requests.iter().any(|r| r.2 == 429));
    drop(s);
    assert_eq!(sp.violations(), Vec::<String>::new());

    // The stand-in does refuse a second request within the second, and a wrong key.
    let raw = reqwest::Client::new();
    let url = format!(
        "{}/pages/{}/incidents/{}",
        sp.url,
        statuspage::PAGE,
        created.id
    );
    let send = || {
        rt.block_on(
            raw.patch(&url)
                .header("authorization", format!("OAuth {}", statuspage::KEY))
                .json(&serde_json::json!({"incident": {"status": "resolved"}}))
                .send(),
        )
        .expect("send")
        .status()
        .as_u16()
    };
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(send(), 200);
    assert_eq!(send(), 420);
    let wrong = warroom::statuspage::Client::new(&cfg, "wrong".into()).expect("client");
    std::thread::sleep(Duration::from_millis(1100));
    let e = rt
        .block_on(wrong.publish(None, &publication("investigating", "major_outage")))
        .expect_err("401");
    assert!(e.contains("refused the key") && e.contains("UNUSED"), "{e}");
}

/// The console, paged and followed: the acknowledgement from PagerDuty ticks the checklist
/// within one poll interval plus a second; the status page is published with its URL; the close
/// asks to resolve PagerDuty's incident; the review lists all of it.
#[test]
fn the_real_console_follows_the_page_and_publishes_the_status_page() {
    if !tmux_available() {
        return;
    }
    let pd = PagerDuty::start(5);
    let sp = Statuspage::start();
    let home = tempfile::tempdir().expect("tmp");
    std::fs::write(
        home.path().join("warroom.toml"),
        format!(
            "[deploy]\ncommand = \"true\"\n\n[pagerduty]\nservice = \"{}\"\nfrom = \"ic@example.com\"\napi_url = \"{}\"\nevents_url = \"{}\"\npoll_interval = \"2s\"\n\n[statuspage]\npage = \"{}\"\napi_url = \"{}\"\n[[statuspage.components]]\nid = \"cmp_api\"\nname = \"API\"\nstatus = \"major_outage\"\n",
            pagerduty::SERVICE,
            pd.url,
            pd.url,
            statuspage::PAGE,
            sp.url
        ),
    )
    .expect("config");
    let ticket = "PAGE-1";
    let env = format!(
        "PAGERDUTY_TOKEN='{}' PAGERDUTY_ROUTING_KEY='{}' STATUSPAGE_API_KEY='{}'",
        pagerduty::TOKEN,
        pagerduty::ROUTING_KEY,
        statuspage::KEY
    );
    let tmux = Tmux::new(ticket);
    tmux.start_sized(home.path(), 160, 45);
    tmux.line(&format!(
        "{env} {} open {ticket} --priority P1 --title 'Checkout 500s' --page",
        bin().display()
    ));
    tmux.wait_for("Checklist");
    tmux.wait_for("triggered, not acknowledged");
    let id = pd.lock().incidents[0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(pd.lock().events[0]["dedup_key"], ticket);

    // Ana acknowledges from her phone: on screen within the poll interval plus a second.
    let acked = Instant::now();
    pd.acknowledge_as(&id, 1);
    tmux.wait_for_within("acknowledged by Ana Oncall", Duration::from_secs(3));
    let took = acked.elapsed();
    eprintln!(
        "acknowledgement on screen {} ms after PagerDuty had it (poll interval 2000 ms)",
        took.as_millis()
    );
    assert!(took <= Duration::from_secs(3), "{took:?}");
    let ticked = events_of(home.path(), ticket, "pagerduty_acknowledged");
    assert_eq!(ticked.len(), 1);
    assert_eq!(ticked[0]["person"], "Ana Oncall");
    let screen = tmux.screen();
    assert!(screen.contains("on call: Ana Oncall (L1)"), "{screen}");

    // The status page: e → publish, y; the URL is said and recorded.
    tmux.keys(&["n"]);
    tmux.line("Public: Some customers cannot complete checkout.");
    tmux.keys(&["e"]);
    tmux.wait_for("publish the status page");
    // The tenth choice: 0, as on the keyboard's row of digits.
    assert_eq!(
        warroom::app::menus::ExportChoice::all(&common::model("P0", common::t(0))).len(),
        10
    );
    tmux.keys(&["0"]);
    tmux.wait_for("Publish a new Statuspage incident, INVESTIGATING");
    let screen = tmux.screen();
    assert!(screen.contains("API: major outage"), "{screen}");
    tmux.keys(&["y"]);
    tmux.wait_for("https://stspg.io/");
    let published = events_of(home.path(), ticket, "statuspage_published");
    assert_eq!(published.len(), 1);
    assert_eq!(published[0]["status"], "investigating");
    assert_eq!(sp.lock().incidents[0]["status"], "investigating");

    // Closing asks whether to resolve PagerDuty's incident too.
    tmux.keys(&["c"]);
    tmux.wait_for("Close the incident");
    tmux.keys(&["y"]);
    tmux.wait_for("Resolve on PagerDuty");
    tmux.keys(&["y"]);
    let start = Instant::now();
    while events_of(home.path(), ticket, "pagerduty_resolved").is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(pd.incident(&id)["status"], "resolved");
    tmux.keys(&["q"]);
    let pir = std::fs::read_to_string(
        home.path()
            .join("incidents")
            .join(ticket)
            .join("exports/pir.md"),
    )
    .expect("pir");
    assert!(
        pir.contains("Acknowledged on PagerDuty by Ana Oncall"),
        "{pir}"
    );
    assert!(
        pir.contains("Status page: ") && pir.contains("stspg.io"),
        "{pir}"
    );
    // No token, routing key or API key in anything the incident wrote.
    for file in common::tmux::walk(&home.path().join("incidents")) {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap_or_default()).into_owned();
        for secret in [pagerduty::TOKEN, pagerduty::ROUTING_KEY, statuspage::KEY] {
            assert!(!text.contains(secret), "{} holds a secret", file.display());
        }
    }
    assert_eq!(pd.violations(), Vec::<String>::new());
    assert_eq!(sp.violations(), Vec::<String>::new());
    assert_eq!(sp.lock().too_fast, 0);
}

#[test]
fn a_broken_pagerduty_or_statuspage_config_names_the_key_and_line() {
    let home = tempfile::tempdir().expect("tmp");
    let cases = [
        ("[pagerduty]\nservice = \"PX\"\n", "line 2", "needs from"),
        (
            "[pagerduty]\nservice = \"PX\"\nfrom = \"ic@example.com\"\nnotes = [\"milestone\", \"deploy_finishd\"]\n",
            "line 4",
            "deploy_finishd",
        ),
        (
            "[pagerduty]\npoll_interval = \"200ms\"\n",
            "line 2",
            "too often",
        ),
        (
            "[statuspage]\npage = \"p\"\n[[statuspage.components]]\nid = \"c1\"\nname = \"API\"\nstatus = \"down\"\n",
            "line 6",
            "major_outage",
        ),
    ];
    for (toml, line, what) in cases {
        let cfg = home.path().join("warroom.toml");
        std::fs::write(&cfg, toml).expect("config");
        let o = warroom_env(
            home.path(),
            home.path(),
            &["config", "check"],
            &[("WARROOM_CONFIG", cfg.to_str().expect("path"))],
        );
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{toml}: {err}");
        assert!(err.contains(line) && err.contains(what), "{toml}: {err}");
    }
}

#[test]
fn config_check_reads_the_service_who_is_on_call_and_the_components_once() {
    let pd = PagerDuty::start(3);
    let sp = Statuspage::start();
    let home = tempfile::tempdir().expect("tmp");
    let cfg = home.path().join("warroom.toml");
    let write = |component: &str| {
        std::fs::write(
            &cfg,
            format!(
                "[pagerduty]\nservice = \"{}\"\nfrom = \"ic@example.com\"\napi_url = \"{}\"\n\n[statuspage]\npage = \"{}\"\napi_url = \"{}\"\n[[statuspage.components]]\nid = \"{component}\"\nname = \"API\"\n",
                pagerduty::SERVICE,
                pd.url,
                statuspage::PAGE,
                sp.url
            ),
        )
        .expect("config");
    };
    let check = || {
        warroom_env(
            home.path(),
            home.path(),
            &["config", "check"],
            &[
                ("WARROOM_CONFIG", cfg.to_str().expect("path")),
                ("PAGERDUTY_TOKEN", pagerduty::TOKEN),
                ("STATUSPAGE_API_KEY", statuspage::KEY),
            ],
        )
    };
    write("cmp_api");
    let o = check();
    let out = stdout(&o);
    assert!(
        out.contains(
            "✓ service PSVC001 (Payments API): on call now Ana Oncall (L1), Ben Backup (L2)"
        ),
        "{out}"
    );
    assert!(
        out.contains("✗ no routing key: export PAGERDUTY_ROUTING_KEY"),
        "{out}"
    );
    assert!(
        out.contains("✓ page kctbh9vrtdwd: 1 component(s); 1 configured"),
        "{out}"
    );
    assert!(!out.contains(pagerduty::TOKEN) && !out.contains(statuspage::KEY));
    assert_eq!(
        o.status.code(),
        Some(1),
        "the routing key is missing: {}",
        stderr(&o)
    );
    // A component the page does not have is named.
    std::thread::sleep(Duration::from_millis(1100));
    write("cmp_gone");
    let out = stdout(&check());
    assert!(out.contains("has no component cmp_gone"), "{out}");
    assert_eq!(pd.violations(), Vec::<String>::new());
    assert_eq!(sp.violations(), Vec::<String>::new());
}

#[test]
fn a_resolved_incident_reopened_to_triggered_takes_the_acknowledgement_back() {
    let mut m = model("P0", t(5));
    m.paging.service = Some("PSVC001".into());
    for s in [
        state("acknowledged", Some("Ana Oncall")),
        state("resolved", Some("Ana Oncall")),
    ] {
        let fx = send(&mut m, Msg::Pager(PagerMsg::State(s)));
        fold(&mut m, &fx);
    }
    assert_eq!(item(&m, "on-call-alerted"), "done");
    assert!(m.incident.outward.page.resolved.is_some());
    // Reopened on PagerDuty: open again, and no one has acknowledged it since.
    let fx = send(
        &mut m,
        Msg::Pager(PagerMsg::State(state("triggered", None))),
    );
    let kinds: Vec<&str> = appended(&fx).iter().map(|d| d.kind.as_str()).collect();
    assert_eq!(kinds, ["pagerduty_linked", "pagerduty_acknowledged"]);
    assert_eq!(appended(&fx)[1].fields["acknowledged"], false);
    fold(&mut m, &fx);
    assert!(m.incident.outward.page.resolved.is_none());
    assert!(m.incident.outward.page.acknowledged.is_none());
    assert_eq!(item(&m, "on-call-alerted"), "pending");
    // Nothing more to say about the same answer.
    let fx = send(
        &mut m,
        Msg::Pager(PagerMsg::State(state("triggered", None))),
    );
    assert!(appended(&fx).is_empty());
}
