//! PagerDuty's answers as warroom reads them (REST API v2 and Events API v2), from the
//! `api-schema` OpenAPI description: only the fields used, each as the description types it.

use chrono::{DateTime, Utc};
use serde::Deserialize;

/// A reference to a user, service, escalation policy… (`{id, type, summary}`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Reference {
    pub id: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub summary: Option<String>,
}

impl Reference {
    pub fn name(&self) -> &str {
        self.summary.as_deref().unwrap_or(&self.id)
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Acknowledgement {
    pub at: DateTime<Utc>,
    pub acknowledger: Reference,
}

/// The incident's status: PagerDuty's whole vocabulary is `triggered`, `acknowledged`,
/// `resolved`; another word is kept as it was said.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Incident {
    pub id: String,
    #[serde(default)]
    pub incident_number: u64,
    #[serde(default)]
    pub title: String,
    pub status: String,
    #[serde(default)]
    pub html_url: String,
    /// The dedup key of an incident opened through the Events API.
    #[serde(default)]
    pub incident_key: Option<String>,
    #[serde(default)]
    pub service: Option<Reference>,
    #[serde(default)]
    pub escalation_policy: Option<Reference>,
    #[serde(default)]
    pub acknowledgements: Vec<Acknowledgement>,
    #[serde(default)]
    pub last_status_change_by: Option<Reference>,
    #[serde(default)]
    pub last_status_change_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OneIncident {
    pub incident: Incident,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Oncall {
    #[serde(default)]
    pub user: Option<Reference>,
    #[serde(default)]
    pub escalation_level: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Service {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub escalation_policy: Reference,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OneService {
    pub service: Service,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Named {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
}

/// PagerDuty's error body: `{"error": {"message", "code", "errors": [...]}}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub error: Option<ErrorDetail>,
    /// The Events API's: `{"status", "message", "errors"}`.
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorDetail {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub errors: Vec<String>,
}

impl ErrorBody {
    pub fn words(&self) -> String {
        let (message, errors) = match &self.error {
            Some(d) => (d.message.as_str(), &d.errors),
            None => (self.message.as_deref().unwrap_or_default(), &self.errors),
        };
        match (message.is_empty(), errors.is_empty()) {
            (false, false) => format!("{message}: {}", errors.join("; ")),
            (false, true) => message.to_string(),
            (true, false) => errors.join("; "),
            (true, true) => String::new(),
        }
    }
}

/// The Events API's answer to an accepted event.
#[derive(Debug, Clone, Deserialize)]
pub struct Enqueued {
    #[serde(default)]
    pub dedup_key: Option<String>,
}
