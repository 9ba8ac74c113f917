//! Datadog through its metrics query API (`GET /api/v1/query`, `MetricsQueryResponse`): the
//! API and application keys in headers, points in milliseconds, a null where nothing was seen.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{Points, QueryError};

#[derive(Clone)]
pub struct Datadog {
    http: reqwest::Client,
    base: String,
    query: String,
    api_key: String,
    app_key: String,
}

#[derive(Debug, Deserialize)]
struct Response {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    series: Vec<Series>,
}

#[derive(Debug, Deserialize)]
struct Series {
    #[serde(default)]
    pointlist: Vec<[Option<f64>; 2]>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    expression: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Errors {
    errors: Vec<String>,
}

impl Datadog {
    pub fn new(
        http: reqwest::Client,
        base: &str,
        query: &str,
        api_key: String,
        app_key: String,
    ) -> Datadog {
        Datadog {
            http,
            base: base.trim_end_matches('/').to_string(),
            query: query.to_string(),
            api_key,
            app_key,
        }
    }

    pub async fn range(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Points, QueryError> {
        let url = format!("{}/api/v1/query", self.base);
        let resp = self
            .http
            .get(&url)
            .query(&[
                ("from", from.timestamp().to_string()),
                ("to", to.timestamp().to_string()),
                ("query", self.query.clone()),
            ])
            .header("DD-API-KEY", &self.api_key)
            .header("DD-APPLICATION-KEY", &self.app_key)
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|e| {
                QueryError::Unavailable(format!(
                    "cannot reach {}: {}",
                    self.base,
                    crate::http::cause(&e)
                ))
            })?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| {
            QueryError::Unavailable(format!(
                "the answer from {} broke off: {}",
                self.base,
                crate::http::cause(&e)
            ))
        })?;
        let errors = || {
            serde_json::from_slice::<Errors>(&body)
                .map(|e| e.errors.join("; "))
                .unwrap_or_else(|_| {
                    String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned()
                })
        };
        match status.as_u16() {
            200..=299 => {}
            401 | 403 => {
                return Err(QueryError::Auth(format!(
                    "Datadog {status}: {}: check the API and application keys (the application key needs timeseries_query) and site",
                    errors()
                )));
            }
            400 | 404 | 422 => {
                return Err(QueryError::Refused(format!(
                    "Datadog refused the query: {}",
                    errors()
                )));
            }
            429 => {
                return Err(QueryError::Unavailable(
                    "Datadog rate-limited the query: asked again at the next poll".into(),
                ));
            }
            _ => {
                return Err(QueryError::Unavailable(format!(
                    "Datadog answered {status}: {}",
                    errors()
                )));
            }
        }
        let r: Response = serde_json::from_slice(&body).map_err(|e| {
            QueryError::Unavailable(format!(
                "Datadog's answer is not a metrics query response: {e}"
            ))
        })?;
        if r.status.as_deref().is_some_and(|s| s != "ok") {
            return Err(QueryError::Refused(format!(
                "Datadog: {}",
                r.error.unwrap_or_else(|| "the query failed".into())
            )));
        }
        one_series(r.series)
    }
}

fn one_series(mut series: Vec<Series>) -> Result<Points, QueryError> {
    match series.len() {
        0 => Err(QueryError::Empty),
        1 => {
            let s = series.remove(0);
            super::non_empty(
                s.pointlist
                    .into_iter()
                    .filter_map(|[t, v]| Some(((t? / 1000.0) as i64, v.filter(|v| v.is_finite())?)))
                    .collect(),
            )
        }
        n => Err(QueryError::Several {
            count: n,
            first: series[0]
                .scope
                .clone()
                .or_else(|| series[0].expression.clone())
                .unwrap_or_default(),
        }),
    }
}
