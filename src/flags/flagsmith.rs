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
}

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
    async fn state(&self) -> Result<FeatureState, String> {
        let r = send(
            "Flagsmith",
            self.http
                .get(&self.states)
                .query(&[("feature_name", self.key.as_str())])
                .header("Authorization", &self.token),
        )
        .await?;
        let page: Page = json("Flagsmith", r).await?;
        page.results
            .into_iter()
            .find(|s| {
                s.feature_segment.as_ref().is_none_or(|v| v.is_null())
                    && s.identity.as_ref().is_none_or(|v| v.is_null())
            })
            .ok_or_else(|| {
                format!(
                    "Flagsmith: no feature named {:?} in this environment",
                    self.key
                )
            })
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
