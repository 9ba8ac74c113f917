//! The internal update as Microsoft Teams shows it: the text of `slack.md` (the same record, the
//! same truth rules, the user's own template if there is one) laid out as an Adaptive Card, and
//! posted as the message a Teams Workflows webhook ("Post to a channel when a webhook request is
//! received") accepts. The `*Label*: value` lines and the timeline become a FactSet; the links on
//! the record (the PR, the page, the status page) become buttons.

use serde_json::{Value, json};

use super::chat::{Channel, Link, one_line, post_json};

/// The card's schema version: what Teams renders everywhere (desktop, web, mobile).
pub const CARD_VERSION: &str = "1.4";

/// The webhook's body: a message with one Adaptive Card attachment.
pub fn message(slack_text: &str, links: &[Link]) -> Value {
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": card(slack_text, links),
        }]
    })
}

pub fn card(slack_text: &str, links: &[Link]) -> Value {
    let mut body: Vec<Value> = Vec::new();
    let mut facts: Vec<Value> = Vec::new();
    let mut headline: Option<String> = None;
    let mut gap = false;
    for line in slack_text.lines().map(str::trim_end) {
        if line.trim().is_empty() {
            gap = true;
            continue;
        }
        if headline.is_none() {
            let text = line.replace('*', "");
            body.push(json!({
                "type": "TextBlock", "text": text, "size": "Large", "weight": "Bolder",
                "wrap": true, "color": colour(&text),
            }));
            headline = Some(text);
            gap = false;
            continue;
        }
        if let Some((title, value)) = fact(line) {
            facts.push(json!({ "title": title, "value": markdown(&value) }));
            continue;
        }
        flush(&mut body, &mut facts);
        let mut block = match heading(line) {
            Some(h) => json!({ "type": "TextBlock", "text": h, "weight": "Bolder", "wrap": true }),
            None => json!({ "type": "TextBlock", "text": markdown(&bullet(line)), "wrap": true }),
        };
        if std::mem::take(&mut gap) {
            block["spacing"] = json!("Medium");
        } else {
            block["spacing"] = json!("None");
        }
        body.push(block);
    }
    flush(&mut body, &mut facts);
    let mut card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": body,
        "fallbackText": headline.unwrap_or_default(),
    });
    if !links.is_empty() {
        card["actions"] = links
            .iter()
            .map(|l| json!({ "type": "Action.OpenUrl", "title": l.title, "url": l.url }))
            .collect();
    }
    card
}

fn flush(body: &mut Vec<Value>, facts: &mut Vec<Value>) {
    if !facts.is_empty() {
        body.push(json!({ "type": "FactSet", "facts": std::mem::take(facts) }));
    }
}

/// The headline's colour from the status emoji `slack.md` starts with.
fn colour(headline: &str) -> &'static str {
    match headline.chars().next() {
        Some('🔴') => "Attention",
        Some('🟠') => "Warning",
        Some('🔵') => "Accent",
        Some('🟢') => "Good",
        _ => "Default",
    }
}

/// `*Label*: value`, or a timeline line `• Label: value`, as a fact.
fn fact(line: &str) -> Option<(String, String)> {
    if let Some(rest) = line.strip_prefix('*') {
        let (label, value) = rest.split_once("*: ")?;
        return (!label.contains('*') && !value.trim().is_empty())
            .then(|| (label.to_string(), value.trim().to_string()));
    }
    let rest = line.strip_prefix("• ")?;
    if rest.starts_with("[ ]") {
        return None;
    }
    let (label, value) = rest.split_once(": ")?;
    (!label.contains(['*', '_', '(']) && label.len() <= 40)
        .then(|| (label.to_string(), value.trim().to_string()))
}

/// `*Impact*:` or `*Timeline (UTC):*`: a section's heading.
fn heading(line: &str) -> Option<String> {
    let inner = line.strip_prefix('*')?;
    let inner = inner
        .strip_suffix("*:")
        .or_else(|| inner.strip_suffix(":*"))?;
    (!inner.contains('*')).then(|| inner.to_string())
}

/// A follow-up line's box as Teams shows one.
fn bullet(line: &str) -> String {
    match line.strip_prefix("• [ ] ") {
        Some(rest) => format!("☐ {rest}"),
        None => line.to_string(),
    }
}

/// Slack's `*bold*` is Teams' `**bold**`; `_italic_` is the same in both.
fn markdown(text: &str) -> String {
    text.replace('*', "**")
}

/// Posts the card; on failure, says why in Teams' own words where it gave some, never with the
/// URL.
pub async fn post(webhook: &str, slack_text: &str, links: &[Link]) -> Result<(), String> {
    let resp = post_json(Channel::Teams, webhook, &message(slack_text, links)).await?;
    let status = resp.status().as_u16();
    if resp.status().is_success() {
        return Ok(());
    }
    let retry = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let body = resp.text().await.unwrap_or_default();
    let said = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| {
            let e = &v["error"];
            let message = e["message"].as_str()?.to_string();
            Some(match e["code"].as_str() {
                Some(code) => format!("{code}: {message}"),
                None => message,
            })
        })
        .unwrap_or(body);
    let said = one_line(&said);
    Err(match status {
        400 => format!("Teams refused the card (400): {said}"),
        429 => match retry {
            Some(s) => format!("Teams is limiting posts (429): try again in {s} s"),
            None => "Teams is limiting posts (429): try again in a minute".to_string(),
        },
        401 | 403 => format!(
            "Teams refused the webhook ({status}): the workflow's trigger does not accept this request: {said}"
        ),
        404 => "Teams has no workflow at this webhook (404): it was deleted or turned off".into(),
        _ => format!("Teams answered {status}: {said}"),
    })
}
