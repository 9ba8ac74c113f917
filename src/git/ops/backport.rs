//! Backports: new branches from the release branches, with the hotfix cherry-picked.

use super::*;

/// The tip of a backport target: the local branch, else `origin/T`, else fetched from the
/// remote (a shallow or single-branch clone). The second value names the remote branch a
/// local one must be made for, once the backport has succeeded.
pub(super) fn backport_target<'r>(
    git: &'r Git,
    target: &str,
    lines: &mut Vec<String>,
) -> std::result::Result<(git2::Commit<'r>, Option<String>), String> {
    if let Ok(b) = git.repo.find_branch(target, BranchType::Local) {
        let tip = b
            .get()
            .peel_to_commit()
            .map_err(|e| e.message().to_string())?;
        return Ok((tip, None));
    }
    let remote_name = format!("{}/{target}", git.cfg.remote);
    if git
        .repo
        .find_branch(&remote_name, BranchType::Remote)
        .is_err()
    {
        git.fetch_branch(target).map_err(|e| {
            format!(
                "no branch {target} here, and fetching it from {} failed ({e})",
                git.cfg.remote
            )
        })?;
        lines.push(format!("fetched {target} from {}", git.cfg.remote));
    }
    let tip = git
        .repo
        .find_branch(&remote_name, BranchType::Remote)
        .map_err(|_| format!("no branch {target} here nor on {}", git.cfg.remote))?
        .get()
        .peel_to_commit()
        .map_err(|e| e.message().to_string())?;
    Ok((tip, Some(remote_name)))
}

/// A local branch `name` at `tip`, tracking the remote's branch of the same name. Written to
/// the config directly: a single-branch clone's refspec does not map `origin/NAME`.
pub(super) fn track(git: &Git, name: &str, tip: &git2::Commit<'_>) -> Result<()> {
    git.repo.branch(name, tip, false)?;
    let mut cfg = git.repo.config()?;
    cfg.set_str(&format!("branch.{name}.remote"), &git.cfg.remote)?;
    cfg.set_str(
        &format!("branch.{name}.merge"),
        &format!("refs/heads/{name}"),
    )?;
    Ok(())
}

pub(super) fn backport(git: &Git, branches: &[String], push: bool) -> Result<Report> {
    let commits = git.hotfix()?.commits;
    let targets = if branches.is_empty() {
        git.cfg.backport_branches.clone()
    } else {
        branches.to_vec()
    };
    let sig = git.signature()?;
    let mut r = Report {
        title: "git backport".into(),
        ..Report::default()
    };
    let width = targets.iter().map(|t| t.len()).max().unwrap_or(0);
    let mut pushes = Vec::new();
    for target in &targets {
        let name = git
            .cfg
            .backport_pattern
            .replace("{branch}", target)
            .replace("{ticket}", &git.incident.ticket);
        let (tip, upstream) = match backport_target(git, target, &mut r.lines) {
            Ok(found) => found,
            Err(why) => {
                r.failed.push(target.clone());
                r.lines.push(format!("{target:<width$}  ✗ {why}"));
                r.events.push(
                    Draft::new(
                        kinds::GIT_BACKPORT,
                        format!("Backport to {target} skipped: {why}"),
                    )
                    .field("target", target.clone())
                    .field("ok", false)
                    .field("error", why),
                );
                continue;
            }
        };
        if git.repo.find_branch(&name, BranchType::Local).is_ok() {
            r.failed.push(target.clone());
            r.lines
                .push(format!("{target:<width$}  ✗ {name} already exists"));
            r.events.push(
                Draft::new(
                    kinds::GIT_BACKPORT,
                    format!("Backport to {target} skipped: {name} exists"),
                )
                .field("target", target.clone())
                .field("branch", name)
                .field("ok", false)
                .field("error", "branch exists"),
            );
            continue;
        }
        // Cherry-picked in memory: the working tree, the index and HEAD are never touched,
        // and nothing is written unless every commit applies.
        let mut ours = tip.clone();
        let mut conflict = None;
        for c in &commits {
            let theirs = git.repo.find_commit(*c)?;
            let mut index = git.repo.cherrypick_commit(&theirs, &ours, 0, None)?;
            if index.has_conflicts() {
                let files: Vec<String> = index
                    .conflicts()?
                    .filter_map(|x| x.ok())
                    .filter_map(|x| x.our.or(x.their).or(x.ancestor))
                    .map(|e| String::from_utf8_lossy(&e.path).into_owned())
                    .collect();
                conflict = Some((short(*c), files));
                break;
            }
            let tree = git.repo.find_tree(index.write_tree_to(&git.repo)?)?;
            let message = format!(
                "{}\n\n(cherry picked from commit {})",
                theirs.message().unwrap_or_default().trim_end(),
                theirs.id()
            );
            let new = git
                .repo
                .commit(None, &theirs.author(), &sig, &message, &tree, &[&ours])?;
            ours = git.repo.find_commit(new)?;
        }
        match conflict {
            Some((c, files)) => {
                r.lines.push(format!(
                    "{target:<width$}  ✗ conflict applying {c} in {}",
                    files.join(", ")
                ));
                r.events.push(
                    Draft::new(
                        kinds::GIT_BACKPORT,
                        format!("Backport to {target} conflicts in {}", files.join(", ")),
                    )
                    .field("target", target.clone())
                    .field("ok", false)
                    .field("conflicts", files.clone()),
                );
                r.conflicts.extend(files);
            }
            None => {
                if let Some(upstream) = upstream {
                    track(git, target, &tip)?;
                    r.lines.push(format!(
                        "made the local branch {target} tracking {upstream}"
                    ));
                }
                git.repo.branch(&name, &ours, false)?;
                r.lines.push(format!(
                    "{target:<width$}  ✓ {name} at {}",
                    short(ours.id())
                ));
                pushes.push(format!("refs/heads/{name}:refs/heads/{name}"));
                r.events.push(
                    Draft::new(
                        kinds::GIT_BACKPORT,
                        format!("Backported to {target} as {name} ({})", short(ours.id())),
                    )
                    .field("target", target.clone())
                    .field("branch", name)
                    .field("commit", ours.id().to_string())
                    .field("ok", true),
                );
            }
        }
    }
    if push && !pushes.is_empty() {
        match git.push(&pushes) {
            Ok(()) => r.lines.push(format!(
                "pushed {} branch(es) to {}",
                pushes.len(),
                git.cfg.remote
            )),
            Err(e) => {
                r.failed.push(format!("the push to {}", git.cfg.remote));
                r.lines.push(format!("⚠ {e}"));
            }
        }
    }
    Ok(r)
}
