//! A local Rollbar built from Rollbar's API documentation (rollbar/docs, `api/reports.md`,
//! `api/items.md`, `api/deploys.md`, `api/overview.md`): the project access token in
//! `X-Rollbar-Access-Token` with its scopes (`read` for GETs, `post_server_item` for deploys;
//! a missing, unknown or under-scoped token is 403 with `{"err": 1, "message": …}`); the
//! occurrence-count report with its documented parameters and ranges (bucket sizes 60, 3600 and
//! 86400; 2–240 minute buckets; the level vocabulary), computed from a rate the test sets; the
//! item list, 100 to a page, filtered by status, level and environment; deploys recorded with
//! their required fields and status vocabulary. Any parameter the documentation does not list is
//! refused (422), so a request that drifts from it fails. A 429 with Rollbar's rate-limit
//! headers can be injected.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub const TOKEN: &str = "5f1e0ad2c3b44b6f9a7e0c1d2b3a4f5e";
pub const READ_ONLY: &str = "0b9a8c7d6e5f40312a3b4c5d6e7f8a9b";
pub const LEVELS: [&str; 5] = ["debug", "info", "warning", "error", "critical"];
const LEVEL_NUMBER: [i64; 5] = [10, 20, 30, 40, 50];

#[derive(Debug, Clone)]
pub struct Item {
    pub id: i64,
    pub counter: i64,
    pub title: String,
    pub level: &'static str,
    pub environment: String,
    pub status: &'static str,
    pub first: i64,
    pub last: i64,
    pub total: u64,
}

/// Occurrences a minute at a time, by environment and minimum level.
pub type Rate = Box<dyn Fn(i64, &str, &str) -> f64 + Send>;

pub struct Rb {
    pub rate: Rate,
    pub items: Vec<Item>,
    /// (path, query or form as pairs).
    pub requests: Vec<(String, Vec<(String, String)>)>,
    /// Every refusal, and why.
    pub refused: Vec<String>,
    pub deploys: Vec<HashMap<String, String>>,
    /// The next request answers 429, asking to wait this many seconds.
    pub limit_next: Option<i64>,
}

#[derive(Clone)]
pub struct Rollbar {
    pub url: String,
    pub state: Arc<Mutex<Rb>>,
}

impl Rollbar {
    pub fn start(
        rate: impl Fn(i64, &str, &str) -> f64 + Send + 'static,
        items: Vec<Item>,
    ) -> Rollbar {
        let state = Arc::new(Mutex::new(Rb {
            rate: Box::new(rate),
            items,
            requests: Vec::new(),
            refused: Vec::new(),
            deploys: Vec::new(),
            limit_next: None,
        }));
        let app = Router::new()
            .route(
                "/api/1/reports/occurrence_counts",
                axum::routing::get(counts),
            )
            .route("/api/1/items", axum::routing::get(list_items))
            .route("/api/1/items/", axum::routing::get(list_items))
            .route("/api/1/deploy", axum::routing::post(deploy))
            .route("/api/1/deploy/", axum::routing::post(deploy))
            .route("/api/1/{*rest}", axum::routing::any(unknown))
            .with_state(state.clone());
        Rollbar {
            url: format!("http://{}", super::serve(app)),
            state,
        }
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, Rb> {
        self.state.lock().expect("rollbar")
    }
}

fn pairs(raw: Option<String>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn err(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "err": 1, "message": message }))).into_response()
}

/// The token's scopes, the rate limit, the parameters the documentation lists: the first
/// refusal, recorded.
fn gate(
    rb: &mut Rb,
    headers: &HeaderMap,
    path: &str,
    got: &[(String, String)],
    allowed: &[&str],
    scope: &str,
) -> Option<Response> {
    rb.requests.push((path.to_string(), got.to_vec()));
    let token = headers
        .get("x-rollbar-access-token")
        .and_then(|v| v.to_str().ok())
        .map(String::from)
        .or_else(|| {
            got.iter()
                .find(|(k, _)| k == "access_token")
                .map(|(_, v)| v.clone())
        });
    let scopes: &[&str] = match token.as_deref() {
        Some(TOKEN) => &["read", "post_server_item"],
        Some(READ_ONLY) => &["read"],
        _ => &[],
    };
    let refusal = if scopes.is_empty() {
        Some(err(StatusCode::FORBIDDEN, "invalid access token"))
    } else if !scopes.contains(&scope) {
        Some(err(
            StatusCode::FORBIDDEN,
            &format!("access token does not have the {scope} scope"),
        ))
    } else if let Some(wait) = rb.limit_next.take() {
        let reset = chrono::Utc::now().timestamp() + wait;
        Some(
            (
                StatusCode::TOO_MANY_REQUESTS,
                [
                    ("x-ratelimit-limit", "5000".to_string()),
                    ("x-ratelimit-remaining", "0".to_string()),
                    ("x-ratelimit-reset", reset.to_string()),
                    ("x-ratelimit-remaining-seconds", wait.to_string()),
                ],
                axum::Json(json!({ "err": 1, "message": "rate limit exceeded" })),
            )
                .into_response(),
        )
    } else {
        got.iter()
            .find(|(k, _)| k != "access_token" && !allowed.contains(&k.as_str()))
            .map(|(k, _)| {
                err(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &format!("unknown parameter {k:?}"),
                )
            })
    };
    if let Some(r) = &refusal {
        rb.refused.push(format!("{path}: {}", r.status()));
    }
    refusal
}

fn one<'a>(got: &'a [(String, String)], key: &str) -> Option<&'a str> {
    got.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

async fn counts(
    State(s): State<Arc<Mutex<Rb>>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let got = pairs(q);
    let mut rb = s.lock().expect("rollbar");
    let allowed = [
        "bucket_size",
        "buckets",
        "environments",
        "min_level",
        "max_level",
        "item_id",
    ];
    if let Some(r) = gate(
        &mut rb,
        &headers,
        "reports/occurrence_counts",
        &got,
        &allowed,
        "read",
    ) {
        return r;
    }
    let size: i64 = match one(&got, "bucket_size").map(str::parse) {
        None => 86400,
        Some(Ok(s @ (60 | 3600 | 86400))) => s,
        _ => {
            return err(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bucket_size must be 60, 3600 or 86400",
            );
        }
    };
    let max = if size == 60 { 240 } else { 366 };
    let n: i64 = match one(&got, "buckets").map(str::parse) {
        None => 60,
        Some(Ok(n)) if (2..=max).contains(&n) => n,
        _ => {
            return err(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("buckets must be in [2, {max}]"),
            );
        }
    };
    let min_level = one(&got, "min_level").unwrap_or("error");
    if !LEVELS.contains(&min_level) {
        return err(StatusCode::UNPROCESSABLE_ENTITY, "min_level is not a level");
    }
    let env = one(&got, "environments").unwrap_or("");
    let now = chrono::Utc::now().timestamp();
    let last = now - now.rem_euclid(size);
    let result: Vec<Value> = (0..n)
        .rev()
        .map(|i| {
            let t = last - i * size;
            let per_min = (rb.rate)(t, env, min_level);
            json!([t, (per_min * size as f64 / 60.0).round() as i64])
        })
        .collect();
    axum::Json(json!({ "err": 0, "result": result })).into_response()
}

async fn list_items(
    State(s): State<Arc<Mutex<Rb>>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let got = pairs(q);
    let mut rb = s.lock().expect("rollbar");
    let allowed = [
        "assigned_user",
        "environment",
        "framework",
        "ids",
        "level",
        "page",
        "query",
        "status",
    ];
    if let Some(r) = gate(&mut rb, &headers, "items", &got, &allowed, "read") {
        return r;
    }
    let all = |key: &str| -> Vec<&str> {
        got.iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let (statuses, levels, envs) = (all("status"), all("level"), all("environment"));
    if let Some(s) = statuses
        .iter()
        .find(|s| !["active", "resolved", "muted"].contains(s))
    {
        return err(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("status {s:?} is not one of active, resolved, muted"),
        );
    }
    if let Some(l) = levels.iter().find(|l| !LEVELS.contains(l)) {
        return err(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("level {l:?} is not a level"),
        );
    }
    let page: usize = match one(&got, "page").map(str::parse) {
        None => 1,
        Some(Ok(p)) if p >= 1 => p,
        _ => return err(StatusCode::UNPROCESSABLE_ENTITY, "page starts from 1"),
    };
    let matching: Vec<&Item> = rb
        .items
        .iter()
        .filter(|i| statuses.is_empty() || statuses.contains(&i.status))
        .filter(|i| levels.is_empty() || levels.contains(&i.level))
        .filter(|i| envs.is_empty() || envs.contains(&i.environment.as_str()))
        .collect();
    let shown: Vec<Value> = matching
        .iter()
        .skip((page - 1) * 100)
        .take(100)
        .map(|i| {
            let n = LEVEL_NUMBER[LEVELS.iter().position(|l| *l == i.level).expect("level")];
            json!({
                "id": i.id, "counter": i.counter, "environment": i.environment, "framework": 0,
                "title": i.title, "level": n, "status": i.status,
                "first_occurrence_timestamp": i.first, "last_occurrence_timestamp": i.last,
                "total_occurrences": i.total, "unique_occurrences": null, "project_id": 4242,
            })
        })
        .collect();
    axum::Json(json!({ "err": 0, "result": {
        "items": shown, "page": page, "total_count": matching.len() } }))
    .into_response()
}

async fn deploy(State(s): State<Arc<Mutex<Rb>>>, headers: HeaderMap, body: String) -> Response {
    let got = pairs(Some(body));
    let mut rb = s.lock().expect("rollbar");
    let allowed = [
        "environment",
        "revision",
        "head_long",
        "rollbar_username",
        "local_username",
        "comment",
        "status",
    ];
    if let Some(r) = gate(
        &mut rb,
        &headers,
        "deploy",
        &got,
        &allowed,
        "post_server_item",
    ) {
        return r;
    }
    let env = one(&got, "environment").unwrap_or("");
    let revision = one(&got, "revision")
        .or_else(|| one(&got, "head_long"))
        .unwrap_or("");
    if env.is_empty() || env.len() > 255 || revision.is_empty() || revision.len() > 255 {
        return err(
            StatusCode::UNPROCESSABLE_ENTITY,
            "environment and revision are required (up to 255 characters)",
        );
    }
    if let Some(st) = one(&got, "status")
        && !["started", "succeeded", "failed", "timed_out"].contains(&st)
    {
        return err(
            StatusCode::UNPROCESSABLE_ENTITY,
            "status must be started, succeeded, failed or timed_out",
        );
    }
    rb.deploys.push(got.into_iter().collect());
    let id = 14216 + rb.deploys.len() as i64;
    axum::Json(json!({ "data": { "deploy_id": id } })).into_response()
}

async fn unknown(Path(rest): Path<String>) -> Response {
    err(
        StatusCode::NOT_FOUND,
        &format!("no such endpoint: /api/1/{rest}"),
    )
}
