//! A local PagerDuty for what warroom uses, built from PagerDuty's own OpenAPI descriptions
//! (`api-schema`: REST v2 and Events v2, excerpted in tests/fixtures/pagerduty): every request
//! is checked against its operation (query names and enum values, required headers such as
//! `From`, the body's schema) and every answer against the response schema; a mismatch is a
//! 400 and a recorded violation. It keeps state: events trigger incidents (one per dedup key),
//! `PUT` acknowledges and resolves as the `From` user, notes, status updates and responder
//! requests are kept; lists are offset-paged with `more`. The test plays the on-call engineer
//! (acknowledge from a phone, the acknowledgement timing out) and injects a 429.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::openapi::Spec;

pub const TOKEN: &str = "u+pdtoken_abcdefghij12";
pub const ROUTING_KEY: &str = "R0UT1NGKEY0123456789abcdef012345";
pub const SERVICE: &str = "PSVC001";
pub const POLICY: &str = "PPOL001";

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub name: String,
    pub email: String,
}

#[derive(Default)]
pub struct Pd {
    pub incidents: Vec<Value>,
    pub users: Vec<User>,
    pub policies: Vec<(String, String)>,
    /// (user id, escalation level).
    pub oncalls: Vec<(String, u32)>,
    pub notes: Vec<(String, String)>,
    pub status_updates: Vec<(String, String)>,
    /// (incident, requester, targets).
    pub responder_requests: Vec<(String, String, Vec<Value>)>,
    pub events: Vec<Value>,
    /// (method, path and query, status).
    pub requests: Vec<(String, String, u16)>,
    pub violations: Vec<String>,
    /// The next request answers 429 with this `ratelimit-reset`.
    pub limit_next: Option<u64>,
}

#[derive(Clone)]
pub struct PagerDuty {
    pub url: String,
    pub state: Arc<Mutex<Pd>>,
}

struct Ctx {
    state: Arc<Mutex<Pd>>,
    rest: Spec,
    events: Spec,
}

fn user_ref(u: &User) -> Value {
    json!({"id": u.id, "type": "user_reference", "summary": u.name,
           "self": format!("https://api.pagerduty.com/users/{}", u.id),
           "html_url": format!("https://acme.pagerduty.com/users/{}", u.id)})
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl PagerDuty {
    /// A stand-in with `users` people (named `Person N`, the first is `ic@example.com`), two
    /// escalation policies and two people on call.
    pub fn start(users: usize) -> PagerDuty {
        let mut pd = Pd::default();
        for i in 0..users.max(3) {
            pd.users.push(User {
                id: format!("PU{i:05}"),
                name: match i {
                    0 => "Irene Commander".into(),
                    1 => "Ana Oncall".into(),
                    2 => "Ben Backup".into(),
                    n => format!("Person {n}"),
                },
                email: match i {
                    0 => "ic@example.com".into(),
                    n => format!("p{n}@example.com"),
                },
            });
        }
        pd.policies = vec![
            (POLICY.into(), "Payments on-call".into()),
            ("PPOL002".into(), "Database on-call".into()),
        ];
        pd.oncalls = vec![("PU00001".into(), 1), ("PU00002".into(), 2)];
        let state = Arc::new(Mutex::new(pd));
        let ctx = Arc::new(Ctx {
            state: state.clone(),
            rest: Spec::load("pagerduty/rest.openapi.json"),
            events: Spec::load("pagerduty/events.openapi.json"),
        });
        let app = Router::new().fallback(handle).with_state(ctx);
        let addr = super::serve(app);
        PagerDuty {
            url: format!("http://{addr}"),
            state,
        }
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, Pd> {
        self.state.lock().expect("state")
    }

    /// An incident that exists on PagerDuty already (opened by a monitor).
    pub fn add_incident(&self, title: &str, key: &str) -> String {
        let mut s = self.lock();
        let n = s.incidents.len() as u64 + 100;
        let inc = incident(n, title, key);
        let id = inc["id"].as_str().unwrap_or_default().to_string();
        s.incidents.push(inc);
        id
    }

    /// The on-call engineer acknowledges from their phone.
    pub fn acknowledge_as(&self, id: &str, user: usize) {
        let mut s = self.lock();
        let u = s.users[user].clone();
        if let Some(inc) = s.incidents.iter_mut().find(|i| i["id"] == id) {
            set_status(inc, "acknowledged", &u);
        }
    }

    /// The acknowledgement timed out: PagerDuty has it triggered again.
    pub fn reopen(&self, id: &str) {
        let mut s = self.lock();
        if let Some(inc) = s.incidents.iter_mut().find(|i| i["id"] == id) {
            inc["status"] = json!("triggered");
            inc["acknowledgements"] = json!([]);
        }
    }

    pub fn incident(&self, id: &str) -> Value {
        self.lock()
            .incidents
            .iter()
            .find(|i| i["id"] == id)
            .cloned()
            .unwrap_or(Value::Null)
    }

    pub fn violations(&self) -> Vec<String> {
        self.lock().violations.clone()
    }

    pub fn count(&self, method: &str, prefix: &str) -> usize {
        self.lock()
            .requests
            .iter()
            .filter(|(m, p, _)| m == method && p.starts_with(prefix))
            .count()
    }
}

fn incident(n: u64, title: &str, key: &str) -> Value {
    let id = format!("PINC{n:03}");
    json!({
        "id": id, "type": "incident", "summary": format!("[#{n}] {title}"),
        "self": format!("https://api.pagerduty.com/incidents/{id}"),
        "html_url": format!("https://acme.pagerduty.com/incidents/{id}"),
        "incident_number": n, "title": title, "created_at": now(), "updated_at": now(),
        "status": "triggered", "incident_key": key, "urgency": "high",
        "service": {"id": SERVICE, "type": "service_reference", "summary": "Payments API"},
        "escalation_policy": {"id": POLICY, "type": "escalation_policy_reference",
                              "summary": "Payments on-call"},
        "acknowledgements": [], "assignments": [],
        "last_status_change_at": now(),
    })
}

fn set_status(inc: &mut Value, status: &str, by: &User) {
    inc["status"] = json!(status);
    inc["last_status_change_at"] = json!(now());
    inc["last_status_change_by"] = user_ref(by);
    inc["updated_at"] = json!(now());
    if status == "acknowledged" {
        let acks = inc["acknowledgements"].as_array_mut();
        if let Some(a) = acks {
            a.push(json!({"at": now(), "acknowledger": user_ref(by)}));
        }
    } else {
        inc["acknowledgements"] = json!([]);
    }
}

fn error(status: u16, message: &str, errors: &[&str]) -> (u16, Value) {
    (
        status,
        json!({"error": {"message": message, "code": 2001, "errors": errors}}),
    )
}

fn page(items: Vec<Value>, key: &str, query: &[(String, String)]) -> Value {
    let get = |k: &str| {
        query
            .iter()
            .find(|(n, _)| n == k)
            .and_then(|(_, v)| v.parse::<usize>().ok())
    };
    let limit = get("limit").unwrap_or(25).min(100);
    let offset = get("offset").unwrap_or(0);
    let total = items.len();
    let part: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    json!({ key: part, "limit": limit, "offset": offset, "more": offset + limit < total,
            "total": null })
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
    let (status, answer, extra) = answer(&ctx, &method, &path, &query, &headers, body);
    let mut s = ctx.state.lock().expect("state");
    let full = match req_query(&query) {
        q if q.is_empty() => path.clone(),
        q => format!("{path}?{q}"),
    };
    s.requests.push((method, full, status));
    drop(s);
    let mut resp = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
        .header("content-type", "application/json");
    for (k, v) in extra {
        resp = resp.header(k, v);
    }
    resp.body(Body::from(answer.to_string())).expect("response")
}

fn req_query(q: &[(String, String)]) -> String {
    q.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

type Answer = (u16, Value, Vec<(String, String)>);

fn answer(
    ctx: &Ctx,
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &axum::http::HeaderMap,
    body: Option<Value>,
) -> Answer {
    let mut s = ctx.state.lock().expect("state");
    if let Some(reset) = s.limit_next.take() {
        let (st, v) = error(429, "Rate Limit Exceeded", &[]);
        return (st, v, vec![("ratelimit-reset".into(), reset.to_string())]);
    }
    if path == "/v2/enqueue" {
        let op = "POST /enqueue";
        if let Err(v) = ctx.events.check_request(op, query, headers, body.as_ref()) {
            s.violations.push(v.clone());
            return (
                400,
                json!({"status": "invalid event", "message": v, "errors": [v]}),
                vec![],
            );
        }
        let b = body.unwrap_or_default();
        if b["routing_key"] != ROUTING_KEY {
            return (
                400,
                json!({"status": "invalid event", "message": "Event object is invalid",
                       "errors": ["Invalid routing key"]}),
                vec![],
            );
        }
        let key = b["dedup_key"]
            .as_str()
            .unwrap_or("generated-key")
            .to_string();
        s.events.push(b.clone());
        let exists = s
            .incidents
            .iter()
            .any(|i| i["incident_key"] == key.as_str() && i["status"] != "resolved");
        if !exists && b["event_action"] == "trigger" {
            let n = s.incidents.len() as u64 + 100;
            let title = b["payload"]["summary"].as_str().unwrap_or_default();
            s.incidents.push(incident(n, title, &key));
        }
        return (
            202,
            json!({"status": "success", "message": "Event processed", "dedup_key": key}),
            vec![],
        );
    }
    let Some(op) = ctx.rest.operation(method, path) else {
        s.violations
            .push(format!("{method} {path}: no such operation"));
        let (st, v) = error(404, "Not Found", &[]);
        return (st, v, vec![]);
    };
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(&format!("Token token={TOKEN}"))
    {
        let (st, v) = error(401, "Unauthorized", &[]);
        return (st, v, vec![]);
    }
    if let Err(v) = ctx.rest.check_request(&op, query, headers, body.as_ref()) {
        let missing_from = v.contains("header From missing");
        s.violations.push(v.clone());
        let (st, val) = if missing_from {
            error(400, "Invalid Input Provided", &["From header is missing"])
        } else {
            error(400, "Invalid Input Provided", &[v.as_str()])
        };
        return (st, val, vec![]);
    }
    let from = headers
        .get("from")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let id = path.split('/').nth(2).unwrap_or_default().to_string();
    let body = body.unwrap_or_default();
    let (status, v) = route(&mut s, &op, &id, query, &from, &body);
    if let Err(e) = ctx.rest.check_response(&op, status, &v) {
        s.violations.push(format!("the stand-in's answer: {e}"));
    }
    (status, v, vec![])
}

fn route(
    s: &mut Pd,
    op: &str,
    id: &str,
    query: &[(String, String)],
    from: &str,
    body: &Value,
) -> (u16, Value) {
    let all = |k: &str| -> Vec<String> {
        query
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let find = |s: &Pd| s.incidents.iter().position(|i| i["id"] == id);
    match op {
        "GET /incidents" => {
            let services = all("service_ids[]");
            let statuses = all("statuses[]");
            let keys = all("incident_key");
            let items: Vec<Value> = s
                .incidents
                .iter()
                .filter(|i| {
                    services.is_empty() || services.iter().any(|x| i["service"]["id"] == x.as_str())
                })
                .filter(|i| {
                    statuses.is_empty() || statuses.iter().any(|x| i["status"] == x.as_str())
                })
                .filter(|i| keys.is_empty() || keys.iter().any(|x| i["incident_key"] == x.as_str()))
                .cloned()
                .collect();
            (200, page(items, "incidents", query))
        }
        "GET /incidents/{id}" => match find(s) {
            Some(i) => (200, json!({"incident": s.incidents[i]})),
            None => error(404, "Not Found", &[]),
        },
        "PUT /incidents/{id}" => {
            let Some(user) = s.users.iter().find(|u| u.email == from).cloned() else {
                return error(400, "Invalid Input Provided", &["Requester User Not Found"]);
            };
            let Some(i) = find(s) else {
                return error(404, "Not Found", &[]);
            };
            let status = body["incident"]["status"].as_str().unwrap_or_default();
            if !status.is_empty() {
                set_status(&mut s.incidents[i], status, &user);
            }
            (200, json!({"incident": s.incidents[i]}))
        }
        "POST /incidents/{id}/notes" => {
            if find(s).is_none() {
                return error(404, "Not Found", &[]);
            }
            let content = body["note"]["content"].as_str().unwrap_or_default();
            s.notes.push((id.to_string(), content.to_string()));
            (
                200,
                json!({"note": {"id": format!("PN{}", s.notes.len()), "content": content,
                                  "created_at": now()}}),
            )
        }
        "POST /incidents/{id}/status_updates" => {
            if find(s).is_none() {
                return error(404, "Not Found", &[]);
            }
            let message = body["message"].as_str().unwrap_or_default();
            s.status_updates.push((id.to_string(), message.to_string()));
            (
                200,
                json!({"status_update": {"id": format!("PSU{}", s.status_updates.len()),
                                           "message": message, "created_at": now()}}),
            )
        }
        "POST /incidents/{id}/responder_requests" => {
            if find(s).is_none() {
                return error(404, "Not Found", &[]);
            }
            let requester = body["requester_id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if !s.users.iter().any(|u| u.id == requester) {
                return error(400, "Invalid Input Provided", &["Requester not found"]);
            }
            let targets = body["responder_request_targets"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            s.responder_requests
                .push((id.to_string(), requester, targets.clone()));
            (
                200,
                json!({"responder_request": {"message": body["message"],
                                               "requested_at": now()}}),
            )
        }
        "GET /oncalls" => {
            let items = s
                .oncalls
                .iter()
                .filter_map(|(uid, level)| {
                    let u = s.users.iter().find(|u| &u.id == uid)?;
                    Some(json!({"user": user_ref(u), "escalation_level": level,
                                "escalation_policy": {"id": POLICY,
                                    "type": "escalation_policy_reference",
                                    "summary": "Payments on-call"},
                                "start": now(),
                                "end": (chrono::Utc::now() + chrono::Duration::hours(8))
                                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)}))
                })
                .collect();
            (200, page(items, "oncalls", query))
        }
        "GET /services/{id}" if id == SERVICE => (
            200,
            json!({"service": {"id": SERVICE, "type": "service", "name": "Payments API",
                               "escalation_policy": {"id": POLICY,
                                   "type": "escalation_policy_reference"}}}),
        ),
        "GET /services/{id}" => error(404, "Not Found", &[]),
        "GET /escalation_policies" => {
            let items = s
                .policies
                .iter()
                .map(|(id, name)| {
                    json!({"id": id, "type": "escalation_policy", "name": name,
                                        "escalation_rules": []})
                })
                .collect();
            (200, page(items, "escalation_policies", query))
        }
        "GET /users" => {
            let q = all("query").pop().unwrap_or_default();
            let items = s
                .users
                .iter()
                .filter(|u| q.is_empty() || u.email.contains(&q) || u.name.contains(&q))
                .map(|u| json!({"id": u.id, "type": "user", "name": u.name, "email": u.email}))
                .collect();
            (200, page(items, "users", query))
        }
        _ => error(404, "Not Found", &[]),
    }
}
