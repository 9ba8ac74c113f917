//! A local server speaking Sentry's API shapes: scripted answers per endpoint, every request
//! recorded (path, query, Authorization, time). Runs on its own thread and runtime, so sync
//! tests (tmux) can use it too.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;

#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
}

impl Answer {
    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> Answer {
        Answer {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }
    pub fn html(status: u16) -> Answer {
        Answer {
            status,
            headers: vec![("content-type".into(), "text/html".into())],
            body: b"<html><body><h1>502 Bad Gateway</h1></body></html>".to_vec(),
            delay: Duration::ZERO,
        }
    }
    pub fn header(mut self, k: &str, v: &str) -> Answer {
        self.headers.push((k.into(), v.into()));
        self
    }
    pub fn after(mut self, d: Duration) -> Answer {
        self.delay = d;
        self
    }
}

#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub auth: Option<String>,
    pub body: String,
    pub at: Instant,
}

impl Seen {
    pub fn q(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

type Responder = Arc<dyn Fn(&Seen) -> Answer + Send + Sync>;

#[derive(Default)]
struct Inner {
    /// Scripted answers by path suffix, used in order; the last one repeats.
    script: HashMap<String, VecDeque<Answer>>,
    /// Answers computed from the request, by path suffix (they take precedence).
    computed: HashMap<String, Responder>,
    seen: Vec<Seen>,
}

#[derive(Clone)]
pub struct FakeSentry {
    inner: Arc<Mutex<Inner>>,
    pub base: String,
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/sentry/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

async fn handle(State(inner): State<Arc<Mutex<Inner>>>, req: Request) -> Response {
    let super::Incoming {
        method,
        path,
        query,
        headers,
        bytes: body,
    } = super::Incoming::read(req).await;
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let answer = {
        let mut g = inner.lock().expect("lock");
        let seen = Seen {
            method,
            path: path.clone(),
            query,
            auth,
            body: String::from_utf8_lossy(&body).into_owned(),
            at: Instant::now(),
        };
        let computed = g
            .computed
            .iter()
            .filter(|(k, _)| path.ends_with(k.as_str()))
            .max_by_key(|(k, _)| k.len())
            .map(|(_, f)| f(&seen));
        g.seen.push(seen);
        let key = g
            .script
            .keys()
            .filter(|k| path.ends_with(k.as_str()))
            .max_by_key(|k| k.len())
            .cloned();
        computed.or_else(|| {
            key.and_then(|k| {
                let q = g.script.get_mut(&k)?;
                if q.len() > 1 {
                    q.pop_front()
                } else {
                    q.front().cloned()
                }
            })
        })
    };
    let answer = answer.unwrap_or_else(|| {
        Answer::json(
            404,
            r#"{"detail": "The requested resource does not exist"}"#,
        )
    });
    if !answer.delay.is_zero() {
        tokio::time::sleep(answer.delay).await;
    }
    let mut resp =
        Response::builder().status(StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK));
    for (k, v) in &answer.headers {
        resp = resp.header(k, v);
    }
    resp.body(Body::from(answer.body)).unwrap_or_default()
}

impl FakeSentry {
    pub fn start() -> FakeSentry {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let addr = super::serve(Router::new().fallback(handle).with_state(inner.clone()));
        let server = FakeSentry {
            inner,
            base: format!("http://{addr}"),
        };
        // The organization's projects, as Sentry lists them: numeric ids resolve to slugs.
        server.script(
            "/organizations/acme/projects/",
            vec![Answer::json(
                200,
                r#"[{"id": "2", "slug": "api", "name": "API", "platform": "node"}]"#,
            )],
        );
        server
    }

    /// Answers for requests whose path ends with `suffix`, in order (the last repeats).
    pub fn script(&self, suffix: &str, answers: Vec<Answer>) {
        self.inner
            .lock()
            .expect("lock")
            .script
            .insert(suffix.to_string(), answers.into());
    }

    /// Answers computed from each request whose path ends with `suffix`.
    pub fn respond(&self, suffix: &str, f: impl Fn(&Seen) -> Answer + Send + Sync + 'static) {
        self.inner
            .lock()
            .expect("lock")
            .computed
            .insert(suffix.to_string(), Arc::new(f));
    }

    /// The same server's record, but requests aimed at `base` (a closed port, say).
    pub fn pointing_at(&self, base: &str) -> FakeSentry {
        FakeSentry {
            inner: self.inner.clone(),
            base: base.to_string(),
        }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.inner.lock().expect("lock").seen.clone()
    }

    pub fn seen_at(&self, suffix: &str) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| s.path.ends_with(suffix))
            .collect()
    }
}
