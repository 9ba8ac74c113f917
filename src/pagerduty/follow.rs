//! Following the PagerDuty incident while the incident is open: found on the service by its
//! dedup key or title (the ticket) until it appears, then read each interval, with who is on
//! call for the service every few intervals; a state is sent only when something changed.

use std::time::Duration;

use tokio::sync::mpsc;

use super::api::Incident;
use super::client::{Client, PdError};
use super::{PageState, PagerMsg};

/// Which incident to follow.
#[derive(Debug, Clone, PartialEq)]
pub enum Find {
    /// Linked: this one.
    Id(String),
    /// The open incident on the service whose dedup key or title names this ticket.
    Ticket(String),
}

/// Whether an incident is the one paged for `ticket`: its dedup key is the ticket, or its
/// title names it as a word.
pub fn names_ticket(inc: &Incident, ticket: &str) -> bool {
    if inc
        .incident_key
        .as_deref()
        .is_some_and(|k| k.eq_ignore_ascii_case(ticket))
    {
        return true;
    }
    let title = inc.title.to_ascii_uppercase();
    let t = ticket.to_ascii_uppercase();
    title.match_indices(&t).any(|(i, _)| {
        let before = title[..i].chars().next_back();
        let after = title[i + t.len()..].chars().next();
        let word = |c: Option<char>| c.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '-'));
        word(before) && word(after)
    })
}

pub fn state(inc: &Incident, on_call: Vec<(u32, String)>) -> PageState {
    let acknowledgers = if inc.status == "acknowledged" {
        inc.acknowledgements
            .iter()
            .map(|a| (a.acknowledger.name().to_string(), a.at))
            .collect()
    } else {
        Vec::new()
    };
    PageState {
        id: inc.id.clone(),
        number: inc.incident_number,
        title: inc.title.clone(),
        url: inc.html_url.clone(),
        status: inc.status.clone(),
        acknowledgers,
        changed_by: inc
            .last_status_change_by
            .as_ref()
            .map(|r| r.name().to_string()),
        on_call,
    }
}

/// The longest wait between polls while PagerDuty keeps limiting them.
const MAX_BACKOFF: Duration = Duration::from_secs(10 * 60);

/// Who is on call changes at a shift's end, not from one poll to the next: it is read every
/// this many polls (and whenever the incident's status changed).
const ON_CALL_EVERY: u32 = 4;

struct Poll {
    find: Find,
    service: String,
    policy: Option<String>,
    round: u32,
    /// The incident's status and who was on call at the last read of `/oncalls`.
    on_call: Option<(String, Vec<(u32, String)>)>,
}

impl Poll {
    async fn once(&mut self, client: &Client) -> Result<Option<PageState>, PdError> {
        let id = match &self.find {
            Find::Id(id) => id.clone(),
            Find::Ticket(ticket) => {
                let open = client.open_incidents(&self.service).await?;
                match open.iter().find(|i| names_ticket(i, ticket)) {
                    Some(i) => {
                        self.find = Find::Id(i.id.clone());
                        i.id.clone()
                    }
                    None => return Ok(None),
                }
            }
        };
        let inc = client.incident(&id).await?;
        if self.policy.is_none() {
            self.policy = Some(match &inc.escalation_policy {
                Some(p) => p.id.clone(),
                None => client.service(&self.service).await?.escalation_policy.id,
            });
        }
        self.round = self.round.wrapping_add(1);
        let stale = match &self.on_call {
            Some((status, _)) => *status != inc.status || self.round.is_multiple_of(ON_CALL_EVERY),
            None => true,
        };
        if stale {
            let mut on_call: Vec<(u32, String)> = match &self.policy {
                Some(p) => client
                    .oncalls(p)
                    .await?
                    .into_iter()
                    .filter_map(|o| Some((o.escalation_level, o.user?.name().to_string())))
                    .collect(),
                None => Vec::new(),
            };
            on_call.sort();
            on_call.dedup();
            self.on_call = Some((inc.status.clone(), on_call));
        }
        let on_call = self
            .on_call
            .as_ref()
            .map(|(_, o)| o.clone())
            .unwrap_or_default();
        Ok(Some(state(&inc, on_call)))
    }
}

/// Follows the incident until the receiver is gone (the console quit). A resolved one is
/// read more slowly: it may be reopened.
pub async fn run(
    client: Client,
    service: String,
    find: Find,
    every: Duration,
    poke: std::sync::Arc<tokio::sync::Notify>,
    tx: mpsc::Sender<PagerMsg>,
) {
    let mut poll = Poll {
        find,
        service,
        policy: None,
        round: 0,
        on_call: None,
    };
    let mut last: Option<PageState> = None;
    let mut backoff: Option<Duration> = None;
    let mut failing: Option<String> = None;
    loop {
        let resolved = last.as_ref().is_some_and(|s| s.status == "resolved");
        let mut wait = if resolved { every * 4 } else { every };
        match poll.once(&client).await {
            Ok(Some(state)) => {
                let recovered = backoff.take().is_some() || failing.take().is_some();
                if recovered || last.as_ref() != Some(&state) {
                    last = Some(state.clone());
                    if tx.send(PagerMsg::State(state)).await.is_err() {
                        return;
                    }
                }
            }
            Ok(None) => {
                let said = format!(
                    "no open incident on service {} names the ticket yet (dedup key or title)",
                    poll.service
                );
                if failing.as_ref() != Some(&said) {
                    failing = Some(said.clone());
                    if tx.send(PagerMsg::Error(said)).await.is_err() {
                        return;
                    }
                }
            }
            Err(e) => {
                // PagerDuty names the wait: it is honoured as said (never above the cap).
                if let Some(w) = e.wait() {
                    let w = w.min(MAX_BACKOFF);
                    backoff = Some(w);
                    wait = wait.max(w);
                }
                let said = e.to_string();
                if failing.as_ref() != Some(&said) {
                    failing = Some(said.clone());
                    if tx.send(PagerMsg::Error(said)).await.is_err() {
                        return;
                    }
                }
            }
        }
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            // An action from this console: read its outcome now (not while rate-limited).
            () = poke.notified(), if backoff.is_none() => {}
        }
    }
}
