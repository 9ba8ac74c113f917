//! Which hotfix an operation works on: the branch the incident recorded, or one named for the
//! operation; never whatever HEAD is on.

use git2::{BranchType, Oid};

use super::{Git, GitError, Hotfix, Result, refuse};

impl Git {
    /// The hotfix as git sees it: its commits are the non-merge commits in `base..tip`, and
    /// its change is `git diff base...tip`. Merging the base into the hotfix changes neither.
    pub fn hotfix(&self) -> Result<Hotfix> {
        let tip_of = |branch: &str, missing: String| -> Result<Oid> {
            Ok(self
                .repo
                .find_branch(branch, BranchType::Local)
                .map_err(|_| GitError::Refused(missing))?
                .get()
                .peel_to_commit()?
                .id())
        };
        let (branch, tip, start) = match (&self.incident.hotfix, &self.incident.branch) {
            (Some((branch, start)), _) => (
                branch.clone(),
                tip_of(branch, format!("the hotfix branch {branch:?} is gone"))?,
                Oid::from_str(start).ok(),
            ),
            (None, Some(branch)) => (
                branch.clone(),
                tip_of(branch, format!("there is no branch {branch:?}"))?,
                None,
            ),
            // Never whatever HEAD is on: it may be another incident's branch.
            (None, None) => return refuse(self.no_hotfix()),
        };
        let base = self.newest_base()?.id();
        let start = start.filter(|s| self.repo.find_commit(*s).is_ok());
        let own = |hide_base: bool| -> Result<Vec<Oid>> {
            let mut walk = self.repo.revwalk()?;
            walk.push(tip)?;
            if hide_base {
                walk.hide(base)?;
                if let Ok(local) = self.base_tip() {
                    walk.hide(local.id())?;
                }
            } else {
                // Merged into the base: the hotfix's own line is the first-parent chain, so
                // base commits merged into it stay out.
                walk.simplify_first_parent()?;
            }
            if let Some(start) = start {
                walk.hide(start)?;
            }
            walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)?;
            let mut commits = Vec::new();
            for id in walk {
                let id = id?;
                if self.repo.find_commit(id)?.parent_count() <= 1 {
                    commits.push(id);
                }
            }
            Ok(commits)
        };
        let mut commits = own(true)?;
        let mut fork = self.repo.merge_base(base, tip).map_err(|_| {
            GitError::Refused(format!(
                "{branch} and {} share no history in this clone (a shallow clone?): run git fetch --unshallow {}",
                self.cfg.base_branch, self.cfg.remote
            ))
        })?;
        if commits.is_empty()
            && let Some(start) = start
        {
            commits = own(false)?;
            fork = start;
        }
        Ok(Hotfix {
            branch,
            tip,
            fork,
            commits,
        })
    }

    /// Why there is no hotfix to work on, and where HEAD is (said, not used).
    pub fn no_hotfix(&self) -> String {
        let ticket = &self.incident.ticket;
        let head = self
            .repo
            .head()
            .ok()
            .and_then(|h| h.shorthand().ok().map(String::from))
            .filter(|h| *h != self.cfg.base_branch);
        let mut why = format!(
            "{ticket} has no hotfix branch on its record: create it (g → branch, or warroom git branch {ticket}), or name one with --branch"
        );
        if let Some(h) = head {
            let theirs = !h
                .to_ascii_lowercase()
                .contains(&ticket.to_ascii_lowercase());
            why.push_str(&format!(
                "; HEAD is on {h}{}, which is not used",
                if theirs { " (not this incident's)" } else { "" }
            ));
        }
        why
    }
}
