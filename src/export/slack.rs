//! Posts the Slack update (the text of `slack.md`) to an incoming webhook.

use super::chat::{Channel, body_start, post_json};

/// Posts `text`; on failure, says why without the URL.
pub async fn post(webhook: &str, text: &str) -> Result<(), String> {
    let payload = serde_json::json!({ "text": text, "mrkdwn": true });
    let resp = post_json(Channel::Slack, webhook, &payload).await?;
    let status = resp.status();
    if status.is_success() {
        return Ok(());
    }
    Err(format!(
        "Slack answered {}: {}",
        status.as_u16(),
        body_start(resp).await
    ))
}
