//! Prometheus through its HTTP API (`/api/v1/query_range`, `/api/v1/query`), by
//! `prometheus-http-query` on warroom's own HTTP client.

use std::time::Duration;

use chrono::{DateTime, Utc};
use prometheus_http_query::response::Data;
use prometheus_http_query::{Client, Error as PromError};
use reqwest::header::{AUTHORIZATION, HeaderValue};

use super::{Points, QueryError, labels};

#[derive(Clone)]
pub struct Prometheus {
    client: Client,
    url: String,
    query: String,
    bearer: Option<HeaderValue>,
}

impl Prometheus {
    pub fn new(
        http: reqwest::Client,
        url: &str,
        query: &str,
        bearer: Option<String>,
    ) -> Result<Prometheus, String> {
        let client = Client::from(http, url).map_err(|e| format!("Prometheus url {url:?}: {e}"))?;
        let bearer = match bearer {
            Some(t) => Some(
                HeaderValue::from_str(&format!("Bearer {t}"))
                    .map_err(|_| "the Prometheus token is not a valid header value".to_string())?,
            ),
            None => None,
        };
        Ok(Prometheus {
            client,
            url: url.trim_end_matches('/').to_string(),
            query: query.to_string(),
            bearer,
        })
    }

    pub async fn range(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        step: Duration,
    ) -> Result<Points, QueryError> {
        let step = step.as_secs_f64().max(1.0);
        let mut q = self
            .client
            .query_range(&self.query, from.timestamp(), to.timestamp(), step);
        if let Some(b) = &self.bearer {
            q = q.header(AUTHORIZATION, b.clone());
        }
        let data = q.get().await.map_err(|e| self.fault(e))?.into_inner().0;
        one_series(data)
    }

    pub async fn instant(&self) -> Result<(i64, f64), QueryError> {
        let mut q = self.client.query(&self.query);
        if let Some(b) = &self.bearer {
            q = q.header(AUTHORIZATION, b.clone());
        }
        let data = q.get().await.map_err(|e| self.fault(e))?.into_inner().0;
        one_series(data)?.last().copied().ok_or(QueryError::Empty)
    }

    fn fault(&self, e: PromError) -> QueryError {
        match e {
            // `bad_data: 1:14: parse error: unexpected <by>`: the position is Prometheus's own.
            PromError::Prometheus(p) => QueryError::Refused(format!("Prometheus: {p}")),
            PromError::Client(c) => match c.inner() {
                Some(r)
                    if r.status()
                        .is_some_and(|s| s.as_u16() == 401 || s.as_u16() == 403) =>
                {
                    QueryError::Auth(format!(
                        "{} from {}: check token_env",
                        r.status().map(|s| s.to_string()).unwrap_or_default(),
                        self.url
                    ))
                }
                Some(r) if r.status().is_some() => QueryError::Unavailable(format!(
                    "{} answered {} without a Prometheus API answer",
                    self.url,
                    r.status().map(|s| s.to_string()).unwrap_or_default()
                )),
                Some(r) => QueryError::Unavailable(format!(
                    "cannot reach {}: {}",
                    self.url,
                    crate::http::cause(r)
                )),
                None => QueryError::Unavailable(format!("{}: {c}", self.url)),
            },
            other => QueryError::Unavailable(format!("{}: {other}", self.url)),
        }
    }
}

/// The one series a gate needs, whatever shape Prometheus answered in. `NaN` (a rate over no
/// requests) is not a value.
fn one_series(data: Data) -> Result<Points, QueryError> {
    let point = |t: f64, v: f64| v.is_finite().then_some((t as i64, v));
    match data {
        Data::Scalar(s) => point(s.timestamp(), s.value())
            .map(|p| vec![p])
            .ok_or(QueryError::Empty),
        Data::Vector(v) => match v.len() {
            0 => Err(QueryError::Empty),
            1 => {
                let s = v[0].sample();
                point(s.timestamp(), s.value())
                    .map(|p| vec![p])
                    .ok_or(QueryError::Empty)
            }
            n => Err(QueryError::Several {
                count: n,
                first: labels(v[0].metric().iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            }),
        },
        Data::Matrix(m) => match m.len() {
            0 => Err(QueryError::Empty),
            1 => super::non_empty(
                m[0].samples()
                    .iter()
                    .filter_map(|s| point(s.timestamp(), s.value()))
                    .collect(),
            ),
            n => Err(QueryError::Several {
                count: n,
                first: labels(m[0].metric().iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            }),
        },
    }
}
