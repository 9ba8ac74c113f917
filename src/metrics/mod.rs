//! Metric gates: each `[[metrics]]` query polled in the background (Prometheus, Datadog,
//! Sentry release health), its points reported through [`MetricMsg`].

pub mod datadog;
pub mod poller;
pub mod prometheus;
pub mod sessions;

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::{MetricConfig, MetricSource};

pub use poller::MetricMsg;

/// (Unix seconds, value), oldest first.
pub type Points = Vec<(i64, f64)>;

/// Why a query gave no usable answer, in words a person can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    #[error("no data: the query returned an empty result")]
    Empty,
    #[error(
        "{count} series where the gate needs one ({first}, …): aggregate them, e.g. sum(…) or max(…)"
    )]
    Several { count: usize, first: String },
    /// The query itself was refused (a PromQL error with its position, a bad Datadog query).
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Auth(String),
    /// Worth trying again at the next poll (a network fault, a 5xx, a rate limit).
    #[error("{0}")]
    Unavailable(String),
}

/// One gate's source, ready to query.
#[derive(Clone)]
pub enum Source {
    Prometheus(prometheus::Prometheus),
    Datadog(datadog::Datadog),
    Sessions(sessions::Sessions),
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Source::Prometheus(_) => "Prometheus",
            Source::Datadog(_) => "Datadog",
            Source::Sessions(_) => "Sentry sessions",
        })
    }
}

impl Source {
    /// The metric's points from `from` to `to`, `step` apart where the source lets us choose;
    /// release health counts the sessions of `release` when the deploy was registered under one.
    pub async fn range(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        step: Duration,
        release: Option<&str>,
    ) -> Result<Points, QueryError> {
        match self {
            Source::Prometheus(p) => p.range(from, to, step).await,
            Source::Datadog(d) => d.range(from, to).await,
            Source::Sessions(s) => s.range(from, to, release).await,
        }
    }

    /// The value now (for `warroom config check`).
    pub async fn latest(&mut self, span: Duration) -> Result<(i64, f64), QueryError> {
        if let Source::Prometheus(p) = self {
            return p.instant().await;
        }
        let now = Utc::now();
        let from = now - chrono::Duration::from_std(span).unwrap_or_default();
        let points = self.range(from, now, Duration::from_secs(60), None).await?;
        points.last().copied().ok_or(QueryError::Empty)
    }
}

/// A gate's poller, prepared before the console starts; or what to set for it.
#[derive(Debug, Clone)]
pub struct Gate {
    pub index: usize,
    pub source: Source,
    pub interval: Duration,
    /// How far back the first poll reaches (and the chart shows).
    pub lookback: Duration,
    /// How long before a deploy sets its level.
    pub before: Duration,
}

/// The span the chart shows, unless a gate's own spans need more.
pub const LOOKBACK: Duration = Duration::from_secs(30 * 60);

impl Gate {
    /// The gate's source and its secrets (to redact everywhere), or why it cannot poll.
    pub fn new(
        index: usize,
        cfg: &MetricConfig,
        sentry: &crate::config::SentryConfig,
    ) -> Result<(Gate, Vec<String>), String> {
        let name = cfg.name.get_ref();
        let token = |vars: &[&str], command: Option<&str>| {
            crate::config::secret::token_from(vars, command, &format!("[[metrics]] {name}"))
        };
        let token_vars: Vec<&str> = cfg.token_var().into_iter().collect();
        let http = crate::http::api_client(cfg.timeout)?;
        let (source, secrets) = match cfg.source {
            MetricSource::Prometheus => {
                let bearer = token(&token_vars, cfg.token_command.as_deref());
                let url = cfg.url.clone().unwrap_or_default();
                let p = prometheus::Prometheus::new(http, &url, &cfg.query, bearer.clone())?;
                (Source::Prometheus(p), bearer.into_iter().collect())
            }
            MetricSource::Datadog => {
                let api = token(&token_vars, cfg.token_command.as_deref()).ok_or_else(|| {
                    format!(
                        "{name}: no Datadog API key: export {} (or set token_command)",
                        cfg.token_var().unwrap_or("DD_API_KEY")
                    )
                })?;
                let app = token(&cfg.app_key_vars(), cfg.app_key_command.as_deref())
                    .ok_or_else(|| {
                        format!(
                            "{name}: no Datadog application key: export {} (or set app_key_command)",
                            cfg.app_key_vars().join(" or ")
                        )
                    })?;
                let base = cfg
                    .url
                    .clone()
                    .unwrap_or_else(|| format!("https://api.{}", cfg.site));
                let d = datadog::Datadog::new(http, &base, &cfg.query, api.clone(), app.clone());
                (Source::Datadog(d), vec![api, app])
            }
            MetricSource::SentrySessions => {
                let (Some(org), Some(project)) = (&sentry.org, &sentry.project) else {
                    return Err(format!(
                        "{name}: Sentry sessions need [sentry] org and project"
                    ));
                };
                let token = crate::sentry::setup::token(sentry).ok_or_else(|| {
                    format!("{name}: no Sentry token: export {}", sentry.token_env)
                })?;
                let base = cfg.url.clone().unwrap_or_else(|| sentry.base_url.clone());
                let client =
                    crate::sentry::client::Client::new(&base, org, token.clone(), cfg.timeout)?;
                let field = if cfg.query.trim().is_empty() {
                    sessions::DEFAULT_FIELD.to_string()
                } else {
                    cfg.query.trim().to_string()
                };
                let s = sessions::Sessions::new(
                    client,
                    crate::sentry::project::ProjectRef::new(project),
                    field,
                    sentry.environment.clone(),
                    cfg.interval,
                );
                (Source::Sessions(s), vec![token])
            }
        };
        Ok((
            Gate {
                index,
                source,
                interval: cfg.interval,
                lookback: LOOKBACK.max(cfg.before + cfg.judge),
                before: cfg.before,
            },
            secrets,
        ))
    }
}

/// The points of the one series a gate reads; none is an empty result.
pub fn non_empty(points: Points) -> Result<Points, QueryError> {
    if points.is_empty() {
        Err(QueryError::Empty)
    } else {
        Ok(points)
    }
}

/// `{le="0.5", job="api"}`: a series' labels as PromQL writes them.
pub fn labels<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut inner: Vec<String> = pairs
        .into_iter()
        .map(|(k, v)| format!("{k}={v:?}"))
        .collect();
    inner.sort();
    format!("{{{}}}", inner.join(", "))
}
