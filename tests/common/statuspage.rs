//! A local Statuspage built from Atlassian's description of its API (tests/fixtures/statuspage):
//! requests are checked against their operation and body schema (the component statuses and
//! incident statuses from its vocabulary), answers against the response schema. It keeps the
//! page's incidents and their updates, and enforces the documented limit — one request a second
//! per key — with a 420 for the request that comes sooner; a 429 can be injected.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::openapi::Spec;

pub const KEY: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071";
pub const PAGE: &str = "kctbh9vrtdwd";

#[derive(Default)]
pub struct Sp {
    pub incidents: Vec<Value>,
    /// (method, path, status, when).
    pub requests: Vec<(String, String, u16, Instant)>,
    pub violations: Vec<String>,
    /// Requests refused for coming less than a second after the one before.
    pub too_fast: usize,
    last: Option<Instant>,
    /// The next request answers 429 with `Retry-After: 1`.
    pub limit_next: bool,
}

#[derive(Clone)]
pub struct Statuspage {
    pub url: String,
    pub state: Arc<Mutex<Sp>>,
}

struct Ctx {
    state: Arc<Mutex<Sp>>,
    spec: Spec,
}

impl Statuspage {
    pub fn start() -> Statuspage {
        let state = Arc::new(Mutex::new(Sp::default()));
        let ctx = Arc::new(Ctx {
            state: state.clone(),
            spec: Spec::load("statuspage/incidents.openapi.json"),
        });
        let addr = super::serve(Router::new().fallback(handle).with_state(ctx));
        Statuspage {
            url: format!("http://{addr}/v1"),
            state,
        }
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, Sp> {
        self.state.lock().expect("state")
    }

    pub fn violations(&self) -> Vec<String> {
        self.lock().violations.clone()
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

async fn handle(State(ctx): State<Arc<Ctx>>, req: Request) -> Response {
    let method = req.method().to_string();
    let path = req
        .uri()
        .path()
        .strip_prefix("/v1")
        .unwrap_or_default()
        .to_string();
    let headers = req.headers().clone();
    let bytes = axum::body::to_bytes(req.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let body: Option<Value> = serde_json::from_slice(&bytes).ok();
    let at = Instant::now();
    let mut s = ctx.state.lock().expect("state");
    let (status, v, extra) = answer(&ctx, &mut s, &method, &path, &headers, body, at);
    s.requests.push((method, path, status, at));
    drop(s);
    let mut resp = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
        .header("content-type", "application/json");
    for (k, val) in extra {
        resp = resp.header(k, val);
    }
    resp.body(Body::from(v.to_string())).expect("response")
}

fn answer(
    ctx: &Ctx,
    s: &mut Sp,
    method: &str,
    path: &str,
    headers: &axum::http::HeaderMap,
    body: Option<Value>,
    at: Instant,
) -> (u16, Value, Vec<(String, String)>) {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(&format!("OAuth {KEY}")) {
        return (401, json!({"error": "Could not authenticate"}), vec![]);
    }
    if s.last
        .is_some_and(|l| at.duration_since(l).as_millis() < 1000)
    {
        s.too_fast += 1;
        return (420, json!({"error": "Rate limit exceeded"}), vec![]);
    }
    s.last = Some(at);
    if std::mem::take(&mut s.limit_next) {
        return (
            429,
            json!({"error": "Rate limit exceeded"}),
            vec![("retry-after".into(), "1".into())],
        );
    }
    let Some(op) = ctx.spec.operation(method, path) else {
        s.violations
            .push(format!("{method} {path}: no such operation"));
        return (404, json!({"error": "Not found"}), vec![]);
    };
    let page = path.split('/').nth(2).unwrap_or_default();
    if page != PAGE {
        return (404, json!({"error": "Page not found"}), vec![]);
    }
    if let Err(v) = ctx.spec.check_request(&op, &[], headers, body.as_ref()) {
        s.violations.push(v.clone());
        return (400, json!({"error": v}), vec![]);
    }
    let inc = body.unwrap_or_default()["incident"].clone();
    // The components' statuses are a map the description cannot type: checked here against its
    // vocabulary.
    let vocabulary = [
        "operational",
        "under_maintenance",
        "degraded_performance",
        "partial_outage",
        "major_outage",
    ];
    if let Some(c) = inc["components"].as_object() {
        for (id, st) in c {
            if !vocabulary.iter().any(|v| st == v) {
                let v = format!("{op}: component {id} status {st} is not in the vocabulary");
                s.violations.push(v.clone());
                return (422, json!({"error": v}), vec![]);
            }
        }
    }
    let (status, v) = match op.as_str() {
        "POST /pages/{page_id}/incidents" => {
            let n = s.incidents.len() + 1;
            let id = format!("sp{n:010}");
            let mut created = json!({
                "id": id, "page_id": PAGE, "name": inc["name"], "status": inc["status"],
                "impact": "major", "created_at": now(), "updated_at": now(),
                "shortlink": format!("https://stspg.io/{id}"),
                "incident_updates": [], "components": [],
            });
            update(&mut created, &inc);
            s.incidents.push(created.clone());
            (201, created)
        }
        "PATCH /pages/{page_id}/incidents/{incident_id}" => {
            let id = path.split('/').nth(4).unwrap_or_default();
            match s.incidents.iter_mut().find(|i| i["id"] == id) {
                Some(i) => {
                    update(i, &inc);
                    (200, i.clone())
                }
                None => (404, json!({"error": "Incident not found"})),
            }
        }
        "GET /pages/{page_id}/components" => (
            200,
            json!([{"id": "cmp_api", "page_id": PAGE, "name": "API", "status": "operational",
                    "position": 1, "showcase": true, "group": false,
                    "created_at": now(), "updated_at": now()}]),
        ),
        _ => (404, json!({"error": "Not found"})),
    };
    if let Err(e) = ctx.spec.check_response(&op, status, &v) {
        s.violations.push(format!("the stand-in's answer: {e}"));
    }
    (status, v, vec![])
}

fn update(i: &mut Value, inc: &Value) {
    i["status"] = inc["status"].clone();
    i["updated_at"] = json!(now());
    if inc["status"] == "resolved" {
        i["resolved_at"] = json!(now());
    }
    let components: Vec<Value> = inc["components"]
        .as_object()
        .map(|c| {
            c.iter()
                .map(|(id, st)| json!({"id": id, "status": st, "page_id": PAGE}))
                .collect()
        })
        .unwrap_or_default();
    i["components"] = json!(components);
    let n = i["incident_updates"].as_array().map_or(0, Vec::len);
    let id = i["id"].clone();
    if let Some(u) = i["incident_updates"].as_array_mut() {
        u.push(
            json!({"id": format!("upd{n}"), "incident_id": id, "status": inc["status"],
                      "body": inc["body"], "created_at": now(), "display_at": now()}),
        );
    }
}
