//! The page on PagerDuty: triggered through the Events API v2 (the ticket as dedup key) or
//! linked by id, then followed while the incident is open (its status, who acknowledged it, who
//! is on call for the service), and acted on from the console (acknowledge, responders, status
//! updates, notes, resolve). Reports through its own `PagerMsg`.

pub mod api;
pub mod client;
pub mod follow;

pub use client::{Client, PdError};

use chrono::{DateTime, Utc};

/// What the follower and the actions report.
#[derive(Debug, Clone, PartialEq)]
pub enum PagerMsg {
    /// The incident as PagerDuty has it now (sent when it changed).
    State(PageState),
    /// A poll failed, or the incident is not found yet; polling goes on.
    Error(String),
    /// An action asked from the console, done or refused.
    Done {
        action: PageAction,
        result: Result<(), String>,
    },
    /// Who can be asked to respond: escalation policies, then people.
    Targets(Result<Vec<Target>, String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PageState {
    pub id: String,
    pub number: u64,
    pub title: String,
    pub url: String,
    /// `triggered`, `acknowledged` or `resolved`.
    pub status: String,
    /// Who acknowledged it, and when (newest last), while acknowledged.
    pub acknowledgers: Vec<(String, DateTime<Utc>)>,
    /// Who changed its status last (who resolved it).
    pub changed_by: Option<String>,
    /// Who is on call for the service now: (escalation level, name), lowest level first.
    pub on_call: Vec<(u32, String)>,
}

/// Someone (or an escalation policy) that can be asked to respond.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub id: String,
    /// `escalation_policy_reference` or `user_reference`.
    pub kind: String,
    pub name: String,
}

impl Target {
    pub fn is_policy(&self) -> bool {
        self.kind == "escalation_policy_reference"
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum PageAction {
    /// Page the service through the Events API (the ticket as dedup key).
    Trigger,
    Acknowledge,
    Resolve,
    /// The status update posted to the incident's stakeholders.
    StatusUpdate(String),
    /// A timeline event mirrored as a note: the event's key and the note.
    Note {
        of: String,
        text: String,
    },
    Responders(Vec<Target>),
}

impl PageAction {
    pub fn words(&self) -> &'static str {
        match self {
            PageAction::Trigger => "the page",
            PageAction::Acknowledge => "acknowledge",
            PageAction::Resolve => "resolve",
            PageAction::StatusUpdate(_) => "the status update",
            PageAction::Note { .. } => "the note",
            PageAction::Responders(_) => "the responder request",
        }
    }
}

/// How an incident's priority pages: PagerDuty's severities.
pub fn severity(p: crate::priority::Priority) -> &'static str {
    use crate::priority::Priority::*;
    match p {
        P0 | P1 => "critical",
        P2 => "error",
        P3 => "warning",
    }
}

/// Does what `action` asks on incident `id`.
pub async fn act(client: &Client, id: &str, action: &PageAction) -> Result<(), String> {
    let r = match action {
        PageAction::Trigger => {
            return Err("a page is sent with trigger(), not on an incident".into());
        }
        PageAction::Acknowledge => client.set_status(id, "acknowledged").await.map(drop),
        PageAction::Resolve => client.set_status(id, "resolved").await.map(drop),
        PageAction::StatusUpdate(text) => client.status_update(id, text).await,
        PageAction::Note { text, .. } => client.note(id, text).await,
        PageAction::Responders(targets) => {
            let t: Vec<(String, String)> = targets
                .iter()
                .map(|t| (t.id.clone(), t.kind.clone()))
                .collect();
            client
                .request_responders(id, "Please join the incident", &t)
                .await
        }
    };
    r.map_err(|e| e.to_string())
}

/// Escalation policies, then people: every page of each.
pub async fn targets(client: &Client) -> Result<Vec<Target>, String> {
    let policies = client
        .escalation_policies()
        .await
        .map_err(|e| e.to_string())?;
    let users = client.users(None).await.map_err(|e| e.to_string())?;
    Ok(policies
        .into_iter()
        .map(|p| Target {
            id: p.id,
            kind: "escalation_policy_reference".into(),
            name: p.name,
        })
        .chain(users.into_iter().map(|u| Target {
            id: u.id,
            kind: "user_reference".into(),
            name: u.name,
        }))
        .collect())
}
