//! Talks to PagerDuty: the REST API v2 (`Token token=…`, the `From` header on every write,
//! offset-paged lists read to their end) and the Events API v2; a 429 names its wait.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::api::{Enqueued, ErrorBody, Incident, Named, Oncall, OneIncident, OneService, Service};

/// A list is read to its last page (at most this many pages of 100).
const MAX_PAGES: usize = 50;
const PAGE: usize = 100;
/// Larger answers are refused: an incident, a page of on-calls are far smaller.
const MAX_BODY: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PdError {
    #[error(
        "PagerDuty refused the token (401 {0}): set {1} to a REST API key that can see the service"
    )]
    BadToken(String, String),
    #[error("PagerDuty refused it (403): {0}")]
    Forbidden(String),
    #[error("PagerDuty has no such {0} (404)")]
    NotFound(String),
    #[error("PagerDuty refused it ({status}): {detail}")]
    Invalid { status: u16, detail: String },
    #[error("PagerDuty's rate limit: asked to wait {}s", wait.as_secs())]
    RateLimited { wait: Duration },
    #[error("PagerDuty answered {status}: {detail}")]
    Server { status: u16, detail: String },
    #[error("cannot reach PagerDuty: {0}")]
    Network(String),
    #[error("PagerDuty's answer cannot be read: {0}")]
    BadBody(String),
    /// Something this side lacks (a routing key, a user for `from`): nothing was refused.
    #[error("{0}")]
    Setup(String),
}

impl PdError {
    pub fn wait(&self) -> Option<Duration> {
        match self {
            PdError::RateLimited { wait } => Some(*wait),
            _ => None,
        }
    }
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    api: String,
    events: String,
    token: String,
    token_env: String,
    from: String,
    routing_key: Option<String>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("api", &self.api)
            .finish_non_exhaustive()
    }
}

/// What a request is about, for a 404's words.
fn subject(path: &str) -> &'static str {
    match path.split('/').nth(1) {
        Some("incidents") => "incident",
        Some("services") => "service",
        Some("users") => "user",
        Some("escalation_policies") => "escalation policy",
        _ => "thing",
    }
}

impl Client {
    pub fn new(cfg: &crate::config::PagerdutyConfig, token: String) -> Result<Client, String> {
        Ok(Client {
            http: crate::http::api_client(cfg.timeout)?,
            api: cfg.api_url.trim_end_matches('/').to_string(),
            events: cfg.events_url.trim_end_matches('/').to_string(),
            token,
            token_env: cfg.token_env.clone(),
            from: cfg.from.clone().unwrap_or_default(),
            routing_key: cfg.routing_key(),
        })
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Value>,
    ) -> Result<Value, PdError> {
        let mut rb = self
            .http
            .request(method.clone(), format!("{}{path}", self.api))
            .header("authorization", format!("Token token={}", self.token))
            .header("accept", "application/vnd.pagerduty+json;version=2")
            .header("content-type", "application/json")
            .query(query);
        if method != Method::GET && !self.from.is_empty() {
            rb = rb.header("from", &self.from);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let (status, headers, bytes) = read(rb).await?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| PdError::BadBody(e.to_string()));
        }
        let detail = serde_json::from_slice::<ErrorBody>(&bytes)
            .map(|b| b.words())
            .unwrap_or_default();
        let detail = if detail.is_empty() {
            String::from_utf8_lossy(&bytes).chars().take(200).collect()
        } else {
            detail
        };
        Err(match status.as_u16() {
            401 => PdError::BadToken(detail, self.token_env.clone()),
            403 => PdError::Forbidden(detail),
            404 => PdError::NotFound(subject(path).into()),
            429 => PdError::RateLimited {
                wait: rate_wait(&headers),
            },
            s @ 400..=499 => PdError::Invalid { status: s, detail },
            s => PdError::Server { status: s, detail },
        })
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, PdError> {
        let v = self.send(Method::GET, path, query, None).await?;
        serde_json::from_value(v).map_err(|e| PdError::BadBody(e.to_string()))
    }

    /// Every page of an offset-paged list (`more` says whether another follows); a list cut
    /// short at [`MAX_PAGES`] is an error, never taken for all of it.
    async fn list<T: DeserializeOwned>(
        &self,
        path: &str,
        key: &str,
        query: &[(&str, String)],
    ) -> Result<Vec<T>, PdError> {
        let mut out = Vec::new();
        for page in 0..MAX_PAGES {
            let mut q = query.to_vec();
            q.push(("limit", PAGE.to_string()));
            q.push(("offset", (page * PAGE).to_string()));
            let v = self.send(Method::GET, path, &q, None).await?;
            let items = v
                .get(key)
                .cloned()
                .ok_or_else(|| PdError::BadBody(format!("no {key} in the answer")))?;
            let items: Vec<T> =
                serde_json::from_value(items).map_err(|e| PdError::BadBody(e.to_string()))?;
            let n = items.len();
            out.extend(items);
            if !v.get("more").and_then(Value::as_bool).unwrap_or(false) || n == 0 {
                return Ok(out);
            }
        }
        Err(PdError::BadBody(format!(
            "{path} has more than {} entries",
            MAX_PAGES * PAGE
        )))
    }

    pub async fn incident(&self, id: &str) -> Result<Incident, PdError> {
        let one: OneIncident = self.get(&format!("/incidents/{id}"), &[]).await?;
        Ok(one.incident)
    }

    /// The service's open incidents (triggered or acknowledged), every page.
    pub async fn open_incidents(&self, service: &str) -> Result<Vec<Incident>, PdError> {
        let q = [
            ("service_ids[]", service.to_string()),
            ("statuses[]", "triggered".to_string()),
            ("statuses[]", "acknowledged".to_string()),
        ];
        self.list("/incidents", "incidents", &q).await
    }

    pub async fn service(&self, id: &str) -> Result<Service, PdError> {
        let one: OneService = self.get(&format!("/services/{id}"), &[]).await?;
        Ok(one.service)
    }

    /// Who is on call for an escalation policy now, every page.
    pub async fn oncalls(&self, policy: &str) -> Result<Vec<Oncall>, PdError> {
        let q = [("escalation_policy_ids[]", policy.to_string())];
        self.list("/oncalls", "oncalls", &q).await
    }

    pub async fn escalation_policies(&self) -> Result<Vec<Named>, PdError> {
        self.list("/escalation_policies", "escalation_policies", &[])
            .await
    }

    pub async fn users(&self, query: Option<&str>) -> Result<Vec<Named>, PdError> {
        let q: Vec<(&str, String)> = query
            .map(|q| ("query", q.to_string()))
            .into_iter()
            .collect();
        self.list("/users", "users", &q).await
    }

    /// The user the `From` address belongs to (a responder request names its requester).
    pub async fn me(&self) -> Result<Named, PdError> {
        self.users(Some(&self.from))
            .await?
            .into_iter()
            .find(|u| {
                u.email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(&self.from))
            })
            .ok_or_else(|| {
                PdError::Setup(format!(
                    "no PagerDuty user has the email {} ([pagerduty] from)",
                    self.from
                ))
            })
    }

    /// Acknowledges or resolves the incident.
    pub async fn set_status(&self, id: &str, status: &str) -> Result<Incident, PdError> {
        let body = json!({"incident": {"type": "incident_reference", "status": status}});
        let v = self
            .send(Method::PUT, &format!("/incidents/{id}"), &[], Some(body))
            .await?;
        serde_json::from_value::<OneIncident>(v)
            .map(|o| o.incident)
            .map_err(|e| PdError::BadBody(e.to_string()))
    }

    pub async fn note(&self, id: &str, content: &str) -> Result<(), PdError> {
        let body = json!({"note": {"content": content}});
        self.send(
            Method::POST,
            &format!("/incidents/{id}/notes"),
            &[],
            Some(body),
        )
        .await
        .map(drop)
    }

    pub async fn status_update(&self, id: &str, message: &str) -> Result<(), PdError> {
        let body = json!({ "message": message });
        let path = format!("/incidents/{id}/status_updates");
        self.send(Method::POST, &path, &[], Some(body))
            .await
            .map(drop)
    }

    /// Asks `targets` (`(id, type)`: `user_reference` or `escalation_policy_reference`) to join.
    pub async fn request_responders(
        &self,
        id: &str,
        message: &str,
        targets: &[(String, String)],
    ) -> Result<(), PdError> {
        let me = self.me().await?;
        let targets: Vec<Value> = targets
            .iter()
            .map(|(id, kind)| json!({"responder_request_target": {"id": id, "type": kind}}))
            .collect();
        let body = json!({
            "requester_id": me.id,
            "message": message,
            "responder_request_targets": targets,
        });
        let path = format!("/incidents/{id}/responder_requests");
        self.send(Method::POST, &path, &[], Some(body))
            .await
            .map(drop)
    }

    /// Triggers an alert through the Events API v2; the dedup key PagerDuty kept.
    pub async fn trigger(
        &self,
        dedup_key: &str,
        summary: &str,
        severity: &str,
    ) -> Result<String, PdError> {
        let key = self.routing_key.clone().ok_or_else(|| {
            PdError::Setup("no routing key: export PAGERDUTY_ROUTING_KEY (the Events API v2 integration key of the service), or set [pagerduty] routing_key_command".into())
        })?;
        let body = json!({
            "routing_key": key,
            "event_action": "trigger",
            "dedup_key": dedup_key,
            "client": "warroom",
            "payload": {"summary": summary, "source": "warroom", "severity": severity},
        });
        let rb = self
            .http
            .post(format!("{}/v2/enqueue", self.events))
            .header("content-type", "application/json")
            .json(&body);
        let (status, headers, bytes) = read(rb).await?;
        if status.is_success() {
            let e: Enqueued =
                serde_json::from_slice(&bytes).map_err(|e| PdError::BadBody(e.to_string()))?;
            return Ok(e.dedup_key.unwrap_or_else(|| dedup_key.to_string()));
        }
        let detail = serde_json::from_slice::<ErrorBody>(&bytes)
            .map(|b| b.words())
            .unwrap_or_default();
        Err(match status.as_u16() {
            429 => PdError::RateLimited {
                wait: rate_wait(&headers),
            },
            s @ 400..=499 => PdError::Invalid {
                status: s,
                detail: format!("the Events API refused the page: {detail}"),
            },
            s => PdError::Server { status: s, detail },
        })
    }
}

/// PagerDuty's `ratelimit-reset` (seconds), else `retry-after`, else a minute.
fn rate_wait(headers: &reqwest::header::HeaderMap) -> Duration {
    ["ratelimit-reset", "retry-after"]
        .iter()
        .find_map(|h| headers.get(*h)?.to_str().ok()?.trim().parse::<u64>().ok())
        .map_or(Duration::from_secs(60), |s| Duration::from_secs(s.max(1)))
}

async fn read(
    rb: reqwest::RequestBuilder,
) -> Result<(StatusCode, reqwest::header::HeaderMap, Vec<u8>), PdError> {
    let resp = rb
        .send()
        .await
        .map_err(|e| PdError::Network(crate::http::cause(&e)))?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = crate::http::read_capped(resp, MAX_BODY)
        .await
        .map_err(|e| match e {
            crate::http::BodyError::Network(e) => PdError::Network(crate::http::cause(&e)),
            crate::http::BodyError::TooLarge => PdError::BadBody("larger than 4 MB".into()),
        })?;
    Ok((status, headers, body))
}
