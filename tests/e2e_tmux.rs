//! The real binary in a real terminal (tmux): what a person at the keyboard sees.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::tmux::{Tmux, console_pid, timeout, tmux_available, tty_modes, walk};
use common::{bin, stderr, warroom};

fn open(home: &Path, ticket: &str) {
    let o = warroom(
        home,
        &[
            "open",
            ticket,
            "--priority",
            "P0",
            "--title",
            "Auth bypass on expired tokens",
            "--no-console",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn tick_quit_resume_keeps_the_tick_and_restores_the_terminal() {
    if !tmux_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    open(home.path(), "ENG-100");
    let tmux = Tmux::new("tick");
    tmux.start(home.path());
    tmux.line(&format!("{} resume ENG-100", bin().display()));
    tmux.wait_for("[ ] On-call engineer alerted");
    tmux.keys(&["Space"]);
    tmux.wait_for("[x] On-call engineer alerted");
    tmux.keys(&["q"]);
    tmux.wait_gone("Checklist");
    assert_eq!(tty_modes(&tmux), "icanon echo", "terminal left in raw mode");

    tmux.line(&format!("{} resume ENG-100", bin().display()));
    tmux.wait_for("[x] On-call engineer alerted");
    tmux.keys(&["q"]);
}

#[test]
fn a_note_from_another_shell_appears_live() {
    if !tmux_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    open(home.path(), "ENG-101");
    let tmux = Tmux::new("note");
    tmux.start(home.path());
    tmux.line(&format!("{} resume ENG-101", bin().display()));
    tmux.wait_for("Timeline");
    let sent = Instant::now();
    let o = warroom(
        home.path(),
        &["note", "ENG-101", "rollback ready on standby"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    tmux.wait_for("rollback ready on standby");
    assert!(
        sent.elapsed() < Duration::from_secs(1) + timeout() / 10,
        "took {:?}",
        sent.elapsed()
    );
    tmux.keys(&["q"]);
}

#[test]
fn kill_9_right_after_a_tick_loses_nothing() {
    if !tmux_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    open(home.path(), "ENG-102");
    let tmux = Tmux::new("kill");
    tmux.start(home.path());
    tmux.line(&format!("{} resume ENG-102", bin().display()));
    tmux.wait_for("[ ] On-call engineer alerted");
    tmux.keys(&["Space"]);
    tmux.wait_for("[x] On-call engineer alerted");
    let pid = console_pid(&tmux);
    assert!(
        Command::new("kill")
            .args(["-9", &pid])
            .status()
            .expect("kill")
            .success()
    );
    tmux.line("stty sane; clear");

    let tmux2 = Tmux::new("kill2");
    tmux2.start(home.path());
    tmux2.line(&format!("{} resume ENG-102", bin().display()));
    tmux2.wait_for("[x] On-call engineer alerted");
    tmux2.keys(&["q"]);
}

#[test]
fn sigterm_and_sighup_leave_the_terminal_usable() {
    if !tmux_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    open(home.path(), "ENG-103");
    let tmux = Tmux::new("signals");
    tmux.start(home.path());
    for (signal, status) in [("TERM", 143), ("HUP", 129), ("INT", 130)] {
        tmux.line(&format!(
            "{} resume ENG-103; echo \"exit status $?\"",
            bin().display()
        ));
        tmux.wait_for("Checklist");
        let pid = console_pid(&tmux);
        assert!(
            Command::new("kill")
                .args([&format!("-{signal}"), &pid])
                .status()
                .expect("kill")
                .success()
        );
        tmux.wait_gone("Checklist");
        tmux.wait_for(&format!("exit status {status}"));
        assert_eq!(tty_modes(&tmux), "icanon echo", "SIG{signal} left raw mode");
        tmux.line("clear");
    }
    // Ctrl-C as a key (raw mode: no signal) interrupts like SIGINT; q quits with 0.
    for (keys, status) in [(&["C-c"][..], 130), (&["q"][..], 0)] {
        tmux.line(&format!(
            "{} resume ENG-103; echo \"exit status $?\"",
            bin().display()
        ));
        tmux.wait_for("Checklist");
        tmux.keys(keys);
        tmux.wait_for(&format!("exit status {status}"));
        assert_eq!(tty_modes(&tmux), "icanon echo", "{keys:?} left raw mode");
        tmux.line("clear");
    }
}

#[test]
fn a_failing_check_ticks_nothing_and_a_deploy_stops_the_clock() {
    if !tmux_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts");
    std::fs::write(
        home.path().join("warroom.toml"),
        format!(
            "[deploy]\ncommand = \"PLANTED_SECRET=$E2E_PLANTED_TOKEN {}/deploy_ok.sh\"\n\n[[checks]]\nname = \"typecheck\"\ncommand = \"echo 'src/auth.ts(12,5): error TS2322' >&2; exit 2\"\n",
            scripts.display()
        ),
    )
    .expect("config");
    open(home.path(), "ENG-104");
    let tmux = Tmux::new("deploy");
    tmux.start(home.path());
    tmux.line(&format!(
        "export E2E_PLANTED_TOKEN=ghp_plantedE2Etoken0123456789abcdef; {} resume ENG-104",
        bin().display()
    ));
    tmux.wait_for("Checklist");
    tmux.keys(&["t"]);
    let s = tmux.wait_for("typecheck failed: exit 2");
    assert!(s.contains("error TS2322"), "{s}");
    tmux.keys(&["d"]);
    tmux.wait_for("Deploy to production");
    tmux.keys(&["y"]);
    let s = tmux.wait_for("Deployed in");
    assert!(s.contains("SLA met"), "{s}");
    assert!(s.contains("using token [redacted]"), "{s}");
    assert!(!s.contains("ghp_planted"), "{s}");
    tmux.keys(&["q"]);
    tmux.wait_gone("Checklist");

    let v: serde_json::Value = serde_json::from_slice(
        &warroom(home.path(), &["export", "ENG-104", "--format", "json"]).stdout,
    )
    .expect("json");
    let events = v["events"].as_array().expect("events");
    let deploy = events
        .iter()
        .find(|e| e["kind"] == "deploy_finished")
        .expect("deploy_finished");
    assert_eq!(deploy["exit_code"], 0);
    let check = events
        .iter()
        .find(|e| e["kind"] == "check_finished")
        .expect("check_finished");
    assert_eq!(check["exit_code"], 2);
    let item = |id: &str| {
        v["checklist"]
            .as_array()
            .expect("c")
            .iter()
            .find(|i| i["id"] == id)
            .expect("item")["status"]
            .clone()
    };
    assert_eq!(item("deployed"), "done");
    assert_eq!(item("type-check"), "pending");
    assert!(v["deployed_at"].is_string());
    // The planted token is nowhere on disk either.
    for entry in walk(home.path()) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("ghp_planted"),
            "token in {}",
            entry.display()
        );
    }
}

#[test]
fn the_error_rate_from_a_local_sentry_is_on_screen_and_the_token_nowhere() {
    use common::sentry::{Answer, FakeSentry};
    if !tmux_available() {
        return;
    }
    let server = FakeSentry::start();
    let now = chrono::Utc::now().timestamp() / 60 * 60;
    let buckets: Vec<String> = (0..90)
        .map(|i| {
            let ts = now - (89 - i) * 60;
            let count = if i < 60 { 12 } else { 412 };
            format!("[{ts}, [{{\"count\": {count}}}]]")
        })
        .collect();
    server.script(
        "/events-stats/",
        vec![Answer::json(
            200,
            format!("{{\"data\": [{}]}}", buckets.join(",")),
        )],
    );
    let home = tempfile::tempdir().expect("tmp");
    std::fs::write(
        home.path().join("warroom.toml"),
        format!("[sentry]\nbase_url = \"{}\"\norg = \"acme\"\nproject = \"2\"\npoll_interval = \"5s\"\nbaseline = \"30m\"\n", server.base),
    )
    .expect("config");
    let detected = chrono::Utc::now() - chrono::Duration::minutes(30);
    let o = warroom(
        home.path(),
        &[
            "open",
            "ENG-105",
            "--priority",
            "P0",
            "--title",
            "Auth bypass",
            "--detected-at",
            &detected.to_rfc3339(),
            "--no-console",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let token = "sntryu_e2ePlantedToken0123456789abcdef";
    let tmux = Tmux::new("sentry");
    tmux.start(home.path());
    tmux.line(&format!(
        "clear; SENTRY_AUTH_TOKEN={token} {} resume ENG-105",
        bin().display()
    ));
    let s = tmux.wait_for("412/min ▲");
    assert!(
        s.contains("baseline 12/min") && s.contains("ok · polled"),
        "{s}"
    );
    assert!(
        s.chars().any(|c| ('\u{2801}'..='\u{28ff}').contains(&c)),
        "a chart is drawn:\n{s}"
    );
    assert!(!s.contains(token), "{s}");
    tmux.keys(&["n"]);
    tmux.line("error rate confirmed in Sentry");
    tmux.wait_for("error rate confirmed in Sentry");
    tmux.keys(&["q"]);
    tmux.wait_gone("Checklist");
    let seen = server.seen_at("/events-stats/");
    assert_eq!(
        seen[0].auth.as_deref(),
        Some(format!("Bearer {token}").as_str())
    );
    assert!(warroom(home.path(), &["close", "ENG-105"]).status.success());
    let mut files = walk(home.path());
    files.retain(|p| !p.ends_with("warroom.toml"));
    assert!(
        files.iter().any(|p| p.ends_with("journal.jsonl"))
            && files.iter().any(|p| p.ends_with("incident.json"))
            && files.iter().any(|p| p.ends_with("warroom.log"))
    );
    for f in files {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap_or_default()).into_owned();
        assert!(!text.contains(token), "token in {}", f.display());
    }
}

#[test]
fn the_g_menu_creates_the_hotfix_branch_and_the_timeline_shows_it() {
    if !tmux_available() {
        return;
    }
    let t = common::repo::TestRepo::new();
    let home = tempfile::tempdir().expect("tmp");
    open(home.path(), "ENG-106");
    let tmux = Tmux::new("git");
    tmux.start(home.path());
    tmux.line(&format!(
        "cd '{}' && {} resume ENG-106",
        t.work.display(),
        bin().display()
    ));
    tmux.wait_for("Checklist");
    tmux.keys(&["g"]);
    tmux.wait_for("1 branch");
    tmux.keys(&["1"]);
    let s = tmux
        .wait_for("Hotfix branch hotfix/ENG-106-auth-bypass-on-expired-tokens created from main");
    assert!(s.contains("[✓] Hotfix branch created"), "{s}");
    assert_eq!(
        t.head_name(),
        "refs/heads/hotfix/ENG-106-auth-bypass-on-expired-tokens"
    );
    t.write("src/auth.ts", "fixed\n");
    t.write("tests/auth.test.ts", "test('expired')\n");
    t.commit("fix: expired tokens");
    tmux.wait_for("guard 1 commit · 2 files");
    tmux.keys(&["q"]);
    tmux.wait_gone("Checklist");
    let v: serde_json::Value = serde_json::from_slice(
        &warroom(home.path(), &["export", "ENG-106", "--format", "json"]).stdout,
    )
    .expect("json");
    let kinds: Vec<&str> = v["events"]
        .as_array()
        .expect("e")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"git_branch_created") && kinds.contains(&"git_guard"),
        "{kinds:?}"
    );
}

#[test]
fn closing_with_c_writes_every_document() {
    if !tmux_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    open(home.path(), "ENG-107");
    assert!(
        warroom(
            home.path(),
            &["note", "ENG-107", "Root cause: the exp check was skipped"]
        )
        .status
        .success()
    );
    assert!(
        warroom(
            home.path(),
            &[
                "event",
                "ENG-107",
                "deploy_finished",
                "Fix deployed",
                "-f",
                "exit_code=0"
            ]
        )
        .status
        .success()
    );
    let tmux = Tmux::new("close");
    tmux.start(home.path());
    tmux.line(&format!("{} resume ENG-107", bin().display()));
    tmux.wait_for("Checklist");
    tmux.keys(&["c"]);
    tmux.wait_for("Close the incident");
    tmux.keys(&["y"]);
    tmux.wait_for("CLOSED (read-only)");
    tmux.wait_for("Wrote pir.md");
    tmux.keys(&["q"]);
    tmux.wait_gone("Checklist");
    let dir = home.path().join("incidents/ENG-107/exports");
    for f in [
        "pir.md",
        "slack.md",
        "statuspage.md",
        "email.md",
        "pr.md",
        "incident.json",
        "timeline.csv",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let pir = std::fs::read_to_string(dir.join("pir.md")).expect("pir");
    assert!(
        pir.contains("| time | since detection | event |")
            && pir.contains("Incident ENG-107 closed")
            && pir.contains("**Fix deployed**"),
        "{pir}"
    );
    assert!(pir.contains("the exp check was skipped"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("incident.json")).expect("json"))
            .expect("parse");
    assert!(json["closed_at"].is_string());
}

#[test]
fn the_scripted_demo_runs_the_whole_flow() {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let demo = dir.path().join("demo");
    let tmux = Tmux::new("demo");
    tmux.start(dir.path());
    tmux.line(&format!(
        "{} demo --script --dir '{}'; echo DEMO-'EXIT'-$?",
        bin().display(),
        demo.display()
    ));
    let s = tmux.wait_for("DEMO — simulated incident");
    assert!(s.contains("DEMO-1337"), "{s}");
    // Every pane has data from the start.
    let s = tmux.wait_for("ok · polled");
    assert!(
        s.contains("following") && s.contains("Root cause identified") && s.contains("SLA"),
        "{s}"
    );
    let start = Instant::now();
    loop {
        let s = tmux.screen();
        if s.contains("DEMO-EXIT-") {
            assert!(s.contains("DEMO-EXIT-0"), "{s}");
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "the demo script did not finish:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let journal = std::fs::read_to_string(demo.join("home/incidents/DEMO-1337/journal.jsonl"))
        .expect("journal");
    for kind in [
        "git_branch_created",
        "git_guard",
        "check_finished",
        "deploy_finished",
        "smoke_finished",
        "error_rate",
        "git_tag_created",
        "git_backport",
        "incident_closed",
    ] {
        assert!(
            journal.contains(&format!("\"kind\":\"{kind}\"")),
            "no {kind} in the journal"
        );
    }
    assert!(
        journal.contains("\"verdict\":\"dropped\""),
        "the error rate dropped after the deploy"
    );
    let exports = demo.join("home/incidents/DEMO-1337/exports");
    for f in [
        "pir.md",
        "slack.md",
        "statuspage.md",
        "email.md",
        "pr.md",
        "incident.json",
        "timeline.csv",
        "error-rate.svg",
    ] {
        assert!(exports.join(f).is_file(), "{f} missing");
    }
    let pir = std::fs::read_to_string(exports.join("pir.md")).expect("pir");
    assert!(
        pir.contains("Error rate dropped from")
            && pir.contains("> **Simulated.** This is warroom's demo incident")
            && pir.contains("hotfix/DEMO-1337-auth-bypass-on-expired-tokens")
            && pir.contains("v2.3.5"),
        "{pir}"
    );
    // The user's repositories were never touched: the demo's lives in its own folder.
    let origin = git2::Repository::open_bare(demo.join("origin.git")).expect("origin");
    assert!(origin.find_reference("refs/heads/main").is_ok());
}

#[test]
fn a_panic_restores_the_terminal_and_keeps_the_journal() {
    if !tmux_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    open(home.path(), "ENG-108");
    let tmux = Tmux::new("panic");
    tmux.start(home.path());
    tmux.line(&format!(
        "RUST_BACKTRACE=0 WARROOM_PANIC_AFTER_MS=1500 {} resume ENG-108",
        bin().display()
    ));
    tmux.wait_for("[ ] On-call engineer alerted");
    tmux.keys(&["Space"]);
    tmux.wait_for("[x] On-call engineer alerted");
    tmux.wait_gone("Checklist");
    assert_eq!(tty_modes(&tmux), "icanon echo", "the panic left raw mode");
    let s = tmux.wait_for("forced panic");
    assert!(!s.contains("Checklist"), "back on the main screen:\n{s}");
    let v: serde_json::Value = serde_json::from_slice(
        &warroom(home.path(), &["export", "ENG-108", "--format", "json"]).stdout,
    )
    .expect("json");
    assert!(
        v["events"]
            .as_array()
            .expect("e")
            .iter()
            .any(|e| e["kind"] == "checklist_done"),
        "the tick survived the panic"
    );
}

#[test]
fn planted_secrets_appear_on_no_screen_and_in_no_file() {
    if !tmux_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    let mut planted = vec![
        "plantedEnvValue0123",
        "ghp_plantedConfigToken0123456789abcd",
        "AKIAPLANTEDKEY123456",
        "xoxb-planted-1234567890",
        "plantedhookONE",
        "plantedhookTWO",
        "sntryu_plantedSentryToken0123456789",
        // Written into the deploy command line itself.
        "Cmd7Lm9Pw4Rt7Yv1Bn6Hc0Jd",
    ];
    planted.extend(common::secrets::PLANTED.iter().map(|(_, secret)| *secret));
    // Every shape in an HTTP error body: Sentry answers the series with them.
    let sentry = common::sentry::FakeSentry::start();
    let body = serde_json::json!({
        "detail": format!("Invalid query near {}", common::secrets::PLANTED.iter().map(|(t, _)| t.replace('\n', " ")).collect::<Vec<_>>().join(" ; ")),
    });
    sentry.script(
        "/events-stats/",
        vec![common::sentry::Answer::json(400, body.to_string())],
    );
    std::fs::write(
        home.path().join("warroom.toml"),
        format!(
            "[deploy]\ncommand = \"VERCEL_TOKEN=Cmd7Lm9Pw4Rt7Yv1Bn6Hc0Jd ./deploy.sh --token ghp_plantedConfigToken0123456789abcd\"\n\n[sentry]\nbase_url = \"{}\"\norg = \"acme\"\nproject = \"2\"\npoll_interval = \"5s\"\n",
            sentry.base
        ),
    )
    .expect("config");
    // Every shape in the deploy's output.
    let mut script = String::from(
        "#!/bin/sh\necho \"env token $MY_SERVICE_TOKEN\"\necho \"aws AKIAPLANTEDKEY123456 slack xoxb-planted-1234567890\"\necho \"hook https://hooks.slack.com/services/TPLANT/BPLANT/plantedhookONE\"\necho \"args $*\"\n",
    );
    for (text, _) in common::secrets::PLANTED {
        script.push_str(&format!("printf '%s\\n' '{text}'\n"));
    }
    std::fs::write(home.path().join("deploy.sh"), script).expect("script");
    std::fs::set_permissions(
        home.path().join("deploy.sh"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    open(home.path(), "ENG-109");
    // Every shape in a note from the command line.
    let note: Vec<String> = common::secrets::PLANTED
        .iter()
        .map(|(t, _)| t.to_string())
        .collect();
    let o = common::warroom_env(
        home.path(),
        home.path(),
        &["note", "ENG-109", &note.join("\n")],
        &[("PLANTED_SECRET", "hunter2-planted-secret")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let tmux = Tmux::new("secrets");
    tmux.start(home.path());
    tmux.line(&format!(
        "export MY_SERVICE_TOKEN=plantedEnvValue0123 PLANTED_SECRET=hunter2-planted-secret SENTRY_AUTH_TOKEN=sntryu_plantedSentryToken0123456789 SLACK_WEBHOOK_URL=https://hooks.slack.com/services/TPLANT/BPLANT/plantedhookTWO; clear; {} resume ENG-109",
        bin().display()
    ));
    let mut screens = vec![tmux.wait_for("Checklist")];
    screens.push(tmux.wait_for("Sentry refused the request (400)"));
    tmux.keys(&["n"]);
    tmux.line("leaked xoxb-planted-1234567890 in a note");
    screens.push(tmux.wait_for("in a note"));
    tmux.keys(&["d"]);
    screens.push(tmux.wait_for("Deploy to production"));
    tmux.keys(&["y"]);
    screens.push(tmux.wait_for("deploy finished"));
    tmux.keys(&["e"]);
    screens.push(tmux.wait_for("post the Slack update"));
    tmux.keys(&["9"]);
    screens.push(tmux.wait_for("Post this update to Slack"));
    tmux.keys(&["Escape", "c"]);
    tmux.wait_for("Close the incident");
    tmux.keys(&["y"]);
    screens.push(tmux.wait_for("Wrote pir.md"));
    tmux.keys(&["q"]);
    tmux.wait_gone("Checklist");
    for (i, s) in screens.iter().enumerate() {
        assert!(
            s.contains("[redacted]") || i != 3,
            "the deploy output shows the redaction:\n{s}"
        );
        for p in &planted {
            assert!(!s.contains(p), "{p} on screen {i}:\n{s}");
        }
    }
    let mut files = walk(home.path());
    files.retain(|p| !p.ends_with("warroom.toml") && !p.ends_with("deploy.sh"));
    assert!(
        files.iter().any(|p| p.ends_with("warroom.log"))
            && files.iter().any(|p| p.to_string_lossy().contains("/logs/"))
    );
    for f in files {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap_or_default()).into_owned();
        for p in &planted {
            assert!(!text.contains(p), "{p} in {}", f.display());
        }
    }
}

#[test]
fn hostile_output_leaves_the_screen_intact() {
    if !tmux_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts");
    std::fs::write(
        home.path().join("warroom.toml"),
        format!(
            "[[checks]]\nname = \"test\"\ncommand = \"{}/hostile.sh\"\n",
            scripts.display()
        ),
    )
    .expect("config");
    open(home.path(), "ENG-110");
    let tmux = Tmux::new("hostile");
    tmux.start(home.path());
    tmux.line(&format!("{} resume ENG-110", bin().display()));
    let before = tmux.wait_for("Checklist");
    tmux.keys(&["t"]);
    let s = tmux.wait_for("checks passed");
    // The command's screen clear replaced its own screen, as on a terminal; nothing more.
    assert!(s.contains("│after "), "{s}");
    let title = String::from_utf8_lossy(
        &tmux
            .cmd(&["display-message", "-p", "-t", "main", "#{pane_title}"])
            .stdout,
    )
    .into_owned();
    assert!(!title.contains("pwned"), "the title was changed: {title}");
    let first_line = |s: &str| s.lines().next().unwrap_or_default().to_string();
    assert_eq!(
        first_line(&s),
        first_line(&before),
        "the header is where it was"
    );
    assert!(
        s.lines().nth(5).is_some_and(|l| l.contains("Checklist")),
        "the panes are where they were:\n{s}"
    );
    let buffers = String::from_utf8_lossy(&tmux.cmd(&["list-buffers"]).stdout).into_owned();
    assert!(
        !buffers.contains("evil"),
        "OSC 52 reached the clipboard: {buffers}"
    );
    tmux.keys(&["q"]);
}

#[test]
fn open_without_a_priority_walks_the_urgency_assessment() {
    if !tmux_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    let tmux = Tmux::new("assess");
    tmux.start(home.path());
    tmux.line(&format!(
        "{} open ENG-111 --title 'Checkout down' --no-console",
        bin().display()
    ));
    tmux.wait_for("Is production broken");
    tmux.line("y");
    tmux.wait_for("authentication or authorization bypass");
    tmux.line("n");
    tmux.wait_for("critical feature completely broken");
    tmux.line("y");
    tmux.wait_for("Proposed priority: P1");
    tmux.line("");
    tmux.wait_for("Opened ENG-111 (P1: Checkout down)");
    tmux.line(&format!(
        "{} open ENG-112 --title 'Typo on the pricing page' --no-console",
        bin().display()
    ));
    tmux.wait_for("Is production broken");
    tmux.line("n");
    tmux.wait_for("business-critical deadline");
    tmux.line("n");
    tmux.wait_for("use the normal release process");
    assert!(
        !home.path().join("incidents/ENG-112").exists(),
        "no incident for a non-emergency"
    );
}

#[test]
fn a_plain_terminal_gets_a_complete_ascii_screen() {
    if !tmux_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    open(home.path(), "ENG-120");
    let tmux = Tmux::new("plain");
    tmux.start(home.path());
    tmux.line(&format!(
        "TERM=dumb NO_COLOR=1 {} resume ENG-120; echo \"exit status $?\"",
        bin().display()
    ));
    let s = tmux.wait_for("Checklist");
    let body: String = s.lines().skip(1).collect::<Vec<_>>().join("\n");
    let odd: String = body.chars().filter(|c| !c.is_ascii()).collect();
    assert!(odd.is_empty(), "{odd:?} on a plain terminal:\n{s}");
    assert!(
        s.contains("SLA ") && s.contains(">[") && s.contains("+ Checklist"),
        "the SLA, the selected row and the borders, in ASCII:\n{s}"
    );
    tmux.keys(&["q"]);
    tmux.wait_for("exit status 0");
}

#[test]
fn the_demo_checkout_path_can_be_read_on_an_80_by_24_terminal() {
    if !tmux_available() {
        return;
    }
    // As long as the demo's own folder (`/tmp/warroom-demo-XXXXXX`), and a little more.
    let dir = tempfile::Builder::new()
        .prefix("warroom-demo-")
        .tempdir()
        .expect("tmp");
    let demo = dir.path().join("d");
    let tmux = Tmux::new("demo-80x24");
    tmux.start_sized(dir.path(), 80, 24);
    tmux.line(&format!(
        "{} demo --dir '{}'",
        bin().display(),
        demo.display()
    ));
    let s = tmux.wait_for("heckout: ");
    let path = demo.join("accounts-api").display().to_string();
    eprintln!("{s}");
    assert!(s.contains(&path), "the path is cut at 80×24:\n{s}");
    tmux.keys(&["q"]);
    tmux.wait_gone("Timeline");
}
