//! The ticket on the record: the tracker's issue as it was read, what was written to it, the
//! writes that wait, and the action items with the follow-ups created for them.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::journal::{Event, kinds};

/// Action items kept; past this the oldest are dropped (and counted).
const MAX_ITEMS: usize = 500;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tickets {
    /// Opened with `--no-ticket`: the tracker has no issue for it.
    pub untracked: bool,
    pub linked: Option<LinkedTicket>,
    /// Comments posted, by what they are for (`fix_deployed`, `resolution`): their URL.
    pub commented: BTreeMap<String, String>,
    /// The state it was moved to.
    pub moved: Option<String>,
    /// The oldest write failure not yet followed by a success: since when, and why.
    pub failing: Option<(DateTime<Utc>, String)>,
    /// Action items, in the order they were noted.
    pub items: Vec<ActionItem>,
    pub items_dropped: usize,
    /// Each item's follow-up (by its text): created, or why not.
    pub followups: BTreeMap<String, Followup>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkedTicket {
    pub key: String,
    pub provider: String,
    pub title: String,
    pub url: String,
    pub state: String,
    pub priority: Option<String>,
    pub assignee: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Followup {
    Created { key: String, url: String },
    Failed { error: String },
}

/// A `TODO:` (or `action:`) note: `Add a test (@ana, by 2026-12-10)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionItem {
    pub text: String,
    /// The title without its owner and date.
    pub title: String,
    pub owner: Option<String>,
    pub due: Option<NaiveDate>,
}

impl ActionItem {
    /// What it lacks before it can become a ticket: the owner, the due date.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.owner.is_none() {
            out.push("an owner (@name)");
        }
        if self.due.is_none() {
            out.push("a due date (by YYYY-MM-DD)");
        }
        out
    }

    pub fn ready(&self) -> bool {
        self.owner.is_some() && self.due.is_some()
    }
}

/// The action item a note holds, if it is one (`TODO:`, `action:`, any case).
pub fn action_text(note: &str) -> Option<&str> {
    let t = note.trim();
    ["todo", "action"].iter().find_map(|tag| {
        let head = t.get(..tag.len())?;
        head.eq_ignore_ascii_case(tag)
            .then(|| t[tag.len()..].trim_start())
            .and_then(|rest| rest.strip_prefix(':'))
            .map(str::trim)
            .filter(|rest| !rest.is_empty())
    })
}

/// An action item's owner (`@name`) and due date (`by YYYY-MM-DD`, `due YYYY-MM-DD`), wherever
/// they are in its text; the title is the text without them and their brackets.
pub fn parse_item(text: &str) -> ActionItem {
    let words: Vec<&str> = text.split_whitespace().collect();
    let clean = |w: &str| w.trim_matches(|c: char| "(),;[]".contains(c)).to_string();
    let mut owner = None;
    let mut due = None;
    let mut keep = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = clean(words[i]);
        if owner.is_none() && w.starts_with('@') && w.len() > 1 {
            owner = Some(w);
        } else if due.is_none()
            && (w.eq_ignore_ascii_case("by") || w.eq_ignore_ascii_case("due"))
            && let Some(d) = words
                .get(i + 1)
                .and_then(|n| NaiveDate::parse_from_str(&clean(n), "%Y-%m-%d").ok())
        {
            due = Some(d);
            i += 1;
        } else if !w.is_empty() {
            keep.push(words[i]);
        }
        i += 1;
    }
    let title = keep
        .join(" ")
        .trim_matches(|c: char| c == '(' || c == ')' || c == ',' || c.is_whitespace())
        .to_string();
    ActionItem {
        text: text.trim().to_string(),
        title: if title.is_empty() {
            text.trim().to_string()
        } else {
            title
        },
        owner,
        due,
    }
}

impl Tickets {
    pub fn apply(&mut self, ev: &Event) {
        match ev.kind.as_str() {
            kinds::TICKET_LINKED => {
                let s = |k: &str| ev.str_field(k).unwrap_or_default().to_string();
                self.linked = Some(LinkedTicket {
                    key: s("key"),
                    provider: s("provider"),
                    title: s("title"),
                    url: s("url"),
                    state: s("state"),
                    priority: ev.str_field("priority").map(str::to_string),
                    assignee: ev.str_field("assignee").map(str::to_string),
                });
            }
            kinds::TICKET_COMMENTED => {
                if let Some(of) = ev.str_field("of") {
                    let url = ev.str_field("url").unwrap_or_default().to_string();
                    self.commented.insert(of.to_string(), url);
                }
                self.failing = None;
            }
            kinds::TICKET_MOVED => {
                self.moved = ev.str_field("state").map(str::to_string);
                self.failing = None;
            }
            kinds::TICKET_WRITE_FAILED if self.failing.is_none() => {
                let error = ev.str_field("error").unwrap_or_default().to_string();
                self.failing = Some((ev.at, error));
            }
            kinds::TICKET_WRITE_FAILED => {
                if let (Some(f), Some(e)) = (&mut self.failing, ev.str_field("error")) {
                    f.1 = e.to_string();
                }
            }
            kinds::NOTE => {
                if let Some(t) = action_text(&ev.text) {
                    if self.items.len() == MAX_ITEMS {
                        self.items.remove(0);
                        self.items_dropped += 1;
                    }
                    self.items.push(parse_item(t));
                }
            }
            kinds::FOLLOWUP_CREATED | kinds::FOLLOWUP_FAILED => {
                let Some(item) = ev.str_field("item") else {
                    return;
                };
                let f = match (ev.str_field("key"), ev.str_field("url")) {
                    (Some(key), Some(url)) if ev.is(kinds::FOLLOWUP_CREATED) => Followup::Created {
                        key: key.to_string(),
                        url: url.to_string(),
                    },
                    _ => Followup::Failed {
                        error: ev.str_field("error").unwrap_or_default().to_string(),
                    },
                };
                self.followups.insert(item.to_string(), f);
            }
            _ => {}
        }
    }

    /// The action items ready to become tickets and without one yet.
    pub fn to_create(&self) -> impl Iterator<Item = &ActionItem> {
        self.items.iter().filter(|i| {
            i.ready() && !matches!(self.followups.get(&i.text), Some(Followup::Created { .. }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_names_its_owner_and_date_anywhere() {
        let i = parse_item("Add test for expired token validation (@engineer, by 2026-12-10)");
        assert_eq!(i.title, "Add test for expired token validation");
        assert_eq!(i.owner.as_deref(), Some("@engineer"));
        assert_eq!(i.due, NaiveDate::from_ymd_opt(2026, 12, 10));
        let j = parse_item("@ana due 2026-01-02 rotate the keys");
        assert_eq!((j.title.as_str(), j.ready()), ("rotate the keys", true));
        let k = parse_item("rotate by Friday");
        assert_eq!(
            k.missing(),
            vec!["an owner (@name)", "a due date (by YYYY-MM-DD)"]
        );
        assert_eq!(k.title, "rotate by Friday");
    }

    #[test]
    fn notes_are_action_items_only_with_their_tag() {
        assert_eq!(action_text("TODO: add a test"), Some("add a test"));
        assert_eq!(action_text("action : alert on 5xx"), Some("alert on 5xx"));
        assert_eq!(action_text("todos are fine"), None);
        assert_eq!(action_text("TODO:"), None);
    }
}
