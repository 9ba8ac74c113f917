//! Reverting the hotfix: a dry run first.

use super::*;

pub(super) fn revert(git: &Git, commit: Option<&str>, apply: bool) -> Result<Report> {
    let target = match commit {
        Some(c) => resolve(git, c)?,
        None => {
            let hf = git.hotfix()?;
            git.repo.find_commit(
                *hf.commits
                    .last()
                    .ok_or_else(|| GitError::Failed("no commits".into()))?,
            )?
        }
    };
    git.require_attached_head()?;
    let head = git.repo.head()?;
    let on = head.shorthand().unwrap_or("HEAD").to_string();
    let head_commit = head.peel_to_commit()?;
    let mainline = if target.parent_count() > 1 { 1 } else { 0 };
    let mut index = git
        .repo
        .revert_commit(&target, &head_commit, mainline, None)?;
    let conflicts: Vec<String> = index
        .conflicts()?
        .filter_map(|c| c.ok())
        .filter_map(|c| c.our.or(c.their).or(c.ancestor))
        .map(|e| String::from_utf8_lossy(&e.path).into_owned())
        .collect();
    let parent_tree = target.parent(0)?.tree()?;
    let diff = git
        .repo
        .diff_tree_to_tree(Some(&parent_tree), Some(&target.tree()?), None)?;
    let files: Vec<String> = diff
        .deltas()
        .filter_map(|d| {
            d.new_file()
                .path()
                .or(d.old_file().path())
                .map(|p| p.to_string_lossy().into_owned())
        })
        .collect();
    let mut r = Report {
        title: format!("git revert {}", short(target.id())),
        ..Report::default()
    };
    r.lines.push(format!(
        "revert {} {} on {on}",
        short(target.id()),
        summary(&target)
    ));
    r.lines.push(format!("files: {}", files.join(", ")));
    if !conflicts.is_empty() {
        r.lines.push(format!(
            "✗ conflicts in {}: revert by hand (git revert {})",
            conflicts.join(", "),
            short(target.id())
        ));
        if apply {
            return Err(GitError::Conflict(format!(
                "the revert of {} conflicts in {}: nothing was changed; resolve it by hand with git revert {}",
                short(target.id()),
                conflicts.join(", "),
                target.id()
            )));
        }
        r.conflicts = conflicts;
        return Ok(r);
    }
    if !apply {
        r.lines
            .push("✓ applies cleanly (dry run: nothing changed yet)".into());
        r.confirm = Some(Op::Revert {
            commit: Some(target.id().to_string()),
            apply: true,
        });
        return Ok(r);
    }
    git.require_clean_state()?;
    git.require_clean_tree()?;
    let tree = git.repo.find_tree(index.write_tree_to(&git.repo)?)?;
    // The working tree and index first, while HEAD still names the tree they match; then the
    // commit moves HEAD.
    let mut co = CheckoutBuilder::new();
    co.safe();
    git.repo.checkout_tree(tree.as_object(), Some(&mut co))?;
    let sig = git.signature()?;
    let message = format!(
        "Revert \"{}\"\n\nThis reverts commit {}.\n\nRollback for {}.",
        summary(&target),
        target.id(),
        git.incident.ticket
    );
    let new = git
        .repo
        .commit(Some("HEAD"), &sig, &sig, &message, &tree, &[&head_commit])?;
    r.lines.push(format!(
        "✓ committed {} on {on}: push it and deploy (option 1 of the rollback plan)",
        short(new)
    ));
    r.events.push(
        Draft::new(
            kinds::GIT_REVERT,
            format!(
                "Reverted {} with {} on {on}",
                short(target.id()),
                short(new)
            ),
        )
        .field("reverted", target.id().to_string())
        .field("commit", new.to_string())
        .field("branch", on),
    );
    Ok(r)
}
