//! A smoke test over HTTP: one request, its status and body checked.

use std::path::Path;
use std::time::Instant;

use tokio::sync::watch;

use super::job::{JobSpec, Outcome};
use super::runner::RunContext;
use super::sink::{Sink, header};
use crate::config::SmokeConfig;

/// `${VAR}` in a header value reads the environment, so tokens stay out of the config.
fn expand_env(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        match rest[i..].find('}') {
            Some(end) => {
                out.push_str(&std::env::var(&rest[i + 2..i + end]).unwrap_or_default());
                rest = &rest[i + end + 1..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// What went wrong with a request, in a few words: the innermost cause says it (connection
/// refused, DNS failure, certificate problem).
fn request_error(e: &reqwest::Error) -> String {
    let mut deepest = e.to_string();
    let mut cur = std::error::Error::source(e);
    while let Some(s) = cur {
        deepest = s.to_string();
        cur = s.source();
    }
    let host = e.url().and_then(|u| {
        u.host_str().map(|h| match u.port() {
            Some(p) => format!("{h}:{p}"),
            None => h.to_string(),
        })
    });
    let at = host.map(|h| format!(" {h}")).unwrap_or_default();
    if e.is_connect() {
        format!("cannot connect to{at}: {deepest}")
    } else if e.is_timeout() {
        format!("timed out talking to{at}")
    } else {
        format!("request to{at} failed: {deepest}")
    }
}

pub(super) async fn run_http(
    spec: &JobSpec,
    s: &SmokeConfig,
    log: &Path,
    ctx: &RunContext,
    cancelled: &mut watch::Receiver<bool>,
) -> Outcome {
    let url = s.url.clone().unwrap_or_default();
    let method = s.method.to_uppercase();
    let shown = ctx.redactor.redact(&format!("{method} {url}")).into_owned();
    let mut sink = Sink::new(
        spec.id,
        &ctx.tx,
        log,
        &header(spec.kind, s.name.get_ref(), &shown),
        ctx,
    );
    sink.note(format!(
        "→ {shown}  (expect {}{})",
        s.expect_status,
        s.expect_body
            .as_ref()
            .map(|b| format!(", body containing {b:?}"))
            .unwrap_or_default()
    ));
    sink.flush(None);
    let outcome = tokio::select! {
        o = http_request(s, &url, &method) => o,
        _ = cancelled.changed() => Outcome::Cancelled,
    };
    let line = match &outcome {
        Outcome::Http {
            status: Some(st),
            ok: true,
            ..
        } => format!("\x1b[32m← {st} ✓\x1b[0m"),
        Outcome::Http { reason, .. } => {
            format!("\x1b[31m← ✗ {}\x1b[0m", ctx.redactor.redact(reason))
        }
        other => other.describe_line(),
    };
    sink.note(line);
    sink.finish().await;
    outcome
}

async fn http_request(s: &SmokeConfig, url: &str, method: &str) -> Outcome {
    let client = match reqwest::Client::builder()
        .timeout(s.timeout)
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            return Outcome::Http {
                status: None,
                ok: false,
                reason: request_error(&e),
            };
        }
    };
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut req = client.request(method, url);
    for (k, v) in &s.headers {
        req = req.header(k, expand_env(v));
    }
    if let Some(b) = &s.body {
        req = req.body(b.clone());
    }
    let started = Instant::now();
    let resp = match req.send().await {
        Ok(r) => r,
        Err(e) if e.is_timeout() => {
            return Outcome::Http {
                status: None,
                ok: false,
                reason: format!("timed out after {}s", s.timeout.as_secs_f32()),
            };
        }
        Err(e) => {
            return Outcome::Http {
                status: None,
                ok: false,
                reason: request_error(&e),
            };
        }
    };
    let status = resp.status().as_u16();
    let mut body = Vec::new();
    let mut resp = resp;
    loop {
        match resp.chunk().await {
            Ok(Some(c)) if body.len() < 1 << 20 => body.extend_from_slice(&c),
            Ok(Some(_)) | Ok(None) => break,
            Err(e) => {
                return Outcome::Http {
                    status: Some(status),
                    ok: false,
                    reason: format!("reading the body: {}", request_error(&e)),
                };
            }
        }
    }
    let ms = started.elapsed().as_millis();
    let text = String::from_utf8_lossy(&body);
    let status_ok = status == s.expect_status;
    let body_ok = s
        .expect_body
        .as_ref()
        .is_none_or(|b| text.contains(b.as_str()));
    let reason = if !status_ok {
        format!("expected {}, got {status} in {ms} ms", s.expect_status)
    } else if !body_ok {
        format!(
            "{status} in {ms} ms, but the body lacks {:?}",
            s.expect_body.as_deref().unwrap_or_default()
        )
    } else {
        format!("{status} in {ms} ms")
    };
    Outcome::Http {
        status: Some(status),
        ok: status_ok && body_ok,
        reason,
    }
}
