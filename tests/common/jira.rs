//! A Jira Cloud stand-in built from Atlassian's OpenAPI description of REST v3 (excerpted in
//! tests/fixtures/jira): every request is checked against its operation (query names, the
//! body's schema) and every answer against the response schema; a mismatch is a 400 and a
//! recorded violation. Two projects with workflows whose transition ids differ (PAY: 21 → In
//! Progress, 31 → Done; OPS: 71 "Start", 81 "Resolve" → Done), comments in Atlassian Document
//! Format paged by `startAt` (a small page, so that every page is read), issue links, users
//! found by `query`. Basic auth with the account's email and API token; it can be down (503)
//! or answer 429 with `Retry-After`.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use serde_json::{Value, json};

use super::openapi::Spec;

pub const EMAIL: &str = "ic@example.com";
pub const TOKEN: &str = "ATATT3xFfGF0jira-token-0123456789";

#[derive(Debug, Clone)]
pub struct Issue {
    pub key: String,
    pub summary: String,
    pub status: String,
    pub priority: String,
    pub assignee: Option<String>,
    pub due: Option<String>,
    pub description: Value,
    /// (id, ADF body)
    pub comments: Vec<(String, Value)>,
}

#[derive(Default)]
pub struct Hub {
    pub issues: Vec<Issue>,
    /// (inward key, outward key, type)
    pub links: Vec<(String, String, String)>,
    /// (accountId, displayName, email)
    pub users: Vec<(String, String, String)>,
    pub violations: Vec<String>,
    pub requests: Vec<(String, String, u16)>,
    pub down: bool,
    /// Answer 429 (Retry-After: 1) this many times.
    pub limited: usize,
    /// Comments per page, at most.
    pub page: usize,
    /// The site's link types (Jira sites rename and remove them); every site starts with Relates.
    pub link_types: Vec<String>,
}

/// A project's workflow: (transition id, its name, the status it leads to).
fn workflow(project: &str) -> Vec<(&'static str, &'static str, &'static str)> {
    match project {
        "OPS" => vec![("71", "Start", "In Progress"), ("81", "Resolve", "Done")],
        _ => vec![
            ("11", "To Do", "To Do"),
            ("21", "In Progress", "In Progress"),
            ("31", "Done", "Done"),
        ],
    }
}

#[derive(Clone)]
pub struct FakeJira {
    pub hub: Arc<Mutex<Hub>>,
    spec: Arc<Spec>,
    pub url: String,
}

fn status_json(name: &str) -> Value {
    let category = if name == "Done" {
        "done"
    } else {
        "indeterminate"
    };
    json!({"name": name, "id": "10001", "self": "https://example.atlassian.net/rest/api/3/status/10001",
           "statusCategory": {"key": category, "name": name, "id": 4}})
}

fn error(status: u16, messages: &[&str]) -> (u16, Value) {
    (status, json!({"errorMessages": messages, "errors": {}}))
}

/// An ADF document as Jira accepts it: a doc of version 1 whose nodes are of known types.
fn adf_problem(doc: &Value) -> Option<String> {
    if doc["type"] != "doc" || doc["version"] != 1 {
        return Some("body is not an ADF doc of version 1".into());
    }
    fn walk(n: &Value) -> Option<String> {
        let t = n["type"].as_str().unwrap_or_default();
        let known = [
            "doc",
            "paragraph",
            "text",
            "bulletList",
            "listItem",
            "hardBreak",
        ];
        if !known.contains(&t) {
            return Some(format!("ADF node type {t:?} is not one Jira knows here"));
        }
        if t == "text" && n["text"].as_str().is_none_or(str::is_empty) {
            return Some("ADF text nodes need non-empty text".into());
        }
        n["content"].as_array().into_iter().flatten().find_map(walk)
    }
    walk(doc)
}

impl Hub {
    fn find(&self, key: &str) -> Option<usize> {
        self.issues
            .iter()
            .position(|i| i.key.eq_ignore_ascii_case(key))
    }

    fn issue_json(&self, i: &Issue, base: &str) -> Value {
        let user = |id: &str| {
            self.users.iter().find(|u| u.0 == id).map(|u| {
                json!({"accountId": u.0, "displayName": u.1, "emailAddress": u.2, "active": true,
                       "accountType": "atlassian"})
            })
        };
        let links: Vec<Value> = self
            .links
            .iter()
            .enumerate()
            .filter_map(|(n, (inward, outward, ty))| {
                let (other, side) = if *inward == i.key {
                    (outward, "outwardIssue")
                } else if *outward == i.key {
                    (inward, "inwardIssue")
                } else {
                    return None;
                };
                let summary = self.find(other).map(|o| self.issues[o].summary.clone());
                Some(json!({"id": (10_000 + n).to_string(), "type": {"name": ty, "inward": "relates to", "outward": "relates to"},
                            side: {"id": "1", "key": other, "fields": {"summary": summary}}}))
            })
            .collect();
        json!({
            "id": "10042", "key": i.key, "self": format!("{base}/rest/api/3/issue/{}", i.key),
            "fields": {
                "summary": i.summary, "status": status_json(&i.status),
                "priority": {"name": i.priority, "id": "2"},
                "assignee": i.assignee.as_deref().and_then(user),
                "duedate": i.due, "issuelinks": links,
            }
        })
    }

    fn route(
        &mut self,
        op: &str,
        key: &str,
        query: &[(String, String)],
        body: &Value,
        base: &str,
    ) -> (u16, Value) {
        let q = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let found = self.find(key);
        match op {
            "GET /rest/api/3/issue/{issueIdOrKey}" => match found {
                Some(i) => (200, self.issue_json(&self.issues[i], base)),
                None => error(
                    404,
                    &["Issue does not exist or you do not have permission to see it."],
                ),
            },
            "GET /rest/api/3/issue/{issueIdOrKey}/comment" => {
                let Some(i) = found else {
                    return error(
                        404,
                        &["Issue does not exist or you do not have permission to see it."],
                    );
                };
                let start: usize = q("startAt").and_then(|s| s.parse().ok()).unwrap_or(0);
                let max: usize = q("maxResults")
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(50)
                    .min(self.page);
                let all = &self.issues[i].comments;
                let page: Vec<Value> = all
                    .iter()
                    .skip(start)
                    .take(max)
                    .map(|(id, b)| json!({"id": id, "body": b, "self": format!("{base}/rest/api/3/issue/{key}/comment/{id}"),
                                          "created": "2026-12-04T10:00:00.000+0000"}))
                    .collect();
                (
                    200,
                    json!({"startAt": start, "maxResults": max, "total": all.len(), "comments": page}),
                )
            }
            "POST /rest/api/3/issue/{issueIdOrKey}/comment" => {
                let Some(i) = found else {
                    return error(
                        404,
                        &["Issue does not exist or you do not have permission to see it."],
                    );
                };
                if let Some(p) = adf_problem(&body["body"]) {
                    self.violations.push(p.clone());
                    return (400, json!({"errorMessages": [], "errors": {"comment": p}}));
                }
                let id = (10_100 + self.issues[i].comments.len()).to_string();
                self.issues[i]
                    .comments
                    .push((id.clone(), body["body"].clone()));
                (
                    201,
                    json!({"id": id, "body": body["body"], "self": format!("{base}/rest/api/3/issue/{key}/comment/{id}"),
                             "created": "2026-12-04T10:00:00.000+0000"}),
                )
            }
            "GET /rest/api/3/issue/{issueIdOrKey}/transitions" => {
                let Some(i) = found else {
                    return error(
                        404,
                        &["Issue does not exist or you do not have permission to see it."],
                    );
                };
                let project = key.split('-').next().unwrap_or_default();
                let status = self.issues[i].status.clone();
                let list: Vec<Value> = workflow(project)
                    .into_iter()
                    .filter(|(_, _, to)| *to != status)
                    .map(|(id, name, to)| json!({"id": id, "name": name, "to": status_json(to),
                        "hasScreen": false, "isGlobal": true, "isInitial": false, "isConditional": false}))
                    .collect();
                (200, json!({"transitions": list}))
            }
            "POST /rest/api/3/issue/{issueIdOrKey}/transitions" => {
                let Some(i) = found else {
                    return error(
                        404,
                        &["Issue does not exist or you do not have permission to see it."],
                    );
                };
                let id = body["transition"]["id"].as_str().unwrap_or_default();
                let project = key.split('-').next().unwrap_or_default();
                match workflow(project).into_iter().find(|(t, _, _)| *t == id) {
                    Some((_, _, to)) => {
                        self.issues[i].status = to.into();
                        (204, Value::Null)
                    }
                    None => error(
                        400,
                        &[&format!(
                            "Transition id '{id}' is not valid for this issue."
                        )],
                    ),
                }
            }
            "POST /rest/api/3/issue" => {
                let f = &body["fields"];
                let project = f["project"]["key"].as_str().unwrap_or_default().to_string();
                if let Some(p) = adf_problem(&f["description"]) {
                    self.violations.push(p.clone());
                    return (
                        400,
                        json!({"errorMessages": [], "errors": {"description": p}}),
                    );
                }
                let n = self
                    .issues
                    .iter()
                    .filter(|i| i.key.starts_with(&format!("{project}-")))
                    .count();
                let key = format!("{project}-{}", 100 + n);
                self.issues.push(Issue {
                    key: key.clone(),
                    summary: f["summary"].as_str().unwrap_or_default().into(),
                    status: "To Do".into(),
                    priority: "Medium".into(),
                    assignee: f["assignee"]["accountId"].as_str().map(String::from),
                    due: f["duedate"].as_str().map(String::from),
                    description: f["description"].clone(),
                    comments: Vec::new(),
                });
                (
                    201,
                    json!({"id": (20_000 + n).to_string(), "key": key, "self": format!("{base}/rest/api/3/issue/{key}")}),
                )
            }
            "POST /rest/api/3/issueLink" => {
                let (a, b) = (
                    body["inwardIssue"]["key"].as_str(),
                    body["outwardIssue"]["key"].as_str(),
                );
                let ty = body["type"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                if !self.link_types.contains(&ty) {
                    return error(
                        404,
                        &[&format!("No issue link type with name '{ty}' found.")],
                    );
                }
                match (a.and_then(|a| self.find(a)), b.and_then(|b| self.find(b))) {
                    (Some(_), Some(_)) => {
                        self.links.push((
                            a.unwrap_or_default().into(),
                            b.unwrap_or_default().into(),
                            ty,
                        ));
                        (201, Value::Null)
                    }
                    _ => error(
                        404,
                        &["Issue does not exist or you do not have permission to see it."],
                    ),
                }
            }
            "GET /rest/api/3/user/search" => {
                let needle = q("query").unwrap_or_default().to_lowercase();
                let list: Vec<Value> = self
                    .users
                    .iter()
                    .filter(|u| u.1.to_lowercase().contains(&needle) || u.2.to_lowercase().starts_with(&needle))
                    .map(|u| json!({"accountId": u.0, "displayName": u.1, "emailAddress": u.2, "active": true, "accountType": "atlassian"}))
                    .collect();
                (200, json!(list))
            }
            _ => error(404, &["no such operation"]),
        }
    }
}

struct Ctx {
    hub: Arc<Mutex<Hub>>,
    spec: Arc<Spec>,
    base: Mutex<String>,
}

async fn handle(State(ctx): State<Arc<Ctx>>, req: Request) -> Response {
    let super::Incoming {
        method,
        path,
        query,
        headers,
        bytes,
    } = super::Incoming::read(req).await;
    let body: Option<Value> = serde_json::from_slice(&bytes).ok();
    let base = ctx.base.lock().expect("base").clone();
    let mut h = ctx.hub.lock().expect("hub");
    let expected = format!(
        "Basic {}",
        base64_encode(format!("{EMAIL}:{TOKEN}").as_bytes())
    );
    let mut extra = Vec::new();
    let (status, value) = if h.down {
        (503, json!({"errorMessages": ["Service Unavailable"]}))
    } else if h.limited > 0 {
        h.limited -= 1;
        extra.push(("retry-after", "1"));
        (429, json!({"errorMessages": ["Rate limit exceeded."]}))
    } else if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str())
    {
        error(
            401,
            &["Client must be authenticated to access this resource."],
        )
    } else {
        match ctx.spec.operation(&method, &path) {
            None => {
                h.violations
                    .push(format!("{method} {path}: no such operation"));
                error(404, &["no such operation"])
            }
            Some(op) => match ctx.spec.check_request(&op, &query, &headers, body.as_ref()) {
                Err(v) => {
                    h.violations.push(v.clone());
                    error(400, &[&v])
                }
                Ok(()) => {
                    let key = path.split('/').nth(5).unwrap_or_default().to_string();
                    let (status, v) = h.route(&op, &key, &query, &body.unwrap_or_default(), &base);
                    if let Err(e) = ctx.spec.check_response(&op, status, &v) {
                        h.violations.push(format!("the stand-in's answer: {e}"));
                    }
                    (status, v)
                }
            },
        }
    };
    h.requests.push((method, path, status));
    let mut resp = Response::builder()
        .status(status)
        .header("content-type", "application/json");
    for (k, v) in extra {
        resp = resp.header(k, v);
    }
    let text = if value.is_null() {
        String::new()
    } else {
        value.to_string()
    };
    resp.body(Body::from(text)).unwrap_or_default()
}

fn base64_encode(bytes: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

impl FakeJira {
    /// PAY-12 (In Progress, High, assigned to Ana) and OPS-7 (To Do), two users.
    pub fn start() -> FakeJira {
        let issue = |key: &str, summary: &str, status: &str| Issue {
            key: key.into(),
            summary: summary.into(),
            status: status.into(),
            priority: "High".into(),
            assignee: Some("acc-ana".into()),
            due: None,
            description: Value::Null,
            comments: Vec::new(),
        };
        let hub = Arc::new(Mutex::new(Hub {
            issues: vec![
                issue(
                    "PAY-12",
                    "Refunds fail for cards issued abroad",
                    "In Progress",
                ),
                issue(
                    "OPS-7",
                    "Queue workers stall after the broker restarts",
                    "To Do",
                ),
            ],
            users: vec![
                (
                    "acc-ana".into(),
                    "Ana Lopez".into(),
                    "ana@example.com".into(),
                ),
                (
                    "acc-ben".into(),
                    "Ben Okafor".into(),
                    "ben@example.com".into(),
                ),
            ],
            page: 2,
            link_types: vec!["Relates".into(), "Blocks".into()],
            ..Hub::default()
        }));
        let spec = Arc::new(Spec::load("jira/platform.openapi.json"));
        let ctx = Arc::new(Ctx {
            hub: hub.clone(),
            spec: spec.clone(),
            base: Mutex::new(String::new()),
        });
        let addr = super::serve(Router::new().fallback(handle).with_state(ctx.clone()));
        let url = format!("http://{addr}");
        *ctx.base.lock().expect("base") = url.clone();
        FakeJira { hub, spec, url }
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut Hub) -> R) -> R {
        f(&mut self.hub.lock().expect("hub"))
    }

    /// The comments' texts on an issue.
    pub fn comments(&self, key: &str) -> Vec<String> {
        self.with(|h| {
            let i = h.find(key).expect("issue");
            h.issues[i]
                .comments
                .iter()
                .map(|(_, b)| warroom::tickets::adf::to_text(b))
                .collect()
        })
    }

    pub fn status(&self, key: &str) -> String {
        self.with(|h| h.issues[h.find(key).expect("issue")].status.clone())
    }

    pub fn spec(&self) -> &Spec {
        &self.spec
    }
}
