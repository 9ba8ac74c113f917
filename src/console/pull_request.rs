//! The executor's side of the hotfix pull request: pushing and opening off the loop, and the
//! follower, which reports through its own `GithubMsg`.

use std::path::PathBuf;

use tokio::sync::mpsc;

use super::sources::forward;
use crate::app::{Model, Msg};
use crate::config::{GitConfig, GithubConfig};
use crate::git::Subject;
use crate::github::{self, GithubMsg, pr};

/// What opening and following need: the configuration, where the repository is, the token.
#[derive(Clone)]
pub struct GithubLink {
    pub cfg: GithubConfig,
    pub git: GitConfig,
    pub cwd: PathBuf,
    pub token: Option<String>,
}

impl std::fmt::Debug for GithubLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GithubLink")
            .field("cwd", &self.cwd)
            .finish_non_exhaustive()
    }
}

impl GithubLink {
    fn connect(&self) -> Result<github::Client, String> {
        github::connect(&self.cfg, &self.git, &self.cwd, self.token.clone())
    }

    /// Whether the PR can be opened from here: a token, and a remote on GitHub.
    pub fn check(&self) -> Result<(), String> {
        self.connect().map(|_| ())
    }
}

/// Pushes the hotfix branch and opens (or finds) its PR; the result comes back as a message.
pub fn open(link: GithubLink, model: &Model, title: String, body: String, tx: mpsc::Sender<Msg>) {
    let subject = Subject::of(&model.incident);
    let labels = github::labels(&link.cfg, model.incident.priority);
    tokio::spawn(async move {
        let base = link.git.base_branch.clone();
        let create_labels = link.cfg.create_labels;
        let prepared = tokio::task::spawn_blocking(move || {
            let client = link.connect()?;
            let branch = github::push_branch(&link.git, &link.cwd, subject)?;
            Ok::<_, String>((client, branch))
        })
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r);
        let opened = match prepared {
            Ok((client, head)) => pr::open(
                &client,
                &pr::Opening {
                    title,
                    body,
                    head,
                    base,
                    draft: false,
                    labels,
                    create_labels,
                },
            )
            .await
            .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        let _ = tx.send(Msg::Github(GithubMsg::Opened(opened))).await;
    });
}

/// Follows pull request `number` until it is merged (a closed one more slowly); aborting the
/// handle stops it.
pub fn follow(link: GithubLink, number: u64, tx: mpsc::Sender<Msg>) -> tokio::task::JoinHandle<()> {
    let reports = forward(tx, Msg::Github, 16);
    tokio::spawn(async move {
        let every = link.cfg.poll_interval;
        match tokio::task::spawn_blocking(move || link.connect()).await {
            Ok(Ok(client)) => github::follow::run(client, number, every, reports).await,
            Ok(Err(e)) => {
                let said = format!("{e}: the PR is not followed from this console");
                let _ = reports.send(GithubMsg::Error(said)).await;
            }
            Err(e) => {
                let _ = reports.send(GithubMsg::Error(e.to_string())).await;
            }
        }
    })
}
