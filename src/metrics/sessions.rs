//! Sentry release health through the sessions API (`/organizations/{org}/sessions/`):
//! crash-free sessions or users in the configured environment, a minute apart when the
//! organisation has minute resolution, an hour apart when it answers that it has not.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{Points, QueryError};
use crate::sentry::client::{ApiError, Client};
use crate::sentry::poller::naive;
use crate::sentry::project::ProjectRef;

pub const DEFAULT_FIELD: &str = "crash_free_rate(session)";

/// Minute resolution covers at most 6 hours, rounded up to whole hours by Sentry.
const MINUTE_SPAN: i64 = 5 * 3600;

#[derive(Clone)]
pub struct Sessions {
    client: Client,
    project: ProjectRef,
    field: String,
    environment: Option<String>,
    hourly: bool,
}

#[derive(Debug, Deserialize)]
struct Answer {
    intervals: Vec<String>,
    groups: Vec<Group>,
}

#[derive(Debug, Deserialize)]
struct Group {
    series: std::collections::HashMap<String, Vec<Option<f64>>>,
}

impl Sessions {
    pub fn new(
        client: Client,
        project: ProjectRef,
        field: String,
        environment: Option<String>,
        interval: Duration,
    ) -> Sessions {
        Sessions {
            client,
            project,
            field,
            environment,
            hourly: interval >= Duration::from_secs(3600),
        }
    }

    pub async fn range(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        release: Option<&str>,
    ) -> Result<Points, QueryError> {
        match self.ask(from, to, release).await {
            Err(QueryError::Refused(why)) if !self.hourly && why.contains("one hour") => {
                tracing::info!("Sentry sessions: no minute resolution here ({why}); asking hourly");
                self.hourly = true;
                self.ask(from, to, release).await
            }
            r => r,
        }
    }

    async fn ask(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        release: Option<&str>,
    ) -> Result<Points, QueryError> {
        let project = self.project.get(&self.client).await.map_err(fault)?;
        let from = if self.hourly {
            from
        } else {
            from.max(to - chrono::Duration::seconds(MINUTE_SPAN))
        };
        let mut query = vec![
            ("field", self.field.clone()),
            ("project", project.id),
            (
                "interval",
                if self.hourly { "1h" } else { "1m" }.to_string(),
            ),
            ("start", naive(from)),
            ("end", naive(to)),
            ("includeTotals", "0".to_string()),
        ];
        if let Some(env) = &self.environment {
            query.push(("environment", env.clone()));
        }
        if let Some(r) = release {
            query.push(("query", format!("release:{r:?}")));
        }
        let path = format!("organizations/{}/sessions/", self.client.org());
        let resp = self.client.get(&path, &query).await.map_err(fault)?;
        let answer: Answer = serde_json::from_slice(&resp.body).map_err(|e| {
            QueryError::Unavailable(format!("Sentry's sessions answer did not parse: {e}"))
        })?;
        let Some(group) = answer.groups.first() else {
            return Err(QueryError::Empty);
        };
        let values = group.series.get(&self.field).ok_or_else(|| {
            QueryError::Refused(format!(
                "Sentry's sessions answer has no {:?} series",
                self.field
            ))
        })?;
        super::non_empty(
            answer
                .intervals
                .iter()
                .zip(values)
                .filter_map(|(t, v)| {
                    let at = DateTime::parse_from_rfc3339(t).ok()?.timestamp();
                    Some((at, (*v)?))
                })
                .collect(),
        )
    }
}

fn fault(e: ApiError) -> QueryError {
    match e {
        ApiError::Auth(s) => QueryError::Auth(format!("Sentry: {s}")),
        ApiError::NotFound(s) => QueryError::Refused(format!("Sentry: {s}")),
        ApiError::Refused { detail, .. } => QueryError::Refused(format!("Sentry: {detail}")),
        other => QueryError::Unavailable(format!("Sentry: {other}")),
    }
}
