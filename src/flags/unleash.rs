//! Unleash's admin API: a flag's environment turned on or off, its state read from the
//! feature's environments.

use serde::Deserialize;

use super::{endpoint, json, send};
use crate::config::FlagConfig;

#[derive(Debug, Clone)]
pub struct Unleash {
    http: reqwest::Client,
    /// `…/api/admin/projects/{project}/features/{key}`
    feature: String,
    environment: String,
    token: String,
}

#[derive(Deserialize)]
struct Feature {
    environments: Vec<Environment>,
}

#[derive(Deserialize)]
struct Environment {
    name: String,
    enabled: bool,
}

impl Unleash {
    pub fn new(http: reqwest::Client, url: &str, cfg: &FlagConfig, token: String) -> Unleash {
        Unleash {
            http,
            feature: endpoint(
                url,
                &[
                    "api",
                    "admin",
                    "projects",
                    &cfg.project,
                    "features",
                    cfg.key(),
                ],
            ),
            environment: cfg.environment.clone(),
            token,
        }
    }

    pub async fn read(&self) -> Result<bool, String> {
        let r = send(
            "Unleash",
            self.http
                .get(&self.feature)
                .header("Authorization", &self.token),
        )
        .await?;
        let f: Feature = json("Unleash", r).await?;
        f.environments
            .iter()
            .find(|e| e.name == self.environment)
            .map(|e| e.enabled)
            .ok_or_else(|| {
                format!(
                    "Unleash: the flag has no environment {:?} (it has {})",
                    self.environment,
                    f.environments
                        .iter()
                        .map(|e| e.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    }

    pub async fn set(&self, on: bool) -> Result<(), String> {
        let url = endpoint(
            &self.feature,
            &["environments", &self.environment, super::word(on)],
        );
        send(
            "Unleash",
            self.http.post(url).header("Authorization", &self.token),
        )
        .await
        .map(|_| ())
    }
}
