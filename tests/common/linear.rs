//! A Linear stand-in: every document is parsed and validated against Linear's published schema
//! (`tests/fixtures/linear/schema.graphql`), its variables coerced to the operation's types, and
//! executed by apollo-compiler's executor over a small state (teams with their workflow
//! states, users, issues with comments and children), so every answer is also coerced to the
//! schema's types. Connections are paged (`first`, `after`, `pageInfo`). It answers Linear's
//! errors: `AUTHENTICATION_ERROR`, an unknown issue (`Entity not found`), `RATELIMITED` with
//! `X-RateLimit-Requests-Reset`, and a service that is down (503).

use std::cell::RefCell;
use std::sync::{Arc, Mutex, OnceLock};

use apollo_compiler::resolvers::{Execution, FieldError, ObjectValue, ResolveInfo, ResolvedValue};
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use serde_json::{Value, json};

pub fn schema() -> &'static Valid<Schema> {
    static SCHEMA: OnceLock<Valid<Schema>> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/linear/schema.graphql"
        );
        let sdl = std::fs::read_to_string(path).expect("Linear's schema");
        Schema::parse_and_validate(sdl, "schema.graphql").expect("Linear's schema is valid")
    })
}

#[derive(Debug, Clone)]
pub struct Issue {
    pub id: String,
    pub identifier: String,
    pub title: String,
    pub description: String,
    pub priority: i64,
    pub team: usize,
    pub state: String,
    pub assignee: Option<String>,
    pub parent: Option<String>,
    pub due: Option<String>,
    /// (id, body)
    pub comments: Vec<(String, String)>,
}

/// (id, key, [(workflow state id, name)])
pub type Team = (String, String, Vec<(String, String)>);

#[derive(Debug, Default)]
pub struct Hub {
    pub token: String,
    pub teams: Vec<Team>,
    /// (id, name, display name, email)
    pub users: Vec<(String, String, String, String)>,
    pub issues: Vec<Issue>,
    /// Every operation asked, by name, with its variables.
    pub seen: Vec<(String, Value)>,
    /// Documents that did not validate: the tests require none.
    pub invalid: Vec<String>,
    /// Answer 503 while set.
    pub down: bool,
    /// Answer `RATELIMITED` this many times.
    pub rate_limited: usize,
}

#[derive(Clone)]
pub struct FakeLinear {
    pub hub: Arc<Mutex<Hub>>,
    pub url: String,
}

const PRIORITIES: [&str; 5] = ["No priority", "Urgent", "High", "Medium", "Low"];

impl Hub {
    fn issue_index(&self, id: &str) -> Option<usize> {
        self.issues
            .iter()
            .position(|i| i.id == id || i.identifier.eq_ignore_ascii_case(id))
    }

    /// An issue as JSON objects the resolver walks (`__typename` on each object, `__all` on
    /// each connection).
    fn issue_json(&self, i: &Issue) -> Value {
        let (team_id, team_key, states) = &self.teams[i.team];
        let state = states
            .iter()
            .find(|(id, _)| *id == i.state)
            .cloned()
            .unwrap_or_default();
        let user = |id: &str| {
            self.users.iter().find(|u| u.0 == id).map(|u| {
                json!({"__typename": "User", "id": u.0, "name": u.1, "displayName": u.2, "email": u.3})
            })
        };
        let url = format!(
            "https://linear.app/acme/issue/{}",
            i.identifier.to_lowercase()
        );
        let children: Vec<Value> = self
            .issues
            .iter()
            .filter(|c| c.parent.as_deref() == Some(i.id.as_str()))
            .map(|c| json!({"__typename": "Issue", "identifier": c.identifier, "title": c.title,
                            "url": format!("https://linear.app/acme/issue/{}", c.identifier.to_lowercase())}))
            .collect();
        json!({
            "__typename": "Issue",
            "id": i.id, "identifier": i.identifier, "title": i.title, "url": url,
            "description": i.description,
            "priority": i.priority as f64,
            "priorityLabel": PRIORITIES[i.priority.clamp(0, 4) as usize],
            "dueDate": i.due,
            "state": {"__typename": "WorkflowState", "id": state.0, "name": state.1},
            "assignee": i.assignee.as_deref().and_then(user),
            "team": {"__typename": "Team", "id": team_id, "key": team_key,
                     "states": {"__typename": "WorkflowStateConnection", "__all": states.iter()
                         .map(|(id, n)| json!({"__typename": "WorkflowState", "id": id, "name": n}))
                         .collect::<Vec<_>>()}},
            "comments": {"__typename": "CommentConnection", "__all": i.comments.iter()
                .map(|(id, body)| json!({"__typename": "Comment", "id": id, "body": body,
                                         "url": format!("{url}#comment-{id}")}))
                .collect::<Vec<_>>()},
            "children": {"__typename": "IssueConnection", "__all": children},
        })
    }

    fn comment_create(&mut self, input: &Value) -> Result<Value, String> {
        let id = input["issueId"].as_str().unwrap_or_default();
        let i = self.issue_index(id).ok_or("Entity not found: Issue")?;
        let cid = format!("c{}", self.issues[i].comments.len() + 1);
        let body = input["body"].as_str().unwrap_or_default().to_string();
        self.issues[i].comments.push((cid.clone(), body.clone()));
        let url = format!(
            "https://linear.app/acme/issue/{}#comment-{cid}",
            self.issues[i].identifier.to_lowercase()
        );
        Ok(
            json!({"__typename": "CommentPayload", "success": true, "lastSyncId": 1.0,
                  "comment": {"__typename": "Comment", "id": cid, "body": body, "url": url}}),
        )
    }

    fn issue_update(&mut self, id: &str, input: &Value) -> Result<Value, String> {
        let i = self.issue_index(id).ok_or("Entity not found: Issue")?;
        if let Some(state) = input["stateId"].as_str() {
            let team = &self.teams[self.issues[i].team];
            if !team.2.iter().any(|(s, _)| s == state) {
                return Err(format!("stateId {state} is not a state of team {}", team.1));
            }
            self.issues[i].state = state.to_string();
        }
        let issue = self.issue_json(&self.issues[i]);
        Ok(
            json!({"__typename": "IssuePayload", "success": true, "lastSyncId": 2.0, "issue": issue}),
        )
    }

    fn issue_create(&mut self, input: &Value) -> Result<Value, String> {
        let team_id = input["teamId"].as_str().unwrap_or_default();
        let team = self
            .teams
            .iter()
            .position(|t| t.0 == team_id)
            .ok_or("Entity not found: Team")?;
        let parent = match input["parentId"].as_str() {
            Some(p) => Some(
                self.issues[self.issue_index(p).ok_or("Entity not found: Issue")?]
                    .id
                    .clone(),
            ),
            None => None,
        };
        if let Some(a) = input["assigneeId"].as_str()
            && !self.users.iter().any(|u| u.0 == a)
        {
            return Err("Entity not found: User".into());
        }
        let n = self.issues.iter().filter(|i| i.team == team).count() + 1;
        let issue = Issue {
            id: format!("uuid-{}-{n}", self.teams[team].1),
            identifier: format!("{}-{}", self.teams[team].1, 1000 + n),
            title: input["title"].as_str().unwrap_or_default().into(),
            description: input["description"].as_str().unwrap_or_default().into(),
            priority: 0,
            team,
            state: self.teams[team].2[0].0.clone(),
            assignee: input["assigneeId"].as_str().map(String::from),
            parent,
            due: input["dueDate"].as_str().map(String::from),
            comments: Vec::new(),
        };
        let v = self.issue_json(&issue);
        self.issues.push(issue);
        Ok(json!({"__typename": "IssuePayload", "success": true, "lastSyncId": 3.0, "issue": v}))
    }

    fn users(&self, filter: &Value) -> Value {
        let matches = |u: &(String, String, String, String), f: &Value| {
            [("displayName", &u.2), ("name", &u.1), ("email", &u.3)]
                .iter()
                .any(|(k, v)| {
                    f[*k]["eqIgnoreCase"]
                        .as_str()
                        .is_some_and(|w| w.eq_ignore_ascii_case(v))
                        || f[*k]["eq"].as_str() == Some(v.as_str())
                })
        };
        let nodes: Vec<Value> = self
            .users
            .iter()
            .filter(|u| match filter["or"].as_array() {
                Some(any) => any.iter().any(|f| matches(u, f)),
                None => filter.is_null() || matches(u, filter),
            })
            .map(|u| json!({"__typename": "User", "id": u.0, "name": u.1, "displayName": u.2, "email": u.3}))
            .collect();
        json!({"__typename": "UserConnection", "__all": nodes})
    }
}

/// A JSON object of the state, resolved field by field.
struct Obj(Value);

fn to_json(map: &apollo_compiler::response::JsonMap) -> Value {
    serde_json::to_value(map).unwrap_or(Value::Null)
}

fn resolved<'a>(v: &Value, args: &Value) -> ResolvedValue<'a> {
    match v {
        Value::Object(o) if o.contains_key("__all") => {
            let all = o["__all"].as_array().cloned().unwrap_or_default();
            let from = args["after"]
                .as_str()
                .and_then(|a| a.parse::<usize>().ok())
                .unwrap_or(0);
            let first = args["first"].as_u64().unwrap_or(50) as usize;
            let page: Vec<Value> = all.iter().skip(from).take(first).cloned().collect();
            let end = from + page.len();
            ResolvedValue::object(Obj(json!({
                "__typename": o["__typename"],
                "nodes": page,
                "pageInfo": {"__typename": "PageInfo", "hasNextPage": end < all.len(),
                             "hasPreviousPage": from > 0,
                             "startCursor": from.to_string(), "endCursor": end.to_string()},
            })))
        }
        Value::Object(_) => ResolvedValue::object(Obj(v.clone())),
        Value::Array(items) => ResolvedValue::list(
            items
                .iter()
                .map(|i| resolved(i, &Value::Null))
                .collect::<Vec<_>>(),
        ),
        leaf => ResolvedValue::leaf(leaf.clone()),
    }
}

impl ObjectValue for Obj {
    fn type_name(&self) -> &str {
        self.0["__typename"].as_str().unwrap_or("Unknown")
    }

    fn resolve_field<'a>(
        &'a self,
        info: &'a ResolveInfo<'a>,
    ) -> Result<ResolvedValue<'a>, FieldError> {
        match self.0.get(info.field_name()) {
            Some(v) => Ok(resolved(v, &to_json(info.arguments()))),
            None => Err(self.unknown_field_error(info)),
        }
    }
}

/// The root of a query or a mutation, over the hub.
struct Root<'h> {
    mutation: bool,
    hub: &'h RefCell<&'h mut Hub>,
}

impl ObjectValue for Root<'_> {
    fn type_name(&self) -> &str {
        if self.mutation { "Mutation" } else { "Query" }
    }

    fn resolve_field<'a>(
        &'a self,
        info: &'a ResolveInfo<'a>,
    ) -> Result<ResolvedValue<'a>, FieldError> {
        let args = to_json(info.arguments());
        let mut hub = self.hub.borrow_mut();
        let err = |message: String| FieldError { message };
        let v = match info.field_name() {
            "issue" => {
                let id = args["id"].as_str().unwrap_or_default();
                let i = hub
                    .issue_index(id)
                    .ok_or_else(|| err("Entity not found: Issue".into()))?;
                hub.issue_json(&hub.issues[i])
            }
            "users" => hub.users(&args["filter"]),
            "commentCreate" => hub.comment_create(&args["input"]).map_err(err)?,
            "issueUpdate" => {
                let id = args["id"].as_str().unwrap_or_default().to_string();
                hub.issue_update(&id, &args["input"]).map_err(err)?
            }
            "issueCreate" => hub.issue_create(&args["input"]).map_err(err)?,
            _ => return Err(self.unknown_field_error(info)),
        };
        Ok(resolved(&v, &args))
    }
}

fn graphql_error(message: &str, code: &str) -> Value {
    json!({"errors": [{"message": message, "extensions": {"code": code, "type": code.to_lowercase(),
            "userPresentableMessage": message}}]})
}

fn execute(hub: &mut Hub, body: &Value) -> (u16, Value) {
    let query = body["query"].as_str().unwrap_or_default();
    let variables = body["variables"].clone();
    let schema = schema();
    let doc = match ExecutableDocument::parse_and_validate(schema, query, "query.graphql") {
        Ok(d) => d,
        Err(e) => {
            hub.invalid.push(format!("{query}\n{}", e.errors));
            return (
                400,
                graphql_error(&e.errors.to_string(), "GRAPHQL_VALIDATION_FAILED"),
            );
        }
    };
    let Ok(op) = doc.operations.get(None) else {
        return (
            400,
            graphql_error("one operation per document", "INVALID_INPUT"),
        );
    };
    let name = op.name.as_ref().map(|n| n.to_string()).unwrap_or_default();
    hub.seen.push((name, variables.clone()));
    let vars: apollo_compiler::response::JsonMap = match variables {
        Value::Null => Default::default(),
        v => serde_json::from_value(v).unwrap_or_default(),
    };
    let mutation = op.operation_type == apollo_compiler::executable::OperationType::Mutation;
    let cell = RefCell::new(&mut *hub);
    let root = Root {
        mutation,
        hub: &cell,
    };
    let answer = Execution::new(schema, &doc)
        .raw_variable_values(&vars)
        .execute_sync(&root);
    match answer {
        Ok(r) => {
            let v = serde_json::to_value(&r).unwrap_or(Value::Null);
            let not_found = v["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("not found"));
            if let Some(m) = v["errors"][0]["message"].as_str() {
                let code = if not_found {
                    "INVALID_INPUT"
                } else {
                    "INTERNAL_SERVER_ERROR"
                };
                let mut e = graphql_error(m, code);
                e["data"] = Value::Null;
                if not_found {
                    e["errors"][0]["extensions"]["userPresentableMessage"] =
                        json!("Could not find referenced Issue.");
                }
                return (200, e);
            }
            (200, v)
        }
        Err(e) => {
            hub.invalid
                .push(format!("{query}\nvariables: {}", e.message()));
            (
                400,
                graphql_error(&e.message().to_string(), "GRAPHQL_VALIDATION_FAILED"),
            )
        }
    }
}

async fn handle(State(hub): State<Arc<Mutex<Hub>>>, req: Request) -> Response {
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let bytes = axum::body::to_bytes(req.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let mut h = hub.lock().expect("lock");
    let mut reset = None;
    let (status, value) = if h.down {
        (503, json!({"error": "Service Unavailable"}))
    } else if auth.as_deref() != Some(h.token.as_str()) {
        (
            401,
            graphql_error(
                "Authentication required, not authenticated",
                "AUTHENTICATION_ERROR",
            ),
        )
    } else if h.rate_limited > 0 {
        h.rate_limited -= 1;
        let ms = chrono::Utc::now().timestamp_millis() + 1_000;
        reset = Some(ms.to_string());
        (400, graphql_error("Rate limit exceeded", "RATELIMITED"))
    } else {
        execute(&mut h, &body)
    };
    let mut resp = Response::builder()
        .status(status)
        .header("content-type", "application/json");
    if let Some(r) = reset {
        resp = resp
            .header("x-ratelimit-requests-limit", "1500")
            .header("x-ratelimit-requests-remaining", "0")
            .header("x-ratelimit-requests-reset", r);
    }
    resp.body(Body::from(value.to_string())).unwrap_or_default()
}

impl FakeLinear {
    /// Team ENG (Backlog, Todo, In Progress, Done, Canceled), two users, and ENG-1234.
    pub fn start(token: &str) -> FakeLinear {
        let states = ["Backlog", "Todo", "In Progress", "Done", "Canceled"]
            .iter()
            .enumerate()
            .map(|(i, n)| (format!("st-{i}"), n.to_string()))
            .collect();
        let hub = Hub {
            token: token.into(),
            teams: vec![("team-eng".into(), "ENG".into(), states)],
            users: vec![
                (
                    "u-ana".into(),
                    "Ana Lopez".into(),
                    "ana".into(),
                    "ana@example.com".into(),
                ),
                (
                    "u-ben".into(),
                    "Ben Okafor".into(),
                    "ben".into(),
                    "ben@example.com".into(),
                ),
            ],
            issues: vec![Issue {
                id: "uuid-eng-1234".into(),
                identifier: "ENG-1234".into(),
                title: "Checkout rejects every expired-token refresh".into(),
                description: String::new(),
                priority: 1,
                team: 0,
                state: "st-2".into(),
                assignee: Some("u-ana".into()),
                parent: None,
                due: None,
                comments: Vec::new(),
            }],
            ..Hub::default()
        };
        let hub = Arc::new(Mutex::new(hub));
        let addr = super::serve(Router::new().fallback(handle).with_state(hub.clone()));
        FakeLinear {
            hub,
            url: format!("http://{addr}/graphql"),
        }
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut Hub) -> R) -> R {
        f(&mut self.hub.lock().expect("lock"))
    }

    /// The comments on an issue, oldest first.
    pub fn comments(&self, identifier: &str) -> Vec<String> {
        self.with(|h| {
            h.issue_index(identifier)
                .map(|i| h.issues[i].comments.iter().map(|c| c.1.clone()).collect())
                .unwrap_or_default()
        })
    }

    /// The issue's state's name.
    pub fn state(&self, identifier: &str) -> String {
        self.with(|h| {
            let i = &h.issues[h.issue_index(identifier).expect("issue")];
            let team = &h.teams[i.team];
            team.2
                .iter()
                .find(|s| s.0 == i.state)
                .map(|s| s.1.clone())
                .unwrap_or_default()
        })
    }
}
