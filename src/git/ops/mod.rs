//! The operations of the `g` menu and of `warroom git …`.

use std::path::PathBuf;

use git2::{BranchType, Delta, DiffOptions, Oid, build::CheckoutBuilder};

use super::{Git, GitError, Report, Result, refuse, short};
use crate::format::count;
use crate::journal::{Draft, kinds};

mod backport;
mod branch;
mod guard;
mod patch;
mod revert;
mod tag;
mod verify;

use backport::*;
use branch::*;
pub use guard::*;
pub use patch::*;
use revert::*;
pub use tag::*;
pub use verify::*;

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
    /// Minimal, and there is a change to call minimal.
    pub fn minimal(&self) -> bool {
        self.commits > 0
            && self.manifests.is_empty()
            && self.binaries.is_empty()
            && !self.over_limits
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
        if self.commits == 0 {
            f.push("no commit on the branch yet".into());
        }
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

fn contains(git: &Git, tip: Oid, commit: Oid) -> Result<bool> {
    Ok(tip == commit || git.repo.graph_descendant_of(tip, commit)?)
}

#[cfg(test)]
mod tests;
