//! The public status page on Atlassian Statuspage: an incident created with the first
//! publication, then updated (its status following the phase, the components' statuses, the
//! public text). Statuspage allows one request a second per key: requests wait their turn in one
//! queue, and a 420 or 429 is waited out and asked again.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Statuspage's limit: one request a second per key.
pub const SPACING: Duration = Duration::from_secs(1);
/// Larger answers are refused: an incident with its updates is far smaller.
const MAX_BODY: usize = 1024 * 1024;
/// How often a rate-limited request is asked again before it is said to have failed.
const RETRIES: u32 = 3;

/// What is published.
#[derive(Debug, Clone, PartialEq)]
pub struct Publication {
    pub name: String,
    /// `investigating`, `identified`, `monitoring` or `resolved`.
    pub status: String,
    pub body: String,
    /// Each component's id and its status.
    pub components: BTreeMap<String, String>,
}

/// Statuspage's incident as it answered.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Published {
    pub id: String,
    #[serde(default)]
    pub shortlink: Option<String>,
    #[serde(default)]
    pub status: String,
}

impl Published {
    /// The incident's public address: its shortlink.
    pub fn url(&self) -> String {
        self.shortlink.clone().unwrap_or_default()
    }
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    api: String,
    page: String,
    key: String,
    key_env: String,
    notify: bool,
    /// When the next request may go: the queue every request of this key waits in.
    next: Arc<Mutex<Instant>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("page", &self.page)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(cfg: &crate::config::StatuspageConfig, key: String) -> Result<Client, String> {
        Ok(Client {
            http: crate::http::api_client(cfg.timeout)?,
            api: cfg.api_url.trim_end_matches('/').to_string(),
            page: cfg.page().unwrap_or_default().to_string(),
            key,
            key_env: cfg.key_env.clone(),
            notify: cfg.notify,
            next: Arc::new(Mutex::new(Instant::now())),
        })
    }

    /// One request in its turn; a 420 or 429 waits as asked (`Retry-After`, else a second
    /// more each time) and asks again.
    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        let mut next = self.next.lock().await;
        let mut tries = 0;
        loop {
            tokio::time::sleep_until(*next).await;
            let mut rb = self
                .http
                .request(method.clone(), format!("{}{path}", self.api))
                .header("authorization", format!("OAuth {}", self.key));
            if let Some(b) = &body {
                rb = rb.json(b);
            }
            let resp = rb.send().await;
            *next = Instant::now() + SPACING;
            let resp =
                resp.map_err(|e| format!("cannot reach Statuspage: {}", crate::http::cause(&e)))?;
            let status = resp.status().as_u16();
            let retry = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok());
            let body = crate::http::read_capped(resp, MAX_BODY)
                .await
                .map_err(|e| match e {
                    crate::http::BodyError::Network(e) => {
                        format!("cannot reach Statuspage: {}", crate::http::cause(&e))
                    }
                    crate::http::BodyError::TooLarge => {
                        "Statuspage's answer is larger than 1 MB".to_string()
                    }
                })?;
            let text = String::from_utf8_lossy(&body);
            if (status == 420 || status == 429) && tries < RETRIES {
                tries += 1;
                let wait = retry.map_or(SPACING * (tries + 1), Duration::from_secs);
                *next = Instant::now() + wait;
                continue;
            }
            if (200..300).contains(&status) {
                return serde_json::from_str(&text)
                    .map_err(|e| format!("Statuspage's answer cannot be read: {e}"));
            }
            let detail = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| {
                    v.get("error")
                        .or_else(|| v.get("message"))
                        .map(|e| e.as_str().map_or(e.to_string(), str::to_string))
                })
                .unwrap_or_else(|| text.chars().take(200).collect());
            return Err(match status {
                401 => format!(
                    "Statuspage refused the key (401 {detail}): set {} to an API key of the page",
                    self.key_env
                ),
                404 => format!(
                    "Statuspage has no such page or incident (404 {detail}): check [statuspage] page"
                ),
                420 | 429 => format!(
                    "Statuspage's rate limit ({status}) held after {RETRIES} waits: {detail}"
                ),
                s => format!("Statuspage refused it ({s}): {detail}"),
            });
        }
    }

    /// The page's components: (id, name, status).
    pub async fn components(&self) -> Result<Vec<(String, String, String)>, String> {
        let path = format!("/pages/{}/components", self.page);
        let v = self.send(Method::GET, &path, None).await?;
        let list = v
            .as_array()
            .ok_or("Statuspage's answer is not a list of components")?;
        Ok(list
            .iter()
            .map(|c| {
                let s = |k: &str| {
                    c.get(k)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                };
                (s("id"), s("name"), s("status"))
            })
            .collect())
    }

    /// Creates the incident (`existing` is `None`) or updates it.
    pub async fn publish(
        &self,
        existing: Option<&str>,
        p: &Publication,
    ) -> Result<Published, String> {
        let mut incident = json!({
            "status": p.status,
            "body": p.body,
            "components": p.components,
            "component_ids": p.components.keys().collect::<Vec<_>>(),
            "deliver_notifications": self.notify,
        });
        let (method, path) = match existing {
            Some(id) => (
                Method::PATCH,
                format!("/pages/{}/incidents/{id}", self.page),
            ),
            None => {
                incident["name"] = json!(p.name);
                (Method::POST, format!("/pages/{}/incidents", self.page))
            }
        };
        let v = self
            .send(method, &path, Some(json!({ "incident": incident })))
            .await?;
        serde_json::from_value(v).map_err(|e| format!("Statuspage's answer cannot be read: {e}"))
    }
}
