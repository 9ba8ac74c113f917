//! The deploy log in `update`: keys, confirmations, and what the runner's reports record.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::*;
use warroom::app::model::{ConfirmAction, Tone};
use warroom::app::{Effect, Mode, Model, Msg, update};
use warroom::config::Config;
use warroom::incident::ItemStatus;
use warroom::jobs::{JobKind, Outcome, RunMsg};
use warroom::journal::kinds;
use warroom::runbook::Runbook;

const CONFIG: &str = r#"
[deploy]
platform = "vercel"
[[checks]]
name = "test"
command = "pnpm test"
[[checks]]
name = "typecheck"
command = "pnpm tsc --noEmit"
[[smoke]]
name = "health"
url = "https://api.example.com/health"
"#;

fn configured(priority: &str) -> Model {
    let cfg = Config::parse(CONFIG, "t").expect("config");
    model(priority, t(60)).with_runbook(Runbook::from_config(
        &cfg,
        std::path::Path::new("/nonexistent"),
    ))
}

fn started(job: u64, kind: JobKind, name: &str) -> Msg {
    Msg::Run(RunMsg::StepStarted {
        job,
        kind,
        name: name.into(),
        command: "vercel --prod".into(),
        log: PathBuf::from("/tmp/logs/001-deploy-deploy.log"),
        at: t(60),
        head: Some((
            Some("hotfix/ENG-1234".into()),
            "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432".into(),
        )),
    })
}

fn finished(job: u64, kind: JobKind, name: &str, outcome: Outcome, all: Option<bool>) -> Msg {
    Msg::Run(RunMsg::StepFinished {
        job,
        kind,
        name: name.into(),
        command: "cmd".into(),
        outcome,
        duration: Duration::from_secs(42),
        log: PathBuf::from("/tmp/logs/x.log"),
        all_passed: all,
        fix_verified: None,
    })
}

fn status_of(m: &Model, id: &str) -> &'static str {
    let item = m.incident.checklist.item(id).expect("item").clone();
    match m.incident.status(&item) {
        ItemStatus::Pending => "pending",
        ItemStatus::Done(_) => "done",
        ItemStatus::Waived(_) => "waived",
        ItemStatus::NotApplicable(_) => "n/a",
    }
}

#[test]
fn deploy_asks_first_then_runs_and_records_start_and_finish() {
    let mut m = configured("P0");
    assert!(send(&mut m, key('d')).is_empty());
    assert_eq!(
        m.mode,
        Mode::Confirm {
            action: ConfirmAction::Deploy {
                environment: "production".into()
            }
        }
    );
    let plan = warroom::app::stakes::deploy_stakes(&m, "production");
    assert!(
        plan[0].contains("vercel --prod") && plan[0].contains("vercel preset"),
        "{plan:?}"
    );
    assert!(
        plan.iter().any(|l| l.contains("Not done yet"))
            && plan
                .iter()
                .any(|l| l.contains("Hotfix branch (1): Hotfix branch created")),
        "the workflow's open items before the deploy, by phase: {plan:?}"
    );
    let fx = send(&mut m, key('y'));
    let Effect::Run(spec) = &fx[0] else {
        panic!("{fx:?}")
    };
    assert_eq!(spec.kind, JobKind::Deploy);
    let job = spec.id;

    let fx = send(&mut m, started(job, JobKind::Deploy, "deploy"));
    let started_ev = &appended(&fx)[0];
    assert_eq!(started_ev.kind.as_str(), kinds::DEPLOY_STARTED);
    // The deploy records what it ran from.
    assert_eq!(started_ev.fields["branch"], "hotfix/ENG-1234");
    assert_eq!(
        started_ev.fields["commit"],
        "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"
    );
    assert!(
        started_ev
            .text
            .starts_with("Deploy started from hotfix/ENG-1234 at 9f8e7d6")
    );
    assert!(m.incident.deploy_running);
    send(
        &mut m,
        Msg::Run(RunMsg::Output {
            job,
            lines: vec!["\x1b[32mReady\x1b[0m".into()],
            live: vec!["Uploading 40%".into()],
            skipped: 0,
        }),
    );
    assert_eq!(m.log.live, ["Uploading 40%"]);

    let fx = send(
        &mut m,
        finished(
            job,
            JobKind::Deploy,
            "deploy",
            Outcome::Exited(0),
            Some(true),
        ),
    );
    let d = appended(&fx)[0].clone();
    assert_eq!(d.kind.as_str(), kinds::DEPLOY_FINISHED);
    assert_eq!(d.fields["exit_code"], 0);
    assert_eq!(d.fields["duration_ms"], 42_000);
    assert!(m.incident.deployed_at.is_some(), "the SLA clock stops");
    assert_eq!(status_of(&m, "deployed"), "done");
    send(
        &mut m,
        Msg::Run(RunMsg::JobFinished {
            job,
            kind: JobKind::Deploy,
            passed: 1,
            total: 1,
        }),
    );
    assert!(m.running.is_none());
}

#[test]
fn one_command_at_a_time() {
    let mut m = configured("P1");
    let fx = send(&mut m, key('t'));
    assert!(matches!(fx[..], [Effect::Run(_)]));
    assert!(send(&mut m, key('s')).is_empty());
    assert!(
        m.status
            .as_ref()
            .is_some_and(|s| s.text.contains("is running")),
        "{:?}",
        m.status
    );
    assert!(send(&mut m, key('d')).is_empty());
    assert_eq!(m.mode, Mode::Normal);
    // x asks, y cancels.
    send(&mut m, key('x'));
    assert_eq!(
        m.mode,
        Mode::Confirm {
            action: ConfirmAction::Cancel
        }
    );
    assert_eq!(send(&mut m, key('y')), vec![Effect::CancelRun]);
    // q while running asks too.
    send(&mut m, key('q'));
    assert_eq!(
        m.mode,
        Mode::Confirm {
            action: ConfirmAction::Quit
        }
    );
    assert_eq!(
        send(&mut m, key('y')),
        vec![Effect::CancelRun, Effect::Quit]
    );
}

#[test]
fn a_failed_check_ticks_nothing_and_raises_a_red_banner() {
    let mut m = configured("P1");
    let fx = send(&mut m, key('t'));
    let Effect::Run(spec) = &fx[0] else { panic!() };
    let job = spec.id;
    let fx = send(
        &mut m,
        finished(job, JobKind::Checks, "test", Outcome::Exited(0), None),
    );
    assert_eq!(appended(&fx)[0].fields["name"], "test");
    let fx = send(
        &mut m,
        finished(
            job,
            JobKind::Checks,
            "typecheck",
            Outcome::Exited(2),
            Some(false),
        ),
    );
    let d = appended(&fx)[0].clone();
    assert_eq!(
        (d.kind.as_str(), d.fields["exit_code"].as_i64()),
        (kinds::CHECK_FINISHED, Some(2))
    );
    assert_eq!(status_of(&m, "test-suite"), "done");
    assert_eq!(status_of(&m, "type-check"), "pending");
    let banner = m.banner.clone().expect("banner");
    assert_eq!(banner.tone, Tone::Error);
    assert!(
        banner.text.contains("typecheck failed: exit 2"),
        "{}",
        banner.text
    );
    send(
        &mut m,
        Msg::Run(RunMsg::JobFinished {
            job,
            kind: JobKind::Checks,
            passed: 1,
            total: 2,
        }),
    );
    assert!(
        m.banner.as_ref().is_some_and(|b| b.tone == Tone::Error),
        "the failure stays up"
    );
}

#[test]
fn smoke_results_tick_the_item_only_when_all_passed() {
    let mut m = configured("P1");
    let ok = Outcome::Http {
        status: Some(200),
        ok: true,
        reason: "200 in 12 ms".into(),
    };
    let fx = send(
        &mut m,
        finished(1, JobKind::Smoke, "health", ok.clone(), None),
    );
    assert_eq!(appended(&fx)[0].fields["ok"], true);
    assert_eq!(status_of(&m, "smoke-tests"), "pending");
    // Every test passed, none of them a test of the fix: healthy, not "fix verified".
    let mut last = finished(1, JobKind::Smoke, "login", ok.clone(), Some(true));
    if let Msg::Run(RunMsg::StepFinished { fix_verified, .. }) = &mut last {
        *fix_verified = Some(false);
    }
    let fx = send(&mut m, last);
    assert_eq!(appended(&fx)[0].fields["all_passed"], true);
    assert_eq!(appended(&fx)[0].fields["fix_verified"], false);
    assert_eq!(status_of(&m, "health-checked"), "done");
    assert_eq!(status_of(&m, "smoke-tests"), "pending");
    // A run whose `verifies_fix` tests passed.
    let mut last = finished(2, JobKind::Smoke, "expired token rejected", ok, Some(true));
    if let Msg::Run(RunMsg::StepFinished { fix_verified, .. }) = &mut last {
        *fix_verified = Some(true);
    }
    send(&mut m, last);
    assert_eq!(status_of(&m, "smoke-tests"), "done");
}

#[test]
fn cancelled_and_signalled_runs_are_said_plainly() {
    let mut m = configured("P1");
    let fx = send(
        &mut m,
        finished(
            1,
            JobKind::Deploy,
            "deploy",
            Outcome::Cancelled,
            Some(false),
        ),
    );
    assert_eq!(appended(&fx)[0].kind.as_str(), kinds::COMMAND_CANCELLED);
    assert!(!m.incident.deploy_running);
    let fx = send(
        &mut m,
        finished(
            2,
            JobKind::Deploy,
            "deploy",
            Outcome::Signalled(9),
            Some(false),
        ),
    );
    let d = appended(&fx)[0].clone();
    assert_eq!(d.fields["signal"], 9);
    assert!(d.fields["exit_code"].is_null());
    assert!(d.text.contains("killed by signal 9"), "{}", d.text);
    assert!(m.incident.deployed_at.is_none());
    // The deploy step is the deploy: said once.
    let banner = m.banner.clone().expect("banner").text;
    assert_eq!(banner, "✗ deploy failed: killed by signal 9");
}

#[test]
fn without_config_the_keys_say_what_to_set() {
    let mut m = model("P1", t(1));
    for k in ['d', 't', 's'] {
        assert!(send(&mut m, key(k)).is_empty());
        assert_eq!(m.status.as_ref().map(|s| s.tone), Some(Tone::Warn), "{k}");
    }
    assert!(
        m.status
            .as_ref()
            .is_some_and(|s| s.text.contains("[[smoke]]"))
    );
    send(&mut m, key('r'));
    assert_eq!(
        m.mode,
        Mode::Confirm {
            action: ConfirmAction::Rollback {
                environment: "production".into()
            }
        }
    );
    assert!(
        warroom::app::stakes::rollback_stakes(&m, "production")
            .iter()
            .any(|l| l.contains("set [rollback] command"))
    );
    assert!(send(&mut m, key('y')).is_empty(), "nothing to run");
}

#[test]
fn log_file_lines_and_search() {
    let mut m = configured("P1");
    update(
        &mut m,
        Msg::LogFile(warroom::jobs::TailRead {
            lines: vec![
                "GET /a 200".into(),
                "POST /login 500".into(),
                "GET /b 200".into(),
            ],
            note: Some("— following app.log —".into()),
        }),
    );
    assert_eq!(m.log.lines.len(), 4);
    send(&mut m, key('/'));
    type_text(&mut m, "login");
    send(&mut m, code(crossterm::event::KeyCode::Enter));
    assert_eq!(m.log.hit, Some(2));
    assert!(!m.log.follow);
    send(&mut m, key('f'));
    assert!(m.log.follow);
}

fn with_staging(priority: &str) -> Model {
    let cfg = Config::parse(
        &format!(
            "{CONFIG}\n[environments.staging]\ndeploy = \"./deploy staging\"\nrollback = \"./undo staging\"\n[[environments.staging.smoke]]\nname = \"fix\"\ncommand = \"true\"\nverifies_fix = true\n"
        ),
        "t",
    )
    .expect("config");
    model(priority, t(60)).with_runbook(Runbook::from_config(
        &cfg,
        std::path::Path::new("/nonexistent"),
    ))
}

#[test]
fn the_environment_picker_puts_staging_first_only_while_it_is_pending() {
    use warroom::app::environments::choices;
    use warroom::app::model::{EnvAction, PickPurpose};
    let m = with_staging("P1");
    assert_eq!(choices(&m, EnvAction::Deploy), ["staging", "production"]);
    assert_eq!(choices(&m, EnvAction::Rollback), ["staging", "production"]);
    // At P0 the item does not apply: production first.
    let p0 = with_staging("P0");
    assert_eq!(choices(&p0, EnvAction::Deploy), ["production", "staging"]);
    // Without environments, no picker: d goes straight to production's confirmation.
    let mut plain = configured("P1");
    send(&mut plain, key('d'));
    assert!(matches!(
        &plain.mode,
        Mode::Confirm { action: ConfirmAction::Deploy { environment } } if environment == "production"
    ));

    // d, then 1: staging's confirmation; y runs staging's own command.
    let mut m = with_staging("P1");
    send(&mut m, key('d'));
    assert_eq!(
        m.mode,
        Mode::Pick {
            purpose: PickPurpose::Environment(EnvAction::Deploy),
            selected: 0
        }
    );
    send(&mut m, key('1'));
    let fx = send(&mut m, key('y'));
    let Some(Effect::Run(spec)) = fx.first() else {
        panic!("{fx:?}")
    };
    assert!(format!("{:?}", spec.steps).contains("./deploy staging"));
    assert_eq!(
        m.running.as_ref().map(|r| r.title()),
        Some("deploy (staging)".into())
    );
    let fx = send(&mut m, started(spec.id, JobKind::Deploy, "deploy"));
    let d = appended(&fx)[0].clone();
    assert_eq!(d.fields["environment"], "staging");
    assert!(
        d.text.starts_with("Deploy to staging started"),
        "{}",
        d.text
    );
    let fx = send(
        &mut m,
        finished(
            spec.id,
            JobKind::Deploy,
            "deploy",
            Outcome::Exited(0),
            Some(true),
        ),
    );
    let d = appended(&fx)[0].clone();
    assert_eq!(d.fields["environment"], "staging");
    assert!(
        !fx.iter()
            .any(|e| matches!(e, Effect::WaitReady(_) | Effect::RegisterDeploy { .. })),
        "{fx:?}"
    );

    // Production while staging is pending: one more question before anything runs.
    let mut m = with_staging("P1");
    send(&mut m, key('d'));
    send(&mut m, key('2'));
    assert!(send(&mut m, key('y')).is_empty());
    let Mode::Confirm {
        action: ConfirmAction::SkipStaging { lines },
    } = &m.mode
    else {
        panic!("{:?}", m.mode)
    };
    assert!(
        lines[0].contains("Deployed to staging and verified")
            && lines[0].contains("nothing was deployed to staging"),
        "{lines:?}"
    );
    let fx = send(&mut m, key('y'));
    assert!(matches!(fx.first(), Some(Effect::Run(_))), "{fx:?}");
    // At P0 production deploys without the question.
    let mut p0 = with_staging("P0");
    send(&mut p0, key('d'));
    send(&mut p0, key('1'));
    assert!(matches!(
        send(&mut p0, key('y')).first(),
        Some(Effect::Run(_))
    ));
}
