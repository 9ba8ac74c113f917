//! Posts the Slack update to an incoming webhook. The webhook URL is a secret: it is read from
//! the environment and never shown, logged, journaled or exported.

use std::time::Duration;

/// Posts `text`; on failure, says why without the URL.
pub async fn post(webhook: &str, text: &str) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("cannot set up HTTP: {e}"))?;
    let resp = client
        .post(webhook)
        .json(&serde_json::json!({ "text": text, "mrkdwn": true }))
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                "Slack did not answer in 10 s".to_string()
            } else if e.is_connect() {
                "cannot connect to Slack".to_string()
            } else {
                "the request to Slack failed".to_string()
            }
        })?;
    let status = resp.status();
    if status.is_success() {
        return Ok(());
    }
    let body = resp.text().await.unwrap_or_default();
    let body: String = body.chars().take(120).collect();
    Err(format!(
        "Slack answered {}: {}",
        status.as_u16(),
        body.trim()
    ))
}
