use super::*;

#[test]
fn the_shipped_example_parses() {
    let c = Config::parse(EXAMPLE_CONFIG, "config.example.toml").expect("example");
    assert_eq!(c.policy(), Policy::default());
}

#[test]
fn unknown_keys_name_the_key_and_line() {
    let e = Config::parse("[ui]\nutc = true\ncolour = 1\n", "w.toml").expect_err("unknown");
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("colour"), "{e}");
    assert!(e.to_string().starts_with("w.toml: line 3:"), "{e}");
}

#[test]
fn mistyped_values_name_the_line() {
    let e = Config::parse("\n[sla]\nP0 = \"2 hours-ish\"\n", "w.toml").expect_err("bad");
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("30s, 5m or 2h"), "{e}");
    let e = Config::parse("[ui]\nbell = \"yes\"\n", "w.toml").expect_err("bad");
    assert_eq!(e.line, Some(2));
}

#[test]
fn keys_are_checked() {
    let e =
        Config::parse("[keys]\nquit = \"ctrl-q\"\ndeplyo = \"D\"\n", "w.toml").expect_err("bad");
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("deplyo"), "{e}");
    let e = Config::parse("[keys]\nquit = \"spce\"\n", "w.toml").expect_err("bad");
    assert_eq!(e.line, Some(2));
}

#[test]
fn overrides_reach_the_policy() {
    let c = Config::parse("[sla]\nP2 = \"8h\"\n[cadence]\nP0 = \"off\"\nP3 = \"1d\"\n[monitoring]\nwindow = \"15m\"\n", "w")
        .expect("ok");
    let p = c.policy();
    assert_eq!(p.target(Priority::P2), Duration::from_secs(8 * 3600));
    assert_eq!(p.cadence(Priority::P0), None);
    assert_eq!(p.cadence(Priority::P3), Some(Duration::from_secs(86_400)));
    assert_eq!(p.monitoring, Duration::from_secs(900));
}

#[test]
fn sentry_settings_are_checked() {
    let c = Config::parse(
        "[sentry]\norg = \"acme\"\nproject = \"2\"\npoll_interval = \"1m\"\n",
        "w",
    )
    .expect("ok");
    assert_eq!(c.sentry.poll_interval, Duration::from_secs(60));
    assert_eq!(c.sentry.window, Duration::from_secs(7200));
    let e = Config::parse("[sentry]\npoll_interval = \"2s\"\n", "w").expect_err("too fast");
    assert_eq!(e.line, Some(2));
    assert!(e.message.contains("no faster than every 5s"), "{e}");
}

#[test]
fn a_token_in_a_readable_file_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("warroom.toml");
    std::fs::write(&path, "[sentry]\ntoken = \"sntryu_abc\"\n").expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let e = load(Some(&path), dir.path()).expect_err("refused");
    assert!(e.message.contains("chmod 600"), "{e}");
    assert!(!e.to_string().contains("sntryu_abc"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    assert!(load(Some(&path), dir.path()).is_ok());
}

#[test]
fn explicit_config_must_exist() {
    let dir = tempfile::tempdir().expect("tmp");
    let e = locate(Some(&dir.path().join("nope.toml")), dir.path()).expect_err("missing");
    assert!(e.to_string().contains("nope.toml"));
}

#[test]
fn environments_name_their_table_and_line() {
    let ok = Config::parse(
        "[environments.staging]\ndeploy = \"vercel\"\nsentry_environment = \"staging\"\n[[environments.staging.smoke]]\nname = \"login\"\nurl = \"https://staging.example.com/login\"\nexpect_status = 401\nverifies_fix = true\n",
        "w.toml",
    )
    .expect("ok");
    let staging = ok
        .environments
        .iter()
        .find(|(k, _)| k.get_ref() == "staging")
        .map(|(_, e)| e)
        .expect("staging");
    assert_eq!(staging.deploy.as_deref(), Some("vercel"));
    assert_eq!(staging.smoke[0].expect_status, 401);
    assert!(
        ok.deploy.command.is_none(),
        "production stays as configured"
    );

    let e = Config::parse("\n[environments.production]\ndeploy = \"x\"\n", "w.toml")
        .expect_err("production is [deploy]");
    assert_eq!(e.line, Some(2));
    assert!(e.message.contains("[deploy]"), "{e}");
    let e = Config::parse("[environments.staging]\nrollback = \"x\"\n", "w.toml")
        .expect_err("no deploy");
    assert!(
        e.message.contains("[environments.staging] needs deploy"),
        "{e}"
    );
    let e = Config::parse(
        "[environments.staging]\ndeploy = \"x\"\n\n[[environments.staging.smoke]]\nname = \"login\"\n",
        "w.toml",
    )
    .expect_err("smoke without url");
    assert_eq!(e.line, Some(5));
    assert!(
        e.message
            .contains("[[environments.staging.smoke]] \"login\" needs url"),
        "{e}"
    );
    let e = Config::parse(
        "[environments.staging]\ndeploy = \"x\"\nsentry_env = \"s\"\n",
        "w.toml",
    )
    .expect_err("unknown key");
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("sentry_env"), "{e}");
}

#[test]
fn metric_gates_are_checked_with_the_line() {
    let gate = |extra: &str| {
        format!(
            "[[metrics]]\nname = \"p95\"\nsource = \"prometheus\"\nurl = \"http://127.0.0.1:9090\"\nquery = \"up\"\n{extra}\n"
        )
    };
    let e = Config::parse(&gate("expect = \"sideways\""), "w.toml").expect_err("expect");
    assert_eq!(e.line, Some(6));
    assert!(e.message.contains("stable, drop, rise"), "{e}");
    let e = Config::parse(&gate("tolerance = \"lots\""), "w.toml").expect_err("tolerance");
    assert!(e.message.contains("\"20%\""), "{e}");
    let e = Config::parse(&gate("interval = \"100ms\""), "w.toml").expect_err("interval");
    assert!(e.message.contains("no faster than every 1s"), "{e}");
    let e = Config::parse(
        &gate("").replace("\"prometheus\"", "\"graphite\""),
        "w.toml",
    )
    .expect_err("source");
    assert!(e.message.contains("prometheus"), "{e}");

    let c = Config::parse(
        &gate("expect = \"below 0.5\"\ntolerance = 0.05\nitem = \"latency-stable\""),
        "w",
    )
    .expect("ok");
    assert_eq!(c.metrics[0].expect, Expect::Below(0.5));
    assert_eq!(c.metrics[0].tolerance, Tolerance::Absolute(0.05));
    let checklist = Checklist::builtin().expect("checklist");
    c.check_metrics(&checklist, "", "w").expect("a known item");

    let text = format!("{}\n{}", gate("item = \"latency\""), gate(""));
    let c = Config::parse(&text, "w.toml").expect("parses");
    let e = c
        .check_metrics(&checklist, &text, "w.toml")
        .expect_err("unknown item");
    assert_eq!(e.line, Some(6));
    assert!(
        e.message
            .contains("item \"latency\" is not in the checklist"),
        "{e}"
    );
    let text = format!("{}\n{}", gate(""), gate(""));
    let c = Config::parse(&text, "w.toml").expect("parses");
    let e = c
        .check_metrics(&checklist, &text, "w.toml")
        .expect_err("twice");
    assert_eq!(e.line, Some(9));
    assert!(e.message.contains("named twice"), "{e}");
}

#[test]
fn flags_and_the_guard_are_checked_with_their_lines() {
    let unleash = "[[flags]]\nname = \"kill\"\nprovider = \"unleash\"\n";
    let c = Config::parse(unleash, "w.toml").expect("parses");
    let e = c.check_flags(unleash, "w.toml").expect_err("no url");
    assert_eq!(e.line, Some(2));
    assert!(e.message.contains("url = "), "{e}");

    let twice = "[[flags]]\nname = \"kill\"\nprovider = \"flagd\"\nfile = \"f.json\"\n[[flags]]\nname = \"kill\"\nprovider = \"flagd\"\nfile = \"g.json\"\n";
    let e = Config::parse(twice, "w.toml")
        .expect("parses")
        .check_flags(twice, "w.toml")
        .expect_err("twice");
    assert_eq!(e.line, Some(6));

    let unread = "[[flags]]\nname = \"kill\"\nprovider = \"command\"\non = \"a\"\noff = \"b\"\n";
    let e = Config::parse(unread, "w.toml")
        .expect("parses")
        .check_flags(unread, "w.toml")
        .expect_err("no status");
    assert!(e.message.contains("read back"), "{e}");

    let guard = "[[flags]]\nname = \"kill\"\nprovider = \"flagd\"\nfile = \"f.json\"\n\n[guard]\nafter_deploy = \"flag:kil\"\n";
    let e = Config::parse(guard, "w.toml")
        .expect("parses")
        .check_flags(guard, "w.toml")
        .expect_err("unknown flag");
    assert_eq!(e.line, Some(7));
    assert!(e.message.contains("\"kil\""), "{e}");

    let e = Config::parse("[guard]\nafter_deploy = \"revert\"\n", "w.toml").expect_err("bad");
    assert_eq!(e.line, Some(2));
    assert!(e.message.contains("off, propose, rollback or flag:"), "{e}");
    let e = Config::parse("[guard]\nbad_polls = 0\n", "w.toml").expect_err("zero");
    assert_eq!(e.line, Some(2));

    let ok = "[[flags]]\nname = \"kill\"\nprovider = \"launchdarkly\"\n\n[guard]\nafter_deploy = \"flag:kill\"\nwindow = \"20m\"\nbad_polls = 2\nveto = \"30s\"\n";
    let c = Config::parse(ok, "w.toml").expect("parses");
    c.check_flags(ok, "w.toml").expect("valid");
    assert_eq!(
        c.guard.after_deploy.get_ref(),
        &GuardAction::Flag("kill".into())
    );
    assert_eq!(c.guard.bad_polls, 2);
    assert_eq!(c.flags[0].token_var(), Some("LD_API_KEY"));
}

#[test]
fn the_nats_share_is_read_and_a_secret_in_its_url_is_refused_with_its_line() {
    let c = Config::parse(
        "[share]\nbackend = \"nats\"\nurl = [\"nats://a:4222\", \"tls://b:4222\"]\norg = \"acme\"\nreplicas = 3\n",
        "w.toml",
    )
    .expect("ok");
    assert_eq!(c.share.backend, crate::journal::Backend::Nats);
    assert_eq!(c.share.url, ["nats://a:4222", "tls://b:4222"]);
    assert_eq!(c.share.replicas, 3);
    let c = Config::parse("[share]\nurl = \"nats://a:4222\"\n", "w.toml").expect("one");
    assert_eq!(c.share.url, ["nats://a:4222"]);
    let e = Config::parse(
        "[share]\nbackend = \"nats\"\nurl = \"nats://alice:pw@a:4222\"\n",
        "w.toml",
    )
    .expect_err("a password");
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("would be shown"), "{e}");
    assert!(!e.to_string().contains("pw@"), "{e}");
    let e = Config::parse("[share]\nurl = \"http://a\"\n", "w.toml").expect_err("scheme");
    assert!(e.message.contains("not a NATS URL"), "{e}");
    let e = Config::parse("[share]\norg = \"a.b\"\n", "w.toml").expect_err("org");
    assert_eq!(e.line, Some(2));
    let e = Config::parse("[share]\n\nreplicas = 7\n", "w.toml").expect_err("replicas");
    assert_eq!(e.line, Some(3));
    let e = Config::parse("[share]\nbackend = \"redis\"\n", "w.toml").expect_err("backend");
    assert_eq!(e.line, Some(2));
}
