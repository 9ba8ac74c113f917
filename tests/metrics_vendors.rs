//! Datadog and Sentry release health as metric gates, through stand-ins built from the vendors'
//! own descriptions: Datadog's published OpenAPI for `GET /api/v1/query` (its parameters, its
//! key headers, its response schemas) and Sentry's sessions endpoint (its schema, and the
//! interval rules of its code). Every answer is checked against the schema before it is sent,
//! and every request the binary makes is checked against the description.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use common::openapi::validate;
use common::{serve, stderr, stdout, warroom_env};

fn fixture(path: &str) -> Value {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(path),
    )
    .expect("fixture");
    serde_json::from_str(&text).expect("json")
}

/// A request as a stand-in saw it: its path, its query and its headers.
type Seen = (String, HashMap<String, String>, HashMap<String, String>);

/// What a stand-in saw: each request, and any answer that broke the schema.
#[derive(Default)]
struct Log {
    requests: Vec<Seen>,
    broken: Vec<String>,
}

fn query_of(req: &Request) -> HashMap<String, String> {
    url::form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn headers_of(req: &Request) -> HashMap<String, String> {
    req.headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                v.to_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn answer(status: u16, body: &Value) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(status).expect("status"))
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("response")
}

const API_KEY: &str = "dd0123456789abcdef0123456789abcd";
const APP_KEY: &str = "ddapp0123456789abcdef0123456789abcdef0123";

/// Datadog's `GET /api/v1/query` as its OpenAPI describes it.
fn datadog(log: Arc<Mutex<Log>>) -> String {
    let spec = fixture("datadog/query-metrics.openapi.json");
    let app = axum::Router::new().fallback(move |req: Request| {
        let spec = spec.clone();
        let log = log.clone();
        async move {
            let q = query_of(&req);
            let h = headers_of(&req);
            let path = req.uri().path().to_string();
            let schemas = &spec["schemas"];
            let reply = |status: u16, body: Value| {
                let schema = &spec["responses"][status.to_string()];
                if let Err(e) = validate(&body, schema, schemas) {
                    log.lock().expect("log").broken.push(e);
                }
                answer(status, &body)
            };
            log.lock()
                .expect("log")
                .requests
                .push((path.clone(), q.clone(), h.clone()));
            if path != "/api/v1/query" {
                return reply(404, json!({"errors": ["Not found"]}));
            }
            // Both keys, in the headers the security schemes name.
            for scheme in ["apiKeyAuth", "appKeyAuth"] {
                let header = spec["securitySchemes"][scheme]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_lowercase();
                let want = if scheme == "apiKeyAuth" { API_KEY } else { APP_KEY };
                if h.get(&header).map(String::as_str) != Some(want) {
                    return reply(403, json!({"errors": ["Forbidden"]}));
                }
            }
            for p in spec["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap_or_default();
                match q.get(name) {
                    None if p["required"] == true => {
                        return reply(400, json!({"errors": [format!("Missing parameter: {name}")]}));
                    }
                    Some(v) if p["schema"]["type"] == "integer" && v.parse::<i64>().is_err() => {
                        return reply(400, json!({"errors": [format!("Invalid {name}: {v}")]}));
                    }
                    _ => {}
                }
            }
            let from: i64 = q["from"].parse().unwrap_or_default();
            let to: i64 = q["to"].parse().unwrap_or_default();
            let query = q["query"].clone();
            let series = |scope: &str, value: f64| {
                json!({
                    "aggr": "avg",
                    "display_name": "trace.http.request.duration",
                    "expression": format!("{query}"),
                    "metric": "trace.http.request.duration",
                    "scope": scope,
                    "interval": 20_000,
                    "length": 3,
                    "start": from * 1000,
                    "end": to * 1000,
                    "tag_set": [],
                    "unit": [{"family": "time", "name": "second", "plural": "seconds", "scale_factor": 1.0, "short_name": "s"}, null],
                    // The newest bucket has no data yet: Datadog sends null.
                    "pointlist": [[(to - 40) as f64 * 1000.0, value], [(to - 20) as f64 * 1000.0, value], [to as f64 * 1000.0, null]],
                })
            };
            let ok = |series: Vec<Value>| {
                json!({
                    "status": "ok", "res_type": "time_series", "query": query, "message": "",
                    "from_date": from * 1000, "to_date": to * 1000, "group_by": [], "series": series,
                })
            };
            if query.starts_with("bad") {
                return reply(400, json!({"errors": ["Error parsing query: unable to parse bad{: Rule 'scope_expr' didn't match"]}));
            }
            if query.contains(" by {host}") {
                return reply(200, ok(vec![series("host:a", 0.2), series("host:b", 0.4)]));
            }
            if query.contains("nothing") {
                return reply(200, ok(Vec::new()));
            }
            reply(200, ok(vec![series("service:api", 0.25)]))
        }
    });
    format!("http://{}", serve(app))
}

fn write_config(dir: &std::path::Path, gates: &[(&str, &str, &str)]) {
    let text: String = gates
        .iter()
        .map(|(name, source, extra)| {
            format!("[[metrics]]\nname = \"{name}\"\nsource = \"{source}\"\n{extra}\n\n")
        })
        .collect();
    std::fs::write(dir.join("warroom.toml"), text).expect("config");
}

#[test]
fn datadog_gates_read_one_series_with_both_keys_and_say_every_fault() {
    let log = Arc::new(Mutex::new(Log::default()));
    let url = datadog(log.clone());
    let home = tempfile::tempdir().expect("tmp");
    let p95 = "avg:trace.http.request.duration.by.service.95p{service:api}";
    let q = |query: &str| format!("url = \"{url}\"\nquery = \"{query}\"\nunit = \"s\"");
    write_config(
        home.path(),
        &[
            ("API p95", "datadog", &q(p95)),
            ("per host", "datadog", &q(&format!("{p95} by {{host}}"))),
            ("broken", "datadog", &q("bad{")),
            ("empty", "datadog", &q("avg:nothing{*}")),
        ],
    );
    let env = [("DD_API_KEY", API_KEY), ("DD_APPLICATION_KEY", APP_KEY)];
    let o = warroom_env(home.path(), home.path(), &["config", "check"], &env);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    assert!(out.contains("✓ API p95 (Datadog): 0.250 s at"), "{out}");
    assert!(
        out.contains("✗ per host (Datadog): 2 series where the gate needs one (host:a, …)"),
        "{out}"
    );
    assert!(
        out.contains("✗ broken (Datadog): Datadog refused the query: Error parsing query"),
        "{out}"
    );
    assert!(
        out.contains("✗ empty (Datadog): no data: the query returned an empty result"),
        "{out}"
    );
    assert!(!out.contains(API_KEY) && !out.contains(APP_KEY), "{out}");

    let seen = log.lock().expect("log");
    assert!(
        seen.broken.is_empty(),
        "answers outside the schema: {:?}",
        seen.broken
    );
    assert_eq!(seen.requests.len(), 4);
    for (path, q, h) in &seen.requests {
        assert_eq!(path, "/api/v1/query");
        let (from, to): (i64, i64) = (
            q["from"].parse().expect("from"),
            q["to"].parse().expect("to"),
        );
        assert!(from < to && to - from <= 3600, "{from}..{to}");
        assert_eq!(h["dd-api-key"], API_KEY);
        assert_eq!(h["dd-application-key"], APP_KEY);
    }
    assert_eq!(seen.requests[0].1["query"], p95, "the query as written");
    drop(seen);

    // Wrong keys: the 403 in words, the keys never printed.
    let env = [
        ("DD_API_KEY", "wrong0123456789abcdef0123456789ab"),
        ("DD_APP_KEY", APP_KEY),
    ];
    let o = warroom_env(home.path(), home.path(), &["config", "check"], &env);
    let out = stdout(&o);
    assert!(out.contains("✗ API p95 (Datadog): Datadog 403 Forbidden: Forbidden: check the API and application keys"), "{out}");
    assert!(!out.contains("wrong0123456789"), "{out}");
}

/// Sentry's sessions endpoint: the project looked up by slug, and the interval rules of
/// `get_constrained_date_range` (a multiple of a minute with minute resolution, of an hour
/// without; at most 6 hours at minute resolution).
fn sentry(log: Arc<Mutex<Log>>, minute_resolution: bool) -> String {
    let schema = fixture("sentry/sessions.schema.json");
    let app = axum::Router::new().fallback(move |req: Request| {
        let schema = schema.clone();
        let log = log.clone();
        async move {
            let q = query_of(&req);
            let h = headers_of(&req);
            let path = req.uri().path().to_string();
            log.lock()
                .expect("log")
                .requests
                .push((path.clone(), q.clone(), h.clone()));
            if h.get("authorization").map(String::as_str) != Some("Bearer sntryu_sessions0123456789") {
                return answer(401, &json!({"detail": "Invalid token"}));
            }
            if path == "/api/0/projects/acme/checkout/" {
                return answer(200, &json!({"id": "42", "slug": "checkout"}));
            }
            if path != "/api/0/organizations/acme/sessions/" {
                return answer(404, &json!({"detail": "Not found"}));
            }
            let fields = [
                "sum(session)", "count_unique(user)", "crash_rate(session)", "crash_rate(user)",
                "crash_free_rate(session)", "crash_free_rate(user)",
            ];
            let field = q.get("field").cloned().unwrap_or_default();
            if !fields.contains(&field.as_str()) {
                return answer(400, &json!({"detail": format!("Invalid field: \"{field}\"")}));
            }
            let interval = match q.get("interval").map(String::as_str) {
                Some("1m") => 60,
                Some("1h") => 3600,
                other => return answer(400, &json!({"detail": format!("unexpected interval {other:?}")})),
            };
            if interval < 3600 && !minute_resolution {
                return answer(400, &json!({"detail": "The interval has to be a multiple of the minimum interval of one hour."}));
            }
            let parse = |k: &str| {
                chrono::NaiveDateTime::parse_from_str(&q[k], "%Y-%m-%dT%H:%M:%S")
                    .expect("naive UTC time")
                    .and_utc()
            };
            let (start, end) = (parse("start"), parse("end"));
            let hours = ((end - start).num_seconds() + 3599) / 3600;
            if interval == 60 && hours > 6 {
                return answer(400, &json!({"detail": "The time-range when using one-minute resolution intervals is restricted to 6 hours."}));
            }
            let step = chrono::Duration::seconds(interval);
            let first = chrono::DateTime::from_timestamp(start.timestamp() / interval * interval, 0).expect("t");
            let mut intervals = Vec::new();
            let mut t = first;
            while t < end {
                intervals.push(t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
                t += step;
            }
            let n = intervals.len();
            // No session in the newest slice yet: null.
            let values: Vec<Value> = (0..n)
                .map(|i| if i + 1 == n && interval == 60 { Value::Null } else { json!(0.9991) })
                .collect();
            let body = json!({
                "start": first.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "end": end.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "intervals": intervals,
                "groups": [{"by": {}, "totals": {}, "series": {field.clone(): values}}],
                "query": "",
            });
            let mut s = schema["schemas"]["Sessions"].clone();
            // `query` is sent by Sentry beside the documented keys.
            s["properties"]["query"] = json!({"type": "string"});
            if let Err(e) = validate(&body, &s, &schema["schemas"]) {
                log.lock().expect("log").broken.push(e);
            }
            answer(200, &body)
        }
    });
    format!("http://{}", serve(app))
}

fn sessions_config(home: &std::path::Path, url: &str) {
    std::fs::write(
        home.join("warroom.toml"),
        format!(
            "[sentry]\nbase_url = \"{url}\"\norg = \"acme\"\nproject = \"checkout\"\nenvironment = \"production\"\n\n[[metrics]]\nname = \"Crash-free sessions\"\nsource = \"sentry-sessions\"\nquery = \"crash_free_rate(session)\"\nexpect = \"above 0.995\"\n"
        ),
    )
    .expect("config");
}

#[test]
fn sentry_release_health_is_asked_by_the_minute_and_by_the_hour_where_minutes_are_refused() {
    let env = [("SENTRY_AUTH_TOKEN", "sntryu_sessions0123456789")];
    for minute_resolution in [true, false] {
        let log = Arc::new(Mutex::new(Log::default()));
        let url = sentry(log.clone(), minute_resolution);
        let home = tempfile::tempdir().expect("tmp");
        sessions_config(home.path(), &url);
        let o = warroom_env(home.path(), home.path(), &["config", "check"], &env);
        let out = stdout(&o);
        assert!(o.status.success(), "{out}{}", stderr(&o));
        assert!(
            out.contains("✓ Crash-free sessions (Sentry sessions): 0.999 at"),
            "{out}"
        );
        assert!(out.contains("expect above 0.995"), "{out}");
        let log = log.lock().expect("log");
        assert!(log.broken.is_empty(), "{:?}", log.broken);
        let asked: Vec<&HashMap<String, String>> = log
            .requests
            .iter()
            .filter(|(p, _, _)| p.ends_with("/sessions/"))
            .map(|(_, q, _)| q)
            .collect();
        let last = asked.last().expect("a sessions request");
        assert_eq!(last["field"], "crash_free_rate(session)");
        assert_eq!(last["project"], "42", "the slug's id");
        assert_eq!(last["environment"], "production");
        let want = if minute_resolution { "1m" } else { "1h" };
        assert_eq!(last["interval"], want, "{asked:?}");
        assert_eq!(
            asked.len(),
            if minute_resolution { 1 } else { 2 },
            "{asked:?}"
        );
    }
}

#[test]
fn release_health_counts_the_release_the_deploy_was_registered_under() {
    let log = Arc::new(Mutex::new(Log::default()));
    let url = sentry(log.clone(), true);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    let client = warroom::sentry::client::Client::new(
        &url,
        "acme",
        "sntryu_sessions0123456789".into(),
        std::time::Duration::from_secs(5),
    )
    .expect("client");
    let mut sessions = warroom::metrics::sessions::Sessions::new(
        client,
        warroom::sentry::project::ProjectRef::new("checkout"),
        "crash_free_rate(user)".into(),
        Some("production".into()),
        std::time::Duration::from_secs(30),
    );
    let now = chrono::Utc::now();
    let from = now - chrono::Duration::minutes(10);
    let points = rt
        .block_on(sessions.range(from, now, Some("v2.3.5")))
        .expect("points");
    assert!(points.iter().all(|(_, v)| *v == 0.9991), "{points:?}");
    let seen = log.lock().expect("log");
    let (_, q, _) = seen.requests.last().expect("asked");
    assert_eq!(q["query"], "release:\"v2.3.5\"");
    assert_eq!(q["field"], "crash_free_rate(user)");
    assert!(seen.broken.is_empty(), "{:?}", seen.broken);
}
