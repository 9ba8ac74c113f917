//! The guard: is the change minimal, with a regression test?

use super::*;

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

pub(super) fn guard(git: &Git) -> Result<Report> {
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
