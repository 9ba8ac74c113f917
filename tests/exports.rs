//! The documents, from a fixed journal with a fixed clock.

mod common;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use common::record::journal;
use common::t;
use warroom::checklist::Checklist;
use warroom::clock::Policy;
use warroom::export::{ExportError, Exporter, Format, Templates};
use warroom::incident::Incident;
use warroom::journal::{Draft, kinds};

fn incident() -> Incident {
    Incident::from_events(
        "ENG-1234",
        Arc::new(Checklist::builtin().expect("c")),
        journal(),
    )
}

fn render(format: Format, templates: &Templates) -> Result<String, ExportError> {
    let policy = Policy::default();
    let now: DateTime<Utc> = t(100);
    let exporter = Exporter {
        policy: policy.clone(),
        templates: templates.clone(),
        rollback_command: Some("vercel rollback".into()),
        flags: Vec::new(),
        now,
    };
    exporter.render(&incident(), &journal(), format)
}

#[test]
fn golden_documents() {
    let templates = Templates::load(None).expect("templates");
    for format in Format::ALL {
        let text = render(format, &templates).expect("render");
        insta::assert_snapshot!(format.name(), text);
    }
}

#[test]
fn every_event_is_in_the_review_and_the_csv() {
    let templates = Templates::load(None).expect("templates");
    let pir = render(Format::Pir, &templates).expect("pir");
    let csv = render(Format::Timeline, &templates).expect("csv");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let events = journal();
    assert_eq!(rows.len(), events.len());
    for (ev, row) in events.iter().zip(&rows) {
        assert!(pir.contains(&ev.text), "pir.md lacks {:?}", ev.text);
        assert_eq!(&row[1], ev.kind.as_str());
        assert_eq!(&row[2], ev.text.as_str());
    }
    assert!(
        rows.iter()
            .any(|r| &r[1] == "vendor_ticket_opened" && r[4].contains("AV-99")),
        "unknown kinds keep their fields"
    );
}

#[test]
fn the_review_is_filled_from_the_record() {
    let templates = Templates::load(None).expect("templates");
    let pir = render(Format::Pir, &templates).expect("pir");
    for want in [
        "**Severity**: P0 (security vulnerability / service down)",
        "**Detected → deployed**: 1h14m",
        "met — deployed in 1h14m against a 2h target",
        "verifyToken() skipped the exp check",
        "reject tokens without exp",
        "every user with an expired session",
        "PR approved by at least one reviewer — waived: CTO approved on the call",
        "- Before the incident (baseline): 10/min",
        "- Peak: 450/min",
        "![Error rate around the deploy](error-rate.svg)",
        "API-7Q TypeError",
        "- [ ] ENG-1234-1: align staging token expiry with production",
        "- [ ] ENG-1234-2: alert when 401s drop below the usual rate",
        "✅ Fix deployed in 1h14m against a 2h target",
        "❌ 1 check run failed before the deploy",
        "release-candidate → backport/release-candidate/hotfix-ENG-1234",
    ] {
        assert!(pir.contains(want), "pir.md lacks {want:?}:\n{pir}");
    }
    let pr = render(Format::Pr, &templates).expect("pr");
    assert!(
        pr.starts_with("🚨 [RELEASE] ENG-1234: Auth bypass on expired tokens [HOTFIX] [P0]"),
        "{pr}"
    );
    assert!(
        pr.contains("`vercel rollback` (the fix is tagged v2.3.5 on 9f8e7d6)"),
        "{pr}"
    );
    assert!(pr.contains("- [x] P0"), "{pr}");
    let status = render(Format::Statuspage, &templates).expect("status");
    assert!(
        status.starts_with("🟢 Resolved — Service disruption"),
        "{status}"
    );
    assert!(
        status.contains(
            "from at least 13:50 UTC (when it was detected) until 15:04 UTC on 2026-11-26"
        ),
        "{status}"
    );
}

#[test]
fn the_status_page_follows_the_phase() {
    let templates = Templates::load(None).expect("templates");
    let policy = Policy::default();
    let exporter = Exporter {
        policy: policy.clone(),
        templates: templates.clone(),
        rollback_command: None,
        flags: Vec::new(),
        now: t(20),
    };
    let events = journal();
    let upto = |n: usize| {
        Incident::from_events(
            "ENG-1234",
            Arc::new(Checklist::builtin().expect("c")),
            events[..n].to_vec(),
        )
    };
    let first_line = |n: usize| {
        exporter
            .render(&upto(n), &events[..n].to_vec(), Format::Statuspage)
            .expect("render")
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    };
    assert!(first_line(3).starts_with("🔴 Investigating"));
    assert!(first_line(7).starts_with("🟠 Identified"));
    assert!(first_line(18).starts_with("🔵 Monitoring"));
}

#[test]
fn a_template_can_be_replaced_and_a_broken_one_names_its_line() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("slack.md.j2"),
        "Incident {{ ticket }} is {{ status }}.\n",
    )
    .expect("write");
    let templates = Templates::load(Some(dir.path())).expect("templates");
    assert_eq!(
        render(Format::Slack, &templates).expect("slack"),
        "Incident ENG-1234 is resolved.\n"
    );
    assert!(
        render(Format::Pir, &templates)
            .expect("pir")
            .starts_with("# Post-incident review"),
        "the others stay built in"
    );

    std::fs::write(
        dir.path().join("email.md.j2"),
        "Hello\n\n{% if status %}\nunclosed\n",
    )
    .expect("write");
    let e = Templates::load(Some(dir.path()))
        .err()
        .expect("syntax error");
    let msg = e.to_string();
    assert!(msg.contains("email.md.j2") && msg.contains("line"), "{msg}");

    std::fs::write(
        dir.path().join("email.md.j2"),
        "one\ntwo {{ no_such_field }}\n",
    )
    .expect("write");
    let templates = Templates::load(Some(dir.path())).expect("parses");
    let e = render(Format::Email, &templates).expect_err("undefined");
    let msg = e.to_string();
    assert!(
        msg.contains("email.md.j2 line 2") && msg.contains("undefined"),
        "{msg}"
    );
}

#[test]
fn planted_secrets_never_reach_an_export() {
    use warroom::journal::JournalWriter;
    use warroom::output::Redactor;
    let dir = tempfile::tempdir().expect("tmp");
    let webhook = "https://hooks.slack.com/services/T000/B000/plantedWEBHOOKsecret";
    let token = "sntryu_plantedTokenValue0123456789";
    let writer = JournalWriter::new(dir.path().join("journal.jsonl"))
        .with_redactor(Arc::new(Redactor::new(vec![token.into(), webhook.into()])));
    for ev in journal() {
        writer.append_event(&ev).expect("append");
    }
    writer
        .append(Draft::new(
            kinds::NOTE,
            format!("posting with {webhook} and {token}"),
        ))
        .expect("append");
    writer
        .append(Draft::new("ci_run", "deploy job").field(
            "env",
            serde_json::json!({"SENTRY_AUTH_TOKEN": token, "url": webhook}),
        ))
        .expect("append");
    let events = warroom::journal::file::read_all(writer.path())
        .expect("read")
        .events;
    let events_again = events.clone();
    let inc = Incident::from_events(
        "ENG-1234",
        Arc::new(Checklist::builtin().expect("c")),
        events,
    );
    let templates = Templates::load(None).expect("templates");
    let policy = Policy::default();
    let exporter = Exporter {
        policy: policy.clone(),
        templates: templates.clone(),
        rollback_command: None,
        flags: Vec::new(),
        now: t(100),
    };
    let out = dir.path().join("exports");
    exporter
        .write_all(&inc, &events_again, &out)
        .expect("write");
    let mut n = 0;
    for e in std::fs::read_dir(&out).expect("dir").flatten() {
        let text = std::fs::read_to_string(e.path()).expect("read");
        assert!(
            !text.contains("plantedWEBHOOK") && !text.contains("plantedToken"),
            "secret in {}",
            e.path().display()
        );
        n += 1;
    }
    assert_eq!(
        n, 9,
        "seven documents, the chart and the review as generated"
    );
    let journal_text = std::fs::read_to_string(writer.path()).expect("journal");
    assert!(!journal_text.contains("planted"), "nor in the journal");
}

#[tokio::test]
async fn the_slack_post_sends_the_text_and_says_why_it_failed() {
    use axum::{Router, http::StatusCode, routing::post};
    let got = Arc::new(std::sync::Mutex::new(Vec::<serde_json::Value>::new()));
    let g2 = got.clone();
    let app = Router::new()
        .route(
            "/ok",
            post(move |body: axum::Json<serde_json::Value>| {
                let g = g2.clone();
                async move {
                    g.lock().expect("lock").push(body.0);
                    "ok"
                }
            }),
        )
        .route(
            "/broken",
            post(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "invalid_payload") }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    warroom::export::slack::post(
        &format!("http://{addr}/ok"),
        "🚨 *Production Hotfix Deployed*",
    )
    .await
    .expect("posted");
    assert_eq!(
        got.lock().expect("lock")[0]["text"],
        "🚨 *Production Hotfix Deployed*"
    );
    let e = warroom::export::slack::post(&format!("http://{addr}/broken"), "x")
        .await
        .expect_err("fails");
    assert_eq!(e, "Slack answered 500: invalid_payload");
    assert!(
        !e.contains(&addr.to_string()),
        "the webhook URL is never in a message"
    );
    let e = warroom::export::slack::post("http://127.0.0.1:1/hook", "x")
        .await
        .expect_err("refused");
    assert_eq!(e, "cannot connect to Slack");
}
