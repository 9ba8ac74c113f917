//! `[errors]` and `[rollbar]`: where the error rate comes from. Sentry (`[sentry]`) is the
//! default; Rollbar's project is read with a project access token from the environment or a
//! command only.

use super::*;

/// The tool the error-rate pane, its verdict and the new errors after a deploy come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorSource {
    #[default]
    Sentry,
    Rollbar,
}

impl ErrorSource {
    pub fn name(self) -> &'static str {
        match self {
            ErrorSource::Sentry => "Sentry",
            ErrorSource::Rollbar => "Rollbar",
        }
    }

    /// What the source calls one error, grouped: Sentry's issue, Rollbar's item.
    pub fn unit(self) -> &'static str {
        match self {
            ErrorSource::Sentry => "issue",
            ErrorSource::Rollbar => "item",
        }
    }

    /// `Sentry issue`, `Rollbar item`.
    pub fn noun(self) -> String {
        format!("{} {}", self.name(), self.unit())
    }

    /// The source an event on the record speaks of, when it names one: its own kinds, or an
    /// error-rate verdict's `source`.
    pub fn of(kind: &str, source: Option<&str>) -> Option<ErrorSource> {
        use crate::journal::kinds;
        match (kind, source) {
            (kinds::ROLLBAR_ITEM | kinds::ROLLBAR_DEPLOY, _)
            | (kinds::ERROR_RATE, Some("rollbar")) => Some(ErrorSource::Rollbar),
            (kinds::SENTRY_ISSUE | kinds::SENTRY_DEPLOY, _)
            | (kinds::ERROR_RATE, Some("sentry")) => Some(ErrorSource::Sentry),
            _ => None,
        }
    }

    /// The name as the record writes it.
    pub fn key(self) -> &'static str {
        match self {
            ErrorSource::Sentry => "sentry",
            ErrorSource::Rollbar => "rollbar",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ErrorsConfig {
    pub source: ErrorSource,
}

/// Rollbar's item levels, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RollbarLevel {
    Debug,
    Info,
    Warning,
    #[default]
    Error,
    Critical,
}

impl RollbarLevel {
    pub const ALL: [RollbarLevel; 5] = [
        RollbarLevel::Debug,
        RollbarLevel::Info,
        RollbarLevel::Warning,
        RollbarLevel::Error,
        RollbarLevel::Critical,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RollbarLevel::Debug => "debug",
            RollbarLevel::Info => "info",
            RollbarLevel::Warning => "warning",
            RollbarLevel::Error => "error",
            RollbarLevel::Critical => "critical",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RollbarConfig {
    /// `https://api.rollbar.com`.
    pub base_url: String,
    /// The environment whose occurrences are counted and whose deploys are registered.
    pub environment: String,
    /// The lowest item level counted.
    pub min_level: RollbarLevel,
    /// The variable holding a project access token: `read` scope for the rate and the items,
    /// `post_server_item` as well to register deploys.
    pub token_env: String,
    pub token_command: Option<String>,
    #[serde(deserialize_with = "at_least_5s", serialize_with = "show_duration")]
    pub poll_interval: Duration,
    /// How much of the error rate the chart shows (Rollbar keeps 240 minutes of minute counts).
    #[serde(deserialize_with = "duration", serialize_with = "show_duration")]
    pub window: Duration,
    /// How long before detection counts as normal.
    #[serde(deserialize_with = "duration", serialize_with = "show_duration")]
    pub baseline: Duration,
    /// Complete minutes after the deploy that must all be back to normal for the verdict.
    pub verdict_buckets: usize,
    /// Errors per minute at or below which the rate counts as normal, whatever the baseline.
    pub floor: f64,
    #[serde(deserialize_with = "duration", serialize_with = "show_duration")]
    pub timeout: Duration,
    /// Register each production deploy the console runs with Rollbar.
    pub register_deploy: bool,
    /// The Rollbar username the deploys are registered as (else only the seat's name, as
    /// `local_username`).
    pub username: Option<String>,
}

impl Default for RollbarConfig {
    fn default() -> Self {
        RollbarConfig {
            base_url: "https://api.rollbar.com".into(),
            environment: "production".into(),
            min_level: RollbarLevel::Error,
            token_env: "ROLLBAR_ACCESS_TOKEN".into(),
            token_command: None,
            poll_interval: Duration::from_secs(30),
            window: Duration::from_secs(2 * 3600),
            baseline: Duration::from_secs(3600),
            verdict_buckets: 5,
            floor: 1.0,
            timeout: Duration::from_secs(10),
            register_deploy: false,
            username: None,
        }
    }
}

impl RollbarConfig {
    pub fn token(&self) -> Option<String> {
        secret::token_from(
            &[&self.token_env],
            self.token_command.as_deref(),
            "[rollbar]",
        )
    }
}
