//! Where the internal update goes: Slack's incoming webhook and a Microsoft Teams Workflows
//! webhook. Both URLs are secrets: read from the environment or a command, never shown, logged,
//! journaled or exported, and never in an error's words.

use std::time::Duration;

use crate::journal::kinds;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Slack,
    Teams,
}

impl Channel {
    pub const ALL: [Channel; 2] = [Channel::Slack, Channel::Teams];

    pub fn name(self) -> &'static str {
        match self {
            Channel::Slack => "Slack",
            Channel::Teams => "Teams",
        }
    }

    /// The event a post (or its failure) is recorded as.
    pub fn kind(self) -> &'static str {
        match self {
            Channel::Slack => kinds::SLACK_POSTED,
            Channel::Teams => kinds::TEAMS_POSTED,
        }
    }
}

/// A link on the record that a post can carry as a button: the PR, the page, the status page.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub title: String,
    pub url: String,
}

const TIMEOUT: Duration = Duration::from_secs(10);

/// Posts `payload` as JSON to `webhook`; the answer, or why there was none, in words that never
/// hold the URL.
pub async fn post_json(
    channel: Channel,
    webhook: &str,
    payload: &serde_json::Value,
) -> Result<reqwest::Response, String> {
    let name = channel.name();
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("cannot set up HTTP: {e}"))?;
    client
        .post(webhook)
        .json(payload)
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                format!("{name} did not answer in {} s", TIMEOUT.as_secs())
            } else if e.is_connect() {
                format!("cannot connect to {name}")
            } else {
                format!("the request to {name} failed")
            }
        })
}

/// The start of an error body, on one line: enough to name the fault.
pub async fn body_start(resp: reqwest::Response) -> String {
    one_line(&resp.text().await.unwrap_or_default())
}

/// A server's words on one line, cut to 200 characters.
pub fn one_line(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(200)
        .collect()
}
