//! The public status page in `update`: `e` → status page shows the public text and each
//! component's status, `y` publishes it on Statuspage (the commander, or a seat alone) or
//! records it as a draft (the comms lead), which the commander approves and publishes.

use super::model::{ConfirmAction, Mode, Model, Tone};
use super::msg::Effect;
use crate::config::ComponentConfig;
use crate::journal::{Draft, kinds};
use crate::statuspage::{Publication, Published};

/// The console's side of the status page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatusPageView {
    /// `[statuspage] page`, when configured.
    pub page: Option<String>,
    /// Why Statuspage cannot be reached from here (no key), if so.
    pub unavailable: Option<String>,
    pub components: Vec<ComponentConfig>,
    /// A publication on its way.
    pub publishing: bool,
}

/// `e` → publish the status page: a draft waiting for this commander, else the text as the
/// record renders it now.
pub fn preview(m: &mut Model) -> Vec<Effect> {
    if m.status_page.page.is_none() {
        m.say(
            Tone::Info,
            format!(
                "No Statuspage: set [statuspage] page in {} (docs/paging.md); exports/statuspage.md has the text",
                m.config_name
            ),
        );
        return Vec::new();
    }
    if let Some(why) = &m.status_page.unavailable {
        let text = format!("Statuspage: {why}");
        m.say(Tone::Warn, text);
        return Vec::new();
    }
    if m.status_page.publishing {
        m.say(Tone::Info, "Statuspage: a publication is on its way");
        return Vec::new();
    }
    let draft = m.incident.outward.status_page.draft.clone();
    if let Some(d) = draft.filter(|_| super::paging::leads(m) && m.share.seat().is_some()) {
        m.mode = Mode::Confirm {
            action: ConfirmAction::Publish {
                publication: Publication {
                    name: d.name,
                    status: d.status,
                    body: d.body,
                    components: d.components,
                },
                approving: Some((d.by, d.at)),
            },
        };
        return Vec::new();
    }
    vec![Effect::StatusPreview]
}

/// What Statuspage is told the status is, from the record: `None` when the record holds
/// neither a deploy nor a verification of a closed incident (nothing true to say).
pub fn status(m: &Model) -> Option<&'static str> {
    match crate::incident::outward::public_status(&m.incident) {
        "closed" => None,
        s => Some(s),
    }
}

/// The components and the status each gets: theirs until resolved, then operational.
pub fn components(m: &Model, status: &str) -> std::collections::BTreeMap<String, String> {
    m.status_page
        .components
        .iter()
        .map(|c| {
            let s = if status == "resolved" {
                "operational"
            } else {
                c.status.as_str()
            };
            (c.id.clone(), s.to_string())
        })
        .collect()
}

/// The rendered `statuspage.md` came back: its first line names the incident (after the
/// status word), the rest is the body.
pub fn on_preview(m: &mut Model, text: Result<String, String>) -> Vec<Effect> {
    let text = match text {
        Ok(t) => t,
        Err(why) => {
            m.say(Tone::Error, format!("Statuspage: {why}"));
            return Vec::new();
        }
    };
    let Some(status) = status(m) else {
        m.say(
            Tone::Warn,
            "Statuspage: the incident is closed with no deploy and no verification on the record; nothing true says \"resolved\" (record the verification, or publish by hand)",
        );
        return Vec::new();
    };
    let (first, body) = text.split_once('\n').unwrap_or((&text, ""));
    let name = first
        .split_once(" — ")
        .map_or(first, |(_, n)| n)
        .trim()
        .to_string();
    m.mode = Mode::Confirm {
        action: ConfirmAction::Publish {
            publication: Publication {
                name,
                status: status.to_string(),
                body: body.trim().to_string(),
                components: components(m, status),
            },
            approving: None,
        },
    };
    Vec::new()
}

/// The confirmation's lines: where it goes, the status, each component, then the text.
pub fn stakes(
    m: &Model,
    p: &Publication,
    approving: &Option<(String, chrono::DateTime<chrono::Utc>)>,
) -> Vec<String> {
    let existing = m.incident.outward.status_page.incident.as_ref();
    let mut out = vec![match existing {
        Some((_, url)) => format!(
            "Update the Statuspage incident {url} to {}:",
            p.status.to_uppercase()
        ),
        None => format!(
            "Publish a new Statuspage incident, {}:",
            p.status.to_uppercase()
        ),
    }];
    if let Some((by, _)) = approving {
        out.push(format!("Drafted by {by}: y approves it and publishes it."));
    } else if !super::paging::leads(m) {
        out.push(
            "You are not the commander: y records it as a draft for the commander to approve."
                .into(),
        );
    }
    out.push(format!("Name: {}", p.name));
    for (id, status) in &p.components {
        let name = m
            .status_page
            .components
            .iter()
            .find(|c| &c.id == id)
            .map_or(id.as_str(), |c| c.name.as_str());
        out.push(format!("  {name}: {}", status.replace('_', " ")));
    }
    if p.components.is_empty() {
        out.push("  (no components configured: [[statuspage.components]])".into());
    }
    out.push(String::new());
    out.extend(p.body.lines().map(str::to_string));
    out
}

/// `y`: published by the seat that speaks for the incident, else drafted for it.
pub fn confirmed(
    m: &mut Model,
    p: Publication,
    approving: Option<(String, chrono::DateTime<chrono::Utc>)>,
) -> Vec<Effect> {
    if !super::paging::leads(m) {
        m.say(
            Tone::Good,
            "Drafted: the commander approves and publishes it (e → status page)",
        );
        return vec![Effect::Append(fields(
            Draft::new(
                kinds::STATUSPAGE_DRAFTED,
                format!(
                    "Status page drafted ({}) for the commander's approval",
                    p.status
                ),
            ),
            &p,
        ))];
    }
    let mut fx = Vec::new();
    if let Some((by, at)) = approving {
        fx.push(Effect::Append(
            Draft::new(
                kinds::STATUSPAGE_APPROVED,
                format!("Status page draft by {by} approved"),
            )
            .field("drafted_by", by)
            .field("drafted_at", crate::journal::event::rfc3339_string(at)),
        ));
    }
    m.status_page.publishing = true;
    m.say(Tone::Info, "Publishing on Statuspage…");
    fx.push(Effect::Publish {
        existing: m
            .incident
            .outward
            .status_page
            .incident
            .as_ref()
            .map(|(id, _)| id.clone()),
        publication: p,
    });
    fx
}

fn fields(d: Draft, p: &Publication) -> Draft {
    d.field("status", p.status.clone())
        .field("name", p.name.clone())
        .field("body", p.body.clone())
        .field("components", serde_json::json!(p.components))
}

pub fn on_published(m: &mut Model, r: Result<(Publication, Published), String>) -> Vec<Effect> {
    m.status_page.publishing = false;
    match r {
        Err(e) => {
            m.say(
                Tone::Error,
                format!("Statuspage: not published: {}", m.shown(&e)),
            );
            Vec::new()
        }
        Ok((p, published)) => {
            let update = m.incident.outward.status_page.incident.is_some();
            let url = published.url();
            let text = format!(
                "Status page {} ({}): {url}",
                if update { "updated" } else { "published" },
                p.status
            );
            m.say(Tone::Good, text.clone());
            vec![Effect::Append(
                fields(Draft::new(kinds::STATUSPAGE_PUBLISHED, text), &p)
                    .field("incident", published.id.clone())
                    .field("url", url)
                    .field("update", update),
            )]
        }
    }
}
