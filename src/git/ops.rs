//! The operations of the `g` menu and of `warroom git …`.

use std::path::PathBuf;

use git2::{BranchType, Delta, DiffOptions, Oid, build::CheckoutBuilder};

use super::{Git, GitError, Report, Result, refuse, short};
use crate::format::count;
use crate::journal::{Draft, kinds};

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Branch {
        fetch: bool,
        /// Branch from the local base even when it has diverged from the remote's.
        from_local: bool,
    },
    Guard,
    Verify,
    Tag {
        version: Option<String>,
        commit: Option<String>,
        push: bool,
    },
    /// A dry run first; `apply` makes the revert commit.
    Revert {
        commit: Option<String>,
        apply: bool,
    },
    Backport {
        branches: Vec<String>,
        push: bool,
    },
    Patch {
        dir: PathBuf,
    },
}

impl Op {
    pub fn name(&self) -> &'static str {
        match self {
            Op::Branch { .. } => "branch",
            Op::Guard => "guard",
            Op::Verify => "verify",
            Op::Tag { .. } => "tag",
            Op::Revert { .. } => "revert",
            Op::Backport { .. } => "backport",
            Op::Patch { .. } => "patch",
        }
    }
}

/// The minimal-change guard's findings.
#[derive(Debug, Clone, PartialEq)]
pub struct GuardReport {
    pub branch: String,
    pub head: String,
    pub commits: usize,
    pub files: usize,
    pub insertions: usize,
    pub deletions: usize,
    pub manifests: Vec<String>,
    pub tests: Vec<String>,
    pub binaries: Vec<String>,
    pub over_limits: bool,
}

impl GuardReport {
    pub fn minimal(&self) -> bool {
        self.manifests.is_empty() && self.binaries.is_empty() && !self.over_limits
    }
    pub fn regression_test(&self) -> bool {
        !self.tests.is_empty()
    }
    pub fn summary(&self, base: &str) -> String {
        format!(
            "{} · {} · +{} −{} against {base}",
            crate::format::count(self.commits, "commit", "commits"),
            crate::format::count(self.files, "file", "files"),
            self.insertions,
            self.deletions
        )
    }
    pub fn flags(&self, max_lines: usize, max_files: usize) -> Vec<String> {
        let mut f = Vec::new();
        if !self.manifests.is_empty() {
            f.push(format!(
                "dependency manifests touched: {}",
                self.manifests.join(", ")
            ));
        }
        if self.tests.is_empty() {
            f.push("no test file touched: add a regression test".into());
        }
        if self.over_limits {
            f.push(format!(
                "over {max_lines} lines or {max_files} files: is this still a minimal fix?"
            ));
        }
        if !self.binaries.is_empty() {
            f.push(format!("binary files: {}", self.binaries.join(", ")));
        }
        f
    }
}

/// A commit's first line.
pub fn summary(c: &git2::Commit<'_>) -> String {
    c.summary().ok().flatten().unwrap_or_default().to_string()
}

fn matches_name(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        Some((pre, post)) => {
            name.len() >= pre.len() + post.len() && name.starts_with(pre) && name.ends_with(post)
        }
        None => pattern == name,
    }
}

/// Paths that look like tests in the common layouts.
pub fn is_test_path(path: &str) -> bool {
    let p = path.to_ascii_lowercase();
    let file = p.rsplit('/').next().unwrap_or(&p);
    p.split('/')
        .any(|d| matches!(d, "test" | "tests" | "__tests__" | "spec" | "specs" | "e2e"))
        || file.contains(".test.")
        || file.contains(".spec.")
        || file.contains("_test.")
        || file.starts_with("test_")
        || file.ends_with("_spec.rb")
        || file.ends_with("test.java")
        || file.ends_with("tests.cs")
}

/// A commit named by the user (a hash, a tag, a branch).
fn resolve<'r>(git: &'r Git, name: &str) -> Result<git2::Commit<'r>> {
    git.repo
        .revparse_single(name)
        .and_then(|o| o.peel_to_commit())
        .map_err(|_| GitError::Refused(format!("no commit {name:?}")))
}

pub fn run(git: &Git, op: &Op) -> Result<Report> {
    match op {
        Op::Branch { fetch, from_local } => branch(git, *fetch, *from_local),
        Op::Guard => guard(git),
        Op::Verify => verify(git),
        Op::Tag {
            version,
            commit,
            push,
        } => tag(git, version.as_deref(), commit.as_deref(), *push),
        Op::Revert { commit, apply } => revert(git, commit.as_deref(), *apply),
        Op::Backport { branches, push } => backport(git, branches, *push),
        Op::Patch { dir } => patch(git, dir),
    }
}

fn branch(git: &Git, fetch: bool, from_local: bool) -> Result<Report> {
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

/// Measures the hotfix against the base: `git diff base...tip`.
pub fn measure(git: &Git) -> Result<GuardReport> {
    let hf = git.hotfix()?;
    let head = git.repo.find_commit(hf.tip)?;
    let start = git.repo.find_commit(hf.fork)?.tree()?;
    let mut opts = DiffOptions::new();
    let diff = git
        .repo
        .diff_tree_to_tree(Some(&start), Some(&head.tree()?), Some(&mut opts))?;
    let (branch, commits) = (hf.branch, hf.commits);
    let mut report = GuardReport {
        branch,
        head: head.id().to_string(),
        commits: commits.len(),
        files: diff.deltas().len(),
        insertions: 0,
        deletions: 0,
        manifests: Vec::new(),
        tests: Vec::new(),
        binaries: Vec::new(),
        over_limits: false,
    };
    // One patch per file gives its line counts and whether it is binary.
    for (i, delta) in diff.deltas().enumerate() {
        let path = delta
            .new_file()
            .path()
            .or(delta.old_file().path())
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let file = path.rsplit('/').next().unwrap_or(&path).to_string();
        if git.cfg.manifests.iter().any(|m| matches_name(m, &file)) {
            report.manifests.push(path.clone());
        }
        if is_test_path(&path) && delta.status() != Delta::Deleted {
            report.tests.push(path.clone());
        }
        match git2::Patch::from_diff(&diff, i)? {
            Some(p) if !p.delta().flags().is_binary() => {
                let (_, added, removed) = p.line_stats()?;
                report.insertions += added;
                report.deletions += removed;
            }
            _ => report.binaries.push(path),
        }
    }
    report.over_limits = report.insertions + report.deletions > git.cfg.max_lines
        || report.files > git.cfg.max_files;
    Ok(report)
}

pub fn guard_event(g: &GuardReport, git_cfg: &crate::config::GitConfig) -> Draft {
    let flags = g.flags(git_cfg.max_lines, git_cfg.max_files);
    let text = if flags.is_empty() {
        format!(
            "Guard: {} — minimal, with a regression test",
            g.summary(&git_cfg.base_branch)
        )
    } else {
        format!(
            "Guard: {} — {}",
            g.summary(&git_cfg.base_branch),
            flags.join("; ")
        )
    };
    Draft::new(kinds::GIT_GUARD, text)
        .field("branch", g.branch.clone())
        .field("head", g.head.clone())
        .field("commits", g.commits)
        .field("files", g.files)
        .field("insertions", g.insertions)
        .field("deletions", g.deletions)
        .field("minimal", g.minimal())
        .field("regression_test", g.regression_test())
        .field("flags", flags)
}

fn guard(git: &Git) -> Result<Report> {
    let g = measure(git)?;
    let mut r = Report {
        title: format!("git guard {}", g.branch),
        ..Report::default()
    };
    r.lines.push(g.summary(&git.cfg.base_branch));
    r.lines.push(if g.regression_test() {
        format!("✓ regression test: {}", g.tests.join(", "))
    } else {
        "✗ no test file touched: add a regression test".into()
    });
    for f in g
        .flags(git.cfg.max_lines, git.cfg.max_files)
        .into_iter()
        .filter(|f| !f.starts_with("no test"))
    {
        r.lines.push(format!("⚠ {f}"));
    }
    if g.minimal() {
        r.lines.push("✓ minimal change".into());
    }
    r.lines.push("(committed changes only)".into());
    r.events.push(guard_event(&g, &git.cfg));
    r.guard = Some(g);
    Ok(r)
}

fn contains(git: &Git, tip: Oid, commit: Oid) -> Result<bool> {
    Ok(tip == commit || git.repo.graph_descendant_of(tip, commit)?)
}

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
pub fn holds_fix(git: &Git, hf: &super::Hotfix, target: Oid) -> Result<Option<Holds>> {
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

fn verify(git: &Git) -> Result<Report> {
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
        .field("remote_contains", remote_ok),
    );
    Ok(r)
}

/// The next patch version after the highest released (non pre-release) semver tag.
pub fn next_version(tags: &[String], pattern: &str) -> Option<semver::Version> {
    let (pre, post) = pattern.split_once("{version}").unwrap_or(("v", ""));
    tags.iter()
        .filter_map(|t| t.strip_prefix(pre)?.strip_suffix(post))
        .filter_map(|v| semver::Version::parse(v).ok())
        .filter(|v| v.pre.is_empty())
        .max()
        .map(|v| semver::Version::new(v.major, v.minor, v.patch + 1))
}

/// The tags on commits reachable from `target` (its release line), as `git describe --tags`
/// sees them.
fn tags_reachable(git: &Git, target: Oid) -> Result<Vec<String>> {
    let mut by_commit: std::collections::HashMap<Oid, Vec<String>> = Default::default();
    for name in git.repo.tag_names(None)?.iter().flatten().flatten() {
        if let Ok(c) = git
            .repo
            .revparse_single(&format!("refs/tags/{name}"))
            .and_then(|o| o.peel_to_commit())
        {
            by_commit.entry(c.id()).or_default().push(name.to_string());
        }
    }
    let mut walk = git.repo.revwalk()?;
    walk.push(target)?;
    let mut out = Vec::new();
    for id in walk {
        if let Some(names) = by_commit.remove(&id?) {
            out.extend(names);
        }
        if by_commit.is_empty() {
            break;
        }
    }
    Ok(out)
}

fn tag(git: &Git, version: Option<&str>, commit: Option<&str>, push: bool) -> Result<Report> {
    tag_in(git, version, commit, push).map_err(|e| match e {
        // The history the answer needs is beyond a shallow clone's edge.
        GitError::Failed(why) if git.repo.is_shallow() => GitError::Refused(format!(
            "this clone is shallow and lacks the history to check the tag against ({why}): run git fetch --unshallow --tags {}",
            git.cfg.remote
        )),
        other => other,
    })
}

fn tag_in(git: &Git, version: Option<&str>, commit: Option<&str>, push: bool) -> Result<Report> {
    let names: Vec<String> = git
        .repo
        .tag_names(None)?
        .iter()
        .flatten()
        .flatten()
        .map(String::from)
        .collect();
    let hf = git.hotfix()?;
    let base = &git.cfg.base_branch;
    let target = match commit {
        Some(c) => resolve(git, c)?,
        None => git.base_tip()?,
    };
    let holds = holds_fix(git, &hf, target.id())?;
    if holds.is_none() {
        return refuse(match commit {
            Some(c) => format!(
                "{c} ({}) does not hold the fix of {}: tag a commit that does",
                short(target.id()),
                hf.branch
            ),
            None => format!(
                "{base} at {} does not hold the fix of {} yet: merge it first (then pull {base}), or tag the commit that holds the fix with --commit",
                short(target.id()),
                hf.branch
            ),
        });
    }
    let version = match version {
        Some(v) => semver::Version::parse(v.trim_start_matches('v')).map_err(|e| {
            GitError::Refused(format!(
                "{v:?} is not a semantic version ({e}): write it like 2.3.5"
            ))
        })?,
        None => {
            let reachable = tags_reachable(git, target.id())?;
            match next_version(&reachable, &git.cfg.tag_pattern) {
                Some(v) => v,
                None if git.repo.is_shallow() => {
                    return refuse(format!(
                        "this clone is shallow: the tags of {}'s history are not here; run git fetch --unshallow --tags {} (or give the version)",
                        short(target.id()),
                        git.cfg.remote
                    ));
                }
                None => return Err(GitError::NeedsVersion),
            }
        }
    };
    let name = git
        .cfg
        .tag_pattern
        .replace("{version}", &version.to_string());
    if names.contains(&name) {
        return refuse(format!(
            "the tag {name} already exists: give another version"
        ));
    }
    let message = format!(
        "Hotfix: {}\n\nTicket: {}",
        git.incident.title, git.incident.ticket
    );
    git.repo.tag(
        &name,
        target.as_object(),
        &git.signature()?,
        &message,
        false,
    )?;
    let mut r = Report {
        title: format!("git tag {name}"),
        ..Report::default()
    };
    r.lines.push(format!(
        "tagged {} {} as {name} (annotated: \"Hotfix: {}\")",
        short(target.id()),
        summary(&target),
        git.incident.title
    ));
    let mut pushed = false;
    if push {
        match git.push(&[format!("refs/tags/{name}")]) {
            Ok(()) => {
                pushed = true;
                r.lines.push(format!("pushed {name} to {}", git.cfg.remote));
            }
            Err(e) => r.lines.push(format!("⚠ {e}")),
        }
    }
    r.events.push(
        Draft::new(
            kinds::GIT_TAG_CREATED,
            format!("Tagged {} as {name}", short(target.id())),
        )
        .field("tag", name)
        .field("version", version.to_string())
        .field("commit", target.id().to_string())
        .field("pushed", pushed),
    );
    Ok(r)
}

fn revert(git: &Git, commit: Option<&str>, apply: bool) -> Result<Report> {
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

/// The tip of a backport target: the local branch, else `origin/T`, else fetched from the
/// remote (a shallow or single-branch clone). The second value names the remote branch a
/// local one must be made for, once the backport has succeeded.
fn backport_target<'r>(
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
                "no branch {target} here, and fetching it from {} failed ({e}): run git fetch {} {target}",
                git.cfg.remote, git.cfg.remote
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
fn track(git: &Git, name: &str, tip: &git2::Commit<'_>) -> Result<()> {
    git.repo.branch(name, tip, false)?;
    let mut cfg = git.repo.config()?;
    cfg.set_str(&format!("branch.{name}.remote"), &git.cfg.remote)?;
    cfg.set_str(
        &format!("branch.{name}.merge"),
        &format!("refs/heads/{name}"),
    )?;
    Ok(())
}

fn backport(git: &Git, branches: &[String], push: bool) -> Result<Report> {
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
            Err(e) => r.lines.push(format!("⚠ {e}")),
        }
    }
    Ok(r)
}

/// The file name `git format-patch` gives: `0001-` and the subject with every run of other
/// characters than letters, digits, `.` and `_` made one `-`, cut to 64 with `.patch`.
pub fn patch_name(n: usize, subject: &str) -> String {
    let mut name = format!("{n:04}-");
    let start = name.len();
    let mut space = 2;
    let mut chars = subject.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
            if space == 1 {
                name.push('-');
            }
            space = 0;
            name.push(c);
            if c == '.' {
                while chars.peek() == Some(&'.') {
                    chars.next();
                }
            }
        } else {
            space |= 1;
        }
    }
    while name.len() > start && name.ends_with(['.', '-']) {
        name.pop();
    }
    name.truncate(64 - ".patch".len() - 1);
    name + ".patch"
}

fn patch(git: &Git, dir: &std::path::Path) -> Result<Report> {
    let hf = git.hotfix()?;
    let (branch, commits) = (hf.branch, hf.commits);
    std::fs::create_dir_all(dir)
        .map_err(|e| GitError::Failed(format!("creating {}: {e}", dir.display())))?;
    let mut r = Report {
        title: "git patch".into(),
        ..Report::default()
    };
    let mut files = Vec::new();
    let n = commits.len();
    for (i, id) in commits.iter().enumerate() {
        let c = git.repo.find_commit(*id)?;
        let diff =
            git.repo
                .diff_tree_to_tree(Some(&c.parent(0)?.tree()?), Some(&c.tree()?), None)?;
        let summary = summary(&c);
        let body = c.body().ok().flatten().unwrap_or_default().to_string();
        let mut opts = git2::EmailCreateOptions::new();
        let email =
            git2::Email::from_diff(&diff, i + 1, n, id, &summary, &body, &c.author(), &mut opts)?;
        let path = dir.join(patch_name(i + 1, &summary));
        crate::fsutil::write_atomic(&path, email.as_slice())
            .map_err(|e| GitError::Failed(format!("writing {}: {e}", path.display())))?;
        r.lines.push(format!("wrote {}", path.display()));
        files.push(path.display().to_string());
    }
    r.lines
        .push("apply on another branch with: git am <file> (or git apply <file>)".into());
    r.events.push(
        Draft::new(
            kinds::GIT_PATCH,
            format!(
                "Wrote {} for {branch}",
                crate::format::count(n, "patch file", "patch files")
            ),
        )
        .field("branch", branch)
        .field("files", files)
        .field(
            "commits",
            commits.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
        ),
    );
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn next_patch_version_edge_cases() {
        assert_eq!(
            next_version(&tags(&["v2.3.4", "v2.3.10", "v2.2.99"]), "v{version}")
                .map(|v| v.to_string()),
            Some("2.3.11".into())
        );
        assert_eq!(next_version(&tags(&[]), "v{version}"), None);
        assert_eq!(
            next_version(&tags(&["nightly", "release-7", "v1.2"]), "v{version}"),
            None,
            "non-semver tags are ignored"
        );
        assert_eq!(
            next_version(
                &tags(&["v2.3.4", "v2.4.0-rc.1", "v3.0.0-beta"]),
                "v{version}"
            )
            .map(|v| v.to_string()),
            Some("2.3.5".into()),
            "pre-releases are not production"
        );
        assert_eq!(
            next_version(&tags(&["api@1.4.2", "v9.9.9"]), "api@{version}").map(|v| v.to_string()),
            Some("1.4.3".into())
        );
    }

    #[test]
    fn test_paths_and_manifest_patterns() {
        for p in [
            "src/auth.test.ts",
            "tests/login.rs",
            "pkg/auth/token_test.go",
            "spec/models/user_spec.rb",
            "__tests__/a.js",
            "test_auth.py",
        ] {
            assert!(is_test_path(p), "{p}");
        }
        for p in ["src/auth.ts", "src/contest.rs", "latest/notes.md"] {
            assert!(!is_test_path(p), "{p}");
        }
        assert!(matches_name("requirements*.txt", "requirements-dev.txt"));
        assert!(!matches_name("requirements*.txt", "requirements.md"));
        assert!(matches_name("Cargo.lock", "Cargo.lock"));
    }
}
