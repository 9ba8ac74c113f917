//! Jira Cloud through REST v3: basic auth with the account's email and API token, comments in
//! Atlassian Document Format (read every page), transitions looked up by the state they lead
//! to (their ids differ per workflow), follow-ups created and linked "Relates".

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use super::{Comment, Linked, MAX_PAGES, NewIssue, Ticket, TrackerError, adf, text_at as s};
use crate::config::TicketsConfig;

const WHO: &str = "Jira";

#[derive(Clone)]
pub struct Jira {
    http: reqwest::Client,
    site: String,
    email: String,
    token: String,
    var: String,
    project: Option<String>,
    issue_type: String,
}

impl std::fmt::Debug for Jira {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jira")
            .field("site", &self.site)
            .finish_non_exhaustive()
    }
}

/// Jira's `errorMessages` and `errors`, in one line.
fn words(body: &Value) -> String {
    let mut out: Vec<String> = body["errorMessages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m.as_str().map(str::to_string))
        .collect();
    if let Some(fields) = body["errors"].as_object() {
        out.extend(
            fields
                .iter()
                .map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or_default())),
        );
    }
    out.join("; ")
}

impl Jira {
    pub fn new(http: reqwest::Client, cfg: &TicketsConfig, token: String, var: String) -> Jira {
        Jira {
            http,
            site: cfg
                .url
                .clone()
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_string(),
            email: cfg.email.clone().unwrap_or_default(),
            token,
            var,
            project: cfg.project.clone(),
            issue_type: cfg.issue_type.clone(),
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Value>,
    ) -> Result<Value, TrackerError> {
        let mut rb = self
            .http
            .request(method, format!("{}/rest/api/3/{path}", self.site))
            .basic_auth(&self.email, Some(&self.token))
            .header("accept", "application/json")
            .query(query);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let a = super::send(rb, WHO).await?;
        if a.status.is_success() {
            return Ok(a.json);
        }
        let wait = super::header_secs(&a.headers, "retry-after").map(Duration::from_secs);
        Err(super::refused(
            WHO,
            a.status.as_u16(),
            &words(&a.json),
            &self.var,
            wait,
        ))
    }

    fn browse(&self, key: &str) -> String {
        format!("{}/browse/{key}", self.site)
    }

    pub async fn read(&self, key: &str) -> Result<Ticket, TrackerError> {
        let i = self
            .call(
                Method::GET,
                &format!("issue/{key}"),
                &[("fields", "summary,status,priority,assignee".into())],
                None,
            )
            .await?;
        let f = &i["fields"];
        let key = s(&i, "/key");
        Ok(Ticket {
            url: self.browse(&key),
            key,
            title: s(f, "/summary"),
            state: s(f, "/status/name"),
            priority: Some(s(f, "/priority/name")).filter(|p| !p.is_empty()),
            assignee: Some(s(f, "/assignee/displayName")).filter(|a| !a.is_empty()),
        })
    }

    pub async fn comments(&self, key: &str) -> Result<Vec<Comment>, TrackerError> {
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let page = self
                .call(
                    Method::GET,
                    &format!("issue/{key}/comment"),
                    &[
                        ("startAt", out.len().to_string()),
                        ("maxResults", "100".into()),
                    ],
                    None,
                )
                .await?;
            let comments = page["comments"].as_array().cloned().unwrap_or_default();
            let total = page["total"].as_u64().unwrap_or_default() as usize;
            out.extend(comments.iter().map(|c| Comment {
                body: adf::to_text(&c["body"]),
                url: format!("{}?focusedCommentId={}", self.browse(key), s(c, "/id")),
            }));
            if comments.is_empty() || out.len() >= total {
                return Ok(out);
            }
        }
        Err(TrackerError::passing(format!(
            "Jira's comments on {key} run past {MAX_PAGES} pages"
        )))
    }

    pub async fn comment(&self, key: &str, text: &str) -> Result<String, TrackerError> {
        let c = self
            .call(
                Method::POST,
                &format!("issue/{key}/comment"),
                &[],
                Some(json!({ "body": adf::from_text(text) })),
            )
            .await?;
        Ok(format!(
            "{}?focusedCommentId={}",
            self.browse(key),
            s(&c, "/id")
        ))
    }

    pub async fn move_to(&self, key: &str, state: &str) -> Result<String, TrackerError> {
        let now = self.read(key).await?;
        if now.state.eq_ignore_ascii_case(state) {
            return Ok(now.state);
        }
        let t = self
            .call(Method::GET, &format!("issue/{key}/transitions"), &[], None)
            .await?;
        let transitions = t["transitions"].as_array().cloned().unwrap_or_default();
        // The transition that leads to the state, else one named like it.
        let found = transitions
            .iter()
            .find(|t| s(t, "/to/name").eq_ignore_ascii_case(state))
            .or_else(|| {
                transitions
                    .iter()
                    .find(|t| s(t, "/name").eq_ignore_ascii_case(state))
            });
        let Some(found) = found else {
            let names: Vec<String> = transitions.iter().map(|t| s(t, "/to/name")).collect();
            return Err(TrackerError::lasting(format!(
                "Jira's workflow for {key} has no transition to {state:?} from {:?} (it leads to {}): set [tickets] done_state",
                now.state,
                names.join(", ")
            )));
        };
        self.call(
            Method::POST,
            &format!("issue/{key}/transitions"),
            &[],
            Some(json!({ "transition": { "id": s(found, "/id") } })),
        )
        .await?;
        Ok(s(found, "/to/name"))
    }

    pub async fn children(&self, key: &str) -> Result<Vec<Linked>, TrackerError> {
        let i = self
            .call(
                Method::GET,
                &format!("issue/{key}"),
                &[("fields", "issuelinks".into())],
                None,
            )
            .await?;
        Ok(i["fields"]["issuelinks"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| l.get("outwardIssue").or_else(|| l.get("inwardIssue")))
            .map(|o| Linked {
                key: s(o, "/key"),
                title: s(o, "/fields/summary"),
                url: self.browse(&s(o, "/key")),
                unlinked: None,
            })
            .collect())
    }

    pub async fn create(&self, parent: &str, issue: &NewIssue) -> Result<Linked, TrackerError> {
        let project = match &self.project {
            Some(p) => p.clone(),
            None => parent.split('-').next().unwrap_or_default().to_string(),
        };
        let mut fields = json!({
            "project": { "key": project },
            "summary": issue.title,
            "issuetype": { "name": self.issue_type },
            "description": adf::from_text(&issue.body),
        });
        if let Some(due) = &issue.due {
            fields["duedate"] = json!(due);
        }
        if let Some(owner) = &issue.owner {
            let users = self
                .call(
                    Method::GET,
                    "user/search",
                    &[("query", super::owner_name(owner).to_string())],
                    None,
                )
                .await?;
            // Assigned only when the name is one person's.
            if let Some([one]) = users.as_array().map(Vec::as_slice) {
                fields["assignee"] = json!({ "accountId": s(one, "/accountId") });
            }
        }
        let made = self
            .call(
                Method::POST,
                "issue",
                &[],
                Some(json!({ "fields": fields })),
            )
            .await?;
        let key = s(&made, "/key");
        let link = json!({
            "type": { "name": "Relates" },
            "inwardIssue": { "key": parent },
            "outwardIssue": { "key": key },
        });
        let linked =
            super::patiently(|| self.call(Method::POST, "issueLink", &[], Some(link.clone())))
                .await;
        Ok(Linked {
            url: self.browse(&key),
            key,
            title: issue.title.clone(),
            unlinked: linked.err().map(|e| e.words),
        })
    }
}
