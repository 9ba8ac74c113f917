//! The hotfix's git work, with libgit2: branch, guard, verify, tag, revert, backport, patch.
//! Every operation refuses rather than risk the user's work (a dirty tree, a merge or rebase
//! in progress, a detached HEAD, a missing base branch or remote, a name already taken), and
//! reports what it did as lines to show and events to record.

pub mod cli;
mod hotfix;
pub mod ops;
pub mod worker;

use std::path::{Path, PathBuf};

use git2::{
    BranchType, Cred, CredentialType, FetchOptions, Oid, PushOptions, RemoteCallbacks, Repository,
    RepositoryState, Signature, StatusOptions,
};

use crate::config::GitConfig;
use crate::journal::Draft;

pub use ops::{GuardReport, Op};
pub use worker::{GitMsg, GitSetup, GitWorker};

/// A refusal (exit 2: the user must do something first) or a failure (exit 1).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GitError {
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Failed(String),
    /// A conflict: nothing was changed (exit 3).
    #[error("{0}")]
    Conflict(String),
    /// There is no semver tag to count from: the version must be given.
    #[error("there is no semver tag yet: give the version (e.g. --version 1.0.1)")]
    NeedsVersion,
}

impl From<git2::Error> for GitError {
    fn from(e: git2::Error) -> GitError {
        GitError::Failed(e.message().to_string())
    }
}

pub type Result<T> = std::result::Result<T, GitError>;

impl GitError {
    /// The attempt on the record: every refusal and failure is on the timeline with its reason.
    pub fn event(&self, op: &str) -> Draft {
        let (outcome, verb) = match self {
            GitError::Refused(_) | GitError::NeedsVersion => ("refused", "refused"),
            GitError::Conflict(_) => ("conflict", "stopped on a conflict"),
            GitError::Failed(_) => ("failed", "failed"),
        };
        Draft::new(
            crate::journal::kinds::GIT_REFUSED,
            format!("git {op} {verb}: {self}"),
        )
        .field("op", op)
        .field("outcome", outcome)
        .field("reason", self.to_string())
    }
}

fn refuse<T>(msg: impl Into<String>) -> Result<T> {
    Err(GitError::Refused(msg.into()))
}

/// What an operation did: lines for the screen or the terminal, events for the record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub title: String,
    pub lines: Vec<String>,
    pub events: Vec<Draft>,
    pub guard: Option<GuardReport>,
    /// A dry run that can be applied: what `y` would do.
    pub confirm: Option<Op>,
    /// Files in conflict (nothing of the conflicting step was written).
    pub conflicts: Vec<String>,
    /// The parts that failed (a backport's target, a push): the operation did not all succeed.
    pub failed: Vec<String>,
}

/// What the operations know of the incident: a copy small enough to hand to the git thread.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Subject {
    pub ticket: String,
    pub title: String,
    /// The hotfix branch and the base commit it started from, once `branch` has run.
    pub hotfix: Option<(String, String)>,
    /// A branch named for this operation (`--branch`), used when the record holds none.
    pub branch: Option<String>,
    /// The merge commit of the hotfix PR, once GitHub reported the merge: what `tag` tags and
    /// `verify` looks for.
    pub merge_commit: Option<String>,
}

impl Subject {
    pub fn of(inc: &crate::incident::Incident) -> Subject {
        Subject {
            ticket: inc.ticket.clone(),
            title: inc.title.clone(),
            hotfix: inc.hotfix.clone(),
            branch: None,
            merge_commit: inc.pr.as_ref().and_then(|p| p.merge_commit.clone()),
        }
    }
}

/// The hotfix: its branch, its tip, where it left the base, and its own commits.
#[derive(Debug, Clone, PartialEq)]
pub struct Hotfix {
    pub branch: String,
    pub tip: Oid,
    /// `git merge-base base tip`: the diff of the hotfix is from here to the tip.
    pub fork: Oid,
    /// The non-merge commits in `base..tip`, oldest first.
    pub commits: Vec<Oid>,
}

pub struct Git {
    pub repo: Repository,
    pub cfg: GitConfig,
    pub incident: Subject,
}

pub fn short(oid: Oid) -> String {
    oid.to_string()[..7].to_string()
}

/// `auth-bypass-on-expired-tokens`: lowercase, hyphens, at most 40 characters.
pub fn slug(title: &str) -> String {
    let mut s = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let mut s: String = s.trim_matches('-').chars().take(40).collect();
    while s.ends_with('-') {
        s.pop();
    }
    s
}

/// Where the repository is looked for: `[git] repo` (relative to `cwd`), or `cwd`.
fn repo_at(cfg: &GitConfig, cwd: &Path) -> PathBuf {
    cfg.repo
        .clone()
        .map(|r| if r.is_absolute() { r } else { cwd.join(r) })
        .unwrap_or_else(|| cwd.to_path_buf())
}

fn not_a_repo(at: &Path) -> GitError {
    GitError::Refused(format!(
        "{} is not in a git repository: run warroom in the service's checkout, or set [git] repo",
        at.display()
    ))
}

/// The `.git` folder of the configured repository or of the one holding `cwd`, found on the
/// file system alone (libgit2 is not started).
pub fn find_git_dir(cfg: &GitConfig, cwd: &Path) -> Result<PathBuf> {
    let at = repo_at(cfg, cwd);
    let mut dir = Some(at.as_path());
    while let Some(d) = dir {
        let dot_git = d.join(".git");
        if dot_git.is_dir() {
            return Ok(dot_git);
        }
        // A linked worktree or a submodule: `.git` is a file naming the real folder.
        if let Some(target) = std::fs::read_to_string(&dot_git)
            .ok()
            .and_then(|t| t.strip_prefix("gitdir:").map(|p| p.trim().to_string()))
        {
            let p = PathBuf::from(target);
            return Ok(if p.is_absolute() { p } else { d.join(p) });
        }
        dir = d.parent();
    }
    Err(not_a_repo(&at))
}

/// The branch and commit checked out in the repository holding `dir`, read from the files
/// alone (`HEAD`, the loose ref or `packed-refs`): cheap enough for the start of every deploy.
pub fn head_of(dir: &Path) -> Option<(Option<String>, String)> {
    let git_dir = find_git_dir(&GitConfig::default(), dir).ok()?;
    // A linked worktree keeps its refs in the common folder.
    let common = std::fs::read_to_string(git_dir.join("commondir"))
        .ok()
        .map(|c| git_dir.join(c.trim()))
        .unwrap_or_else(|| git_dir.clone());
    let head = std::fs::read_to_string(git_dir.join("HEAD")).ok()?;
    let head = head.trim();
    let Some(name) = head.strip_prefix("ref: ") else {
        return Some((None, head.to_string()));
    };
    let loose = std::fs::read_to_string(common.join(name))
        .ok()
        .map(|c| c.trim().to_string());
    let commit = loose.or_else(|| {
        std::fs::read_to_string(common.join("packed-refs"))
            .ok()?
            .lines()
            .find_map(|l| {
                let (id, r) = l.split_once(' ')?;
                (r == name).then(|| id.to_string())
            })
    })?;
    Some((
        Some(name.trim_start_matches("refs/heads/").to_string()),
        commit,
    ))
}

impl Git {
    /// Opens the configured repository, or the one holding `cwd`.
    pub fn open(cfg: &GitConfig, cwd: &Path, incident: Subject) -> Result<Git> {
        let at = repo_at(cfg, cwd);
        let repo = Repository::discover(&at).map_err(|_| not_a_repo(&at))?;
        Ok(Git {
            repo,
            cfg: cfg.clone(),
            incident,
        })
    }

    pub fn workdir(&self) -> PathBuf {
        self.repo
            .workdir()
            .unwrap_or_else(|| self.repo.path())
            .to_path_buf()
    }

    pub fn hotfix_name(&self) -> String {
        self.cfg
            .hotfix_pattern
            .replace("{ticket}", &self.incident.ticket)
            .replace("{slug}", &slug(&self.incident.title))
            .trim_end_matches('-')
            .to_string()
    }

    /// Refuses when a rebase, merge, cherry-pick or revert is in progress.
    pub fn require_clean_state(&self) -> Result<()> {
        match self.repo.state() {
            RepositoryState::Clean => Ok(()),
            s => refuse(format!(
                "a {} is in progress in {}: finish or abort it first",
                format!("{s:?}")
                    .to_lowercase()
                    .replace("interactive", " (interactive)"),
                self.workdir().display()
            )),
        }
    }

    /// Refuses when tracked files have uncommitted changes (untracked files are left alone).
    pub fn require_clean_tree(&self) -> Result<()> {
        let mut opts = StatusOptions::new();
        opts.include_untracked(false).include_ignored(false);
        let statuses = self.repo.statuses(Some(&mut opts))?;
        let dirty: Vec<String> = statuses
            .iter()
            .filter_map(|s| s.path().ok().map(String::from))
            .collect();
        if dirty.is_empty() {
            return Ok(());
        }
        let shown: Vec<&str> = dirty.iter().take(5).map(String::as_str).collect();
        refuse(format!(
            "uncommitted changes in {} ({}{}): commit or stash them yourself first; warroom never touches uncommitted work",
            crate::format::count(dirty.len(), "file", "files"),
            shown.join(", "),
            if dirty.len() > 5 { ", …" } else { "" }
        ))
    }

    pub fn require_attached_head(&self) -> Result<()> {
        if self.repo.head_detached().unwrap_or(false) {
            return refuse("HEAD is detached: check out a branch first");
        }
        Ok(())
    }

    pub fn base_tip(&self) -> Result<git2::Commit<'_>> {
        let b = &self.cfg.base_branch;
        let branch = self.repo.find_branch(b, BranchType::Local).map_err(|_| {
            GitError::Refused(format!(
                "the base branch {b:?} does not exist here: set [git] base_branch"
            ))
        })?;
        Ok(branch.get().peel_to_commit()?)
    }

    pub fn remote_base_tip(&self) -> Option<git2::Commit<'_>> {
        let name = format!("{}/{}", self.cfg.remote, self.cfg.base_branch);
        self.repo
            .find_branch(&name, BranchType::Remote)
            .ok()?
            .get()
            .peel_to_commit()
            .ok()
    }

    pub fn require_remote(&self) -> Result<git2::Remote<'_>> {
        self.repo.find_remote(&self.cfg.remote).map_err(|_| {
            GitError::Refused(format!(
                "there is no remote {:?}: add it (git remote add {} <url>) or set [git] remote",
                self.cfg.remote, self.cfg.remote
            ))
        })
    }

    /// The URL of `[git] remote`, as the repository's config writes it.
    pub fn remote_url(&self) -> Result<String> {
        self.require_remote()?.url().map(String::from).map_err(|_| {
            GitError::Refused(format!(
                "the remote {:?} has no URL git can read",
                self.cfg.remote
            ))
        })
    }

    pub fn signature(&self) -> Result<Signature<'static>> {
        Ok(self
            .repo
            .signature()
            .or_else(|_| Signature::now("warroom", "warroom@localhost"))?)
    }

    /// The base as far as this clone knows it: `origin/BASE` when it is ahead of the local
    /// base (or there is no local one), else the local base.
    pub fn newest_base(&self) -> Result<git2::Commit<'_>> {
        let local = self.base_tip();
        match (local, self.remote_base_tip()) {
            (Ok(l), Some(r))
                if r.id() != l.id() && self.repo.graph_descendant_of(r.id(), l.id())? =>
            {
                Ok(r)
            }
            (Ok(l), _) => Ok(l),
            (Err(_), Some(r)) => Ok(r),
            (Err(e), None) => Err(e),
        }
    }

    /// Fetch and push callbacks: the ssh agent, then the credential helper, then defaults.
    pub(crate) fn callbacks(&self) -> RemoteCallbacks<'static> {
        let config = self.repo.config().ok();
        let mut tried = 0;
        let mut cb = RemoteCallbacks::new();
        cb.credentials(move |url, user, allowed| {
            tried += 1;
            if tried > 3 {
                return Err(git2::Error::from_str("authentication failed"));
            }
            if allowed.contains(CredentialType::SSH_KEY) {
                return Cred::ssh_key_from_agent(user.unwrap_or("git"));
            }
            if allowed.contains(CredentialType::USER_PASS_PLAINTEXT)
                && let Some(c) = &config
            {
                return Cred::credential_helper(c, url, user);
            }
            Cred::default()
        });
        cb
    }

    /// Fetches the base branch; `Err` says why the remote could not be reached.
    pub fn fetch_base(&self) -> std::result::Result<(), String> {
        self.fetch_refspec(&format!(
            "+refs/heads/{b}:refs/remotes/{r}/{b}",
            b = self.cfg.base_branch,
            r = self.cfg.remote
        ))
    }

    /// Fetches one refspec from the remote. A shallow clone is fetched by the git command line
    /// (`--depth 1`): libgit2 drops `.git/shallow` on such a fetch without bringing the history
    /// behind it, which leaves a repository git cannot read.
    pub(crate) fn fetch_refspec(&self, refspec: &str) -> std::result::Result<(), String> {
        self.fetch_refspecs(&[refspec])
    }

    /// Fetches these refspecs in one round trip (a source without a destination brings its
    /// objects only).
    pub(crate) fn fetch_refspecs(
        &self,
        refspecs: &[impl AsRef<str>],
    ) -> std::result::Result<(), String> {
        let refspecs: Vec<&str> = refspecs.iter().map(AsRef::as_ref).collect();
        if self.repo.is_shallow() {
            let mut cmd = cli::command(self);
            cmd.args([
                "fetch",
                "--quiet",
                "--no-write-fetch-head",
                "--depth",
                "1",
                &self.cfg.remote,
            ])
            .args(&refspecs);
            return cli::run(cmd).map(|_| ());
        }
        let mut remote = self
            .repo
            .find_remote(&self.cfg.remote)
            .map_err(|e| e.message().to_string())?;
        let mut opts = FetchOptions::new();
        // FETCH_HEAD is the user's: a background fetch that rewrote it would change what their
        // own `git merge FETCH_HEAD` takes (and wake the git pane's watch for nothing).
        opts.remote_callbacks(self.callbacks())
            .update_fetchhead(false);
        remote
            .fetch(&refspecs, Some(&mut opts), None)
            .map_err(|e| e.message().to_string())
    }

    /// Fetches one branch of the remote into `refs/remotes/REMOTE/BRANCH`.
    pub fn fetch_branch(&self, branch: &str) -> std::result::Result<(), String> {
        let refspec = format!(
            "+refs/heads/{branch}:refs/remotes/{}/{branch}",
            self.cfg.remote
        );
        self.fetch_refspec(&refspec)?;
        // libgit2 fetches a branch the remote does not have without a word; git says
        // "couldn't find remote ref". So do we.
        if self
            .repo
            .find_reference(&format!("refs/remotes/{}/{branch}", self.cfg.remote))
            .is_err()
        {
            return Err(format!("{} has no branch {branch}", self.cfg.remote));
        }
        let remote = self
            .repo
            .find_remote(&self.cfg.remote)
            .map_err(|e| e.message().to_string())?;
        // A single-branch clone fetches only its branch: add this one, as
        // `git remote set-branches --add` does, so that it can be tracked.
        let source = format!("refs/heads/{branch}");
        let covered = remote
            .refspecs()
            .any(|r| r.direction() == git2::Direction::Fetch && r.src_matches(&source));
        if !covered {
            self.repo
                .remote_add_fetch(&self.cfg.remote, &refspec)
                .map_err(|e| e.message().to_string())?;
        }
        Ok(())
    }

    /// Pushes refs; on failure, the exact command to run by hand.
    pub fn push(&self, refspecs: &[String]) -> std::result::Result<(), String> {
        let manual = format!(
            "push failed; run it yourself: git push {} {}",
            self.cfg.remote,
            refspecs
                .iter()
                .map(|r| r
                    .rsplit(':')
                    .next()
                    .unwrap_or(r)
                    .trim_start_matches("refs/heads/")
                    .trim_start_matches("refs/tags/")
                    .to_string())
                .collect::<Vec<_>>()
                .join(" ")
        );
        self.push_refs(refspecs).map_err(|e| match e {
            PushError::Unreachable(why) => format!("{manual} ({why})"),
            PushError::Rejected(why) => format!("{manual} (rejected: {why})"),
        })
    }

    /// Pushes refs as they are (a `+` forces; none here does), telling a remote that could not
    /// be reached from one that refused the update.
    pub fn push_refs(&self, refspecs: &[String]) -> std::result::Result<(), PushError> {
        let mut remote = self
            .repo
            .find_remote(&self.cfg.remote)
            .map_err(|e| PushError::Unreachable(e.message().to_string()))?;
        let mut opts = PushOptions::new();
        let rejected = std::rc::Rc::new(std::cell::RefCell::new(None));
        let mut cb = self.callbacks();
        let r2 = rejected.clone();
        cb.push_update_reference(move |name, status| {
            if let Some(s) = status {
                *r2.borrow_mut() = Some(format!("{name}: {s}"));
            }
            Ok(())
        });
        opts.remote_callbacks(cb);
        remote
            .push(refspecs, Some(&mut opts))
            .map_err(|e| match e.class() {
                git2::ErrorClass::Reference => PushError::Rejected(e.message().to_string()),
                _ if e.message().contains("fast-forward") => {
                    PushError::Rejected(e.message().to_string())
                }
                _ => PushError::Unreachable(e.message().to_string()),
            })?;
        match rejected.borrow().clone() {
            Some(why) => Err(PushError::Rejected(why)),
            None => Ok(()),
        }
    }
}

/// Why a push did not land.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushError {
    /// The remote could not be reached.
    Unreachable(String),
    /// The remote refused the update (not a fast-forward, a hook).
    Rejected(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_git_folder_is_found_without_libgit2() {
        let dir = tempfile::tempdir().expect("tmp");
        let cfg = GitConfig::default();
        assert!(
            matches!(find_git_dir(&cfg, dir.path()), Err(GitError::Refused(m)) if m.contains("not in a git repository"))
        );
        std::fs::create_dir_all(dir.path().join("svc/.git")).expect("git");
        std::fs::create_dir_all(dir.path().join("svc/src/deep")).expect("src");
        assert_eq!(
            find_git_dir(&cfg, &dir.path().join("svc/src/deep")).ok(),
            Some(dir.path().join("svc/.git"))
        );
        std::fs::create_dir_all(dir.path().join("wt")).expect("wt");
        std::fs::write(
            dir.path().join("wt/.git"),
            "gitdir: /elsewhere/.git/worktrees/wt\n",
        )
        .expect("file");
        assert_eq!(
            find_git_dir(&cfg, &dir.path().join("wt")).ok(),
            Some(PathBuf::from("/elsewhere/.git/worktrees/wt"))
        );
    }

    #[test]
    fn slugs_are_short_and_tidy() {
        assert_eq!(
            slug("Auth bypass on expired tokens"),
            "auth-bypass-on-expired-tokens"
        );
        assert_eq!(
            slug("  Payments: 500s on /checkout!! "),
            "payments-500s-on-checkout"
        );
        let long = slug("a very long title that goes on and on about many things at once");
        assert!(long.len() <= 40 && !long.ends_with('-'), "{long}");
    }
}
