//! The hotfix as patch files in the incident folder.

use super::*;

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

pub(super) fn patch(git: &Git, dir: &std::path::Path) -> Result<Report> {
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
