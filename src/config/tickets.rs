//! `[tickets]`: the incident's ticket in Linear, Jira Cloud or GitHub Issues — read when the
//! incident opens, written as it goes (milestones, the resolution, the move to done), and the
//! follow-ups created there. Tokens come from the environment or a command only.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TrackerKind {
    Linear,
    Jira,
    Github,
}

impl TrackerKind {
    pub fn name(self) -> &'static str {
        match self {
            TrackerKind::Linear => "Linear",
            TrackerKind::Jira => "Jira",
            TrackerKind::Github => "GitHub",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TicketsConfig {
    /// Unset: the ticket is only a name.
    pub provider: Option<Spanned<TrackerKind>>,
    /// The state (Linear, Jira) a resolved incident's ticket moves to; GitHub closes it.
    pub done_state: String,
    /// Milestones posted as comments (`fix_deployed`, `verified_resolved`, … and `closed`,
    /// which is the resolution comment).
    pub milestones: Vec<Spanned<String>>,
    /// Linear's GraphQL endpoint.
    pub linear_url: String,
    /// Jira Cloud's site (`https://example.atlassian.net`).
    pub url: Option<String>,
    /// The Jira account the API token belongs to.
    pub email: Option<String>,
    /// Jira: the project follow-ups are created in (default: the ticket's own).
    pub project: Option<String>,
    /// Jira: the follow-ups' issue type.
    pub issue_type: String,
    /// The variable holding the token (default `LINEAR_API_KEY` or `JIRA_API_TOKEN`; GitHub
    /// uses `[github]`'s token).
    pub token_env: Option<String>,
    pub token_command: Option<String>,
    #[serde(deserialize_with = "duration", serialize_with = "show_duration")]
    pub timeout: Duration,
}

impl Default for TicketsConfig {
    fn default() -> Self {
        TicketsConfig {
            provider: None,
            done_state: "Done".into(),
            milestones: ["fix_deployed", "verified_resolved", "closed"]
                .iter()
                .map(|m| Spanned::new(0..0, m.to_string()))
                .collect(),
            linear_url: "https://api.linear.app/graphql".into(),
            url: None,
            email: None,
            project: None,
            issue_type: "Task".into(),
            token_env: None,
            token_command: None,
            timeout: Duration::from_secs(10),
        }
    }
}

impl TicketsConfig {
    pub fn provider(&self) -> Option<TrackerKind> {
        self.provider.as_ref().map(|p| *p.get_ref())
    }

    /// The variable the token is read from.
    pub fn token_var(&self) -> String {
        match (&self.token_env, self.provider()) {
            (Some(v), _) => v.clone(),
            (None, Some(TrackerKind::Jira)) => "JIRA_API_TOKEN".into(),
            (None, Some(TrackerKind::Github)) => "GITHUB_TOKEN".into(),
            (None, _) => "LINEAR_API_KEY".into(),
        }
    }

    /// The milestone ids posted as comments, besides the resolution.
    pub fn milestone_ids(&self) -> impl Iterator<Item = &str> {
        self.milestones
            .iter()
            .map(|m| m.get_ref().as_str())
            .filter(|m| *m != "closed")
    }

    /// Whether the close is posted (the resolution comment and the move to done).
    pub fn posts_resolution(&self) -> bool {
        self.milestones.iter().any(|m| m.get_ref() == "closed")
    }
}

impl Config {
    /// The tracker's settings are whole: Jira's site and account, URLs that parse, milestones
    /// warroom records.
    pub(super) fn check_tickets(&self, text: &str, source_name: &str) -> Result<(), ConfigError> {
        let err = |span: std::ops::Range<usize>, message: String| ConfigError {
            source_name: source_name.to_string(),
            line: (!text.is_empty() && span.end > 0).then(|| line_of(text, span.start)),
            message,
        };
        let t = &self.tickets;
        for m in &t.milestones {
            let id = m.get_ref().as_str();
            if id != "closed" && crate::incident::milestone_label(id).is_none() {
                let ids: Vec<&str> = crate::incident::MILESTONES.iter().map(|m| m.0).collect();
                return Err(err(
                    m.span(),
                    format!(
                        "[tickets] milestones: {id:?} is not a milestone (use {} or closed)",
                        ids.join(", ")
                    ),
                ));
            }
        }
        let Some(p) = &t.provider else {
            return Ok(());
        };
        match p.get_ref() {
            TrackerKind::Jira => {
                let url = t.url.as_deref().unwrap_or_default();
                if reqwest::Url::parse(url).is_err() {
                    return Err(err(
                        p.span(),
                        format!(
                            "[tickets] provider = \"jira\" needs url = \"https://YOURS.atlassian.net\" (found {url:?})"
                        ),
                    ));
                }
                if t.email.as_deref().is_none_or(|e| !e.contains('@')) {
                    return Err(err(
                        p.span(),
                        "[tickets] provider = \"jira\" needs email = \"you@example.com\": Jira's API token belongs to an account".into(),
                    ));
                }
            }
            TrackerKind::Linear if reqwest::Url::parse(&t.linear_url).is_err() => {
                return Err(err(
                    p.span(),
                    format!("[tickets] linear_url {:?} is not a URL", t.linear_url),
                ));
            }
            _ => {}
        }
        Ok(())
    }
}
