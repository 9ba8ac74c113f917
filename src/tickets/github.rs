//! GitHub Issues through the client the pull request uses: the ticket is an issue of the
//! service's repository (`#123`, `acme/api#123` or `123`), closed as completed when resolved,
//! its follow-ups created as sub-issues.

use serde_json::{Value, json};

use super::{Comment, Linked, MAX_PAGES, NewIssue, Ticket, TrackerError};
use crate::github::{Client, GithubError};

#[derive(Debug, Clone)]
pub struct Issues {
    client: Client,
}

fn s(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The issue number a ticket names: its trailing digits.
fn number(key: &str) -> Result<u64, TrackerError> {
    let digits: String = key
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits.parse().map_err(|_| {
        TrackerError::lasting(format!(
            "{key:?} names no GitHub issue: open the incident as #123 or OWNER/NAME#123"
        ))
    })
}

fn error(e: GithubError) -> TrackerError {
    TrackerError {
        words: e.to_string(),
        lasting: matches!(
            e,
            GithubError::BadToken(_) | GithubError::Forbidden(_) | GithubError::Invalid(_)
        ),
        wait: e.wait(),
        not_found: matches!(e, GithubError::NotFound(_)),
    }
}

impl Issues {
    pub fn new(client: Client) -> Issues {
        Issues { client }
    }

    fn linked(&self, i: &Value) -> Linked {
        Linked {
            key: format!("#{}", i["number"].as_u64().unwrap_or_default()),
            title: s(i, "title"),
            url: s(i, "html_url"),
            unlinked: None,
        }
    }

    async fn issue(&self, key: &str) -> Result<Value, TrackerError> {
        let n = number(key)?;
        let repo = self.client.repo();
        self.client
            .get::<Value>(&format!("issues/{n}"))
            .await
            .map_err(error)?
            .ok_or_else(|| TrackerError {
                not_found: true,
                ..TrackerError::lasting(format!(
                    "GitHub has no issue #{n} in {}/{} (404)",
                    repo.owner, repo.name
                ))
            })
    }

    pub async fn read(&self, key: &str) -> Result<Ticket, TrackerError> {
        let i = self.issue(key).await?;
        if i.get("pull_request").is_some() {
            return Err(TrackerError::lasting(format!(
                "{key} is a pull request, not an issue"
            )));
        }
        let assignees: Vec<String> = i["assignees"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| s(a, "login"))
            .collect();
        let priority = i["labels"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| s(l, "name"))
            .find(|n| {
                n.to_ascii_lowercase().starts_with("priority")
                    || n.parse::<crate::priority::Priority>().is_ok()
            });
        Ok(Ticket {
            key: format!("#{}", i["number"].as_u64().unwrap_or_default()),
            title: s(&i, "title"),
            url: s(&i, "html_url"),
            state: s(&i, "state"),
            priority,
            assignee: Some(assignees.join(", ")).filter(|a| !a.is_empty()),
        })
    }

    pub async fn comments(&self, key: &str) -> Result<Vec<Comment>, TrackerError> {
        let n = number(key)?;
        let all = self
            .client
            .list_all(&format!("issues/{n}/comments?per_page=100"), MAX_PAGES)
            .await
            .map_err(error)?;
        Ok(all
            .iter()
            .map(|c| Comment {
                body: s(c, "body"),
                url: s(c, "html_url"),
            })
            .collect())
    }

    pub async fn comment(&self, key: &str, text: &str) -> Result<String, TrackerError> {
        let n = number(key)?;
        let c: Value = self
            .client
            .post(&format!("issues/{n}/comments"), &json!({ "body": text }))
            .await
            .map_err(error)?;
        Ok(s(&c, "html_url"))
    }

    pub async fn close(&self, key: &str) -> Result<String, TrackerError> {
        let n = number(key)?;
        let i: Value = self
            .client
            .patch(
                &format!("issues/{n}"),
                &json!({ "state": "closed", "state_reason": "completed" }),
            )
            .await
            .map_err(error)?;
        Ok(s(&i, "state"))
    }

    pub async fn children(&self, key: &str) -> Result<Vec<Linked>, TrackerError> {
        let n = number(key)?;
        let all = self
            .client
            .list_all(&format!("issues/{n}/sub_issues?per_page=100"), MAX_PAGES)
            .await
            .map_err(error)?;
        Ok(all.iter().map(|i| self.linked(i)).collect())
    }

    pub async fn create(&self, parent: &str, issue: &NewIssue) -> Result<Linked, TrackerError> {
        let n = number(parent)?;
        let mut body = json!({ "title": issue.title, "body": issue.body });
        let created: Value = match issue.owner.as_deref().map(super::owner_name) {
            Some(login) => {
                body["assignees"] = json!([login]);
                match self.client.post("issues", &body).await {
                    // Not a person who can be assigned here: created unassigned, the owner
                    // stays named in the body.
                    Err(GithubError::Invalid(_)) => {
                        body.as_object_mut().map(|o| o.remove("assignees"));
                        self.client.post("issues", &body).await
                    }
                    other => other,
                }
            }
            None => self.client.post("issues", &body).await,
        }
        .map_err(error)?;
        let sub_issue = json!({ "sub_issue_id": created["id"].as_u64().unwrap_or_default() });
        let link = super::patiently(|| async {
            self.client
                .post::<Value>(&format!("issues/{n}/sub_issues"), &sub_issue)
                .await
                .map_err(error)
        })
        .await;
        Ok(Linked {
            unlinked: link.err().map(|e| e.words),
            ..self.linked(&created)
        })
    }
}
