//! Polls the error rate and the new issues in the background and reports through messages.
//! In steady state: one request per endpoint per poll interval. Faults never stop it: 5xx and
//! network errors are retried with capped exponential backoff and jitter, a 429 waits until
//! the reset, anything else is reported and tried again at the next poll.

use std::time::Duration;

use backon::BackoffBuilder;
use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch};

use super::api::{Issue, next_cursor, parse_events_stats, parse_issues};
use super::client::{ApiError, Client};
use crate::app::Msg;

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
}

#[derive(Debug, Clone)]
pub struct PollerConfig {
    pub project: String,
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
    tx: mpsc::Sender<Msg>,
    project_id: Option<String>,
    have_history: bool,
}

pub fn spawn(
    client: Client,
    cfg: PollerConfig,
    tx: mpsc::Sender<Msg>,
    deploys: watch::Receiver<Option<DateTime<Utc>>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut p = Poller {
            client,
            cfg,
            tx,
            project_id: None,
            have_history: false,
        };
        p.run(deploys).await;
    })
}

impl Poller {
    async fn report(&self, m: SentryMsg) -> bool {
        self.tx.send(Msg::Sentry(m)).await.is_ok()
    }

    async fn run(&mut self, deploys: watch::Receiver<Option<DateTime<Utc>>>) {
        loop {
            let deploy = *deploys.borrow();
            let wait = match self.poll_with_retries(deploy).await {
                Ok(()) => {
                    if !self.report(SentryMsg::State(PollState::Ok)).await {
                        return;
                    }
                    self.cfg.interval
                }
                Err(ApiError::RateLimited { wait, detail }) => {
                    let wait = wait + Duration::from_millis(fastrand::u64(0..1000));
                    let until = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
                    if !self
                        .report(SentryMsg::State(PollState::RateLimited { until, detail }))
                        .await
                    {
                        return;
                    }
                    wait.max(Duration::from_secs(1))
                }
                Err(e) => {
                    let next = Utc::now()
                        + chrono::Duration::from_std(self.cfg.interval).unwrap_or_default();
                    if !self
                        .report(SentryMsg::State(PollState::Error {
                            reason: e.to_string(),
                            next,
                        }))
                        .await
                    {
                        return;
                    }
                    self.cfg.interval
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// One poll; transient failures are retried with backoff before giving up until the next.
    async fn poll_with_retries(&mut self, deploy: Option<DateTime<Utc>>) -> Result<(), ApiError> {
        let mut delays = backoff();
        let mut attempt = 0;
        loop {
            match self.poll(deploy).await {
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
                    if !self.report(SentryMsg::State(state)).await {
                        return Err(e);
                    }
                    tokio::time::sleep(delay).await;
                }
                other => return other,
            }
        }
    }

    async fn poll(&mut self, deploy: Option<DateTime<Utc>>) -> Result<(), ApiError> {
        let project = self.project_id().await?;
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
        let start = start - chrono::Duration::seconds(start.timestamp() % 60);
        let mut query = vec![
            ("project", project.clone()),
            ("dataset", "errors".to_string()),
            ("yAxis", "count()".to_string()),
            ("query", self.cfg.query.clone()),
            ("start", naive(start)),
            ("end", naive(now)),
            ("interval", "1m".to_string()),
            ("partial", "1".to_string()),
        ];
        if let Some(env) = &self.cfg.environment {
            query.push(("environment", env.clone()));
        }
        let org = self.client.org().to_string();
        let resp = self
            .client
            .get(&format!("organizations/{org}/events-stats/"), &query)
            .await?;
        let series =
            parse_events_stats(&resp.body).map_err(|e| ApiError::BadBody(e.to_string()))?;
        self.have_history = true;
        let msg = SentryMsg::Series {
            start: start.timestamp(),
            buckets: series.buckets,
            width: series.width,
            at: now,
        };
        if !self.report(msg).await {
            return Ok(());
        }
        if let Some(since) = deploy {
            let issues = self.new_issues(&project, since).await?;
            self.report(SentryMsg::Issues { since, issues }).await;
        }
        Ok(())
    }

    async fn new_issues(
        &self,
        project: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<Issue>, ApiError> {
        let org = self.client.org().to_string();
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
            if let Some(env) = &self.cfg.environment {
                query.push(("environment", env.clone()));
            }
            if let Some(c) = &cursor {
                query.push(("cursor", c.clone()));
            }
            let resp = self
                .client
                .get(&format!("organizations/{org}/issues/"), &query)
                .await?;
            out.extend(parse_issues(&resp.body).map_err(|e| ApiError::BadBody(e.to_string()))?);
            cursor = resp
                .headers
                .get("link")
                .and_then(|l| l.to_str().ok())
                .and_then(next_cursor);
            if cursor.is_none() {
                break;
            }
        }
        Ok(out)
    }

    /// The numeric project id; a slug is looked up once.
    async fn project_id(&mut self) -> Result<String, ApiError> {
        if let Some(id) = &self.project_id {
            return Ok(id.clone());
        }
        let p = self.cfg.project.clone();
        let id = if p.chars().all(|c| c.is_ascii_digit()) {
            p
        } else {
            let org = self.client.org().to_string();
            let resp = self.client.get(&format!("projects/{org}/{p}/"), &[]).await.map_err(|e| match e {
                ApiError::NotFound(_) => ApiError::NotFound(format!("404: no project {p:?} in organization {org:?}: check [sentry] org and project")),
                other => other,
            })?;
            let v: serde_json::Value =
                serde_json::from_slice(&resp.body).map_err(|e| ApiError::BadBody(e.to_string()))?;
            v.get("id")
                .and_then(|i| {
                    i.as_str()
                        .map(String::from)
                        .or_else(|| i.as_u64().map(|n| n.to_string()))
                })
                .ok_or_else(|| ApiError::BadBody(format!("project {p:?} has no id")))?
        };
        self.project_id = Some(id.clone());
        Ok(id)
    }
}

/// Registers a deploy of `release`: creates the release first when Sentry does not know it.
pub async fn register_deploy(
    client: &Client,
    release: &str,
    environment: &str,
    project_slug: Option<&str>,
    started: DateTime<Utc>,
    finished: DateTime<Utc>,
) -> Result<String, String> {
    let org = client.org().to_string();
    let encoded: String = url_escape(release);
    let path = format!("organizations/{org}/releases/{encoded}/deploys/");
    let body = serde_json::json!({
        "environment": environment,
        "name": format!("warroom hotfix {release}"),
        "dateStarted": started.to_rfc3339(),
        "dateFinished": finished.to_rfc3339(),
        "projects": project_slug.map(|p| vec![p]).unwrap_or_default(),
    });
    match client.post(&path, &body).await {
        Ok(_) => Ok(release.to_string()),
        Err(ApiError::NotFound(_)) => {
            let create = serde_json::json!({ "version": release, "projects": project_slug.map(|p| vec![p]).unwrap_or_default() });
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

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}
