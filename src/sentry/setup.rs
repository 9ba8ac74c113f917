//! From `[sentry]` to a client and a poller, or the words that say what to set.

use chrono::{DateTime, Utc};

use super::client::Client;
use super::poller::PollerConfig;
use super::project::ProjectRef;
use crate::config::SentryConfig;

/// What the poller and deploy registration need, prepared before the console starts.
#[derive(Debug, Clone)]
pub struct SentrySetup {
    pub client: Client,
    pub poller: PollerConfig,
    /// The environment deploys are registered in.
    pub environment: String,
}

/// The pane's text when `[sentry]` names no organisation or project.
pub fn not_configured(config_file: &str, token_env: &str) -> String {
    format!(
        "Sentry is not configured: set [sentry] org and project in {config_file} and export {token_env}"
    )
}

impl SentrySetup {
    /// The client and poller settings, and the token (to redact it everywhere); or what the
    /// user must set, shown in the pane.
    pub fn new(
        s: &SentryConfig,
        config_file: &str,
        detected_at: DateTime<Utc>,
    ) -> Result<(SentrySetup, String), String> {
        let (Some(org), Some(project)) = (&s.org, &s.project) else {
            return Err(not_configured(config_file, &s.token_env));
        };
        let token = token(s).ok_or_else(|| {
            format!(
                "No Sentry token: export {} (a user or internal-integration token with org:read, event:read, project:read), or set [sentry] token_command",
                s.token_env
            )
        })?;
        let client = Client::new(&s.base_url, org, token.clone(), s.timeout)?;
        let history_from = detected_at - chrono::Duration::from_std(s.baseline).unwrap_or_default();
        let poller = PollerConfig {
            project: ProjectRef::new(project),
            environment: s.environment.clone(),
            query: s.query.clone(),
            interval: s.poll_interval,
            window: s.window,
            history_from,
        };
        let environment = s.environment.clone().unwrap_or_else(|| "production".into());
        Ok((
            SentrySetup {
                client,
                poller,
                environment,
            },
            token,
        ))
    }
}

/// The token: the environment variable, else `token_command`'s output, else the config file's.
pub fn token(s: &SentryConfig) -> Option<String> {
    crate::config::secret::token_from(&[&s.token_env], s.token_command.as_deref(), "[sentry]")
        .or_else(|| s.token.clone().filter(|t| !t.is_empty()))
}
