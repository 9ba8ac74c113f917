//! Microsoft Teams: the internal update as an Adaptive Card, checked against Microsoft's own
//! schema by a Workflows-shaped stand-in (tests/common/teams.rs); Teams' refusals in words; and
//! the real console posting it, recording it once, and keeping the webhook out of every file.

mod common;

use std::sync::Arc;

use common::record::journal;
use common::teams::{SIG, Teams, check};
use common::tmux::{Tmux, timeout, tmux_available, walk};
use common::*;
use serde_json::{Value, json};
use warroom::checklist::Checklist;
use warroom::clock::Policy;
use warroom::export::chat::Link;
use warroom::export::{Exporter, Format, Templates};
use warroom::incident::Incident;

/// slack.md as the record's first `upto` events make it.
fn slack_text(upto: usize) -> String {
    let events = journal()[..upto].to_vec();
    let inc = Incident::from_events(
        "ENG-1234",
        Arc::new(Checklist::builtin().expect("checklist")),
        events.clone(),
    );
    let exporter = Exporter {
        policy: Policy::default(),
        templates: Templates::load(None).expect("templates"),
        rollback_command: None,
        flags: Vec::new(),
        now: events.last().expect("an event").at,
    };
    exporter
        .render(&inc, &events, Format::Slack)
        .expect("slack.md")
}

/// Every string the card shows.
fn shown(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Value::Array(a) => a.iter().for_each(|v| shown(v, out)),
        Value::Object(o) => o.values().for_each(|v| shown(v, out)),
        _ => {}
    }
}

fn links() -> Vec<Link> {
    vec![
        Link {
            title: "Pull request #42".into(),
            url: "https://github.com/acme/api/pull/42".into(),
        },
        Link {
            title: "PagerDuty #1043".into(),
            url: "https://acme.pagerduty.com/incidents/Q2K7".into(),
        },
    ]
}

#[test]
fn every_phase_of_the_update_is_a_valid_card_that_keeps_every_word() {
    let all = journal().len();
    // Opened, impact known, cause identified, deployed, verified, closed.
    let mut colours = Vec::new();
    for upto in [1, 4, 6, 17, 24, all] {
        let text = slack_text(upto);
        let message = warroom::export::teams::message(&text, &links());
        let cards = check(&message).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let card = &cards[0];
        let mut words = String::new();
        shown(card, &mut words);
        for word in text.split_whitespace() {
            // A label's colon is the fact's column; Slack's bold and italic marks are Teams'.
            let word = word.replace(['*', '_'], "");
            let word = word.trim_end_matches(':');
            if word.is_empty() || word == "•" || word == "[" || word == "]" {
                continue;
            }
            assert!(
                words.contains(word),
                "{word:?} is not on the card:\n{text}\n{card:#}"
            );
        }
        let facts: Vec<&Value> = card["body"]
            .as_array()
            .expect("body")
            .iter()
            .filter(|b| b["type"] == "FactSet")
            .flat_map(|b| b["facts"].as_array().expect("facts"))
            .collect();
        let fact = |t: &str| {
            facts
                .iter()
                .find(|f| f["title"] == t)
                .map(|f| f["value"].clone())
        };
        assert_eq!(fact("Ticket"), Some(json!("ENG-1234")), "{card:#}");
        assert!(
            fact("Priority").is_some() && fact("Issue detected").is_some(),
            "{card:#}"
        );
        let actions = card["actions"].as_array().expect("actions");
        assert_eq!(actions[0]["url"], "https://github.com/acme/api/pull/42");
        colours.push(
            card["body"][0]["color"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
    }
    assert_eq!(colours[0], "Attention", "investigating is red");
    assert_eq!(colours[4], "Good", "verified is green: {colours:?}");
}

#[test]
fn the_stand_in_refuses_what_the_schema_refuses() {
    let bad = json!({ "type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive",
        "content": { "type": "AdaptiveCard", "version": "1.4",
                     "body": [{ "type": "FactSet", "facts": [{ "title": "Ticket" }] }] } }] });
    assert!(check(&bad).is_err(), "a fact without a value");
    let bad = json!({ "type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive",
        "content": { "type": "AdaptiveCard", "version": "1.4",
                     "body": [{ "type": "TextBlock", "text": "x", "color": "Red" }] } }] });
    assert!(check(&bad).is_err(), "colour outside the vocabulary");
}

#[tokio::test]
async fn teams_refusals_are_said_in_words_without_the_webhook() {
    let teams = Teams::start();
    let text = slack_text(4);
    warroom::export::teams::post(&teams.url, &text, &[])
        .await
        .expect("accepted");
    let mut said = Vec::new();
    teams.posts.lock().expect("posts").limit_next = true;
    let e = warroom::export::teams::post(&teams.url, &text, &[])
        .await
        .expect_err("limited");
    assert_eq!(e, "Teams is limiting posts (429): try again in 30 s");
    said.push(e);
    teams.posts.lock().expect("posts").refuse_next = true;
    let e = warroom::export::teams::post(&teams.url, &text, &[])
        .await
        .expect_err("refused");
    assert!(
        e.starts_with("Teams refused the card (400): InvalidRequestContent: "),
        "{e}"
    );
    said.push(e);
    let wrong = teams.url.replace(SIG, "nope");
    let e = warroom::export::teams::post(&wrong, &text, &[])
        .await
        .expect_err("unsigned");
    assert!(
        e.starts_with("Teams refused the webhook (401)")
            && e.contains("DirectApiAuthorizationRequired"),
        "{e}"
    );
    said.push(e);
    let e = warroom::export::teams::post("http://127.0.0.1:1/workflows/x", &text, &[])
        .await
        .expect_err("nobody there");
    assert_eq!(e, "cannot connect to Teams");
    said.push(e);
    for e in said {
        assert!(!e.contains(SIG) && !e.contains("127.0.0.1"), "{e}");
    }
    assert_eq!(
        teams.posts.lock().expect("posts").answers,
        vec![202, 429, 400, 401]
    );
}

#[test]
fn the_console_posts_the_update_to_teams_once_and_says_a_refusal() {
    if !tmux_available() {
        return;
    }
    let teams = Teams::start();
    let home = tempfile::tempdir().expect("tmp");
    let t = "TMS-1";
    open_incident(home.path(), t, "P1", "Checkout 500s");
    let tmux = Tmux::new(t);
    tmux.start_sized(home.path(), 140, 50);
    let resume = format!(
        "TEAMS_WEBHOOK_URL='{}' {} resume {t}",
        teams.url,
        bin().display()
    );
    tmux.line(&resume);
    tmux.wait_for("Checklist");
    // Teams alone has a webhook: it is the ninth choice, and Slack is not offered.
    tmux.keys(&["e"]);
    let menu = tmux.wait_for("post the Teams update");
    assert!(!menu.contains("post the Slack update"), "{menu}");
    tmux.keys(&["9"]);
    tmux.wait_for("Post this update to Teams");
    tmux.keys(&["y"]);
    tmux.wait_for("Teams update posted");
    let cards = teams.cards();
    assert_eq!(cards.len(), 1);
    let mut words = String::new();
    shown(&cards[0], &mut words);
    assert!(
        words.contains("Checkout 500s") && words.contains(t),
        "{words}"
    );
    let posted = events_of(home.path(), t, "teams_posted");
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0]["ok"], true);
    assert_eq!(
        item_status(&export_json(home.path(), t), "slack-posted"),
        "done"
    );

    // Limited: said with Teams' wait, and recorded as not posted.
    teams.posts.lock().expect("posts").limit_next = true;
    tmux.keys(&["e", "9"]);
    tmux.wait_for("Post this update to Teams");
    tmux.keys(&["y"]);
    tmux.wait_for("try again in 30 s");
    let posted = events_of(home.path(), t, "teams_posted");
    assert_eq!(posted.len(), 2);
    assert_eq!(posted[1]["ok"], false);
    assert!(
        posted[1]["text"].as_str().expect("text").contains("(429)"),
        "{:?}",
        posted[1]
    );

    // A restart posts nothing again.
    tmux.keys(&["q"]);
    tmux.wait_gone("Checklist");
    tmux.line(&resume);
    tmux.wait_for("Checklist");
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_eq!(teams.posts.lock().expect("posts").answers, vec![202, 429]);
    assert!(!tmux.screen().contains(SIG));

    // At the close: the closing update, with its resolution, as a card.
    tmux.keys(&["n"]);
    tmux.line("Resolution: the upstream outage ended; nothing of ours to deploy");
    tmux.keys(&["c"]);
    tmux.wait_for("Close the incident");
    tmux.keys(&["y"]);
    tmux.wait_for("Wrote pir.md");
    tmux.keys(&["e", "9"]);
    tmux.wait_for("Post this update to Teams");
    tmux.keys(&["y"]);
    let start = std::time::Instant::now();
    while teams.cards().len() < 2 {
        assert!(start.elapsed() < timeout(), "{}", tmux.screen());
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let closing = teams.cards()[1].clone();
    let mut words = String::new();
    shown(&closing, &mut words);
    assert!(words.contains("Production incident closed"), "{words}");
    assert!(words.contains("the upstream outage ended"), "{words}");
    assert_eq!(closing["body"][0]["weight"], "Bolder");
    tmux.keys(&["q"]);
    tmux.wait_gone("Checklist");

    let all = walk(home.path());
    assert!(all.iter().any(|p| p.ends_with("journal.jsonl")), "{all:?}");
    for f in all {
        let bytes = std::fs::read(&f).expect("read");
        assert!(
            !String::from_utf8_lossy(&bytes).contains(SIG),
            "the webhook's signature is in {}",
            f.display()
        );
    }
}
