//! The demo's production on 127.0.0.1: a Sentry-compatible API and the service itself. It reads
//! the incident's journal to learn when the fix went out; the console's poller talks to it like
//! to any Sentry and knows nothing of the demo.

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde_json::json;

use crate::journal::file::read_all;
use crate::journal::kinds;

/// Seconds per bucket: short, so the demo's verdict comes within a minute.
pub const BUCKET: i64 = 5;

#[derive(Clone)]
pub struct World {
    pub journal: PathBuf,
    pub detected: DateTime<Utc>,
}

impl World {
    /// When the fix reached production, as the journal says.
    fn deployed(&self) -> Option<DateTime<Utc>> {
        read_all(&self.journal)
            .ok()?
            .events
            .into_iter()
            .find(|e| e.is(kinds::DEPLOY_FINISHED) && e.i64_field("exit_code") == Some(0))
            .map(|e| e.at)
    }

    /// The login's p95 in seconds at `t`: ~0.18 s before detection, ~0.9 s during, ~0.2 s after
    /// the fix.
    fn latency(&self, t: i64, deployed: Option<i64>) -> f64 {
        let noise = ((t.wrapping_mul(2_246_822_519) >> 9) % 100) as f64 / 1000.0;
        if deployed.is_some_and(|d| t >= d) {
            0.19 + noise / 2.0
        } else if t >= self.detected.timestamp() {
            0.86 + noise
        } else {
            0.17 + noise / 2.0
        }
    }

    /// Errors in the bucket starting at `t`: ~10/min before detection, ~420/min during, ~2/min after the fix.
    fn count(&self, t: i64, deployed: Option<i64>) -> f64 {
        let noise = ((t.wrapping_mul(2_654_435_761) >> 7) % 100) as f64 / 100.0;
        let per_min = if deployed.is_some_and(|d| t >= d) {
            1.0 + 3.0 * noise
        } else if t >= self.detected.timestamp() {
            380.0 + 80.0 * noise
        } else {
            7.0 + 6.0 * noise
        };
        (per_min * BUCKET as f64 / 60.0).round()
    }
}

async fn events_stats(
    State(w): State<Arc<World>>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let now = Utc::now().timestamp();
    let start = q
        .iter()
        .find(|(k, _)| k == "start")
        .and_then(|(_, v)| chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S").ok())
        .map(|t| t.and_utc().timestamp())
        .unwrap_or(now - 7200);
    let deployed = w.deployed().map(|d| d.timestamp());
    let first = start - start.rem_euclid(BUCKET);
    let data: Vec<serde_json::Value> = (0..)
        .map(|i| first + i * BUCKET)
        .take_while(|t| *t <= now)
        .map(|t| {
            // The newest bucket is still filling.
            let filled = ((now - t) as f64 / BUCKET as f64).min(1.0);
            json!([t, [{ "count": (w.count(t, deployed) * filled).round() }]])
        })
        .collect();
    axum::Json(json!({ "data": data, "start": first, "end": now, "meta": { "fields": { "count()": "integer" } } })).into_response()
}

/// Prometheus's `query_range` for the login's p95 (whatever the PromQL: the demo has one).
async fn query_range(
    State(w): State<Arc<World>>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let arg = |k: &str| {
        q.iter()
            .find(|(key, _)| key == k)
            .and_then(|(_, v)| v.parse::<f64>().ok())
    };
    let now = Utc::now().timestamp();
    let end = arg("end").map_or(now, |e| (e as i64).min(now));
    let step = arg("step").unwrap_or(5.0).max(1.0) as i64;
    let start = arg("start")
        .map_or(end - 600, |s| s as i64)
        .max(end - 11_000 * step);
    let deployed = w.deployed().map(|d| d.timestamp());
    let values: Vec<serde_json::Value> = (0..)
        .map(|i| start + i * step)
        .take_while(|t| *t <= end)
        .map(|t| json!([t, format!("{:.4}", w.latency(t, deployed))]))
        .collect();
    axum::Json(json!({
        "status": "success",
        "data": {"resultType": "matrix", "result": [{"metric": {"route": "/auth/login"}, "values": values}]}
    }))
    .into_response()
}

async fn issues(State(w): State<Arc<World>>) -> Response {
    let mut list = Vec::new();
    if let Some(d) = w.deployed() {
        let seen = d + chrono::Duration::seconds(20);
        if Utc::now() >= seen {
            list.push(json!({
                "id": "5120", "shortId": "ACCOUNTS-3F", "level": "warning",
                "title": "TokenExpiredError: session ended, redirecting to /login",
                "culprit": "routes/session in verify", "firstSeen": seen.to_rfc3339(), "lastSeen": Utc::now().to_rfc3339(),
                "count": "12", "userCount": 9, "permalink": "https://acme.sentry.io/issues/5120/"
            }));
        }
    }
    axum::Json(list).into_response()
}

async fn login(State(w): State<Arc<World>>, body: String) -> Response {
    if body.contains("expired") && w.deployed().is_some() {
        (StatusCode::UNAUTHORIZED, "{\"error\":\"token expired\"}").into_response()
    } else {
        (StatusCode::OK, "{\"session\":\"s-41\"}").into_response()
    }
}

/// Serves until the process ends; returns the base URL.
pub fn start(world: World) -> Result<String, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                let _ = tx.send(Err(e.to_string()));
                return;
            }
        };
        rt.block_on(async move {
            let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
                Ok(l) => l,
                Err(e) => {
                    let _ = tx.send(Err(e.to_string()));
                    return;
                }
            };
            let _ = tx.send(
                listener
                    .local_addr()
                    .map(|a| format!("http://{a}"))
                    .map_err(|e| e.to_string()),
            );
            let app = Router::new()
                .route("/api/0/organizations/acme/events-stats/", get(events_stats))
                .route("/api/0/organizations/acme/issues/", get(issues))
                .route(
                    "/api/0/organizations/acme/projects/",
                    get(|| async {
                        axum::Json(json!([{"id": "2", "slug": "accounts", "name": "accounts"}]))
                    }),
                )
                .route("/api/v1/query_range", get(query_range))
                .route("/health", get(|| async { "ok" }))
                .route("/auth/login", post(login))
                .with_state(Arc::new(world));
            let _ = axum::serve(listener, app).await;
        });
    });
    rx.recv().map_err(|e| e.to_string())?
}

/// The service's own log, followed in the deploy log pane: requests, with the bug's symptoms
/// until the fix is out.
pub fn write_app_log(path: PathBuf, world: World) {
    std::thread::spawn(move || {
        let routes = [
            "GET /api/account",
            "POST /auth/refresh",
            "GET /api/invoices",
            "GET /health",
            "POST /auth/login",
        ];
        let mut i: u64 = 0;
        loop {
            i += 1;
            let fixed = world.deployed().is_some();
            let route = routes[(i % routes.len() as u64) as usize];
            let line = match (i % 4, fixed) {
                (0, false) => format!(
                    "{} \x1b[33mWARN\x1b[0m  {route} 200 — token exp in the past, accepted (no iat) user=u{}\n",
                    Utc::now().format("%H:%M:%S%.3f"),
                    1000 + i % 97
                ),
                (1, false) => format!(
                    "{} \x1b[31mERROR\x1b[0m {route} 500 TypeError: Cannot read properties of undefined (reading 'plan')\n",
                    Utc::now().format("%H:%M:%S%.3f")
                ),
                (0, true) => format!(
                    "{} INFO  {route} 401 expired token rejected\n",
                    Utc::now().format("%H:%M:%S%.3f")
                ),
                _ => format!(
                    "{} INFO  {route} 200 {}ms\n",
                    Utc::now().format("%H:%M:%S%.3f"),
                    20 + i % 60
                ),
            };
            let ok = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .and_then(|mut f| std::io::Write::write_all(&mut f, line.as_bytes()));
            if ok.is_err() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(700));
        }
    });
}
