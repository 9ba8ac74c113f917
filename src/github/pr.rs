//! Opening the hotfix pull request: found when it already exists, created otherwise, labelled.

use serde_json::json;

use super::api::{Label, NewPullRequest, PullRequest};
use super::client::{Client, GithubError};

/// What to open.
#[derive(Debug, Clone, PartialEq)]
pub struct Opening {
    pub title: String,
    pub body: String,
    /// The hotfix branch.
    pub head: String,
    pub base: String,
    pub draft: bool,
    pub labels: Vec<String>,
    /// Create a label the repository lacks.
    pub create_labels: bool,
}

/// The pull request, whether it was there already, and what became of the labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    pub pr: PullRequest,
    pub existed: bool,
    pub labels: Vec<String>,
    /// Labels left off, and why.
    pub left_off: Vec<String>,
}

/// The open pull request from `head`, if there is one.
pub async fn find(client: &Client, head: &str) -> Result<Option<PullRequest>, GithubError> {
    let owner = &client.repo().owner;
    let list: Option<Vec<PullRequest>> = client
        .get(&format!(
            "pulls?head={}&state=open",
            crate::format::url_component(&format!("{owner}:{head}"))
        ))
        .await?;
    Ok(list.unwrap_or_default().into_iter().next())
}

/// Finds the pull request from the hotfix branch or creates it, then adds the labels.
pub async fn open(client: &Client, o: &Opening) -> Result<Opened, GithubError> {
    let (pr, existed) = match find(client, &o.head).await? {
        Some(pr) => (pr, true),
        None => {
            let new = NewPullRequest {
                title: &o.title,
                head: &o.head,
                base: &o.base,
                body: &o.body,
                draft: o.draft,
            };
            match client.post::<PullRequest>("pulls", &new).await {
                Ok(pr) => (pr, false),
                // Opened meanwhile (by a person, or another seat): use that one.
                Err(GithubError::Invalid(why)) if why.contains("already exists") => {
                    match find(client, &o.head).await? {
                        Some(pr) => (pr, true),
                        None => return Err(GithubError::Invalid(why)),
                    }
                }
                Err(e) => return Err(e),
            }
        }
    };
    let mut labels = Vec::new();
    let mut left_off = Vec::new();
    for name in &o.labels {
        let known: Option<Label> = client
            .get(&format!("labels/{}", crate::format::url_component(name)))
            .await?;
        if known.is_some() {
            labels.push(name.clone());
        } else if o.create_labels {
            let color = if name.starts_with('P') {
                "d73a4a"
            } else {
                "b60205"
            };
            match client
                .post::<Label>("labels", &json!({ "name": name, "color": color }))
                .await
            {
                Ok(_) => labels.push(name.clone()),
                Err(e) => left_off.push(format!("{name}: {e}")),
            }
        } else {
            left_off.push(format!(
                "{name}: not on the repository ([github] create_labels = false)"
            ));
        }
    }
    if !labels.is_empty() {
        client
            .post::<Vec<Label>>(
                &format!("issues/{}/labels", pr.number),
                &json!({ "labels": labels }),
            )
            .await?;
    }
    Ok(Opened {
        pr,
        existed,
        labels,
        left_off,
    })
}
