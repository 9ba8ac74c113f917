//! `[[metrics]]`: gates on the deploy beyond the error rate, each a query against a metrics
//! system with what it should do after the deploy.

use super::*;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MetricConfig {
    pub name: Spanned<String>,
    pub source: MetricSource,
    /// Prometheus: the server (`http://prometheus:9090`); Datadog: the API (default
    /// `https://api.<site>`); Sentry sessions: `[sentry] base_url`.
    pub url: Option<String>,
    /// PromQL, a Datadog metrics query, or the Sentry sessions field
    /// (`crash_free_rate(session)`, `crash_free_rate(user)`).
    #[serde(default)]
    pub query: String,
    #[serde(
        deserialize_with = "expect",
        serialize_with = "show_expect",
        default = "stable"
    )]
    pub expect: Expect,
    #[serde(
        deserialize_with = "tolerance",
        serialize_with = "show_tolerance",
        default = "twenty_percent"
    )]
    pub tolerance: Tolerance,
    #[serde(default)]
    pub unit: String,
    /// The checklist item its good verdict ticks.
    pub item: Option<Spanned<String>>,
    #[serde(
        deserialize_with = "at_least_1s",
        serialize_with = "show_duration",
        default = "thirty_seconds"
    )]
    pub interval: Duration,
    /// How long before the deploy sets the level it is compared with.
    #[serde(
        deserialize_with = "duration",
        serialize_with = "show_duration",
        default = "ten_minutes"
    )]
    pub before: Duration,
    /// The newest span after the deploy that is judged.
    #[serde(
        deserialize_with = "duration",
        serialize_with = "show_duration",
        default = "five_minutes"
    )]
    pub judge: Duration,
    /// Datadog's site: `datadoghq.com`, `datadoghq.eu`, `us3.datadoghq.com`, …
    #[serde(default = "datadog_site")]
    pub site: String,
    /// Prometheus behind a proxy: the variable holding a bearer token. Datadog: the API key's.
    pub token_env: Option<String>,
    pub token_command: Option<String>,
    /// Datadog: the variable holding the application key.
    pub app_key_env: Option<String>,
    pub app_key_command: Option<String>,
    #[serde(
        deserialize_with = "duration",
        serialize_with = "show_duration",
        default = "ten_seconds"
    )]
    pub timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MetricSource {
    Prometheus,
    Datadog,
    SentrySessions,
}

impl MetricSource {
    pub fn name(self) -> &'static str {
        match self {
            MetricSource::Prometheus => "Prometheus",
            MetricSource::Datadog => "Datadog",
            MetricSource::SentrySessions => "Sentry sessions",
        }
    }
}

/// What the metric should do after the deploy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Expect {
    /// Stay within the tolerance of its level before the deploy.
    Stable,
    /// Fall below the level before the deploy by more than the tolerance.
    Drop,
    Rise,
    Below(f64),
    Above(f64),
}

impl std::fmt::Display for Expect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expect::Stable => f.write_str("stable"),
            Expect::Drop => f.write_str("drop"),
            Expect::Rise => f.write_str("rise"),
            Expect::Below(x) => write!(f, "below {x}"),
            Expect::Above(x) => write!(f, "above {x}"),
        }
    }
}

impl std::str::FromStr for Expect {
    type Err = String;
    fn from_str(s: &str) -> Result<Expect, String> {
        let s = s.trim();
        let bound = |rest: &str| {
            rest.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("expect {s:?}: {:?} is not a number", rest.trim()))
        };
        match s.split_once(char::is_whitespace) {
            None if s == "stable" => Ok(Expect::Stable),
            None if s == "drop" => Ok(Expect::Drop),
            None if s == "rise" => Ok(Expect::Rise),
            Some(("below", rest)) => bound(rest).map(Expect::Below),
            Some(("above", rest)) => bound(rest).map(Expect::Above),
            _ => Err(format!(
                "expect {s:?}: write stable, drop, rise, \"below 0.5\" or \"above 0.995\""
            )),
        }
    }
}

/// The band around the level before the deploy within which it counts as unchanged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tolerance {
    Percent(f64),
    /// In the metric's own unit.
    Absolute(f64),
}

impl Tolerance {
    pub fn band(self, level: f64) -> f64 {
        match self {
            Tolerance::Percent(p) => level.abs() * p / 100.0,
            Tolerance::Absolute(a) => a,
        }
    }
}

impl std::fmt::Display for Tolerance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tolerance::Percent(p) => write!(f, "{p}%"),
            Tolerance::Absolute(a) => write!(f, "{a}"),
        }
    }
}

fn stable() -> Expect {
    Expect::Stable
}
fn twenty_percent() -> Tolerance {
    Tolerance::Percent(20.0)
}
fn thirty_seconds() -> Duration {
    Duration::from_secs(30)
}
fn ten_minutes() -> Duration {
    Duration::from_secs(600)
}
fn five_minutes() -> Duration {
    Duration::from_secs(300)
}
fn ten_seconds() -> Duration {
    Duration::from_secs(10)
}
fn datadog_site() -> String {
    "datadoghq.com".into()
}

fn expect<'de, D: Deserializer<'de>>(d: D) -> Result<Expect, D::Error> {
    String::deserialize(d)?
        .parse()
        .map_err(serde::de::Error::custom)
}

fn show_expect<S: Serializer>(e: &Expect, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&e.to_string())
}

fn tolerance<'de, D: Deserializer<'de>>(d: D) -> Result<Tolerance, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Number(f64),
        Text(String),
    }
    let bad = |s: &str| {
        serde::de::Error::custom(format!(
            "tolerance {s:?}: write a share of the level before the deploy (\"20%\") or an amount in the metric's unit (0.05)"
        ))
    };
    match Written::deserialize(d)? {
        Written::Number(n) if n.is_finite() && n >= 0.0 => Ok(Tolerance::Absolute(n)),
        Written::Number(n) => Err(bad(&n.to_string())),
        Written::Text(t) => {
            let v = t.trim();
            let (num, pct) = match v.strip_suffix('%') {
                Some(n) => (n.trim(), true),
                None => (v, false),
            };
            match num.parse::<f64>() {
                Ok(n) if n.is_finite() && n >= 0.0 && pct => Ok(Tolerance::Percent(n)),
                Ok(n) if n.is_finite() && n >= 0.0 => Ok(Tolerance::Absolute(n)),
                _ => Err(bad(&t)),
            }
        }
    }
}

fn show_tolerance<S: Serializer>(t: &Tolerance, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_string())
}

fn at_least_1s<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    let v = parse_duration(&s).map_err(serde::de::Error::custom)?;
    if v < Duration::from_secs(1) {
        return Err(serde::de::Error::custom(format!(
            "{s:?} is too often: poll a metric no faster than every 1s"
        )));
    }
    Ok(v)
}

impl MetricConfig {
    /// The API key's variable (Datadog) or the bearer token's (Prometheus, when it needs one).
    pub fn token_var(&self) -> Option<&str> {
        match (self.source, &self.token_env) {
            (_, Some(v)) => Some(v),
            (MetricSource::Datadog, None) => Some("DD_API_KEY"),
            _ => None,
        }
    }

    /// The application key's variables: the one set, else both names in use (Datadog's own
    /// clients read `DD_APP_KEY`).
    pub fn app_key_vars(&self) -> Vec<&str> {
        match &self.app_key_env {
            Some(v) => vec![v.as_str()],
            None => vec!["DD_APPLICATION_KEY", "DD_APP_KEY"],
        }
    }
}

impl Config {
    /// Each gate has a unique name, what its source needs, and an item the checklist has.
    pub(super) fn check_metrics(
        &self,
        checklist: &Checklist,
        text: &str,
        source_name: &str,
    ) -> Result<(), ConfigError> {
        let err = |span: std::ops::Range<usize>, message: String| ConfigError {
            source_name: source_name.to_string(),
            line: (!text.is_empty()).then(|| line_of(text, span.start)),
            message,
        };
        let mut seen = std::collections::HashSet::new();
        for m in &self.metrics {
            let name = m.name.get_ref();
            if name.trim().is_empty() {
                return Err(err(m.name.span(), "[[metrics]] name is empty".into()));
            }
            if !seen.insert(name.as_str()) {
                return Err(err(
                    m.name.span(),
                    format!("[[metrics]] {name:?} is named twice; give each gate its own name"),
                ));
            }
            match m.source {
                MetricSource::Prometheus if m.url.is_none() => {
                    return Err(err(
                        m.name.span(),
                        format!(
                            "[[metrics]] {name:?}: a prometheus source needs url = \"http://prometheus:9090\""
                        ),
                    ));
                }
                MetricSource::Prometheus | MetricSource::Datadog if m.query.trim().is_empty() => {
                    return Err(err(
                        m.name.span(),
                        format!("[[metrics]] {name:?} needs query = \"…\""),
                    ));
                }
                _ => {}
            }
            if let Some(url) = &m.url
                && reqwest::Url::parse(url).is_err()
            {
                return Err(err(
                    m.name.span(),
                    format!("[[metrics]] {name:?}: url {url:?} is not a URL"),
                ));
            }
            if let Some(item) = &m.item {
                let known = checklist
                    .phases
                    .iter()
                    .flat_map(|p| &p.items)
                    .any(|i| &i.id == item.get_ref());
                if !known {
                    return Err(err(
                        item.span(),
                        format!(
                            "[[metrics]] {name:?}: item {:?} is not in the checklist; the workflow's are latency-stable, database-stable, third-parties-healthy and user-activity-normal",
                            item.get_ref()
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}
