//! The hotfix pull request on GitHub: opened from the console or the command line with the
//! workflow's title, the `pr` template's body and the labels, then followed (reviews, checks,
//! merge) while the incident is open. Talks to the REST API with the HTTP client the rest of
//! warroom uses and typed models of GitHub's answers.

pub mod api;
pub mod client;
pub mod follow;
pub mod pr;
pub mod remote;

pub use client::{Client, GithubError};
pub use follow::{Checks, GithubMsg, PrState};

use std::path::Path;

use crate::config::{GitConfig, GithubConfig};
use crate::git::{Git, Subject};

/// The token: `[github] token_env`, then `GH_TOKEN`, then `token_command`'s output.
pub fn token(cfg: &GithubConfig) -> Option<String> {
    crate::config::secret::token_from(
        &[&cfg.token_env, "GH_TOKEN"],
        cfg.token_command.as_deref(),
        "[github]",
    )
}

/// What to tell a user with no token.
pub fn no_token(cfg: &GithubConfig) -> String {
    format!(
        "no GitHub token: export {} (or GH_TOKEN), or set [github] token_command = \"gh auth token\"",
        cfg.token_env
    )
}

/// A client for the repository the service's remote names.
pub fn connect(
    cfg: &GithubConfig,
    git: &GitConfig,
    cwd: &Path,
    token: Option<String>,
) -> Result<Client, String> {
    let token = token.ok_or_else(|| no_token(cfg))?;
    if let Some(named) = &cfg.repository {
        let api = cfg.api_url.as_deref().unwrap_or("https://api.github.com");
        let repo = remote::parse(&format!("https://github.com/{named}"), Some(api))?;
        return Client::new(repo, token, cfg.timeout);
    }
    let url = Git::open(git, cwd, Subject::default())
        .and_then(|g| g.remote_url())
        .map_err(|e| e.to_string())?;
    let repo = remote::parse(&url, cfg.api_url.as_deref())?;
    Client::new(repo, token, cfg.timeout)
}

/// The PR's title and body from `pr.md` as rendered: its first line, then the rest.
pub fn split_pr_md(text: &str) -> (String, String) {
    let (title, body) = text.split_once('\n').unwrap_or((text, ""));
    (
        title.trim().to_string(),
        body.trim_start_matches('\n').to_string(),
    )
}

/// Pushes the hotfix branch to the remote, fast-forward only: a rejected push is said, never
/// forced. Returns the branch.
pub fn push_branch(git: &GitConfig, cwd: &Path, subject: Subject) -> Result<String, String> {
    let (branch, _) = subject.hotfix.clone().ok_or(
        "no hotfix branch on the record: create it first (g → branch, or warroom git branch)",
    )?;
    let repo = Git::open(git, cwd, subject).map_err(|e| e.to_string())?;
    repo.push(&[format!("refs/heads/{branch}:refs/heads/{branch}")])?;
    Ok(branch)
}

/// The labels a hotfix PR gets: the configured ones and the priority.
pub fn labels(cfg: &GithubConfig, priority: crate::priority::Priority) -> Vec<String> {
    let mut labels = cfg.labels.clone();
    let p = priority.to_string();
    if !labels.contains(&p) {
        labels.push(p);
    }
    labels
}

/// The record of an opened (or found) pull request: `pr_opened`, with its number and page.
pub fn opened_event(o: &pr::Opened) -> crate::journal::Draft {
    let mut text = format!(
        "{} PR #{}: {}",
        if o.existed { "Found" } else { "Opened" },
        o.pr.number,
        o.pr.html_url
    );
    if !o.labels.is_empty() {
        text.push_str(&format!(" (labels {})", o.labels.join(", ")));
    }
    let mut draft = crate::journal::Draft::new(crate::journal::kinds::PR_OPENED, text)
        .field("number", o.pr.number)
        .field("url", o.pr.html_url.clone())
        .field("head", o.pr.head.name.clone())
        .field("base", o.pr.base.name.clone())
        .field("labels", o.labels.clone());
    if !o.left_off.is_empty() {
        draft = draft.field("labels_left_off", o.left_off.clone());
    }
    draft
}
