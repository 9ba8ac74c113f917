//! Flagsmith's admin API: the feature's state in one environment (found by the feature's name),
//! changed with a partial update of that state.

use serde::Deserialize;

use super::{endpoint, json, send};
use crate::config::FlagConfig;

#[derive(Debug, Clone)]
pub struct Flagsmith {
    http: reqwest::Client,
    /// `…/api/v1/environments/{environment key}/featurestates/`
    states: String,
    key: String,
    token: String,
}

#[derive(Deserialize)]
struct Page {
    results: Vec<FeatureState>,
    /// The next page's URL (DRF's paged list), none on the last.
    #[serde(default)]
    next: Option<String>,
}

/// At most this many pages are read (identity overrides can make the list long).
const MAX_PAGES: usize = 100;

#[derive(Deserialize)]
struct FeatureState {
    id: i64,
    enabled: bool,
    /// Set on a state that applies to a segment or an identity, not to the environment.
    #[serde(default)]
    feature_segment: Option<serde_json::Value>,
    #[serde(default)]
    identity: Option<serde_json::Value>,
}

impl Flagsmith {
    pub fn new(http: reqwest::Client, url: &str, cfg: &FlagConfig, token: String) -> Flagsmith {
        Flagsmith {
            http,
            states: format!(
                "{}/",
                endpoint(
                    url,
                    &[
                        "api",
                        "v1",
                        "environments",
                        cfg.environment_key.as_deref().unwrap_or_default(),
                        "featurestates"
                    ]
                )
            ),
            key: cfg.key().to_string(),
            token: format!("Token {token}"),
        }
    }

    /// The environment's own state of the feature (not a segment's or an identity's override).
    /// Every page is read until it is found: the overrides may come first.
    async fn state(&self) -> Result<FeatureState, String> {
        let mut req = self
            .http
            .get(&self.states)
            .query(&[("feature_name", self.key.as_str())]);
        for _ in 0..MAX_PAGES {
            let r = send("Flagsmith", req.header("Authorization", &self.token)).await?;
            let page: Page = json("Flagsmith", r).await?;
            let own = page.results.into_iter().find(|s| {
                s.feature_segment.as_ref().is_none_or(|v| v.is_null())
                    && s.identity.as_ref().is_none_or(|v| v.is_null())
            });
            match (own, page.next) {
                (Some(s), _) => return Ok(s),
                (None, Some(next)) => req = self.http.get(next),
                (None, None) => break,
            }
        }
        Err(format!(
            "Flagsmith: no feature named {:?} in this environment",
            self.key
        ))
    }

    pub async fn read(&self) -> Result<bool, String> {
        self.state().await.map(|s| s.enabled)
    }

    pub async fn set(&self, on: bool) -> Result<(), String> {
        let id = self.state().await?.id;
        send(
            "Flagsmith",
            self.http
                .patch(format!("{}{id}/", self.states))
                .header("Authorization", &self.token)
                .json(&serde_json::json!({ "enabled": on })),
        )
        .await
        .map(|_| ())
    }
}
