//! Polls Rollbar in the background: the environment's occurrences per minute (the
//! occurrence-count report, Rollbar's finest: minute buckets, the last 240 of them), and after
//! a deploy the active items first seen since it, every page. Reports as Sentry's poller does.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::{mpsc, watch};

use super::client::{Client, RollbarError};
use crate::config::RollbarLevel;
use crate::sentry::SentryMsg;
use crate::sentry::api::Issue;
use crate::sentry::poller::{Source, drive};

/// Rollbar's finest bucket, and the most of them one report returns.
pub const BUCKET: i64 = 60;
pub const MAX_BUCKETS: i64 = 240;
/// Items come 100 to a page; this many pages are read at most.
const PAGE: usize = 100;
const MAX_PAGES: usize = 10;

#[derive(Debug, Clone)]
pub struct PollerConfig {
    pub environment: String,
    pub min_level: RollbarLevel,
    pub interval: Duration,
    pub window: Duration,
    /// The first poll reaches back to here at least (the baseline before detection), as far as
    /// Rollbar's 240 minutes go.
    pub history_from: DateTime<Utc>,
}

struct Poller {
    client: Client,
    cfg: PollerConfig,
    tx: mpsc::Sender<SentryMsg>,
    have_history: bool,
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
    };
    tokio::spawn(drive(poller, interval, tx, deploys))
}

/// `[[timestamp, count], …]`: the report's result, oldest first.
pub fn parse_counts(result: &Value) -> Result<Vec<(i64, f64)>, RollbarError> {
    let bad =
        || RollbarError::BadBody("the occurrence counts are not [timestamp, count] pairs".into());
    result
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|pair| match pair.as_array().map(Vec::as_slice) {
            Some([t, c]) => Ok((t.as_i64().ok_or_else(bad)?, c.as_f64().ok_or_else(bad)?)),
            _ => Err(bad()),
        })
        .collect()
}

/// An item as `/items` lists it: its level may be a name or Rollbar's number (40 = error).
#[derive(Debug, Clone, Deserialize)]
struct Item {
    id: i64,
    counter: i64,
    #[serde(default)]
    title: String,
    #[serde(default)]
    level: Value,
    first_occurrence_timestamp: Option<i64>,
    last_occurrence_timestamp: Option<i64>,
    #[serde(default)]
    total_occurrences: Option<u64>,
}

fn level_name(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(
            match n.as_i64()? {
                10 => "debug",
                20 => "info",
                30 => "warning",
                40 => "error",
                50 => "critical",
                _ => return None,
            }
            .to_string(),
        ),
        _ => None,
    }
}

fn stamp(t: Option<i64>) -> Option<DateTime<Utc>> {
    t.and_then(|t| DateTime::from_timestamp(t, 0))
}

impl Item {
    fn issue(self) -> Issue {
        Issue {
            id: self.id.to_string(),
            short_id: format!("#{}", self.counter),
            title: self.title,
            culprit: None,
            level: level_name(&self.level),
            first_seen: stamp(self.first_occurrence_timestamp),
            last_seen: stamp(self.last_occurrence_timestamp),
            count: self.total_occurrences.unwrap_or(0),
            user_count: None,
            permalink: None,
        }
    }
}

/// The active items of `environment` at `min_level` or above first seen at or after `since`,
/// newest first: every page is read, and a list longer than warroom reads is an error, never
/// taken for all of it.
pub async fn new_items(
    client: &Client,
    environment: &str,
    min_level: RollbarLevel,
    since: DateTime<Utc>,
) -> Result<Vec<Issue>, RollbarError> {
    let mut out = Vec::new();
    for page in 1..=MAX_PAGES {
        let mut query = vec![
            ("status", "active".to_string()),
            ("environment", environment.to_string()),
            ("page", page.to_string()),
        ];
        for level in RollbarLevel::ALL.into_iter().filter(|l| *l >= min_level) {
            query.push(("level", level.name().to_string()));
        }
        let result = client.get("items", &query).await?;
        let items: Vec<Item> = serde_json::from_value(result["items"].clone())
            .map_err(|e| RollbarError::BadBody(format!("Rollbar's item list: {e}")))?;
        let full = items.len() >= PAGE;
        out.extend(
            items
                .into_iter()
                .filter(|i| stamp(i.first_occurrence_timestamp).is_some_and(|f| f >= since))
                .map(Item::issue),
        );
        if !full {
            out.sort_by_key(|i| std::cmp::Reverse(i.first_seen));
            return Ok(out);
        }
    }
    Err(RollbarError::Incomplete(format!(
        "more than {} active items in {environment}: the new ones since the deploy are not all read",
        PAGE * MAX_PAGES
    )))
}

impl Source for Poller {
    type Failure = RollbarError;

    async fn poll(&mut self, deploy: Option<DateTime<Utc>>) -> Result<(), RollbarError> {
        let now = Utc::now();
        let reach = if self.have_history {
            // The trailing minutes, which keep growing as late occurrences arrive.
            (self.cfg.interval.as_secs() as i64 * 3).max(600)
        } else {
            let window_start =
                now - chrono::Duration::from_std(self.cfg.window).unwrap_or_default();
            (now - window_start.min(self.cfg.history_from)).num_seconds()
        };
        let buckets = (reach / BUCKET + 1).clamp(2, MAX_BUCKETS);
        let result = self
            .client
            .get(
                "reports/occurrence_counts",
                &[
                    ("bucket_size", BUCKET.to_string()),
                    ("buckets", buckets.to_string()),
                    ("environments", self.cfg.environment.clone()),
                    ("min_level", self.cfg.min_level.name().to_string()),
                ],
            )
            .await?;
        let counts = parse_counts(&result)?;
        self.have_history = true;
        let start = counts
            .first()
            .map(|(t, _)| *t)
            .unwrap_or(now.timestamp() - now.timestamp().rem_euclid(BUCKET));
        let series = SentryMsg::Series {
            start,
            buckets: counts,
            width: BUCKET,
            at: now,
        };
        if self.tx.send(series).await.is_err() {
            return Ok(());
        }
        if let Some(since) = deploy {
            let issues = new_items(
                &self.client,
                &self.cfg.environment,
                self.cfg.min_level,
                since,
            )
            .await?;
            let _ = self.tx.send(SentryMsg::Issues { since, issues }).await;
        }
        Ok(())
    }
}

/// Records a deploy of `revision` in `environment` as succeeded, by `local_username` (and the
/// Rollbar user, when configured): Rollbar's deploy id, or why not.
pub async fn register_deploy(
    client: &Client,
    environment: &str,
    revision: &str,
    local_username: &str,
    rollbar_username: Option<&str>,
    comment: &str,
) -> Result<String, String> {
    let mut form = vec![
        ("environment", environment.to_string()),
        ("revision", revision.to_string()),
        ("local_username", local_username.to_string()),
        ("comment", comment.to_string()),
        ("status", "succeeded".to_string()),
    ];
    if let Some(u) = rollbar_username {
        form.push(("rollbar_username", u.to_string()));
    }
    let answer = client
        .post_form("deploy", &form)
        .await
        .map_err(|e| format!("registering the deploy of {revision}: {e}"))?;
    match answer["data"]["deploy_id"].as_i64() {
        Some(id) => Ok(id.to_string()),
        None => Err(format!(
            "registering the deploy of {revision}: Rollbar's answer has no deploy id"
        )),
    }
}
