//! The incident's ticket in its tracker: read (title, state, priority, assignee), commented on,
//! moved to done, and its follow-ups created under it. One face for Linear (GraphQL), Jira Cloud
//! (REST v3) and GitHub Issues; each says its refusals in words and never shows its token.

pub mod adf;
mod github;
mod jira;
pub mod linear;
pub mod write;

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::config::{Config, TrackerKind};

/// A body larger than this is refused: an issue or a page of comments is far smaller.
const MAX_BODY: usize = 4 * 1024 * 1024;
/// A list is read to its end, at most this many pages.
const MAX_PAGES: usize = 50;

#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub key: String,
    pub title: String,
    pub url: String,
    pub state: String,
    pub priority: Option<String>,
    pub assignee: Option<String>,
}

/// A comment already on the ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub body: String,
    pub url: String,
}

/// An issue linked under the ticket (a sub-issue, a linked issue).
#[derive(Debug, Clone, PartialEq)]
pub struct Linked {
    pub key: String,
    pub title: String,
    pub url: String,
    /// Created, but the tracker refused to link it under the ticket: why. Said, and not
    /// retried, since a retry would create the follow-up a second time.
    pub unlinked: Option<String>,
}

/// A follow-up to create under the ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct NewIssue {
    pub title: String,
    pub body: String,
    /// The owner as written (`@ana`, an email): assigned when the tracker knows them.
    pub owner: Option<String>,
    /// `YYYY-MM-DD`.
    pub due: Option<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{words}")]
pub struct TrackerError {
    pub words: String,
    /// Asking again will not help (a refused token, a refused field): said, not retried soon.
    pub lasting: bool,
    /// The tracker named how long to wait.
    pub wait: Option<Duration>,
    pub not_found: bool,
}

impl TrackerError {
    fn passing(words: impl Into<String>) -> TrackerError {
        TrackerError {
            words: words.into(),
            lasting: false,
            wait: None,
            not_found: false,
        }
    }

    fn lasting(words: impl Into<String>) -> TrackerError {
        TrackerError {
            lasting: true,
            ..TrackerError::passing(words)
        }
    }
}

/// What the ticket's producers report.
#[derive(Debug)]
pub enum TicketMsg {
    /// The ticket as the tracker has it (read when the incident had not linked it yet).
    Read(Result<Ticket, String>),
    /// A write was made (or found made).
    Done(write::Outcome),
    /// A write failed: it is tried again later; `pending` writes wait.
    Waiting {
        write: String,
        error: String,
        pending: usize,
        /// When it is tried again.
        retry: Duration,
    },
    /// A follow-up created under the ticket for this action item (its text), or why not.
    Followup {
        item: String,
        result: Result<Linked, String>,
    },
}

#[derive(Debug, Clone)]
pub enum Tracker {
    Linear(linear::Linear),
    Jira(jira::Jira),
    Github(github::Issues),
}

/// The tracker `[tickets]` names, with its token (to keep off the screen); `Ok(None)` when
/// none is configured.
pub fn connect(cfg: &Config, cwd: &Path) -> Result<Option<(Tracker, String)>, String> {
    let t = &cfg.tickets;
    let Some(kind) = t.provider() else {
        return Ok(None);
    };
    let var = t.token_var();
    let token = || {
        crate::config::secret::token_from(&[&var], t.token_command.as_deref(), "[tickets]")
            .ok_or_else(|| {
                format!(
                    "no {} token: export {var} (or set [tickets] token_command)",
                    kind.name()
                )
            })
    };
    let http = crate::http::api_client(t.timeout)?;
    Ok(Some(match kind {
        TrackerKind::Linear => {
            let token = token()?;
            let linear = linear::Linear::new(http, t, token.clone(), var);
            (Tracker::Linear(linear), token)
        }
        TrackerKind::Jira => {
            let token = token()?;
            (
                Tracker::Jira(jira::Jira::new(http, t, token.clone(), var)),
                token,
            )
        }
        TrackerKind::Github => {
            let token = crate::github::token(&cfg.github);
            let client = crate::github::connect(&cfg.github, &cfg.git, cwd, token.clone())?;
            (
                Tracker::Github(github::Issues::new(client)),
                token.unwrap_or_default(),
            )
        }
    }))
}

impl Tracker {
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    pub fn kind(&self) -> TrackerKind {
        match self {
            Tracker::Linear(_) => TrackerKind::Linear,
            Tracker::Jira(_) => TrackerKind::Jira,
            Tracker::Github(_) => TrackerKind::Github,
        }
    }

    pub async fn read(&self, key: &str) -> Result<Ticket, TrackerError> {
        match self {
            Tracker::Linear(t) => t.read(key).await,
            Tracker::Jira(t) => t.read(key).await,
            Tracker::Github(t) => t.read(key).await,
        }
    }

    /// Every comment on the ticket (every page).
    pub async fn comments(&self, key: &str) -> Result<Vec<Comment>, TrackerError> {
        match self {
            Tracker::Linear(t) => t.comments(key).await,
            Tracker::Jira(t) => t.comments(key).await,
            Tracker::Github(t) => t.comments(key).await,
        }
    }

    /// Posts a comment; its URL.
    pub async fn comment(&self, key: &str, text: &str) -> Result<String, TrackerError> {
        match self {
            Tracker::Linear(t) => t.comment(key, text).await,
            Tracker::Jira(t) => t.comment(key, text).await,
            Tracker::Github(t) => t.comment(key, text).await,
        }
    }

    /// Moves the ticket to `state` (GitHub: closes it as completed); the state it is in then.
    pub async fn move_to(&self, key: &str, state: &str) -> Result<String, TrackerError> {
        match self {
            Tracker::Linear(t) => t.move_to(key, state).await,
            Tracker::Jira(t) => t.move_to(key, state).await,
            Tracker::Github(t) => t.close(key).await,
        }
    }

    /// The issues already under the ticket (every page).
    pub async fn children(&self, key: &str) -> Result<Vec<Linked>, TrackerError> {
        match self {
            Tracker::Linear(t) => t.children(key).await,
            Tracker::Jira(t) => t.children(key).await,
            Tracker::Github(t) => t.children(key).await,
        }
    }

    /// Creates an issue under the ticket (Linear: a sub-issue; Jira: linked "Relates"; GitHub:
    /// a sub-issue).
    pub async fn create(&self, parent: &str, issue: &NewIssue) -> Result<Linked, TrackerError> {
        match self {
            Tracker::Linear(t) => t.create(parent, issue).await,
            Tracker::Jira(t) => t.create(parent, issue).await,
            Tracker::Github(t) => t.create(parent, issue).await,
        }
    }

    /// Creates the follow-up unless an issue of that title is under the ticket already (made
    /// before a crash, or by another seat): no follow-up is made twice.
    pub async fn follow_up(&self, parent: &str, issue: &NewIssue) -> Result<Linked, TrackerError> {
        let title = issue.title.trim();
        if let Some(found) = self
            .children(parent)
            .await?
            .into_iter()
            .find(|c| c.title.trim() == title)
        {
            return Ok(found);
        }
        self.create(parent, issue).await
    }
}

/// Asks again when the tracker names a short wait (a rate limit), three times at most.
pub async fn patiently<T, F, Fut>(mut ask: F) -> Result<T, TrackerError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, TrackerError>>,
{
    let mut tries = 0;
    loop {
        match ask().await {
            Err(e) if tries < 3 && e.wait.is_some_and(|w| w <= Duration::from_secs(60)) => {
                tries += 1;
                tokio::time::sleep(e.wait.unwrap_or_default()).await;
            }
            other => return other,
        }
    }
}

/// What an HTTP answer said, read to the cap: its status, its `Retry-After`-like wait (the
/// tracker's own header), and its JSON (or `Null`).
struct Answer {
    status: reqwest::StatusCode,
    headers: reqwest::header::HeaderMap,
    json: Value,
}

async fn send(rb: reqwest::RequestBuilder, who: &str) -> Result<Answer, TrackerError> {
    let resp = rb.send().await.map_err(|e| {
        TrackerError::passing(format!("cannot reach {who}: {}", crate::http::cause(&e)))
    })?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = crate::http::read_capped(resp, MAX_BODY)
        .await
        .map_err(|e| match e {
            crate::http::BodyError::Network(e) => {
                TrackerError::passing(format!("cannot reach {who}: {}", crate::http::cause(&e)))
            }
            crate::http::BodyError::TooLarge => {
                TrackerError::passing(format!("{who}'s answer is larger than 4 MB"))
            }
        })?;
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Ok(Answer {
        status,
        headers,
        json,
    })
}

/// A header's whole seconds.
fn header_secs(headers: &reqwest::header::HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// The refusal a status names, in words; `detail` is what the tracker said.
fn refused(
    who: &str,
    status: u16,
    detail: &str,
    var: &str,
    wait: Option<Duration>,
) -> TrackerError {
    let detail = if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    };
    match status {
        401 => TrackerError::lasting(format!(
            "{who} refused the token (401){detail}: set {var} to a token that can see the ticket"
        )),
        403 => TrackerError::lasting(format!("{who} refused it (403){detail}")),
        // Jira answers 404 for a missing link type too: its own words say which.
        404 if detail.is_empty() => TrackerError {
            not_found: true,
            ..TrackerError::lasting(format!("{who} has no such issue (404)"))
        },
        404 => TrackerError {
            not_found: true,
            ..TrackerError::lasting(format!("{who} found nothing (404){detail}"))
        },
        429 => TrackerError {
            wait: Some(wait.unwrap_or(Duration::from_secs(60))),
            ..TrackerError::passing(format!(
                "{who}'s rate limit: asked to wait {}s{detail}",
                wait.unwrap_or(Duration::from_secs(60)).as_secs()
            ))
        },
        400..=499 => TrackerError::lasting(format!("{who} refused it ({status}){detail}")),
        _ => TrackerError::passing(format!("{who} answered {status}{detail}")),
    }
}

/// The text at a JSON pointer, or nothing.
fn text_at(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// A follow-up's owner as the tracker may know them: `@ana` → `ana`.
fn owner_name(owner: &str) -> &str {
    owner.trim().trim_start_matches('@')
}
