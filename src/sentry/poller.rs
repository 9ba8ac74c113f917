//! Polls the error rate and the new issues in the background and reports through messages.
//! In steady state: one request per endpoint per poll interval. Faults never stop it: 5xx and
//! network errors are retried with capped exponential backoff and jitter, a 429 waits until
//! the reset, anything else is reported and tried again at the next poll.

use std::time::Duration;

use backon::BackoffBuilder;
use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch};

use super::api::{Issue, parse_events_stats, parse_issues};
use super::client::{ApiError, Client};
use super::project::{Project, ProjectRef, environments};

#[derive(Debug, Clone, PartialEq)]
pub enum PollState {
    /// Started, nothing heard yet.
    Waiting,
    Ok,
    RateLimited {
        until: DateTime<Utc>,
        detail: String,
    },
    Retrying {
        reason: String,
        attempt: usize,
        next: DateTime<Utc>,
    },
    Error {
        reason: String,
        next: DateTime<Utc>,
    },
}

#[derive(Debug, Clone)]
pub enum SentryMsg {
    /// Buckets from `start` on (older buckets the model holds are kept).
    Series {
        start: i64,
        buckets: Vec<(i64, f64)>,
        width: i64,
        at: DateTime<Utc>,
    },
    /// Unresolved issues first seen at or after the deploy, newest first.
    Issues {
        since: DateTime<Utc>,
        issues: Vec<Issue>,
    },
    State(PollState),
    /// The deploy registration's result (the release name, or why it failed).
    DeployRegistered(Result<String, String>),
    /// How the poller adapted to this server (an older Sentry's parameters).
    Notice(String),
}

#[derive(Debug, Clone)]
pub struct PollerConfig {
    pub project: ProjectRef,
    pub environment: Option<String>,
    pub query: String,
    pub interval: Duration,
    pub window: Duration,
    /// The first poll reaches back to here at least (the baseline before detection).
    pub history_from: DateTime<Utc>,
}

/// Sentry's naive UTC times (an offset would be rejected or ignored).
pub fn naive(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

fn backoff() -> impl Iterator<Item = Duration> {
    backon::ExponentialBuilder::default()
        .with_min_delay(Duration::from_secs(1))
        .with_factor(1.5)
        .with_max_delay(Duration::from_secs(5))
        .with_max_times(5)
        .with_jitter()
        .build()
}

struct Poller {
    client: Client,
    cfg: PollerConfig,
    tx: mpsc::Sender<SentryMsg>,
    have_history: bool,
    /// The bucket width Sentry answered with (it widens the interval for long ranges).
    width: Option<i64>,
    /// Older self-hosted Sentry (9.x) does not know `yAxis=count()`; its default is the count.
    y_axis: bool,
}

pub fn spawn(
    client: Client,
    cfg: PollerConfig,
    tx: mpsc::Sender<SentryMsg>,
    deploys: watch::Receiver<Option<DateTime<Utc>>>,
) -> tokio::task::JoinHandle<()> {
    let interval = cfg.interval;
    let poller = Poller {
        client,
        cfg,
        tx: tx.clone(),
        have_history: false,
        width: None,
        y_axis: true,
    };
    tokio::spawn(drive(poller, interval, tx, deploys))
}

/// A failure of one poll, as the loop needs to know it.
pub trait PollFailure: std::fmt::Display {
    /// Worth retrying soon with backoff (a proxy's 5xx, a network blip); the others wait for
    /// the next poll.
    fn transient(&self) -> bool;
    /// The wait the server asked for, and its words, when it limited the rate.
    fn rate_limited(&self) -> Option<(Duration, String)>;
}

impl PollFailure for ApiError {
    fn transient(&self) -> bool {
        ApiError::transient(self)
    }
    fn rate_limited(&self) -> Option<(Duration, String)> {
        match self {
            ApiError::RateLimited { wait, detail } => Some((*wait, detail.clone())),
            _ => None,
        }
    }
}

/// An error-rate source (Sentry, Rollbar): one poll reports the series and the new issues
/// itself; the loop reports the state.
pub trait Source: Send + 'static {
    type Failure: PollFailure + Send;
    fn poll(
        &mut self,
        deploy: Option<DateTime<Utc>>,
    ) -> impl Future<Output = Result<(), Self::Failure>> + Send;
}

/// Polls `source` every `interval` until the receiver is gone: transient failures retried with
/// backoff, a rate limit waited out (with jitter), anything else said and tried at the next poll.
pub async fn drive<S: Source>(
    mut source: S,
    interval: Duration,
    tx: mpsc::Sender<SentryMsg>,
    deploys: watch::Receiver<Option<DateTime<Utc>>>,
) {
    let report = |m: SentryMsg| {
        let tx = tx.clone();
        async move { tx.send(m).await.is_ok() }
    };
    loop {
        let deploy = *deploys.borrow();
        let outcome = with_retries(&mut source, deploy, &tx).await;
        let (state, wait) = match outcome {
            Ok(()) => (PollState::Ok, interval),
            Err(e) => match e.rate_limited() {
                Some((wait, detail)) => {
                    let wait = wait + Duration::from_millis(fastrand::u64(0..1000));
                    let until = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
                    (
                        PollState::RateLimited { until, detail },
                        wait.max(Duration::from_secs(1)),
                    )
                }
                None => {
                    let next =
                        Utc::now() + chrono::Duration::from_std(interval).unwrap_or_default();
                    let reason = e.to_string();
                    (PollState::Error { reason, next }, interval)
                }
            },
        };
        if !report(SentryMsg::State(state)).await {
            return;
        }
        tokio::time::sleep(wait).await;
    }
}

/// One poll; transient failures are retried with backoff before giving up until the next.
async fn with_retries<S: Source>(
    source: &mut S,
    deploy: Option<DateTime<Utc>>,
    tx: &mpsc::Sender<SentryMsg>,
) -> Result<(), S::Failure> {
    let mut delays = backoff();
    let mut attempt = 0;
    loop {
        match source.poll(deploy).await {
            Err(e) if e.transient() => {
                attempt += 1;
                let Some(delay) = delays.next() else {
                    return Err(e);
                };
                let next = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
                let state = PollState::Retrying {
                    reason: e.to_string(),
                    attempt,
                    next,
                };
                if tx.send(SentryMsg::State(state)).await.is_err() {
                    return Err(e);
                }
                tokio::time::sleep(delay).await;
            }
            other => return other,
        }
    }
}

impl Source for Poller {
    type Failure = ApiError;
    async fn poll(&mut self, deploy: Option<DateTime<Utc>>) -> Result<(), ApiError> {
        self.poll_once(deploy).await
    }
}

impl Poller {
    async fn report(&self, m: SentryMsg) -> bool {
        self.tx.send(m).await.is_ok()
    }

    async fn poll_once(&mut self, deploy: Option<DateTime<Utc>>) -> Result<(), ApiError> {
        let project = self.cfg.project.get(&self.client).await?;
        let now = Utc::now();
        let window_start = now - chrono::Duration::from_std(self.cfg.window).unwrap_or_default();
        // The whole window (and the baseline) once; then the trailing buckets, which keep
        // growing as late events arrive.
        let start = if self.have_history {
            let trailing = (self.cfg.interval * 3).max(Duration::from_secs(600));
            now - chrono::Duration::from_std(trailing).unwrap_or_default()
        } else {
            window_start
                .min(self.cfg.history_from)
                .max(now - chrono::Duration::hours(48))
        };
        // On a bucket boundary, so that no bucket is fetched in part and drawn as a dip.
        let mut width = self.width.unwrap_or(60).max(60);
        let start = start - chrono::Duration::seconds(start.timestamp().rem_euclid(width));
        let resp = match self.events_stats(&project, start, now, width).await {
            Err(ApiError::Refused {
                status: 400,
                detail,
            }) if self.y_axis && detail.contains("yAxis") => {
                self.y_axis = false;
                self.report(SentryMsg::Notice(format!(
                    "this Sentry does not know yAxis=count() (\"{detail}\"): asking for its default, the event count"
                )))
                .await;
                self.events_stats(&project, start, now, width).await?
            }
            other => other?,
        };
        let mut series =
            parse_events_stats(&resp.body).map_err(|e| ApiError::BadBody(e.to_string()))?;
        let mut start = start;
        if series.buckets.len() > 1 && series.width > width && start.timestamp() % series.width != 0
        {
            // Sentry widened the buckets: the first one was counted from `start` only. Ask
            // again from its boundary, with the width it uses.
            width = series.width;
            start -= chrono::Duration::seconds(start.timestamp().rem_euclid(width));
            let again = self.events_stats(&project, start, now, width).await?;
            series =
                parse_events_stats(&again.body).map_err(|e| ApiError::BadBody(e.to_string()))?;
        }
        self.have_history = true;
        // One bucket tells no width: it is the one asked for.
        let width = if series.buckets.len() > 1 {
            series.width
        } else {
            width
        };
        self.width = Some(width);
        let msg = SentryMsg::Series {
            start: start.timestamp(),
            buckets: series.buckets,
            width,
            at: now,
        };
        if !self.report(msg).await {
            return Ok(());
        }
        if let Some(since) = deploy {
            let issues = new_issues(
                &self.client,
                &project.id,
                self.cfg.environment.as_deref(),
                since,
            )
            .await?;
            self.report(SentryMsg::Issues { since, issues }).await;
        }
        Ok(())
    }

    async fn events_stats(
        &self,
        project: &Project,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        width: i64,
    ) -> Result<super::client::Response, ApiError> {
        let mut query = vec![
            ("project", project.id.clone()),
            ("dataset", "errors".to_string()),
            ("query", self.cfg.query.clone()),
            ("start", naive(start)),
            ("end", naive(end)),
            ("interval", interval(width)),
            ("partial", "1".to_string()),
        ];
        if self.y_axis {
            query.push(("yAxis", "count()".to_string()));
        }
        if let Some(env) = &self.cfg.environment {
            query.push(("environment", env.clone()));
        }
        let org = self.client.org().to_string();
        match self
            .client
            .get(&format!("organizations/{org}/events-stats/"), &query)
            .await
        {
            Err(ApiError::NotFound(reason)) => Err(self.not_found(project, reason).await),
            other => other,
        }
    }

    /// A 404 for the series: when an environment is set and Sentry lists the project's
    /// environments without it, that is the cause.
    async fn not_found(&self, project: &Project, reason: String) -> ApiError {
        let Some(env) = &self.cfg.environment else {
            return ApiError::NotFound(reason);
        };
        let org = self.client.org();
        match environments(&self.client, project).await {
            Ok(known) if !known.iter().any(|k| k == env) => {
                let known = if known.is_empty() {
                    "none yet".to_string()
                } else {
                    known.join(", ")
                };
                ApiError::NotFound(format!(
                    "Sentry has no environment {env:?} in project {:?} (it knows: {known}): set [sentry] environment",
                    project.slug
                ))
            }
            _ => ApiError::NotFound(format!(
                "404 for the error rate: check [sentry] org ({org:?}), project ({:?}) and environment ({env:?})",
                project.slug
            )),
        }
    }
}

/// Unresolved issues of `project` first seen at or after `since` (every page, up to 500), in
/// `environment` when one is named.
pub async fn new_issues(
    client: &Client,
    project: &str,
    environment: Option<&str>,
    since: DateTime<Utc>,
) -> Result<Vec<Issue>, ApiError> {
    let org = client.org().to_string();
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..5 {
        let mut query = vec![
            ("project", project.to_string()),
            (
                "query",
                format!("is:unresolved firstSeen:>={}", naive(since)),
            ),
            ("sort", "new".to_string()),
            ("limit", "100".to_string()),
        ];
        if let Some(env) = environment {
            query.push(("environment", env.to_string()));
        }
        if let Some(c) = &cursor {
            query.push(("cursor", c.clone()));
        }
        let resp = client
            .get(&format!("organizations/{org}/issues/"), &query)
            .await?;
        out.extend(parse_issues(&resp.body).map_err(|e| ApiError::BadBody(e.to_string()))?);
        cursor = resp.next_page();
        if cursor.is_none() {
            break;
        }
    }
    Ok(out)
}

/// The new issues of an environment before production since its deploy: asked once, after its
/// smoke tests passed.
pub async fn environment_issues(
    client: &Client,
    project: &ProjectRef,
    environment: &str,
    since: DateTime<Utc>,
) -> Result<Vec<Issue>, ApiError> {
    let project = project.get(client).await?;
    new_issues(client, &project.id, Some(environment), since).await
}

/// Sentry's interval for a bucket width: `1m`, `5m`, `1h`, or seconds.
fn interval(width: i64) -> String {
    match width {
        w if w % 3600 == 0 => format!("{}h", w / 3600),
        w if w % 60 == 0 => format!("{}m", w / 60),
        w => format!("{w}s"),
    }
}

/// Registers a deploy of `release`: creates the release first when Sentry does not know it.
pub async fn register_deploy(
    client: &Client,
    release: &str,
    environment: &str,
    project: &ProjectRef,
    started: DateTime<Utc>,
    finished: DateTime<Utc>,
) -> Result<String, String> {
    let org = client.org().to_string();
    let slug = project
        .get(client)
        .await
        .map_err(|e| format!("registering the deploy of {release}: {e}"))?
        .slug;
    let encoded = crate::format::url_component(release);
    let path = format!("organizations/{org}/releases/{encoded}/deploys/");
    let body = serde_json::json!({
        "environment": environment,
        "name": format!("warroom hotfix {release}"),
        "dateStarted": started.to_rfc3339(),
        "dateFinished": finished.to_rfc3339(),
        "projects": [&slug],
    });
    match client.post(&path, &body).await {
        Ok(_) => Ok(release.to_string()),
        Err(ApiError::NotFound(_)) => {
            let create = serde_json::json!({ "version": release, "projects": [&slug] });
            client
                .post(&format!("organizations/{org}/releases/"), &create)
                .await
                .map_err(|e| format!("creating release {release}: {e}"))?;
            client
                .post(&path, &body)
                .await
                .map(|_| release.to_string())
                .map_err(|e| format!("registering the deploy of {release}: {e}"))
        }
        Err(e) => Err(format!("registering the deploy of {release}: {e}")),
    }
}
