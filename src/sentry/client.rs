//! Talks to Sentry's web API: bearer token, timeouts, bodies capped in size, and every failure
//! turned into a reason a person can act on.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::{StatusCode, header::HeaderMap};
use serde_json::Value;

use super::api::error_detail;

/// Larger answers are refused: the series of a few hours is far smaller.
pub const MAX_BODY: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Auth(String),
    #[error("{0}")]
    NotFound(String),
    #[error("rate-limited: {detail}")]
    RateLimited { wait: Duration, detail: String },
    #[error("Sentry answered {status}{detail}")]
    Server { status: u16, detail: String },
    #[error("{0}")]
    Network(String),
    #[error("the answer is larger than 8 MB: shorten [sentry] window")]
    TooLarge,
    #[error("{0}")]
    BadBody(String),
    #[error("Sentry refused the request ({status}): {detail}")]
    Refused { status: u16, detail: String },
    /// A web page (a sign-in form, a proxy's redirect) answered where the API should.
    #[error("{0}")]
    NotTheApi(String),
}

impl ApiError {
    /// Worth retrying soon with backoff (a proxy's 5xx, a network blip); the others wait for
    /// the next poll.
    pub fn transient(&self) -> bool {
        matches!(self, ApiError::Server { .. } | ApiError::Network(_))
    }
}

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    /// The cursor of the next page of a list, when its `Link` header says there is one.
    pub fn next_page(&self) -> Option<String> {
        self.headers
            .get("link")
            .and_then(|l| l.to_str().ok())
            .and_then(super::api::next_cursor)
    }
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
    org: String,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("org", &self.org)
            .finish_non_exhaustive()
    }
}

/// How long a 429 asks us to wait: `Retry-After` (from a proxy) first, else Sentry's
/// `X-Sentry-Rate-Limit-Reset` (epoch seconds); a missing header means unknown, not zero.
pub fn rate_limit_wait(headers: &HeaderMap, now: DateTime<Utc>) -> Duration {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(secs) = header("retry-after").and_then(|v| v.parse::<u64>().ok()) {
        return Duration::from_secs(secs);
    }
    if let Some(date) = header("retry-after").and_then(|v| DateTime::parse_from_rfc2822(v).ok()) {
        return (date.with_timezone(&Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO);
    }
    if let Some(reset) = header("x-sentry-rate-limit-reset").and_then(|v| v.parse::<f64>().ok()) {
        let at = DateTime::<Utc>::from_timestamp(reset as i64, 0).unwrap_or(now);
        return (at - now).to_std().unwrap_or(Duration::ZERO);
    }
    Duration::from_secs(60)
}

impl Client {
    pub fn new(base: &str, org: &str, token: String, timeout: Duration) -> Result<Client, String> {
        let http = crate::http::api_client(timeout)?;
        Ok(Client {
            http,
            base: base.trim_end_matches('/').to_string(),
            token,
            org: org.to_string(),
        })
    }

    pub fn org(&self) -> &str {
        &self.org
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/0/{}", self.base, path.trim_start_matches('/'))
    }

    pub async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Response, ApiError> {
        let req = self.http.get(self.url(path)).query(query);
        self.send(req).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Result<Response, ApiError> {
        let req = self.http.post(self.url(path)).json(body);
        self.send(req).await
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Response, ApiError> {
        // reqwest drops the Authorization header when a redirect leaves this host.
        let resp = req
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| ApiError::Network(network_reason(&e)))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let mut at = resp.url().clone();
        at.set_query(None);
        let redirected = !at.as_str().starts_with(&self.base);
        let body = read_capped(resp).await?;
        if status.is_redirection() {
            let to = headers
                .get("location")
                .and_then(|l| l.to_str().ok())
                .unwrap_or("elsewhere");
            return Err(ApiError::NotTheApi(format!(
                "the request to {at} was redirected to {to} instead of answered by the API: check [sentry] base_url and the proxy in front of Sentry"
            )));
        }
        if status.is_success() && is_web_page(&headers, &body) {
            let what = if redirected || looks_like_sign_in(&body) {
                "a sign-in page"
            } else {
                "a web page"
            };
            return Err(ApiError::NotTheApi(format!(
                "the request reached {what} at {at} instead of Sentry's API: check [sentry] base_url and the proxy in front of Sentry"
            )));
        }
        if status.is_success() {
            return Ok(Response {
                status,
                headers,
                body,
            });
        }
        Err(self.classify(status, &headers, &body))
    }

    fn classify(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ApiError {
        let detail = error_detail(body);
        let code = status.as_u16();
        match code {
            401 => ApiError::Auth(format!(
                "401 {}: check the token in $SENTRY_AUTH_TOKEN (a user or internal-integration token with org:read, event:read, project:read)",
                detail.unwrap_or_else(|| "unauthorized".into())
            )),
            403 if self.token.starts_with("sntrys_") => ApiError::Auth(
                "403: this is an organization auth token (sntrys_…), which can only register deploys; reading the error rate needs a user or internal-integration token with org:read, event:read, project:read".into(),
            ),
            403 => ApiError::Auth(format!(
                "403 {}: the token needs org:read, event:read and project:read",
                detail.unwrap_or_else(|| "forbidden".into())
            )),
            404 => ApiError::NotFound(format!(
                "404 {}: check [sentry] org ({:?}) and project",
                detail.unwrap_or_else(|| "not found".into()),
                self.org
            )),
            429 => ApiError::RateLimited {
                wait: rate_limit_wait(headers, Utc::now()),
                detail: detail.unwrap_or_else(|| "too many requests".into()),
            },
            500..=599 => {
                let kind = if body.starts_with(b"<") || headers.get("content-type").is_some_and(|c| c.to_str().unwrap_or_default().contains("html")) {
                    " (an HTML error page: a proxy or load balancer in front of Sentry)".to_string()
                } else {
                    detail.map(|d| format!(": {d}")).unwrap_or_default()
                };
                ApiError::Server { status: code, detail: kind }
            }
            _ => ApiError::Refused { status: code, detail: detail.unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned()) },
        }
    }
}

/// An HTML answer: the API answers JSON only.
fn is_web_page(headers: &HeaderMap, body: &[u8]) -> bool {
    let html = headers
        .get("content-type")
        .and_then(|c| c.to_str().ok())
        .is_some_and(|c| c.contains("html"));
    html || body.trim_ascii_start().starts_with(b"<")
}

fn looks_like_sign_in(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&body[..body.len().min(64 * 1024)]).to_lowercase();
    ["sign in", "sign-in", "log in", "login", "password"]
        .iter()
        .any(|w| text.contains(w))
}

async fn read_capped(resp: reqwest::Response) -> Result<Vec<u8>, ApiError> {
    crate::http::read_capped(resp, MAX_BODY)
        .await
        .map_err(|e| match e {
            crate::http::BodyError::Network(e) => ApiError::Network(network_reason(&e)),
            crate::http::BodyError::TooLarge => ApiError::TooLarge,
        })
}

/// Timeouts, refused connections and DNS failures, in a few words with their innermost cause.
pub fn network_reason(e: &reqwest::Error) -> String {
    let mut deepest = e.to_string();
    let mut cur = std::error::Error::source(e);
    while let Some(s) = cur {
        deepest = s.to_string();
        cur = s.source();
    }
    let host = e
        .url()
        .and_then(|u| u.host_str().map(String::from))
        .unwrap_or_else(|| "Sentry".into());
    if e.is_timeout() {
        format!("no answer from {host} in time")
    } else if e.is_connect() {
        format!("cannot connect to {host}: {deepest}")
    } else if e.is_body() || e.is_decode() {
        format!("the answer from {host} broke off: {deepest}")
    } else {
        format!("request to {host} failed: {deepest}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn rate_limit_waits_follow_the_headers() {
        let now = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).expect("t");
        let mut h = HeaderMap::new();
        assert_eq!(
            rate_limit_wait(&h, now),
            Duration::from_secs(60),
            "unknown: a minute"
        );
        h.insert(
            "x-sentry-rate-limit-reset",
            HeaderValue::from_static("1700000007"),
        );
        assert_eq!(rate_limit_wait(&h, now), Duration::from_secs(7));
        h.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(
            rate_limit_wait(&h, now),
            Duration::from_secs(3),
            "Retry-After wins"
        );
    }
}
