//! The hotfix branch, cut from production.

use super::*;

pub(super) fn branch(git: &Git, fetch: bool, from_local: bool) -> Result<Report> {
    git.require_attached_head()?;
    git.require_clean_state()?;
    git.require_clean_tree()?;
    git.require_remote()?;
    let name = git.hotfix_name();
    if git.repo.find_branch(&name, BranchType::Local).is_ok() {
        return refuse(format!(
            "the branch {name} already exists: check it out (git switch {name}) or delete it first"
        ));
    }
    let base = git.cfg.base_branch.clone();
    let mut r = Report {
        title: format!("git branch {name}"),
        ..Report::default()
    };
    let mut fetched = false;
    if fetch {
        match git.fetch_base() {
            Ok(()) => {
                fetched = true;
                r.lines
                    .push(format!("fetched {base} from {}", git.cfg.remote));
            }
            Err(e) => r.lines.push(format!(
                "{} is not reachable ({e}): using the local {base}",
                git.cfg.remote
            )),
        }
    }
    let mut tip = git.base_tip()?;
    let mut fast_forward = None;
    if let Some(remote_tip) = git.remote_base_tip() {
        if remote_tip.id() != tip.id() && git.repo.graph_descendant_of(remote_tip.id(), tip.id())? {
            // The local base is behind: it is fast-forwarded once the hotfix branch is out.
            fast_forward = Some(remote_tip.id());
            r.lines.push(format!(
                "{base} fast-forwarded to {} {}",
                short(remote_tip.id()),
                summary(&remote_tip)
            ));
            tip = remote_tip;
        } else if remote_tip.id() != tip.id()
            && !git.repo.graph_descendant_of(tip.id(), remote_tip.id())?
        {
            let (ahead, behind) = git.repo.graph_ahead_behind(tip.id(), remote_tip.id())?;
            if !from_local {
                return refuse(format!(
                    "the local {base} and {remote}/{base} have diverged ({} only here, {behind} only on {remote}): reconcile them first (git switch {base} && git pull --rebase {remote} {base}), or branch from the local {base} on purpose with --from-local",
                    count(ahead, "commit", "commits"),
                    remote = git.cfg.remote
                ));
            }
            r.lines.push(format!(
                "⚠ the local {base} and {}/{base} have diverged ({ahead} only here, {behind} only there): branching from the local one, as asked",
                git.cfg.remote
            ));
        }
    }
    git.repo.branch(&name, &tip, false)?;
    let mut co = CheckoutBuilder::new();
    co.safe();
    git.repo
        .checkout_tree(tip.as_object(), Some(&mut co))
        .map_err(|e| {
            let _ = git
                .repo
                .find_branch(&name, BranchType::Local)
                .and_then(|mut b| b.delete());
            GitError::Refused(format!(
                "cannot check out {name}: {} (nothing was changed)",
                e.message()
            ))
        })?;
    git.repo.set_head(&format!("refs/heads/{name}"))?;
    if let Some(id) = fast_forward {
        // Only now: while the base was checked out, moving it would have moved HEAD's baseline.
        git.repo
            .find_branch(&base, BranchType::Local)?
            .get_mut()
            .set_target(id, "warroom: fast-forward to the remote base")?;
    }
    let commit = tip.id().to_string();
    r.lines.push(format!(
        "created and checked out {name} at {} {}",
        short(tip.id()),
        summary(&tip)
    ));
    r.events.push(
        Draft::new(
            kinds::GIT_BRANCH_CREATED,
            format!(
                "Hotfix branch {name} created from {base} at {}",
                short(tip.id())
            ),
        )
        .field("branch", name)
        .field("base", base)
        .field("commit", commit)
        .field("fetched", fetched),
    );
    Ok(r)
}
