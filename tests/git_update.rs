//! Git in `update`: the menu, dry runs to confirm, the version prompt, the live guard.

mod common;

use common::*;
use crossterm::event::KeyCode;
use warroom::app::model::{ConfirmAction, InputPurpose, PickPurpose};
use warroom::app::{Effect, Mode, Msg, update};
use warroom::git::GitMsg;
use warroom::git::{GitError, GuardReport, Op, Report};
use warroom::journal::{Draft, kinds};

fn guard(tests: bool, manifests: bool) -> GuardReport {
    GuardReport {
        branch: "hotfix/ENG-1234-auth".into(),
        head: "abc".into(),
        commits: 1,
        files: 2,
        insertions: 5,
        deletions: 1,
        manifests: if manifests {
            vec!["package.json".into()]
        } else {
            vec![]
        },
        tests: if tests {
            vec!["tests/auth.test.ts".into()]
        } else {
            vec![]
        },
        binaries: vec![],
        over_limits: false,
    }
}

#[test]
fn the_menu_runs_one_operation_at_a_time() {
    let mut m = model("P0", t(1));
    send(&mut m, key('g'));
    assert!(matches!(
        m.mode,
        Mode::Pick {
            purpose: PickPurpose::Git,
            selected: 0
        }
    ));
    let fx = send(&mut m, code(KeyCode::Enter));
    assert!(
        matches!(&fx[..], [Effect::Git(Op::Branch { fetch: true, from_local: false }, view)] if view.ticket == "ENG-1234"),
        "{fx:?}"
    );
    assert_eq!(m.git.busy, Some("branch"));
    send(&mut m, key('g'));
    assert!(send(&mut m, key('2')).is_empty(), "busy");
    let report = Report {
        title: "git branch hotfix/ENG-1234-auth".into(),
        lines: vec!["created and checked out hotfix/ENG-1234-auth".into()],
        events: vec![
            Draft::new(kinds::GIT_BRANCH_CREATED, "Hotfix branch created")
                .field("branch", "hotfix/ENG-1234-auth")
                .field("commit", "0123456789abcdef0123456789abcdef01234567"),
        ],
        ..Report::default()
    };
    let fx = send(
        &mut m,
        Msg::Git(GitMsg::Done {
            op: "branch",
            result: Ok(report),
        }),
    );
    assert_eq!(appended(&fx)[0].kind.as_str(), kinds::GIT_BRANCH_CREATED);
    assert!(
        fx.iter().any(|e| matches!(e, Effect::GitGuard(_))),
        "the guard is measured again"
    );
    assert_eq!(m.git.busy, None);
    assert_eq!(
        m.incident.hotfix.as_ref().map(|h| h.0.as_str()),
        Some("hotfix/ENG-1234-auth")
    );
    assert!(
        m.log
            .lines
            .iter()
            .any(|l| l.text.contains("created and checked out"))
    );
}

#[test]
fn refusals_are_said_and_a_missing_version_is_asked_for() {
    let mut m = model("P0", t(1));
    m.git.busy = Some("branch");
    send(
        &mut m,
        Msg::Git(GitMsg::Done {
            op: "branch",
            result: Err(GitError::Refused("uncommitted changes in 1 file(s)".into())),
        }),
    );
    assert!(
        m.status
            .as_ref()
            .is_some_and(|s| s.text.contains("uncommitted changes"))
    );
    m.git.busy = Some("tag");
    send(
        &mut m,
        Msg::Git(GitMsg::Done {
            op: "tag",
            result: Err(GitError::NeedsVersion),
        }),
    );
    assert_eq!(
        m.mode,
        Mode::Input {
            purpose: InputPurpose::TagVersion,
            text: String::new()
        }
    );
    type_text(&mut m, "1.0.1");
    let fx = send(&mut m, code(KeyCode::Enter));
    assert!(
        matches!(&fx[..], [Effect::Git(Op::Tag { version: Some(v), .. }, _)] if v == "1.0.1"),
        "{fx:?}"
    );
}

#[test]
fn a_revert_dry_run_asks_before_committing() {
    let mut m = model("P0", t(1));
    m.git.busy = Some("revert");
    let apply = Op::Revert {
        commit: Some("abc".into()),
        apply: true,
    };
    let dry = Report {
        title: "git revert abc".into(),
        lines: vec!["files: src/auth.ts".into(), "✓ applies cleanly".into()],
        confirm: Some(apply.clone()),
        ..Report::default()
    };
    send(
        &mut m,
        Msg::Git(GitMsg::Done {
            op: "revert",
            result: Ok(dry),
        }),
    );
    assert!(
        matches!(&m.mode, Mode::Confirm { action: ConfirmAction::Git { op, .. } } if *op == apply)
    );
    let fx = send(&mut m, key('y'));
    assert!(matches!(&fx[..], [Effect::Git(op, _)] if *op == apply));
}

#[test]
fn the_live_guard_records_only_changes() {
    let mut m = model("P0", t(1));
    let fx = send(&mut m, Msg::Git(GitMsg::Changed));
    assert!(matches!(&fx[..], [Effect::GitGuard(_)]));
    let fx = send(&mut m, Msg::Git(GitMsg::Guard(Ok(guard(true, false)))));
    assert_eq!(appended(&fx)[0].fields["minimal"], true);
    let item = |m: &warroom::app::Model, id: &str| {
        let it = m.incident.checklist.item(id).expect("item").clone();
        matches!(
            m.incident.status(&it),
            warroom::incident::ItemStatus::Done(_)
        )
    };
    assert!(item(&m, "minimal-change") && item(&m, "regression-test"));
    assert!(
        appended(&send(
            &mut m,
            Msg::Git(GitMsg::Guard(Ok(guard(true, false))))
        ))
        .is_empty(),
        "same verdict, nothing new"
    );
    let fx = send(&mut m, Msg::Git(GitMsg::Guard(Ok(guard(true, true)))));
    assert_eq!(appended(&fx)[0].fields["minimal"], false);
    send(
        &mut m,
        Msg::Git(GitMsg::Guard(Err(GitError::Refused(
            "no hotfix branch yet".into(),
        )))),
    );
    assert_eq!(m.git.guard_note.as_deref(), Some("no hotfix branch yet"));
}

#[test]
fn without_a_repository_g_says_so() {
    let mut m = model("P0", t(1));
    m.git.unavailable = Some("git: /tmp is not in a git repository".into());
    assert!(send(&mut m, key('g')).is_empty());
    assert_eq!(m.mode, Mode::Normal);
    assert!(
        m.status
            .as_ref()
            .is_some_and(|s| s.text.contains("not in a git repository"))
    );
    assert!(update(&mut m, Msg::Git(GitMsg::Changed)).is_empty());
}
