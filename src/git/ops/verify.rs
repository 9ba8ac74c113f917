//! Verify: does the base hold the hotfix commits?

use super::*;

/// How a commit holds the fix, if it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    /// Every hotfix commit is an ancestor (a merge or fast-forward).
    Commits,
    /// The hotfix's combined change is already in its tree (a squash or rebase merge):
    /// applying it changes nothing.
    Change,
}

/// Whether `target` holds the hotfix.
pub fn holds_fix(git: &Git, hf: &crate::git::Hotfix, target: Oid) -> Result<Option<Holds>> {
    let mut all = true;
    for c in &hf.commits {
        if !contains(git, target, *c)? {
            all = false;
            break;
        }
    }
    if all {
        return Ok(Some(Holds::Commits));
    }
    let fork = git.repo.find_commit(hf.fork)?.tree()?;
    let ours = git.repo.find_commit(target)?.tree()?;
    let theirs = git.repo.find_commit(hf.tip)?.tree()?;
    let mut merged = git.repo.merge_trees(&fork, &ours, &theirs, None)?;
    if merged.has_conflicts() {
        return Ok(None);
    }
    let tree = merged.write_tree_to(&git.repo)?;
    Ok((tree == ours.id()).then_some(Holds::Change))
}

pub(super) fn verify(git: &Git) -> Result<Report> {
    let hf = git.hotfix()?;
    let (branch, commits) = (hf.branch.clone(), hf.commits.clone());
    let base = git.cfg.base_branch.clone();
    let tip = git.base_tip()?;
    let holds = holds_fix(git, &hf, tip.id())?;
    if holds.is_none() {
        let names: Vec<String> = commits.iter().map(|c| short(*c)).collect();
        return refuse(format!(
            "{base} at {} does not hold the fix of {branch} yet (commits {}, nor their change): merge the PR, then pull {base}",
            short(tip.id()),
            names.join(", ")
        ));
    }
    let remote = git.remote_base_tip();
    let remote_ok = match &remote {
        Some(rt) => Some(holds_fix(git, &hf, rt.id())?.is_some()),
        None => None,
    };
    let mut r = Report {
        title: format!("git verify {base}"),
        ..Report::default()
    };
    let author = tip.author();
    r.lines.push(format!(
        "git log -1 {base}: {} {} ({}, {})",
        short(tip.id()),
        summary(&tip),
        author.name().unwrap_or_default(),
        chrono::DateTime::from_timestamp(tip.time().seconds(), 0)
            .map(crate::format::utc_minute)
            .unwrap_or_default()
    ));
    r.lines.push(match holds {
        Some(Holds::Commits) => format!(
            "✓ {base} contains the {} of {branch}",
            count(commits.len(), "hotfix commit", "hotfix commits")
        ),
        _ => format!("✓ {base} holds the change of {branch} (squash or rebase merge)"),
    });
    let merged = git.incident.merge_commit.as_deref().map(|mc| {
        match git.repo.revparse_single(mc).map(|o| o.id()) {
            Ok(id) if contains(git, tip.id(), id).unwrap_or(false) => {
                r.lines.push(format!(
                    "✓ {base} contains the PR's merge commit {}",
                    short(id)
                ));
                true
            }
            Ok(id) => {
                r.lines.push(format!(
                    "⚠ {base} at {} does not contain the PR's merge commit {} yet: pull {base}",
                    short(tip.id()),
                    short(id)
                ));
                false
            }
            Err(_) => {
                r.lines.push(format!(
                    "⚠ the PR's merge commit {} is not in this clone yet: fetch {base}",
                    &mc[..mc.len().min(7)]
                ));
                false
            }
        }
    });
    match remote_ok {
        Some(true) => r
            .lines
            .push(format!("✓ {}/{base} contains them too", git.cfg.remote)),
        Some(false) => r.lines.push(format!(
            "⚠ {}/{base} does not contain them yet: push {base}",
            git.cfg.remote
        )),
        None => r.lines.push(format!(
            "(no {}/{base} to check: fetch first)",
            git.cfg.remote
        )),
    }
    r.events.push(
        Draft::new(
            kinds::GIT_VERIFIED,
            format!(
                "Verified: {base} at {} contains the hotfix",
                short(tip.id())
            ),
        )
        .field("base", base)
        .field("commit", tip.id().to_string())
        .field("summary", summary(&tip))
        .field("remote_contains", remote_ok)
        .field("contains_merge_commit", merged),
    );
    Ok(r)
}
