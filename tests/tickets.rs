//! The ticket in its tracker, driven by the real binary against stand-ins built from each
//! vendor's own description: Linear (every document validated and executed against its
//! published GraphQL schema), Jira Cloud (its OpenAPI description, two workflows whose
//! transition ids differ) and GitHub Issues (the GitHub stand-in). Open from the ticket,
//! milestones as comments, the close with the resolution and the move, follow-ups created and
//! listed in the review; nothing posted twice after a restart or from a second record; a
//! tracker that is down loses nothing.

mod common;

use std::path::Path;
use std::process::Output;

use common::linear::FakeLinear;
use common::repo::TestRepo;

const LINEAR_TOKEN: &str = "lin_api_Zk3q9Wm2RtY7uP4sXv8bNc1dHf6gJe0a";

/// A service with `warroom.toml`, a warroom home, and the tracker's token in the environment.
struct Service {
    repo: TestRepo,
    home: tempfile::TempDir,
    env: Vec<(&'static str, String)>,
}

impl Service {
    fn new(config: &str, env: &[(&'static str, &str)]) -> Service {
        let repo = TestRepo::new();
        std::fs::write(repo.work.join("warroom.toml"), config).expect("config");
        Service {
            repo,
            home: tempfile::tempdir().expect("home"),
            env: env.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        let env: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        common::warroom_env(self.home.path(), &self.repo.work, args, &env)
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "{args:?}: {}{}",
            common::stdout(&o),
            common::stderr(&o)
        );
        common::stdout(&o)
    }

    fn events(&self, ticket: &str, kind: &str) -> Vec<serde_json::Value> {
        common::events_of(self.home.path(), ticket, kind)
    }

    fn pir(&self, ticket: &str) -> String {
        self.ok(&["export", ticket, "--format", "pir"])
    }
}

fn linear_config(url: &str) -> String {
    format!("[tickets]\nprovider = \"linear\"\nlinear_url = \"{url}\"\ndone_state = \"Done\"\n")
}

/// Everything under `dir`, as text: no token may be in any of it.
fn assert_no_secret(dir: &Path, secret: &str) {
    for entry in walk(dir) {
        let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap_or_default()).into_owned();
        assert!(
            !text.contains(secret),
            "{} holds the token",
            entry.display()
        );
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
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
fn linear_open_milestones_close_and_follow_ups_each_once() {
    let linear = FakeLinear::start(LINEAR_TOKEN);
    let svc = Service::new(
        &linear_config(&linear.url),
        &[("LINEAR_API_KEY", LINEAR_TOKEN)],
    );

    // The title comes from the ticket; its state, priority and assignee are recorded.
    let out = svc.ok(&["open", "ENG-1234", "--priority", "P1", "--no-console"]);
    assert!(
        out.contains(
            "Ticket ENG-1234 in Linear: Checkout rejects every expired-token refresh (In Progress)"
        ),
        "{out}"
    );
    let linked = &svc.events("ENG-1234", "ticket_linked")[0];
    assert_eq!(linked["priority"], "Urgent");
    assert_eq!(linked["assignee"], "ana");
    let opened = &svc.events("ENG-1234", "incident_opened")[0];
    assert_eq!(
        opened["title"],
        "Checkout rejects every expired-token refresh"
    );

    svc.ok(&[
        "event",
        "ENG-1234",
        "milestone",
        "Fix deployed",
        "-f",
        "milestone=fix_deployed",
    ]);
    svc.ok(&[
        "note",
        "ENG-1234",
        "Root cause: the refresh path compared expiry in local time",
    ]);
    svc.ok(&[
        "note",
        "ENG-1234",
        "TODO: Add test for expired token validation (@ana, by 2026-12-10)",
    ]);
    svc.ok(&[
        "note",
        "ENG-1234",
        "TODO: alert on refresh failures (@ben, by 2026-12-12)",
    ]);
    svc.ok(&["note", "ENG-1234", "TODO: rotate the signing keys"]);

    let out = svc.ok(&["close", "ENG-1234"]);
    assert!(
        out.contains("ENG-1234: fix deployed comment posted"),
        "{out}"
    );
    assert!(out.contains("ENG-1234: resolution comment posted"), "{out}");
    assert!(out.contains("ENG-1234 moved to Done"), "{out}");
    let comments = linear.comments("ENG-1234");
    assert_eq!(comments.len(), 2, "{comments:#?}");
    assert!(
        comments[0].starts_with("Fix deployed to production at "),
        "{}",
        comments[0]
    );
    assert!(
        comments[0].ends_with("— warroom ENG-1234 · fix_deployed"),
        "{}",
        comments[0]
    );
    let resolution = &comments[1];
    for part in [
        "Resolved: [P1] Checkout rejects every expired-token refresh",
        "- What happened: the refresh path compared expiry in local time",
        "- Pull request: none on the record",
        "- Verification: not verified on the record",
        "pir.md",
    ] {
        assert!(resolution.contains(part), "{part:?} not in {resolution}");
    }
    assert_eq!(linear.state("ENG-1234"), "Done");
    let v = common::export_json(svc.home.path(), "ENG-1234");
    assert_eq!(common::item_status(&v, "ticket-updated"), "done");

    // Follow-ups: the two ready items, under the ticket, assigned and dated.
    let out = svc.ok(&["followups", "ENG-1234", "--create"]);
    assert!(
        out.contains(
            "Follow-up ENG-1002 created under ENG-1234: Add test for expired token validation"
        ),
        "{out}"
    );
    linear.with(|h| {
        let made: Vec<_> = h
            .issues
            .iter()
            .filter(|i| i.parent.as_deref() == Some("uuid-eng-1234"))
            .collect();
        assert_eq!(made.len(), 2);
        assert_eq!(made[0].title, "Add test for expired token validation");
        assert_eq!(made[0].assignee.as_deref(), Some("u-ana"));
        assert_eq!(made[0].due.as_deref(), Some("2026-12-10"));
        assert!(
            made[0]
                .description
                .contains("Incident ticket: https://linear.app/acme/issue/eng-1234")
        );
    });
    let listed = svc.ok(&["followups", "ENG-1234"]);
    assert!(
        listed.contains("ENG-1002 https://linear.app/acme/issue/eng-1002"),
        "{listed}"
    );
    assert!(
        listed.contains("rotate the signing keys  — needs an owner (@name) and a due date"),
        "{listed}"
    );
    // An item left without owner: the checklist item is not ticked yet.
    let v = common::export_json(svc.home.path(), "ENG-1234");
    assert_eq!(common::item_status(&v, "follow-up-tickets"), "pending");
    let pir = svc.pir("ENG-1234");
    assert!(
        pir.contains("- [ ] [ENG-1002](https://linear.app/acme/issue/eng-1002): Add test for expired token validation (@ana, by 2026-12-10)"),
        "{pir}"
    );
    assert!(
        pir.contains("- [ ] ENG-1234-3: rotate the signing keys\n"),
        "{pir}"
    );

    // Again: nothing is posted or created twice.
    svc.ok(&["close", "ENG-1234"]);
    svc.ok(&["followups", "ENG-1234", "--create"]);
    assert_eq!(linear.comments("ENG-1234").len(), 2);
    assert_eq!(linear.with(|h| h.issues.len()), 3);

    // A second record of the same ticket (another machine, a record lost in a crash): what is
    // on the ticket already is found by its marker, not posted again.
    let other = Service::new(
        &linear_config(&linear.url),
        &[("LINEAR_API_KEY", LINEAR_TOKEN)],
    );
    other.ok(&["open", "ENG-1234", "--priority", "P1", "--no-console"]);
    other.ok(&[
        "event",
        "ENG-1234",
        "milestone",
        "Fix deployed",
        "-f",
        "milestone=fix_deployed",
    ]);
    let out = other.ok(&["close", "ENG-1234"]);
    assert!(
        out.contains("the fix deployed comment was there already"),
        "{out}"
    );
    assert_eq!(linear.comments("ENG-1234").len(), 2);

    let (invalid, seen) = linear.with(|h| (h.invalid.clone(), h.seen.clone()));
    assert!(invalid.is_empty(), "{invalid:#?}");
    let names: std::collections::BTreeSet<&str> = seen.iter().map(|(n, _)| n.as_str()).collect();
    for op in [
        "Issue", "Comments", "Comment", "States", "Move", "Children", "Users", "Create",
    ] {
        assert!(names.contains(op), "{op} never asked: {names:?}");
    }
    assert_no_secret(svc.home.path(), LINEAR_TOKEN);
}

#[test]
fn every_linear_document_is_valid_against_the_published_schema() {
    let schema = common::linear::schema();
    for doc in warroom::tickets::linear::DOCUMENTS {
        if let Err(e) =
            apollo_compiler::ExecutableDocument::parse_and_validate(schema, *doc, "doc.graphql")
        {
            panic!("{doc}\n{}", e.errors);
        }
    }
}

#[test]
fn a_ticket_the_tracker_lacks_stops_the_opening_and_a_wrong_token_is_said() {
    let linear = FakeLinear::start(LINEAR_TOKEN);
    let svc = Service::new(
        &linear_config(&linear.url),
        &[("LINEAR_API_KEY", LINEAR_TOKEN)],
    );
    let o = svc.run(&[
        "open",
        "ENG-9",
        "--priority",
        "P2",
        "--title",
        "x",
        "--no-console",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    let err = common::stderr(&o);
    assert!(
        err.contains("ENG-9 is not a Linear issue") && err.contains("--no-ticket"),
        "{err}"
    );
    assert!(!common::stdout(&svc.run(&["list"])).contains("ENG-9"));

    // Opened without one: nothing is ever written to the tracker.
    svc.ok(&[
        "open",
        "ENG-9",
        "--priority",
        "P2",
        "--title",
        "x",
        "--no-ticket",
        "--no-console",
    ]);
    svc.ok(&["close", "ENG-9"]);
    assert!(linear.with(|h| h.seen.iter().all(|(n, _)| n == "Issue")));

    // A wrong token: said with the variable to set; the incident opens all the same.
    let wrong = Service::new(
        &linear_config(&linear.url),
        &[("LINEAR_API_KEY", "lin_api_wrong")],
    );
    let o = wrong.run(&[
        "open",
        "ENG-1234",
        "--priority",
        "P1",
        "--title",
        "t",
        "--no-console",
    ]);
    assert!(o.status.success());
    let err = common::stderr(&o);
    assert!(
        err.contains("Linear refused the token (401)") && err.contains("set LINEAR_API_KEY"),
        "{err}"
    );
    assert!(!err.contains("lin_api_wrong"));
}
