//! `warroom demo --script`: the demo played without a person. It presses the keys a person
//! would, and waits for each step to land in the journal before the next.

use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc;

use crate::app::Msg;
use crate::journal::file::read_all;
use crate::journal::{Event, kinds};

pub struct Script {
    pub journal: PathBuf,
    pub repo: PathBuf,
}

async fn keys(tx: &mpsc::Sender<Msg>, keys: &str) {
    for c in keys.chars() {
        let _ = tx
            .send(Msg::Key(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )))
            .await;
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
}

/// Waits until the journal holds `n` events matching `pred`.
async fn until(
    journal: &std::path::Path,
    what: &str,
    n: usize,
    secs: u64,
    pred: impl Fn(&Event) -> bool,
) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let found = read_all(journal)
            .map(|b| b.events.iter().filter(|e| pred(e)).count())
            .unwrap_or(0);
        if found >= n {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            return Err(format!("demo script: no {what} after {secs}s"));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The engineer's part: the fix and its regression test, committed on the hotfix branch.
fn commit_fix(repo: &std::path::Path) -> Result<(), String> {
    std::fs::write(repo.join(super::repo::VERIFY_TOKEN), super::repo::FIXED)
        .map_err(|e| e.to_string())?;
    std::fs::write(repo.join(super::repo::VERIFY_TEST), super::repo::TEST_FIXED)
        .map_err(|e| e.to_string())?;
    let r = git2::Repository::open(repo).map_err(|e| e.message().to_string())?;
    super::repo::commit(
        &r,
        "fix: reject expired tokens without iat\n\nRoot cause: verifyToken() only checked exp when the token had an iat;\ntokens from the old SSO bridge have none.\n\nTicket: DEMO-1337 Priority: P0",
        ("Sam Rivera (on call)", "sam@acme.example"),
        chrono::Utc::now().timestamp(),
    )
    .map_err(|e| e.message().to_string())?;
    Ok(())
}

/// The pull request merged: `main` fast-forwarded to the hotfix branch (HEAD stays on the
/// hotfix branch, so the working tree is not touched).
fn merge_fix(repo: &std::path::Path) -> Result<(), String> {
    let r = git2::Repository::open(repo).map_err(|e| e.message().to_string())?;
    let tip = r
        .head()
        .and_then(|h| h.peel_to_commit())
        .map_err(|e| e.message().to_string())?;
    r.find_branch("main", git2::BranchType::Local)
        .and_then(|mut b| {
            b.get_mut()
                .set_target(tip.id(), "demo: the hotfix PR merged")
                .map(|_| ())
        })
        .map_err(|e| e.message().to_string())
}

pub async fn drive(s: Script, tx: mpsc::Sender<Msg>) {
    let j = &s.journal;
    let steps = async {
        tokio::time::sleep(Duration::from_secs(3)).await;
        keys(&tx, "g1").await;
        until(j, "hotfix branch", 1, 30, |e| {
            e.is(kinds::GIT_BRANCH_CREATED)
        })
        .await?;
        commit_fix(&s.repo)?;
        until(j, "guard", 1, 30, |e| e.is(kinds::GIT_GUARD)).await?;
        keys(&tx, "t").await;
        until(j, "checks", 3, 60, |e| e.is(kinds::CHECK_FINISHED)).await?;
        keys(&tx, "dy").await;
        until(j, "deploy", 1, 120, |e| e.is(kinds::DEPLOY_FINISHED)).await?;
        keys(&tx, "s").await;
        until(j, "smoke tests", 1, 60, |e| {
            e.is(kinds::SMOKE_FINISHED) && e.fields.get("all_passed").is_some()
        })
        .await?;
        until(j, "error-rate verdict", 1, 180, |e| e.is(kinds::ERROR_RATE)).await?;
        merge_fix(&s.repo)?;
        keys(&tx, "g4").await;
        until(j, "tag", 1, 30, |e| e.is(kinds::GIT_TAG_CREATED)).await?;
        keys(&tx, "g6").await;
        until(j, "backport", 1, 30, |e| e.is(kinds::GIT_BACKPORT)).await?;
        // Verified only once the monitoring window after the deploy is over.
        let deployed = read_all(j).ok().and_then(|b| {
            b.events
                .iter()
                .rev()
                .find(|e| e.is(kinds::DEPLOY_FINISHED))
                .map(|e| e.at)
        });
        let window = super::WINDOW_SCRIPTED;
        if let Some(at) = deployed {
            let left = (at + chrono::Duration::from_std(window).unwrap_or_default()
                - chrono::Utc::now())
            .to_std()
            .unwrap_or_default();
            tokio::time::sleep(left + Duration::from_secs(1)).await;
        }
        // And once the latency gate's good verdict is on the record (its next poll).
        until(j, "latency gate", 1, 30, |e| {
            e.is(kinds::METRIC_VERDICT) && e.str_field("verdict") == Some("good")
        })
        .await?;
        keys(&tx, "m7").await;
        until(j, "verified resolved", 1, 30, |e| {
            e.str_field("milestone") == Some("verified_resolved")
        })
        .await?;
        keys(&tx, "cy").await;
        until(j, "the review", 1, 60, |e| {
            e.is(kinds::EXPORT_WRITTEN) && e.str_field("format") == Some("pir")
        })
        .await?;
        tokio::time::sleep(Duration::from_secs(3)).await;
        Ok::<(), String>(())
    };
    if let Err(why) = steps.await {
        let _ = tx.send(Msg::Failed(why)).await;
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    let _ = tx.send(Msg::Quit { exit: 0 }).await;
}
