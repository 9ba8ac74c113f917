//! The page and the status page in the review: the PagerDuty incident (paged or linked, who
//! acknowledged it and how long it took, responders, status updates, resolved) and every
//! publication on Statuspage, from the record.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::incident::Incident;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Communication {
    pub page: Vec<String>,
    pub published: Vec<String>,
}

fn utc(t: DateTime<Utc>) -> String {
    format!("{} UTC", crate::format::utc_minute(t))
}

pub fn communication(inc: &Incident) -> Communication {
    let page = &inc.outward.page;
    let mut lines = Vec::new();
    if let Some((at, _)) = &page.triggered {
        lines.push(format!("Paged through PagerDuty at {}", utc(*at)));
    }
    if let Some(i) = &page.incident {
        lines.push(format!("PagerDuty incident #{}: {}", i.number, i.url));
        let since = page.triggered.as_ref().map_or(i.since, |(at, _)| *at);
        lines.push(match &page.acknowledged {
            Some((who, at)) => format!(
                "Acknowledged on PagerDuty by {who} at {} ({} after the page)",
                utc(*at),
                crate::format::duration((*at - since).to_std().unwrap_or_default())
            ),
            None if page.resolved.is_some() => "Not acknowledged before it was resolved".into(),
            None => "⚠ Not acknowledged on PagerDuty".into(),
        });
        if !page.responders.is_empty() {
            lines.push(format!(
                "Responders requested: {}",
                page.responders.join(", ")
            ));
        }
        if page.status_updates > 0 {
            lines.push(format!(
                "{} posted to its stakeholders",
                crate::format::count(page.status_updates, "status update", "status updates")
            ));
        }
        if let Some(at) = page.resolved {
            lines.push(format!("Resolved on PagerDuty at {}", utc(at)));
        }
    }
    let published = inc
        .outward
        .status_page
        .published
        .iter()
        .map(|p| {
            let components: Vec<String> = p
                .components
                .iter()
                .map(|(id, s)| format!("{id} {}", s.replace('_', " ")))
                .collect();
            format!(
                "{} — {}{}: {}",
                utc(p.at),
                p.status,
                if components.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", components.join(", "))
                },
                p.url.as_deref().unwrap_or("no URL answered")
            )
        })
        .collect();
    Communication {
        page: lines,
        published,
    }
}
