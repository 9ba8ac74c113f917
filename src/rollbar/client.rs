//! Talks to Rollbar's API (`/api/1`): the project access token in `X-Rollbar-Access-Token`,
//! bodies capped in size, Rollbar's `{"err": 1, "message": …}` answers and its rate-limit
//! headers turned into reasons a person can act on.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;
use serde_json::Value;

/// Larger answers are refused: four hours of minute counts and a page of items are far smaller.
const MAX_BODY: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RollbarError {
    #[error("{0}")]
    Auth(String),
    #[error("{0}")]
    NotFound(String),
    #[error("rate-limited: {detail}")]
    RateLimited { wait: Duration, detail: String },
    #[error("Rollbar answered {status}{detail}")]
    Server { status: u16, detail: String },
    #[error("{0}")]
    Network(String),
    #[error("the answer from Rollbar is larger than 8 MB")]
    TooLarge,
    #[error("{0}")]
    BadBody(String),
    #[error("Rollbar refused the request ({status}): {detail}")]
    Refused { status: u16, detail: String },
    /// More than warroom reads: said, never taken for all of it.
    #[error("{0}")]
    Incomplete(String),
}

impl crate::sentry::poller::PollFailure for RollbarError {
    fn transient(&self) -> bool {
        matches!(self, RollbarError::Server { .. } | RollbarError::Network(_))
    }
    fn rate_limited(&self) -> Option<(Duration, String)> {
        match self {
            RollbarError::RateLimited { wait, detail } => Some((*wait, detail.clone())),
            _ => None,
        }
    }
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
    /// The variable the token came from, to name it in a refusal.
    token_env: String,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// How long a 429 asks to wait: `Retry-After`, else Rollbar's `X-RateLimit-Remaining-Seconds`,
/// else its `X-RateLimit-Reset` (epoch seconds); a missing header means a minute, not zero.
pub fn rate_limit_wait(headers: &HeaderMap, now: DateTime<Utc>) -> Duration {
    let number = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok())
    };
    if let Some(s) = number("retry-after").or_else(|| number("x-ratelimit-remaining-seconds")) {
        return Duration::from_secs(s.max(0).unsigned_abs());
    }
    if let Some(reset) = number("x-ratelimit-reset") {
        return Duration::from_secs((reset - now.timestamp()).max(0).unsigned_abs());
    }
    Duration::from_secs(60)
}

/// Rollbar's words in an error answer (`message`), when it gave some.
fn message(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    v["message"]
        .as_str()
        .map(|m| m.trim().chars().take(200).collect())
}

impl Client {
    pub fn new(
        base: &str,
        token: String,
        token_env: &str,
        timeout: Duration,
    ) -> Result<Client, String> {
        Ok(Client {
            http: crate::http::api_client(timeout)?,
            base: base.trim_end_matches('/').to_string(),
            token,
            token_env: token_env.to_string(),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/1/{}", self.base, path.trim_start_matches('/'))
    }

    /// A GET's `result`.
    pub async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value, RollbarError> {
        let req = self.http.get(self.url(path)).query(query);
        self.send(req).await.map(|mut v| v["result"].take())
    }

    /// A form POST's whole answer (`/deploy` answers under `data`).
    pub async fn post_form(
        &self,
        path: &str,
        form: &[(&str, String)],
    ) -> Result<Value, RollbarError> {
        let req = self.http.post(self.url(path)).form(form);
        self.send(req).await
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Value, RollbarError> {
        let resp = req
            .header("X-Rollbar-Access-Token", &self.token)
            .send()
            .await
            .map_err(|e| RollbarError::Network(crate::sentry::client::network_reason(&e)))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = crate::http::read_capped(resp, MAX_BODY)
            .await
            .map_err(|e| match e {
                crate::http::BodyError::Network(e) => {
                    RollbarError::Network(crate::sentry::client::network_reason(&e))
                }
                crate::http::BodyError::TooLarge => RollbarError::TooLarge,
            })?;
        if !status.is_success() {
            return Err(self.classify(status.as_u16(), &headers, &body));
        }
        let v: Value = serde_json::from_slice(&body).map_err(|_| {
            RollbarError::BadBody(
                "Rollbar answered with something other than JSON: check [rollbar] base_url".into(),
            )
        })?;
        if v["err"].as_i64().unwrap_or(0) != 0 {
            return Err(RollbarError::Refused {
                status: status.as_u16(),
                detail: message(&body).unwrap_or_else(|| "err is set".into()),
            });
        }
        Ok(v)
    }

    fn classify(&self, code: u16, headers: &HeaderMap, body: &[u8]) -> RollbarError {
        let said = message(body);
        let env = &self.token_env;
        match code {
            401 | 403 => RollbarError::Auth(format!(
                "{code} {}: the token in ${env} must be a project access token with the read scope (post_server_item as well to register deploys)",
                said.unwrap_or_else(|| "access denied".into())
            )),
            404 => RollbarError::NotFound(format!(
                "404 {}: check [rollbar] base_url",
                said.unwrap_or_else(|| "not found".into())
            )),
            429 => RollbarError::RateLimited {
                wait: rate_limit_wait(headers, Utc::now()),
                detail: said.unwrap_or_else(|| "too many requests".into()),
            },
            500..=599 => RollbarError::Server {
                status: code,
                detail: said.map(|d| format!(": {d}")).unwrap_or_default(),
            },
            _ => RollbarError::Refused {
                status: code,
                detail: said.unwrap_or_else(|| {
                    String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned()
                }),
            },
        }
    }
}
