//! A local server speaking GitHub's REST shapes for what warroom uses: pulls (create, get, list
//! by head), labels, reviews, check runs, the combined status, `ETag` with 304 answers, and the
//! errors (401, 403 with and without a rate limit, 404, 422). Lists are paged as GitHub pages
//! them (`per_page` up to 100, default 30; `page`; a `Link` header with `next` and `last`;
//! `total_count` of the whole list), and check runs are filtered to the latest run of each name
//! unless `filter=all`. Its state is changed by the test (approve, dismiss, a check fails then
//! passes, a force-push, close, reopen, merge); every request is recorded. Runs on its own
//! thread and runtime, so tmux tests can use it too.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    pub auth: Option<String>,
    pub accept: Option<String>,
    pub if_none_match: Option<String>,
    pub body: String,
    pub status: u16,
}

/// A check run: (name, status, conclusion).
pub type Run = (String, String, Option<String>);

#[derive(Debug, Clone, Default)]
pub struct Pull {
    pub number: u64,
    pub title: String,
    pub body: String,
    pub head: String,
    pub head_sha: String,
    pub base: String,
    pub draft: bool,
    pub state: String,
    pub merged: bool,
    pub merge_commit: Option<String>,
    pub labels: Vec<String>,
}

/// An answer forced for requests whose path ends with a suffix (a fault).
#[derive(Debug, Clone)]
pub struct Fault {
    /// Only for this method, when set.
    pub method: Option<String>,
    /// Answers this many times, then the fault is gone (none: until cleared).
    pub times: Option<usize>,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// An issue (the incident's ticket, or a follow-up created under it).
#[derive(Debug, Clone, Default)]
pub struct Issue {
    pub number: u64,
    pub id: u64,
    pub title: String,
    pub body: String,
    pub state: String,
    pub state_reason: Option<String>,
    pub assignees: Vec<String>,
    pub labels: Vec<String>,
    pub comments: Vec<String>,
    /// Sub-issues, by number.
    pub subs: Vec<u64>,
}

#[derive(Default)]
pub struct Hub {
    pub issues: Vec<Issue>,
    /// Who can be assigned an issue.
    pub collaborators: Vec<String>,
    pub owner: String,
    pub repo: String,
    pub pulls: Vec<Pull>,
    /// (pull number, reviewer, state)
    pub reviews: Vec<(u64, String, String)>,
    /// By head sha: each run, oldest first (a re-run is pushed after).
    pub runs: HashMap<String, Vec<Run>>,
    /// By head sha: (context, state)
    pub statuses: HashMap<String, Vec<(String, String)>>,
    pub labels: BTreeSet<String>,
    pub faults: Vec<(String, Fault)>,
    /// The sha a new pull's head gets.
    pub next_head_sha: String,
    pub seen: Vec<Seen>,
    /// The server's own address, for the `Link` header's URLs.
    pub base: String,
}

#[derive(Clone)]
pub struct FakeGithub {
    pub hub: Arc<Mutex<Hub>>,
    /// What `[github] api_url` is set to.
    pub api: String,
}

impl Hub {
    /// The head commit of pull `number`.
    pub fn head_of(&self, number: u64) -> String {
        self.pulls
            .iter()
            .find(|p| p.number == number)
            .map(|p| p.head_sha.clone())
            .expect("pull")
    }
}

fn pull_json(h: &Hub, p: &Pull, single: bool) -> Value {
    let base = format!("https://github.com/{}/{}", h.owner, h.repo);
    let mut v = json!({
        "url": format!("https://api.github.com/repos/{}/{}/pulls/{}", h.owner, h.repo, p.number),
        "id": 1000 + p.number,
        "number": p.number,
        "html_url": format!("{base}/pull/{}", p.number),
        "state": p.state,
        "locked": false,
        "title": p.title,
        "user": {"login": "octocat", "id": 1},
        "body": p.body,
        "labels": p.labels.iter().map(|l| json!({"name": l, "color": "d73a4a"})).collect::<Vec<_>>(),
        "draft": p.draft,
        "created_at": "2026-11-26T14:00:00Z",
        "merged_at": if p.merged { json!("2026-11-26T15:00:00Z") } else { Value::Null },
        "merge_commit_sha": p.merge_commit,
        "head": {"label": format!("{}:{}", h.owner, p.head), "ref": p.head, "sha": p.head_sha,
                 "user": {"login": h.owner}, "repo": {"id": 1, "name": h.repo}},
        "base": {"label": format!("{}:{}", h.owner, p.base), "ref": p.base, "sha": "0".repeat(40),
                 "user": {"login": h.owner}, "repo": {"id": 1, "name": h.repo}},
    });
    if single {
        v["merged"] = json!(p.merged);
        v["mergeable"] = json!(true);
        v["merged_by"] = if p.merged {
            json!({"login": "octocat"})
        } else {
            Value::Null
        };
    }
    v
}

fn not_found() -> (u16, Value) {
    (
        404,
        json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}),
    )
}

/// The answer to one request, from the hub's state.
fn route(h: &mut Hub, method: &str, path: &str, query: &str, body: &str) -> (u16, Value) {
    let prefix = format!("/repos/{}/{}/", h.owner, h.repo);
    let Some(rest) = path.strip_prefix(&prefix) else {
        return not_found();
    };
    let parts: Vec<&str> = rest.split('/').collect();
    let req: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    match (method, parts.as_slice()) {
        ("GET", ["pulls"]) => {
            let head = url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "head")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            let list: Vec<Value> = h
                .pulls
                .iter()
                .filter(|p| p.state == "open" && format!("{}:{}", h.owner, p.head) == head)
                .map(|p| pull_json(h, p, false))
                .collect();
            (200, json!(list))
        }
        ("POST", ["pulls"]) => {
            let head = req["head"].as_str().unwrap_or_default().to_string();
            if req["title"].as_str().is_none_or(str::is_empty) {
                return (
                    422,
                    json!({"message": "Validation Failed", "errors": [{"resource": "PullRequest", "code": "missing_field", "field": "title"}], "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request", "status": "422"}),
                );
            }
            if h.pulls.iter().any(|p| p.state == "open" && p.head == head) {
                return (
                    422,
                    json!({"message": "Validation Failed", "errors": [{"resource": "PullRequest", "code": "custom", "message": format!("A pull request already exists for {}:{head}.", h.owner)}], "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request", "status": "422"}),
                );
            }
            let p = Pull {
                number: h.pulls.len() as u64 + 7,
                title: req["title"].as_str().unwrap_or_default().into(),
                body: req["body"].as_str().unwrap_or_default().into(),
                head,
                head_sha: h.next_head_sha.clone(),
                base: req["base"].as_str().unwrap_or("main").into(),
                draft: req["draft"].as_bool().unwrap_or(false),
                state: "open".into(),
                ..Pull::default()
            };
            let v = pull_json(h, &p, true);
            h.pulls.push(p);
            (201, v)
        }
        ("GET", ["pulls", n]) => match h.pulls.iter().find(|p| p.number.to_string() == *n) {
            Some(p) => (200, pull_json(h, p, true)),
            None => not_found(),
        },
        ("GET", ["pulls", n, "reviews"]) => {
            let list: Vec<Value> = h
                .reviews
                .iter()
                .enumerate()
                .filter(|(_, (pn, _, _))| pn.to_string() == *n)
                .map(|(i, (_, who, state))| {
                    json!({"id": 80 + i, "node_id": "MDE3", "user": {"login": who, "id": 2 + i},
                           "body": "", "state": state, "html_url": "https://github.com/x",
                           "submitted_at": "2026-11-26T14:30:00Z", "commit_id": "abc",
                           "author_association": "MEMBER"})
                })
                .collect();
            (200, json!(list))
        }
        ("GET", ["commits", sha, "check-runs"]) => {
            let all = url::form_urlencoded::parse(query.as_bytes())
                .any(|(k, v)| k == "filter" && v == "all");
            let list: Vec<(usize, &Run)> =
                h.runs.get(*sha).into_iter().flatten().enumerate().collect();
            // `filter=latest` (GitHub's default): the newest run of each name.
            let kept: Vec<(usize, &Run)> = list
                .iter()
                .filter(|(i, (name, _, _))| {
                    all || !list.iter().any(|(j, (n, _, _))| n == name && j > i)
                })
                .cloned()
                .collect();
            let runs: Vec<Value> = kept
                .into_iter()
                .map(|(i, (name, status, conclusion))| {
                    json!({"id": 4 + i, "head_sha": sha, "node_id": "MDg6", "external_id": "",
                           "url": format!("https://api.github.com/check-runs/{}", 4 + i),
                           "html_url": format!("https://github.com/{}/{}/runs/{}", h.owner, h.repo, 4 + i),
                           "details_url": "https://ci.example.com", "status": status,
                           "conclusion": conclusion,
                           "started_at": format!("2026-11-26T14:{:02}:{:02}Z", 10 + i / 60, i % 60),
                           "completed_at": if status == "completed" { json!("2026-11-26T14:20:00Z") } else { Value::Null },
                           "name": name, "check_suite": {"id": 5}, "app": {"id": 1, "slug": "ci"},
                           "pull_requests": []})
                })
                .collect();
            (200, json!({"total_count": runs.len(), "check_runs": runs}))
        }
        ("GET", ["commits", sha, "status"]) => {
            let list: Vec<(String, String)> = h.statuses.get(*sha).cloned().unwrap_or_default();
            let state = if list.iter().any(|(_, s)| s == "failure" || s == "error") {
                "failure"
            } else if !list.is_empty() && list.iter().all(|(_, s)| s == "success") {
                "success"
            } else {
                "pending"
            };
            let statuses: Vec<Value> = list
                .iter()
                .map(|(ctx, s)| {
                    json!({"url": "https://api.github.com/x", "id": 1, "state": s,
                    "description": "", "target_url": format!("https://ci.example.com/{ctx}"),
                    "context": ctx, "created_at": "2026-11-26T14:10:00Z"})
                })
                .collect();
            (
                200,
                json!({"state": state, "statuses": statuses, "sha": sha,
                         "total_count": list.len(), "repository": {"id": 1}}),
            )
        }
        ("GET", ["labels", name]) => {
            let name = name.replace("%20", " ");
            if h.labels.contains(&name) {
                (
                    200,
                    json!({"id": 1, "name": name, "color": "d73a4a", "default": false}),
                )
            } else {
                not_found()
            }
        }
        ("POST", ["labels"]) => {
            let name = req["name"].as_str().unwrap_or_default().to_string();
            h.labels.insert(name.clone());
            (
                201,
                json!({"id": 2, "name": name, "color": req["color"], "default": false}),
            )
        }
        ("POST", ["issues", n, "labels"]) => {
            let names: Vec<String> = req["labels"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|l| l.as_str().map(String::from))
                .collect();
            match h.pulls.iter_mut().find(|p| p.number.to_string() == *n) {
                Some(p) => {
                    p.labels.extend(names);
                    let all: Vec<Value> = p.labels.iter().map(|l| json!({"name": l})).collect();
                    (200, json!(all))
                }
                None => not_found(),
            }
        }
        _ => issue_route(h, method, parts.as_slice(), &req),
    }
}

fn issue_json(h: &Hub, i: &Issue) -> Value {
    let user = |login: &String| json!({"login": login, "id": 9, "type": "User"});
    json!({"id": i.id, "node_id": format!("I_{}", i.id), "number": i.number, "title": i.title,
           "body": i.body, "state": i.state, "state_reason": i.state_reason, "locked": false,
           "url": format!("https://api.github.com/repos/{}/{}/issues/{}", h.owner, h.repo, i.number),
           "html_url": format!("https://github.com/{}/{}/issues/{}", h.owner, h.repo, i.number),
           "user": user(&"octo".to_string()),
           "labels": i.labels.iter().map(|l| json!({"name": l, "color": "d73a4a"})).collect::<Vec<_>>(),
           "assignees": i.assignees.iter().map(user).collect::<Vec<_>>(),
           "comments": i.comments.len(), "created_at": "2026-12-04T09:00:00Z",
           "updated_at": "2026-12-04T09:00:00Z", "closed_at": Value::Null})
}

fn invalid(field: &str, value: &Value) -> (u16, Value) {
    (
        422,
        json!({"message": "Validation Failed", "errors": [{"value": value, "resource": "Issue", "field": field, "code": "invalid"}],
               "documentation_url": "https://docs.github.com/rest/issues/issues#create-an-issue", "status": "422"}),
    )
}

/// Issues, their comments and sub-issues, as GitHub's REST API answers them.
fn issue_route(h: &mut Hub, method: &str, parts: &[&str], req: &Value) -> (u16, Value) {
    let find = |h: &Hub, n: &str| h.issues.iter().position(|i| i.number.to_string() == n);
    match (method, parts) {
        ("GET", ["issues", n]) => match find(h, n) {
            Some(i) => (200, issue_json(h, &h.issues[i])),
            None => not_found(),
        },
        ("PATCH", ["issues", n]) => {
            let Some(i) = find(h, n) else {
                return not_found();
            };
            if let Some(s) = req.get("state") {
                if !["open", "closed"].contains(&s.as_str().unwrap_or_default()) {
                    return invalid("state", s);
                }
                h.issues[i].state = s.as_str().unwrap_or_default().into();
            }
            if let Some(r) = req.get("state_reason") {
                if !(r.is_null()
                    || ["completed", "not_planned", "duplicate", "reopened"]
                        .contains(&r.as_str().unwrap_or_default()))
                {
                    return invalid("state_reason", r);
                }
                h.issues[i].state_reason = r.as_str().map(String::from);
            }
            (200, issue_json(h, &h.issues[i]))
        }
        ("GET", ["issues", n, "comments"]) => match find(h, n) {
            Some(i) => {
                let list: Vec<Value> = h.issues[i].comments.iter().enumerate().map(|(k, b)| {
                    json!({"id": 500 + k, "body": b, "user": {"login": "warroom-bot", "id": 3},
                           "html_url": format!("https://github.com/{}/{}/issues/{n}#issuecomment-{}", h.owner, h.repo, 500 + k),
                           "created_at": "2026-12-04T09:00:00Z", "updated_at": "2026-12-04T09:00:00Z"})
                }).collect();
                (200, json!(list))
            }
            None => not_found(),
        },
        ("POST", ["issues", n, "comments"]) => {
            let Some(i) = find(h, n) else {
                return not_found();
            };
            let Some(body) = req["body"].as_str().filter(|b| !b.is_empty()) else {
                return invalid("body", &req["body"]);
            };
            h.issues[i].comments.push(body.into());
            let k = 500 + h.issues[i].comments.len() - 1;
            (
                201,
                json!({"id": k, "body": body, "user": {"login": "warroom-bot", "id": 3},
                         "html_url": format!("https://github.com/{}/{}/issues/{n}#issuecomment-{k}", h.owner, h.repo),
                         "created_at": "2026-12-04T09:00:00Z", "updated_at": "2026-12-04T09:00:00Z"}),
            )
        }
        ("POST", ["issues"]) => {
            let Some(title) = req["title"].as_str().filter(|t| !t.is_empty()) else {
                return invalid("title", &req["title"]);
            };
            let assignees: Vec<String> = req["assignees"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a.as_str().map(String::from))
                .collect();
            if let Some(bad) = assignees.iter().find(|a| !h.collaborators.contains(a)) {
                return invalid("assignees", &json!(bad));
            }
            let number = h
                .issues
                .iter()
                .map(|i| i.number)
                .max()
                .unwrap_or(0)
                .max(h.pulls.len() as u64 + 40)
                + 1;
            let issue = Issue {
                number,
                id: 7_000_000 + number,
                title: title.into(),
                body: req["body"].as_str().unwrap_or_default().into(),
                state: "open".into(),
                assignees,
                ..Issue::default()
            };
            let v = issue_json(h, &issue);
            h.issues.push(issue);
            (201, v)
        }
        ("GET", ["issues", n, "sub_issues"]) => match find(h, n) {
            Some(i) => {
                let subs: Vec<Value> = h.issues[i]
                    .subs
                    .iter()
                    .filter_map(|s| h.issues.iter().find(|x| x.number == *s))
                    .map(|x| issue_json(h, x))
                    .collect();
                (200, json!(subs))
            }
            None => not_found(),
        },
        ("POST", ["issues", n, "sub_issues"]) => {
            let Some(i) = find(h, n) else {
                return not_found();
            };
            let id = req["sub_issue_id"].as_u64().unwrap_or_default();
            let Some(sub) = h.issues.iter().find(|x| x.id == id).map(|x| x.number) else {
                return invalid("sub_issue_id", &req["sub_issue_id"]);
            };
            h.issues[i].subs.push(sub);
            (201, issue_json(h, &h.issues[i]))
        }
        _ => not_found(),
    }
}

async fn handle(State(hub): State<Arc<Mutex<Hub>>>, req: Request) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or_default().to_string();
    let headers = req.headers().clone();
    let header = |k: &str| {
        headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    };
    let (auth, accept, if_none_match) = (
        header("authorization"),
        header("accept"),
        header("if-none-match"),
    );
    let body = axum::body::to_bytes(req.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let body = String::from_utf8_lossy(&body).into_owned();
    let (status, headers, text) = answer(
        &hub,
        &method,
        &path,
        &query,
        &body,
        if_none_match.as_deref(),
        auth,
        accept,
    );
    let mut resp =
        Response::builder().status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK));
    for (k, v) in headers {
        resp = resp.header(k, v);
    }
    resp.body(Body::from(text)).unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
fn answer(
    hub: &Mutex<Hub>,
    method: &str,
    path: &str,
    query: &str,
    body: &str,
    if_none_match: Option<&str>,
    auth: Option<String>,
    accept: Option<String>,
) -> (u16, Vec<(String, String)>, String) {
    let mut h = hub.lock().expect("lock");
    let found = h.faults.iter().position(|(suffix, f)| {
        path.ends_with(suffix.as_str()) && f.method.as_deref().is_none_or(|m| m == method)
    });
    let fault = found.map(|i| h.faults[i].1.clone());
    if let Some(i) = found
        && let Some(n) = &mut h.faults[i].1.times
    {
        *n -= 1;
        if *n == 0 {
            h.faults.remove(i);
        }
    }
    let (status, headers, text) = match fault {
        Some(f) => (f.status, f.headers, f.body),
        None => {
            let (status, value) = route(&mut h, method, path, query, body);
            let (value, link) = paginate(&h.base, path, query, value);
            let text = value.to_string();
            let etag = format!("W/\"{:x}\"", fnv(text.as_bytes()));
            let mut headers = vec![
                (
                    "content-type".to_string(),
                    "application/json; charset=utf-8".to_string(),
                ),
                ("x-ratelimit-limit".to_string(), "5000".to_string()),
                ("x-ratelimit-remaining".to_string(), "4999".to_string()),
            ];
            if let Some(link) = link {
                headers.push(("link".into(), link));
            }
            if method == "GET" && status == 200 {
                headers.push(("etag".into(), etag.clone()));
                if if_none_match == Some(etag.as_str()) {
                    // A conditional request that matches costs no rate limit.
                    (304, headers, String::new())
                } else {
                    (status, headers, text)
                }
            } else {
                (status, headers, text)
            }
        }
    };
    h.seen.push(Seen {
        method: method.into(),
        path: path.into(),
        query: query.into(),
        auth,
        accept,
        if_none_match: if_none_match.map(String::from),
        body: body.into(),
        status,
    });
    (status, headers, text)
}

/// One page of a list answer, as GitHub pages it, and the `Link` header when there are more.
/// The list is the answer itself (reviews) or its `check_runs` / `statuses`; `total_count` stays
/// the whole list's.
fn paginate(base: &str, path: &str, query: &str, mut value: Value) -> (Value, Option<String>) {
    let key = if path.ends_with("/check-runs") {
        Some("check_runs")
    } else if path.ends_with("/status") {
        Some("statuses")
    } else if path.ends_with("/reviews")
        || path.ends_with("/comments")
        || path.ends_with("/sub_issues")
    {
        None
    } else {
        return (value, None);
    };
    let params: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let per_page: usize = params
        .get("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(30)
        .clamp(1, 100);
    let page: usize = params
        .get("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let list = match key {
        Some(k) => value.get_mut(k),
        None => Some(&mut value),
    };
    let Some(Value::Array(items)) = list else {
        return (value, None);
    };
    let total = items.len();
    let pages = total.div_ceil(per_page).max(1);
    let slice: Vec<Value> = items
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .cloned()
        .collect();
    *items = slice;
    let link_to = |p: usize| {
        let mut q: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| *k != "page")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        q.sort();
        q.push(("page".into(), p.to_string()));
        let qs = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(q)
            .finish();
        format!("<{base}{path}?{qs}>")
    };
    let mut rels = Vec::new();
    if page < pages {
        rels.push(format!("{}; rel=\"next\"", link_to(page + 1)));
        rels.push(format!("{}; rel=\"last\"", link_to(pages)));
    }
    if page > 1 {
        rels.push(format!("{}; rel=\"first\"", link_to(1)));
        rels.push(format!("{}; rel=\"prev\"", link_to(page - 1)));
    }
    (value, (!rels.is_empty()).then(|| rels.join(", ")))
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl FakeGithub {
    pub fn start(owner: &str, repo: &str) -> FakeGithub {
        let hub = Arc::new(Mutex::new(Hub {
            owner: owner.into(),
            repo: repo.into(),
            next_head_sha: "a".repeat(40),
            ..Hub::default()
        }));
        let addr = super::serve(Router::new().fallback(handle).with_state(hub.clone()));
        let api = format!("http://{addr}");
        hub.lock().expect("lock").base = api.clone();
        FakeGithub { hub, api }
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut Hub) -> R) -> R {
        f(&mut self.hub.lock().expect("lock"))
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.with(|h| h.seen.clone())
    }

    pub fn approve(&self, number: u64, who: &str) {
        self.with(|h| h.reviews.push((number, who.into(), "APPROVED".into())));
    }

    /// Sets the check runs on pull `number`'s head commit.
    pub fn checks(&self, number: u64, runs: &[(&str, &str, Option<&str>)]) {
        self.with(|h| {
            let sha = h.head_of(number);
            h.runs.insert(
                sha,
                runs.iter()
                    .map(|(n, s, c)| (n.to_string(), s.to_string(), c.map(String::from)))
                    .collect(),
            );
        });
    }

    /// A reviewer's approval dismissed: GitHub turns the review itself to `DISMISSED`.
    pub fn dismiss(&self, number: u64, who: &str) {
        self.with(|h| {
            for r in h.reviews.iter_mut() {
                if r.0 == number && r.1 == who && r.2 == "APPROVED" {
                    r.2 = "DISMISSED".into();
                }
            }
        });
    }

    /// A push (or a force-push) that replaces the head of pull `number`.
    pub fn push_head(&self, number: u64, sha: &str) {
        self.with(|h| {
            if let Some(p) = h.pulls.iter_mut().find(|p| p.number == number) {
                p.head_sha = sha.into();
            }
        });
    }

    /// Closes (`closed`) or reopens (`open`) pull `number` without merging it.
    pub fn set_state(&self, number: u64, state: &str) {
        self.with(|h| {
            if let Some(p) = h.pulls.iter_mut().find(|p| p.number == number) {
                p.state = state.into();
            }
        });
    }

    /// A re-run of check `name` on pull `number`'s head: a new run after the old ones.
    pub fn rerun(&self, number: u64, name: &str, status: &str, conclusion: Option<&str>) {
        self.with(|h| {
            let sha = h.head_of(number);
            h.runs.entry(sha).or_default().push((
                name.into(),
                status.into(),
                conclusion.map(String::from),
            ));
        });
    }

    pub fn merge(&self, number: u64, merge_commit: &str) {
        self.with(|h| {
            if let Some(p) = h.pulls.iter_mut().find(|p| p.number == number) {
                p.merged = true;
                p.state = "closed".into();
                p.merge_commit = Some(merge_commit.into());
            }
        });
    }

    pub fn fault(&self, suffix: &str, status: u16, headers: &[(&str, &str)], body: &str) {
        self.fault_on(None, None, suffix, status, headers, body);
    }

    /// A fault for one method only, `times` times (or until cleared).
    pub fn fault_on(
        &self,
        method: Option<&str>,
        times: Option<usize>,
        suffix: &str,
        status: u16,
        headers: &[(&str, &str)],
        body: &str,
    ) {
        self.with(|h| {
            h.faults.push((
                suffix.into(),
                Fault {
                    method: method.map(String::from),
                    times,
                    status,
                    headers: headers
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                    body: body.into(),
                },
            ))
        });
    }

    pub fn clear_faults(&self) {
        self.with(|h| h.faults.clear());
    }
}

/// A service whose `warroom.toml` follows this stand-in every 5 s, a warroom home, and an
/// incident opened on it with its hotfix branch created.
pub struct Project {
    pub repo: super::repo::TestRepo,
    pub home: tempfile::TempDir,
    token: String,
}

impl Project {
    pub fn open(
        gh: &FakeGithub,
        token: &str,
        ticket: &str,
        priority: &str,
        title: &str,
    ) -> Project {
        let repo = super::repo::TestRepo::new();
        std::fs::write(
            repo.work.join("warroom.toml"),
            format!(
                "[github]\napi_url = \"{}\"\nrepository = \"acme/api\"\npoll_interval = \"5s\"\n",
                gh.api
            ),
        )
        .expect("config");
        let p = Project {
            repo,
            home: tempfile::tempdir().expect("tmp"),
            token: token.into(),
        };
        p.run(&[
            "open",
            ticket,
            "--priority",
            priority,
            "--title",
            title,
            "--no-console",
        ]);
        p.run(&["git", "branch", ticket, "--no-fetch"]);
        p
    }

    /// `warroom ARGS` in the service with the token set; its output, once it succeeded.
    pub fn run(&self, args: &[&str]) -> String {
        let o = super::warroom_env(
            self.home.path(),
            &self.repo.work,
            args,
            &[("GITHUB_TOKEN", &self.token)],
        );
        assert!(o.status.success(), "{args:?}: {}", super::stderr(&o));
        super::stdout(&o)
    }

    /// The console on `ticket`, in a tmux pane of 200×90.
    pub fn console(&self, tmux: &super::tmux::Tmux, ticket: &str) {
        tmux.start_sized(self.home.path(), 200, 90);
        tmux.line(&format!(
            "cd '{}' && GITHUB_TOKEN={} {} resume {ticket}",
            self.repo.work.display(),
            self.token,
            super::bin().display()
        ));
    }
}
