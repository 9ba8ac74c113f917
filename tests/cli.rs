//! The real binary: commands, exit codes, messages, and concurrent writers.

mod common;

use std::thread;

use common::{stderr, stdout, warroom};
use serde_json::Value;
use warroom::journal::JournalReader;

fn home() -> tempfile::TempDir {
    tempfile::tempdir().expect("tmp")
}

fn open(h: &std::path::Path, ticket: &str, priority: &str) {
    let o = warroom(
        h,
        &[
            "open",
            ticket,
            "--priority",
            priority,
            "--title",
            "Auth bypass",
            "--no-console",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

fn export(h: &std::path::Path, ticket: &str) -> Value {
    let o = warroom(h, &["export", ticket, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("json")
}

#[test]
fn open_records_the_incident_and_refuses_a_duplicate() {
    let h = home();
    let o = warroom(
        h.path(),
        &[
            "open",
            "ENG-1",
            "--priority",
            "p0",
            "--title",
            "Auth bypass",
            "--detected-at",
            "2026-11-26T09:00:00Z",
            "--no-console",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("deploy the fix by 2026-11-26 11:00 UTC"),
        "{}",
        stdout(&o)
    );
    assert!(h.path().join("incidents/ENG-1/journal.jsonl").is_file());

    // Opening it again is refused whatever the case: tickets are one case-insensitive
    // namespace, and the existing one is named.
    for again in ["ENG-1", "eng-1"] {
        let o = warroom(
            h.path(),
            &[
                "open",
                again,
                "--priority",
                "P1",
                "--title",
                "again",
                "--no-console",
            ],
        );
        assert_eq!(o.status.code(), Some(2));
        assert!(
            stderr(&o).contains("ENG-1 already exists"),
            "{}",
            stderr(&o)
        );
    }
    assert!(!h.path().join("incidents/eng-1").exists());
    let v = export(h.path(), "eng-1");
    assert_eq!(v["ticket"], "ENG-1");
    assert_eq!(v["priority"], "P0", "the first incident is untouched");
    assert_eq!(v["detected_at"], "2026-11-26T09:00:00.000Z");
}

#[test]
fn bad_arguments_get_one_line_and_exit_2() {
    let h = home();
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "open",
                "../etc",
                "--priority",
                "P0",
                "--title",
                "x",
                "--no-console",
            ],
            "must not start with '.'",
        ),
        (
            &[
                "open",
                "ENG/1",
                "--priority",
                "P0",
                "--title",
                "x",
                "--no-console",
            ],
            "contains '/'",
        ),
        (
            &[
                "open",
                "ENG 1",
                "--priority",
                "P0",
                "--title",
                "x",
                "--no-console",
            ],
            "contains ' '",
        ),
        (
            &[
                "open",
                "ENG-2",
                "--priority",
                "P7",
                "--title",
                "x",
                "--no-console",
            ],
            "unknown priority \"P7\"",
        ),
        (
            &[
                "open",
                "ENG-2",
                "--priority",
                "P1",
                "--title",
                "x",
                "--detected-at",
                "teatime",
                "--no-console",
            ],
            "is not a time",
        ),
        (
            &[
                "open",
                "ENG-2",
                "--priority",
                "P1",
                "--title",
                "x",
                "--detected-at",
                "2099-01-01T00:00:00Z",
                "--no-console",
            ],
            "in the future",
        ),
        (
            &["open", "ENG-2", "--title", "x", "--no-console"],
            "--priority P0..P3 is required",
        ),
        (
            &["open", "ENG-2", "--priority", "P1", "--no-console"],
            "--title TEXT is required",
        ),
        (&["note", "ENG-404", "hello"], "no incident ENG-404"),
        (&["resume"], "no open incident"),
    ];
    for (args, expected) in cases {
        let o = warroom(h.path(), args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{args:?}: one line, got {err}"
        );
    }
    assert!(!h.path().join("incidents/ENG-2").exists());
}

#[test]
fn notes_and_events_land_in_the_record_with_their_fields() {
    let h = home();
    open(h.path(), "ENG-3", "P1");
    let o = warroom(
        h.path(),
        &["note", "ENG-3", "restarted", "the", "auth", "pods"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = warroom(
        h.path(),
        &[
            "event",
            "ENG-3",
            "check_finished",
            "pnpm",
            "test",
            "passed",
            "--field",
            "name=test",
            "-f",
            "exit_code=0",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = warroom(
        h.path(),
        &[
            "event",
            "ENG-3",
            "x_ci_run",
            "--field",
            "url=https://ci.example/42",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // A kind that is neither known nor custom is refused, naming the kinds meant.
    let o = warroom(h.path(), &["event", "ENG-3", "deploy_finnished"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean deploy_finished") && stderr(&o).contains("x_"),
        "{}",
        stderr(&o)
    );
    // Sent without a sentence, an event reads like the console's own.
    let o = warroom(
        h.path(),
        &[
            "event",
            "ENG-3",
            "check_finished",
            "-f",
            "name=lint",
            "-f",
            "exit_code=3",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // Tickets are case-insensitive.
    let o = warroom(h.path(), &["note", "eng-3", "lower", "case"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = warroom(h.path(), &["event", "ENG-3", "Bad-Kind"]);
    assert_eq!(o.status.code(), Some(2));

    let v = export(h.path(), "ENG-3");
    for key in [
        "ticket",
        "title",
        "priority",
        "phase",
        "detected_at",
        "closed_at",
        "events",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["closed_at"], Value::Null);
    let events = v["events"].as_array().expect("events");
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds,
        [
            "incident_opened",
            "note",
            "check_finished",
            "x_ci_run",
            "check_finished",
            "note"
        ]
    );
    assert_eq!(events[1]["text"], "restarted the auth pods");
    assert_eq!(events[2]["exit_code"], 0);
    assert_eq!(events[2]["name"], "test");
    assert_eq!(events[3]["url"], "https://ci.example/42");
    assert_eq!(events[3]["text"], "Ci run");
    assert_eq!(events[4]["text"], "Check lint failed (exit 3)");
    assert_eq!(events[5]["text"], "lower case");
    for e in events {
        let at = e["at"].as_str().expect("at");
        assert!(
            at.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(at).is_ok(),
            "{at}"
        );
    }
    // The auto trigger ticked the test-suite item.
    let item = v["checklist"]
        .as_array()
        .expect("checklist")
        .iter()
        .find(|i| i["id"] == "test-suite")
        .expect("item");
    assert_eq!(item["status"], "done");
}

#[test]
fn export_to_a_file() {
    let h = home();
    open(h.path(), "ENG-4", "P2");
    let out = h.path().join("out.json");
    let o = warroom(
        h.path(),
        &[
            "export",
            "ENG-4",
            "--format",
            "json",
            "--out",
            out.to_str().expect("path"),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("read")).expect("json");
    assert_eq!(v["ticket"], "ENG-4");
}

#[test]
fn close_writes_the_export_and_list_shows_the_pir_due() {
    let h = home();
    open(h.path(), "ENG-5", "P0");
    open(h.path(), "ENG-6", "P3");
    let o = warroom(h.path(), &["close", "ENG-5"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("incident.json"));
    let exported: Value = serde_json::from_str(
        &std::fs::read_to_string(h.path().join("incidents/ENG-5/exports/incident.json"))
            .expect("read"),
    )
    .expect("json");
    assert!(exported["closed_at"].is_string());
    assert_eq!(exported["phase"], "closed");
    // Closing twice is harmless.
    assert!(warroom(h.path(), &["close", "ENG-5"]).status.success());
    let kinds: Vec<String> = export(h.path(), "ENG-5")["events"]
        .as_array()
        .expect("e")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(kinds.iter().filter(|k| *k == "incident_closed").count(), 1);

    let o = warroom(h.path(), &["list"]);
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("TICKET") && lines[0].contains("PIR"),
        "{text}"
    );
    assert!(
        lines[1].starts_with("ENG-6") && lines[1].contains("P3") && lines[1].contains("triage"),
        "open first: {text}"
    );
    assert!(
        lines[2].starts_with("ENG-5")
            && lines[2].contains("closed")
            && lines[2].contains("draft (")
            && lines[2].contains("to fill), due"),
        "generated is not written: {text}"
    );
    // Filled in by hand, the review is complete, and that ticks its item.
    let pir = h.path().join("incidents/ENG-5/exports/pir.md");
    let filled = std::fs::read_to_string(&pir).expect("pir").replace('⚠', "");
    std::fs::write(&pir, filled).expect("write");
    let text = stdout(&warroom(h.path(), &["list"]));
    assert!(
        text.lines().nth(2).is_some_and(|l| l.contains("complete")),
        "{text}"
    );
    let item = export(h.path(), "ENG-5")["checklist"]
        .as_array()
        .expect("checklist")
        .iter()
        .find(|i| i["id"] == "pir-written")
        .cloned()
        .expect("item");
    assert_eq!(item["status"], "done", "{item}");
    // Closing again keeps the edited review and writes the new draft beside it.
    assert!(warroom(h.path(), &["close", "ENG-5"]).status.success());
    assert!(!std::fs::read_to_string(&pir).expect("pir").contains('⚠'));
    assert!(
        h.path()
            .join("incidents/ENG-5/exports/pir.draft.md")
            .is_file()
    );
    // With one open incident, a bare `resume` picks it (and then needs a terminal).
    let o = warroom(h.path(), &["resume"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("needs a terminal"), "{}", stderr(&o));
}

#[test]
fn config_check_names_the_key_and_line() {
    let h = home();
    std::fs::write(
        h.path().join("warroom.toml"),
        "[ui]\nutc = true\ncolour = \"red\"\n",
    )
    .expect("write");
    let o = warroom(h.path(), &["config", "check"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("warroom.toml: line 3") && err.contains("colour"),
        "{err}"
    );
    // Commands that need the config refuse it the same way; notes do not need it.
    assert_eq!(warroom(h.path(), &["list"]).status.code(), Some(2));

    std::fs::write(h.path().join("warroom.toml"), "[sla]\nP0 = \"90m\"\n").expect("write");
    let o = warroom(h.path(), &["config", "check"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("warroom.toml: ok") && stdout(&o).contains("checklist: built in"),
        "{}",
        stdout(&o)
    );

    let o = warroom(
        h.path(),
        &["--config", "/nonexistent/w.toml", "config", "check"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent/w.toml: no such config file"));
}

#[test]
fn config_default_is_the_documented_example() {
    let h = home();
    let o = warroom(h.path(), &["config", "default"]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert_eq!(text, warroom::config::EXAMPLE_CONFIG);
    warroom::config::Config::parse(&text, "default").expect("parses");
}

#[test]
fn a_repository_checklist_replaces_the_built_in_one() {
    let h = home();
    std::fs::create_dir_all(h.path().join(".warroom")).expect("dir");
    std::fs::write(
        h.path().join(".warroom/checklist.toml"),
        "[[phase]]\nid = \"only\"\ntitle = \"Only\"\n[[phase.item]]\nid = \"one\"\ntext = \"The one thing\"\nauto = { kind = \"shipped\" }\n",
    )
    .expect("write");
    open(h.path(), "ENG-7", "P2");
    warroom(h.path(), &["event", "ENG-7", "shipped"]);
    let v = export(h.path(), "ENG-7");
    let items = v["checklist"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["status"], "done");

    std::fs::write(
        h.path().join(".warroom/checklist.toml"),
        "[[phase]]\nid = \"x\"\ntitle = \"X\"\n[[phase.item]]\nid = \"a\"\ntexte = \"typo\"\n",
    )
    .expect("write");
    let o = warroom(h.path(), &["config", "check"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("line 6") && stderr(&o).contains("texte"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn two_writers_and_a_reader_lose_nothing() {
    let h = home();
    open(h.path(), "ENG-8", "P0");
    let journal = h.path().join("incidents/ENG-8/journal.jsonl");
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let home = h.path().to_path_buf();
            thread::spawn(move || {
                for i in 0..1000 {
                    let o = warroom(&home, &["note", "ENG-8", &format!("writer {w} note {i}")]);
                    assert!(o.status.success(), "{}", stderr(&o));
                }
            })
        })
        .collect();
    let reader = {
        let journal = journal.clone();
        thread::spawn(move || {
            let mut reader = JournalReader::new(&journal);
            let mut seen = 0;
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
            while seen < 2001 && std::time::Instant::now() < deadline {
                let batch = reader.read_new().expect("read");
                assert!(batch.warnings.is_empty(), "{:?}", batch.warnings);
                seen += batch.events.len();
                thread::sleep(std::time::Duration::from_millis(5));
            }
            seen
        })
    };
    for w in writers {
        w.join().expect("writer");
    }
    assert_eq!(reader.join().expect("reader"), 2001);
    let batch = warroom::journal::file::read_all(&journal).expect("read");
    assert!(batch.warnings.is_empty());
    for w in 0..2 {
        let mine: Vec<usize> = batch
            .events
            .iter()
            .filter_map(|e| e.text.strip_prefix(&format!("writer {w} note ")))
            .map(|n| n.parse().expect("n"))
            .collect();
        assert_eq!(
            mine,
            (0..1000).collect::<Vec<_>>(),
            "writer {w}'s notes in order"
        );
    }
}

#[test]
fn an_empty_or_damaged_journal_is_reported_not_fatal() {
    let h = home();
    open(h.path(), "ENG-9", "P1");
    std::fs::write(h.path().join("incidents/ENG-9/journal.jsonl"), b"").expect("truncate");
    let o = warroom(h.path(), &["list"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("ENG-9: the journal of ENG-9 has no incident_opened line"),
        "{}",
        stderr(&o)
    );
    assert!(
        warroom(h.path(), &["note", "ENG-9", "still works"])
            .status
            .success()
    );
    let v = export(h.path(), "ENG-9");
    assert_eq!(v["events"][0]["text"], "still works");
}

#[test]
fn shell_completions_load_in_bash_and_complete_the_commands() {
    let h = home();
    let o = warroom(h.path(), &["completions", "bash"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let script = h.path().join("warroom.bash");
    std::fs::write(&script, &o.stdout).expect("write");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source '{}' && complete -p warroom && COMP_WORDS=(warroom op) COMP_CWORD=1 COMP_LINE='warroom op' COMP_POINT=10 && _warroom warroom op warroom && echo \"got: ${{COMPREPLY[*]}}\"",
            script.display()
        ))
        .output()
        .expect("bash");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", stderr(&out));
    assert!(text.contains("-F _warroom warroom"), "{text}");
    assert!(text.contains("got: open"), "{text}");
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let o = warroom(h.path(), &["completions", shell]);
        assert!(
            o.status.success() && o.stdout.len() > 500,
            "{shell}: {}",
            stderr(&o)
        );
    }
    let o = warroom(h.path(), &["completions", "tcsh"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn the_manual_page_names_every_command() {
    let h = home();
    let o = warroom(h.path(), &["man"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let man = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(man.contains(".TH warroom 1"), "{man}");
    for command in [
        "open", "resume", "list", "note", "event", "export", "close", "git", "demo",
    ] {
        assert!(
            man.contains(&format!("warroom {command}")),
            "{command} missing from the manual page"
        );
    }
    // Whole: the keys, what the exit codes mean, the environment, the files, examples.
    for section in [
        ".SH COMMANDS",
        ".SH KEYS",
        ".SH EXIT STATUS",
        ".SH ENVIRONMENT",
        ".SH FILES",
        ".SH EXAMPLES",
    ] {
        assert!(man.contains(section), "{section} missing");
    }
    for text in [
        "deploy",
        "WARROOM_HOME",
        "journal.jsonl",
        "SENTRY_AUTH_TOKEN",
    ] {
        assert!(man.contains(text), "{text} missing");
    }
    // A command's own page, and every page written for packagers.
    let o = warroom(h.path(), &["man", "open"]);
    let open = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        open.contains(".TH warroom-open 1") && open.contains("detected"),
        "{open}"
    );
    let o = warroom(h.path(), &["man", "nonsense"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let dir = h.path().join("man1");
    let o = warroom(h.path(), &["man", "--dir", dir.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut pages: Vec<String> = std::fs::read_dir(&dir)
        .expect("pages")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    assert!(
        pages.contains(&"warroom.1".to_string()) && pages.contains(&"warroom-git.1".to_string())
    );
    assert_eq!(pages.len(), 19, "{pages:?}");
    // groff reads every page without a warning, where it is installed.
    if std::process::Command::new("groff")
        .arg("-v")
        .output()
        .is_ok()
    {
        for page in &pages {
            let o = std::process::Command::new("groff")
                .args(["-man", "-Tutf8", "-ww", "-z"])
                .arg(dir.join(page))
                .output()
                .expect("groff");
            assert!(
                o.status.success() && o.stderr.is_empty(),
                "{page}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
}

#[test]
fn a_duration_that_is_not_one_is_answered_with_examples() {
    let h = home();
    let cfg = h.path().join("bad.toml");
    std::fs::write(&cfg, "[sentry]\nwindow = \"2 hours-ish\"\n").expect("write");
    let o = warroom(
        h.path(),
        &["--config", cfg.to_str().expect("utf-8"), "config", "check"],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("line 2")
            && err.contains("\"2 hours-ish\" is not a duration")
            && err.contains("30s, 5m or 2h"),
        "{err}"
    );
}

#[test]
fn config_check_shows_what_the_configuration_resolves_to_and_from_where() {
    let h = home();
    let cfg = h.path().join("warroom.toml");
    std::fs::write(
        &cfg,
        "[deploy]\ncommand = \"./deploy.sh --token ghp_plantedConfigToken0123456789abcd\"\n\n[sentry]\norg = \"acme\"\npoll_interval = \"45s\"\n",
    )
    .expect("write");
    // SLACK_WEBHOOK_URL set but empty reads as not set.
    let o = common::warroom_env(
        h.path(),
        h.path(),
        &["--config", cfg.to_str().expect("utf-8"), "config", "check"],
        &[
            ("SENTRY_AUTH_TOKEN", "sntryu_plantedSentryToken0123456789"),
            ("SLACK_WEBHOOK_URL", ""),
        ],
    );
    let out = stdout(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    let line = |key: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("{key} missing:\n{out}"))
            .to_string()
    };
    assert!(
        line("deploy.command").contains("[redacted]")
            && line("deploy.command").ends_with("warroom.toml line 2")
    );
    assert!(
        line("sentry.poll_interval").contains("\"45s\"")
            && line("sentry.poll_interval").ends_with("warroom.toml line 6")
    );
    assert!(line("sentry.window").contains("\"2h\"") && line("sentry.window").ends_with("default"));
    assert!(
        line("sentry token").contains("[redacted]")
            && line("sentry token").ends_with("environment SENTRY_AUTH_TOKEN")
    );
    assert!(line("slack webhook").contains("(not set)"));
    assert!(
        !out.contains("ghp_planted") && !out.contains("sntryu_planted"),
        "{out}"
    );
}

#[test]
fn config_check_shows_durations_as_they_are_written() {
    let h = home();
    let cfg = h.path().join("warroom.toml");
    std::fs::write(
        &cfg,
        "[sla]\nP2 = \"24h\"\nP3 = \"2days\"\n\n[monitoring]\nwindow = \"90s\"\n",
    )
    .expect("write");
    let o = warroom(
        h.path(),
        &["--config", cfg.to_str().expect("utf-8"), "config", "check"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for shown in [
        r#"sla.P2 = "24h""#,
        r#"sla.P3 = "48h""#,
        r#"monitoring.window = "90s""#,
    ] {
        assert!(out.contains(shown), "{shown} not in:\n{out}");
    }
    assert!(!out.contains("day"), "{out}");
}
