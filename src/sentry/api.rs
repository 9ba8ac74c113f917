//! Sentry's response shapes, parsed leniently: every bucket form of `events-stats`, issues
//! whose `count` is a string or a number, and error bodies whose `detail` is text or an object.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

/// An error-count series: bucket starts (Unix seconds) and counts, oldest first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    pub buckets: Vec<(i64, f64)>,
    /// Seconds per bucket, derived from the timestamps (Sentry may change the interval).
    pub width: i64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseError {
    #[error("the answer is not JSON ({0})")]
    NotJson(String),
    #[error("the answer is not an events-stats series ({0})")]
    Shape(String),
}

fn count_of(v: &Value) -> f64 {
    // `[{"count": n}]`, `[]`, `[{"count": null}]`, or a bare number from older servers.
    match v {
        Value::Array(items) => items
            .iter()
            .filter_map(|i| i.get("count").and_then(Value::as_f64))
            .sum(),
        Value::Number(n) => n.as_f64().unwrap_or(0.0),
        _ => 0.0,
    }
}

fn parse_data(data: &Value) -> Result<Vec<(i64, f64)>, ParseError> {
    let rows = data
        .as_array()
        .ok_or_else(|| ParseError::Shape("`data` is not a list".into()))?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let pair = row.as_array().filter(|p| p.len() == 2);
        let (Some(ts), Some(val)) = (pair.and_then(|p| p[0].as_f64()), pair.map(|p| &p[1])) else {
            return Err(ParseError::Shape(format!(
                "bucket {row} is not [timestamp, [{{\"count\": n}}]]"
            )));
        };
        out.push((ts as i64, count_of(val)));
    }
    Ok(out)
}

/// A bucket's value: `[{"count": n}, …]` (summed), `[]`, `null` counts, or a bare number.
struct BucketValue(f64);

impl<'de> Deserialize<'de> for BucketValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        #[derive(Deserialize)]
        struct Count {
            count: Option<f64>,
        }
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = BucketValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("[{\"count\": n}]")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<BucketValue, A::Error> {
                let mut sum = 0.0;
                while let Some(c) = seq.next_element::<Option<Count>>()? {
                    sum += c.and_then(|c| c.count).unwrap_or(0.0);
                }
                Ok(BucketValue(sum))
            }
            fn visit_f64<E>(self, v: f64) -> Result<BucketValue, E> {
                Ok(BucketValue(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<BucketValue, E> {
                Ok(BucketValue(v as f64))
            }
            fn visit_i64<E>(self, v: i64) -> Result<BucketValue, E> {
                Ok(BucketValue(v as f64))
            }
            fn visit_unit<E>(self) -> Result<BucketValue, E> {
                Ok(BucketValue(0.0))
            }
        }
        d.deserialize_any(V)
    }
}

/// The usual single-series body, read straight into buckets (the rest is skipped unparsed).
#[derive(Deserialize)]
struct SingleSeries {
    data: Vec<(f64, BucketValue)>,
}

/// Parses an `events-stats` body. With several series (`yAxis` list or `topEvents`) the top
/// level is keyed by series name: their counts are added bucket by bucket.
pub fn parse_events_stats(body: &[u8]) -> Result<Series, ParseError> {
    if let Ok(single) = serde_json::from_slice::<SingleSeries>(body) {
        let buckets = single
            .data
            .into_iter()
            .map(|(t, v)| (t as i64, v.0))
            .collect();
        return Ok(finish(buckets));
    }
    let v: Value = serde_json::from_slice(body).map_err(|e| ParseError::NotJson(e.to_string()))?;
    let buckets: Vec<(i64, f64)> = match v.get("data") {
        Some(d) => parse_data(d)?,
        None => {
            let obj = v
                .as_object()
                .ok_or_else(|| ParseError::Shape("neither `data` nor named series".into()))?;
            let mut merged = std::collections::BTreeMap::<i64, f64>::new();
            for series in obj.values() {
                if let Some(d) = series.get("data") {
                    for (ts, c) in parse_data(d)? {
                        *merged.entry(ts).or_default() += c;
                    }
                }
            }
            merged.into_iter().collect()
        }
    };
    Ok(finish(buckets))
}

fn finish(mut buckets: Vec<(i64, f64)>) -> Series {
    buckets.sort_by_key(|b| b.0);
    buckets.dedup_by_key(|b| b.0);
    let width = buckets
        .windows(2)
        .map(|w| w[1].0 - w[0].0)
        .filter(|d| *d > 0)
        .min()
        .unwrap_or(60);
    Series { buckets, width }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Issue {
    pub id: String,
    #[serde(default)]
    pub short_id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub culprit: Option<String>,
    #[serde(default)]
    pub level: Option<String>,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub count: u64,
    #[serde(default)]
    pub user_count: Option<u64>,
    #[serde(default)]
    pub permalink: Option<String>,
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s.parse().unwrap_or(0),
        Value::Number(n) => n.as_u64().unwrap_or(0),
        _ => 0,
    })
}

pub fn parse_issues(body: &[u8]) -> Result<Vec<Issue>, ParseError> {
    serde_json::from_slice(body).map_err(|e| match serde_json::from_slice::<Value>(body) {
        Ok(_) => ParseError::Shape(format!("issues: {e}")),
        Err(e) => ParseError::NotJson(e.to_string()),
    })
}

/// The human part of an error body: `detail` as text, or its `message` (and SSO login URL).
pub fn error_detail(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    match v.get("detail")? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => {
            let code = o.get("code").and_then(Value::as_str).unwrap_or_default();
            let msg = o.get("message").and_then(Value::as_str).unwrap_or(code);
            let login = o
                .get("extra")
                .and_then(|e| e.get("loginUrl"))
                .and_then(Value::as_str);
            Some(match login {
                Some(url) => format!("{msg} ({code}): log in at {url}, then create a new token"),
                None if code.is_empty() => msg.to_string(),
                None => format!("{msg} ({code})"),
            })
        }
        other => Some(other.to_string()),
    }
}

/// The next page of a paginated list, from the `Link` header (`rel="next"; results="true"`).
pub fn next_cursor(link: &str) -> Option<String> {
    crate::http::next_link(link)
        .filter(|l| l.param("results") == Some("true"))
        .and_then(|l| l.param("cursor").map(String::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/fixtures/sentry/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("fixture")
    }

    #[test]
    fn the_fixture_series() {
        let s = parse_events_stats(&fixture("events-stats.json")).expect("parse");
        assert_eq!(s.width, 60);
        assert_eq!(
            s.buckets,
            [
                (1767261600, 12.0),
                (1767261660, 9.0),
                (1767261720, 57.0),
                (1767261780, 0.0)
            ]
        );
        assert_eq!(
            parse_events_stats(&fixture("events-stats-empty.json")).expect("empty"),
            Series {
                buckets: vec![],
                width: 60
            }
        );
    }

    #[test]
    fn every_bucket_shape() {
        let body = br#"{"data": [[1700000000.0, [{"count": 3}]], [1700000120, []], [1700000060, [{"count": null}]], [1700000180, [{"count": 2}, {"count": 1}]]]}"#;
        let s = parse_events_stats(body).expect("parse");
        assert_eq!(
            s.buckets,
            [
                (1700000000, 3.0),
                (1700000060, 0.0),
                (1700000120, 0.0),
                (1700000180, 3.0)
            ]
        );
        assert_eq!(s.width, 60);
        let multi = br#"{"count()": {"data": [[1700000000, [{"count": 4}]], [1700000300, [{"count": 1}]]]}, "count_unique(user)": {"data": [[1700000000, [{"count": 2}]]]}}"#;
        let s = parse_events_stats(multi).expect("multi");
        assert_eq!(s.buckets, [(1700000000, 6.0), (1700000300, 1.0)]);
        assert_eq!(s.width, 300, "derived from the timestamps");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(matches!(
            parse_events_stats(b"<html>502 Bad Gateway</html>"),
            Err(ParseError::NotJson(_))
        ));
        assert!(matches!(
            parse_events_stats(br#"{"data": "nope"}"#),
            Err(ParseError::Shape(_))
        ));
        assert!(matches!(
            parse_events_stats(br#"{"data": [[1, 2, 3]]}"#),
            Err(ParseError::Shape(_))
        ));
        assert!(matches!(
            parse_events_stats(b"[1,2]"),
            Err(ParseError::Shape(_))
        ));
    }

    #[test]
    fn issues_with_string_or_number_counts() {
        let issues = parse_issues(&fixture("issues.json")).expect("issues");
        assert_eq!(issues[0].short_id, "API-7Q");
        assert_eq!(issues[0].count, 150);
        assert_eq!(
            issues[0].first_seen.map(|t| t.to_rfc3339()),
            Some("2026-05-01T12:09:31+00:00".into())
        );
        let n = parse_issues(br#"[{"id": "1", "count": 7, "firstSeen": null}]"#).expect("n");
        assert_eq!((n[0].count, n[0].first_seen), (7, None));
    }

    #[test]
    fn error_details_in_both_forms() {
        assert_eq!(
            error_detail(&fixture("error-429.json")).expect("d"),
            "You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 seconds"
        );
        let sso = error_detail(&fixture("error-401-sso.json")).expect("d");
        assert!(
            sso.contains("Must login via SSO (sso-required)")
                && sso.contains("https://sentry.io/auth/login/acme/"),
            "{sso}"
        );
        assert_eq!(error_detail(b"<html>"), None);
    }

    #[test]
    fn link_header_cursor() {
        let link = r#"<https://sentry.io/api/0/organizations/acme/issues/?&cursor=100:-1:1>; rel="previous"; results="false"; cursor="100:-1:1", <https://sentry.io/api/0/organizations/acme/issues/?&cursor=100:1:0>; rel="next"; results="true"; cursor="100:1:0""#;
        assert_eq!(next_cursor(link).as_deref(), Some("100:1:0"));
        assert_eq!(
            next_cursor(&link.replace(r#"results="true""#, r#"results="false""#)),
            None
        );
    }
}
