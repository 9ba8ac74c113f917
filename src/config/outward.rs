//! `[pagerduty]` and `[statuspage]`: the page (who is on call, who acknowledged) and the public
//! status page, driven from the console. Tokens come from the environment or a command only.

use super::*;

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PagerdutyConfig {
    /// The service whose incidents belong to this console (`PXXXXXX`); unset: no PagerDuty.
    pub service: Option<Spanned<String>>,
    /// The account's email that writes (PagerDuty's required `From` header).
    pub from: Option<String>,
    /// The REST API (default `https://api.pagerduty.com`).
    pub api_url: String,
    /// The Events API v2 (default `https://events.pagerduty.com`).
    pub events_url: String,
    /// The variable holding the REST API token.
    pub token_env: String,
    pub token_command: Option<String>,
    /// The variable holding the Events v2 integration's routing key (for `open --page`).
    pub routing_key_env: String,
    pub routing_key_command: Option<String>,
    /// How often the incident and who is on call are read.
    #[serde(deserialize_with = "at_least_1s", serialize_with = "show_duration")]
    pub poll_interval: Duration,
    /// The kinds of timeline events mirrored onto the PagerDuty incident as notes.
    pub notes: Vec<Spanned<String>>,
    #[serde(deserialize_with = "duration", serialize_with = "show_duration")]
    pub timeout: Duration,
}

impl Default for PagerdutyConfig {
    fn default() -> Self {
        PagerdutyConfig {
            service: None,
            from: None,
            api_url: "https://api.pagerduty.com".into(),
            events_url: "https://events.pagerduty.com".into(),
            token_env: "PAGERDUTY_TOKEN".into(),
            token_command: None,
            routing_key_env: "PAGERDUTY_ROUTING_KEY".into(),
            routing_key_command: None,
            poll_interval: Duration::from_secs(30),
            notes: [
                "milestone",
                "deploy_finished",
                "rollback_finished",
                "flag_changed",
            ]
            .iter()
            .map(|k| Spanned::new(0..0, k.to_string()))
            .collect(),
            timeout: Duration::from_secs(10),
        }
    }
}

impl PagerdutyConfig {
    pub fn service(&self) -> Option<&str> {
        self.service.as_ref().map(|s| s.get_ref().as_str())
    }

    pub fn token(&self) -> Option<String> {
        secret::token_from(
            &[&self.token_env],
            self.token_command.as_deref(),
            "[pagerduty]",
        )
    }

    pub fn routing_key(&self) -> Option<String> {
        secret::token_from(
            &[&self.routing_key_env],
            self.routing_key_command.as_deref(),
            "[pagerduty] routing_key",
        )
    }
}

/// The status a Statuspage component shows while the incident is not resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentStatus {
    Operational,
    UnderMaintenance,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
}

impl ComponentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ComponentStatus::Operational => "operational",
            ComponentStatus::UnderMaintenance => "under_maintenance",
            ComponentStatus::DegradedPerformance => "degraded_performance",
            ComponentStatus::PartialOutage => "partial_outage",
            ComponentStatus::MajorOutage => "major_outage",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentConfig {
    /// The component's id on the page.
    pub id: String,
    /// How the console names it.
    pub name: String,
    /// Its status until the incident is resolved (then `operational`).
    #[serde(default = "major_outage")]
    pub status: ComponentStatus,
}

fn major_outage() -> ComponentStatus {
    ComponentStatus::MajorOutage
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StatuspageConfig {
    /// The page's id; unset: no Statuspage.
    pub page: Option<Spanned<String>>,
    /// The API (default `https://api.statuspage.io/v1`).
    pub api_url: String,
    pub key_env: String,
    pub key_command: Option<String>,
    /// Email and SMS subscribers are notified of each publication.
    pub notify: bool,
    pub components: Vec<ComponentConfig>,
    #[serde(deserialize_with = "duration", serialize_with = "show_duration")]
    pub timeout: Duration,
}

impl Default for StatuspageConfig {
    fn default() -> Self {
        StatuspageConfig {
            page: None,
            api_url: "https://api.statuspage.io/v1".into(),
            key_env: "STATUSPAGE_API_KEY".into(),
            key_command: None,
            notify: true,
            components: Vec::new(),
            timeout: Duration::from_secs(10),
        }
    }
}

impl StatuspageConfig {
    pub fn page(&self) -> Option<&str> {
        self.page.as_ref().map(|s| s.get_ref().as_str())
    }

    pub fn key(&self) -> Option<String> {
        secret::token_from(
            &[&self.key_env],
            self.key_command.as_deref(),
            "[statuspage]",
        )
    }
}

fn at_least_1s<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    let v = parse_duration(&s).map_err(serde::de::Error::custom)?;
    if v < Duration::from_secs(1) {
        return Err(serde::de::Error::custom(format!(
            "{s:?} is too often: write 1s or more"
        )));
    }
    Ok(v)
}

impl Config {
    /// PagerDuty writes need `from`; the mirrored kinds are kinds warroom records; every URL
    /// parses; the status page's components are named once each.
    pub(super) fn check_outward(&self, text: &str, source_name: &str) -> Result<(), ConfigError> {
        let err = |span: std::ops::Range<usize>, message: String| ConfigError {
            source_name: source_name.to_string(),
            line: (!text.is_empty() && span.end > 0).then(|| line_of(text, span.start)),
            message,
        };
        let pd = &self.pagerduty;
        if let Some(service) = &pd.service {
            if pd.from.as_deref().is_none_or(|f| !f.contains('@')) {
                return Err(err(
                    service.span(),
                    "[pagerduty] needs from = \"you@example.com\": PagerDuty requires the writer's email on every change".into(),
                ));
            }
            for (what, url) in [("api_url", &pd.api_url), ("events_url", &pd.events_url)] {
                if reqwest::Url::parse(url).is_err() {
                    return Err(err(
                        service.span(),
                        format!("[pagerduty] {what} {url:?} is not a URL"),
                    ));
                }
            }
        }
        for kind in &pd.notes {
            if !crate::journal::kinds::KNOWN.contains(&kind.get_ref().as_str()) {
                return Err(err(
                    kind.span(),
                    format!(
                        "[pagerduty] notes: {:?} is not a kind warroom records (milestone, deploy_finished, flag_changed, note, …)",
                        kind.get_ref()
                    ),
                ));
            }
        }
        let sp = &self.statuspage;
        if let Some(page) = &sp.page {
            if reqwest::Url::parse(&sp.api_url).is_err() {
                return Err(err(
                    page.span(),
                    format!("[statuspage] api_url {:?} is not a URL", sp.api_url),
                ));
            }
            let mut seen = std::collections::HashSet::new();
            for c in &sp.components {
                if !seen.insert(c.id.as_str()) {
                    return Err(err(
                        page.span(),
                        format!("[statuspage] component {:?} is listed twice", c.id),
                    ));
                }
            }
        }
        Ok(())
    }
}
