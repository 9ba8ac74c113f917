//! Linear through its GraphQL API: the issue by its identifier, `commentCreate`, `issueUpdate`
//! to a workflow state found by name among the team's, `issueCreate` under the parent. Every
//! connection is read to its last page; `RATELIMITED` waits until Linear's reset.

use std::time::Duration;

use serde_json::{Value, json};

use super::{Comment, Linked, MAX_PAGES, NewIssue, Ticket, TrackerError, text_at as s};
use crate::config::TicketsConfig;

const WHO: &str = "Linear";

/// Every document warroom sends (the tests validate each against Linear's schema).
pub const DOCUMENTS: &[&str] = &[
    ISSUE, COMMENTS, CHILDREN, STATES, USERS, COMMENT, UPDATE, CREATE,
];

const ISSUE: &str = "query Issue($id: String!) {
  issue(id: $id) {
    id identifier title url priority priorityLabel
    state { name }
    assignee { name displayName }
    team { id key }
  }
}";
const COMMENTS: &str = "query Comments($id: String!, $after: String) {
  issue(id: $id) {
    comments(first: 100, after: $after) {
      nodes { body url }
      pageInfo { hasNextPage endCursor }
    }
  }
}";
const CHILDREN: &str = "query Children($id: String!, $after: String) {
  issue(id: $id) {
    children(first: 100, after: $after) {
      nodes { identifier title url }
      pageInfo { hasNextPage endCursor }
    }
  }
}";
const STATES: &str = "query States($id: String!, $after: String) {
  issue(id: $id) {
    team {
      states(first: 100, after: $after) {
        nodes { id name }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}";
const USERS: &str = "query Users($name: String!) {
  users(first: 2, filter: { or: [
    { displayName: { eqIgnoreCase: $name } },
    { name: { eqIgnoreCase: $name } },
    { email: { eqIgnoreCase: $name } }
  ] }) {
    nodes { id }
  }
}";
const COMMENT: &str = "mutation Comment($input: CommentCreateInput!) {
  commentCreate(input: $input) { success comment { url } }
}";
const UPDATE: &str = "mutation Move($id: String!, $input: IssueUpdateInput!) {
  issueUpdate(id: $id, input: $input) { success issue { state { name } } }
}";
const CREATE: &str = "mutation Create($input: IssueCreateInput!) {
  issueCreate(input: $input) { success issue { identifier title url } }
}";

#[derive(Clone)]
pub struct Linear {
    http: reqwest::Client,
    url: String,
    token: String,
    var: String,
}

impl std::fmt::Debug for Linear {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Linear")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Linear {
    pub fn new(http: reqwest::Client, cfg: &TicketsConfig, token: String, var: String) -> Linear {
        Linear {
            http,
            url: cfg.linear_url.clone(),
            token,
            var,
        }
    }

    /// `data` of an answer, or the refusal its status or `errors` say.
    async fn run(&self, document: &str, variables: Value) -> Result<Value, TrackerError> {
        let rb = self
            .http
            .post(&self.url)
            .header("authorization", &self.token)
            .json(&json!({ "query": document, "variables": variables }));
        let a = super::send(rb, WHO).await?;
        let errors = a.json.get("errors").and_then(Value::as_array);
        let first = errors.and_then(|e| e.first());
        let code = first.map(|e| s(e, "/extensions/code")).unwrap_or_default();
        let message = first
            .map(|e| {
                let shown = s(e, "/extensions/userPresentableMessage");
                if shown.is_empty() {
                    s(e, "/message")
                } else {
                    shown
                }
            })
            .unwrap_or_default();
        if code == "RATELIMITED" {
            // The reset is UTC epoch milliseconds.
            let wait = super::header_secs(&a.headers, "x-ratelimit-requests-reset").map(|ms| {
                let now = chrono::Utc::now().timestamp_millis().max(0) as u64;
                Duration::from_millis(ms.saturating_sub(now)).max(Duration::from_secs(1))
            });
            return Err(super::refused(WHO, 429, &message, &self.var, wait));
        }
        if a.status.as_u16() == 401 || code == "AUTHENTICATION_ERROR" {
            return Err(super::refused(WHO, 401, &message, &self.var, None));
        }
        if let Some(e) = first {
            let said = format!("{} {message}", s(e, "/message")).to_ascii_lowercase();
            if said.contains("not found") || said.contains("could not find") {
                return Err(super::refused(WHO, 404, &message, &self.var, None));
            }
            let status = if a.status.is_success() {
                400
            } else {
                a.status.as_u16()
            };
            return Err(super::refused(WHO, status, &message, &self.var, None));
        }
        if !a.status.is_success() {
            return Err(super::refused(WHO, a.status.as_u16(), "", &self.var, None));
        }
        match a.json.get("data") {
            Some(d) if !d.is_null() => Ok(d.clone()),
            _ => Err(TrackerError::passing("Linear's answer has no data")),
        }
    }

    /// Every node of a connection at `path` under `data`, page after page.
    async fn every(
        &self,
        document: &str,
        id: &str,
        path: &str,
    ) -> Result<Vec<Value>, TrackerError> {
        let mut nodes = Vec::new();
        let mut after = Value::Null;
        for _ in 0..MAX_PAGES {
            let data = self
                .run(document, json!({ "id": id, "after": after }))
                .await?;
            let conn = data.pointer(path).cloned().unwrap_or(Value::Null);
            nodes.extend(conn["nodes"].as_array().cloned().unwrap_or_default());
            if conn.pointer("/pageInfo/hasNextPage") != Some(&Value::Bool(true)) {
                return Ok(nodes);
            }
            after = conn
                .pointer("/pageInfo/endCursor")
                .cloned()
                .unwrap_or(Value::Null);
        }
        Err(TrackerError::passing(format!(
            "Linear's list has more than {MAX_PAGES} pages: not read whole"
        )))
    }

    async fn issue(&self, key: &str) -> Result<Value, TrackerError> {
        let data = self.run(ISSUE, json!({ "id": key })).await?;
        Ok(data["issue"].clone())
    }

    pub async fn read(&self, key: &str) -> Result<Ticket, TrackerError> {
        let i = self.issue(key).await?;
        let assignee = i.get("assignee").filter(|a| !a.is_null()).map(|a| {
            let d = s(a, "/displayName");
            if d.is_empty() { s(a, "/name") } else { d }
        });
        let priority = s(&i, "/priorityLabel");
        Ok(Ticket {
            key: s(&i, "/identifier"),
            title: s(&i, "/title"),
            url: s(&i, "/url"),
            state: s(&i, "/state/name"),
            priority: Some(priority).filter(|p| !p.is_empty()),
            assignee,
        })
    }

    pub async fn comments(&self, key: &str) -> Result<Vec<Comment>, TrackerError> {
        Ok(self
            .every(COMMENTS, key, "/issue/comments")
            .await?
            .iter()
            .map(|c| Comment {
                body: s(c, "/body"),
                url: s(c, "/url"),
            })
            .collect())
    }

    pub async fn children(&self, key: &str) -> Result<Vec<Linked>, TrackerError> {
        Ok(self
            .every(CHILDREN, key, "/issue/children")
            .await?
            .iter()
            .map(|c| Linked {
                key: s(c, "/identifier"),
                title: s(c, "/title"),
                url: s(c, "/url"),
                unlinked: None,
            })
            .collect())
    }

    pub async fn comment(&self, key: &str, text: &str) -> Result<String, TrackerError> {
        let id = s(&self.issue(key).await?, "/id");
        let data = self
            .run(COMMENT, json!({ "input": { "issueId": id, "body": text } }))
            .await?;
        success(&data, "/commentCreate")?;
        Ok(s(&data, "/commentCreate/comment/url"))
    }

    pub async fn move_to(&self, key: &str, state: &str) -> Result<String, TrackerError> {
        let id = s(&self.issue(key).await?, "/id");
        let states = self.every(STATES, key, "/issue/team/states").await?;
        let Some(found) = states
            .iter()
            .find(|st| s(st, "/name").eq_ignore_ascii_case(state))
        else {
            let names: Vec<String> = states.iter().map(|st| s(st, "/name")).collect();
            return Err(TrackerError::lasting(format!(
                "Linear's team has no state {state:?} (it has {}): set [tickets] done_state",
                names.join(", ")
            )));
        };
        let data = self
            .run(
                UPDATE,
                json!({ "id": id, "input": { "stateId": s(found, "/id") } }),
            )
            .await?;
        success(&data, "/issueUpdate")?;
        Ok(s(&data, "/issueUpdate/issue/state/name"))
    }

    pub async fn create(&self, parent: &str, issue: &NewIssue) -> Result<Linked, TrackerError> {
        let p = self.issue(parent).await?;
        let mut input = json!({
            "teamId": s(&p, "/team/id"),
            "parentId": s(&p, "/id"),
            "title": issue.title,
            "description": issue.body,
        });
        if let Some(due) = &issue.due {
            input["dueDate"] = json!(due);
        }
        if let Some(owner) = &issue.owner {
            let users = self
                .run(USERS, json!({ "name": super::owner_name(owner) }))
                .await?;
            // Assigned only when the name is one person's.
            if let [one] = users
                .pointer("/users/nodes")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                input["assigneeId"] = json!(s(one, "/id"));
            }
        }
        let data = self.run(CREATE, json!({ "input": input })).await?;
        success(&data, "/issueCreate")?;
        let i = &data["issueCreate"]["issue"];
        Ok(Linked {
            key: s(i, "/identifier"),
            title: s(i, "/title"),
            url: s(i, "/url"),
            unlinked: None,
        })
    }
}

fn success(data: &Value, path: &str) -> Result<(), TrackerError> {
    if data.pointer(&format!("{path}/success")) == Some(&Value::Bool(true)) {
        Ok(())
    } else {
        Err(TrackerError::passing(format!(
            "Linear answered {} without success",
            path.trim_start_matches('/')
        )))
    }
}
