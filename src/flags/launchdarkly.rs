//! LaunchDarkly's REST API: the flag read for one environment, turned off or on with a
//! semantic patch (`turnFlagOff` / `turnFlagOn`) whose comment names the incident.

use std::collections::HashMap;

use serde::Deserialize;

use super::{endpoint, json, send};
use crate::config::FlagConfig;

/// The semantic patch's media type: without it the body is read as a JSON patch.
pub const SEMANTIC_PATCH: &str = "application/json; domain-model=launchdarkly.semanticpatch";

#[derive(Debug, Clone)]
pub struct LaunchDarkly {
    http: reqwest::Client,
    /// `…/api/v2/flags/{project}/{key}`
    flag: String,
    environment: String,
    token: String,
}

#[derive(Deserialize)]
struct FeatureFlag {
    environments: HashMap<String, FlagConfigForEnv>,
}

#[derive(Deserialize)]
struct FlagConfigForEnv {
    on: bool,
}

impl LaunchDarkly {
    pub fn new(http: reqwest::Client, url: &str, cfg: &FlagConfig, token: String) -> LaunchDarkly {
        LaunchDarkly {
            http,
            flag: endpoint(url, &["api", "v2", "flags", &cfg.project, cfg.key()]),
            environment: cfg.environment.clone(),
            token,
        }
    }

    pub async fn read(&self) -> Result<bool, String> {
        let r = send(
            "LaunchDarkly",
            self.http
                .get(&self.flag)
                .query(&[("env", &self.environment)])
                .header("Authorization", &self.token),
        )
        .await?;
        let f: FeatureFlag = json("LaunchDarkly", r).await?;
        f.environments
            .get(&self.environment)
            .map(|e| e.on)
            .ok_or_else(|| {
                format!(
                    "LaunchDarkly: the flag has no environment {:?}",
                    self.environment
                )
            })
    }

    pub async fn set(&self, on: bool, comment: &str) -> Result<(), String> {
        let kind = if on { "turnFlagOn" } else { "turnFlagOff" };
        let body = serde_json::json!({
            "environmentKey": self.environment,
            "comment": comment,
            "instructions": [{ "kind": kind }],
        });
        send(
            "LaunchDarkly",
            self.http
                .patch(&self.flag)
                .header("Authorization", &self.token)
                .header(reqwest::header::CONTENT_TYPE, SEMANTIC_PATCH)
                .body(body.to_string()),
        )
        .await
        .map(|_| ())
    }
}
