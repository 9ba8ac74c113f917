//! The executor's side of the ticket: one reader, one writer fed the record's list of writes
//! (it goes through them in order, waits out failures with a growing backoff or the tracker's
//! own wait, and says so), and follow-ups created one after another.

use std::collections::HashSet;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use crate::app::Msg;
use crate::tickets::write::{self, Write};
use crate::tickets::{NewIssue, TicketMsg, Tracker};

const FIRST_WAIT: Duration = Duration::from_secs(5);
const LONGEST_WAIT: Duration = Duration::from_secs(300);

/// The ticket to write to, and what to write, in order.
pub type Outbox = (String, Vec<Write>);

pub struct Desk {
    tracker: Option<Tracker>,
    outbox: watch::Sender<Outbox>,
    writing: bool,
}

impl Default for Desk {
    fn default() -> Desk {
        Desk::new(None)
    }
}

impl Desk {
    pub fn new(tracker: Option<Tracker>) -> Desk {
        Desk {
            tracker,
            outbox: watch::channel((String::new(), Vec::new())).0,
            writing: false,
        }
    }

    /// Where the writes go once their texts are complete.
    pub fn outbox(&self) -> watch::Sender<Outbox> {
        self.outbox.clone()
    }

    /// Reads the ticket, asking again until the tracker answers (a missing ticket is said once).
    pub fn read(&self, ticket: String, tx: &mpsc::Sender<Msg>) {
        let Some(tracker) = self.tracker.clone() else {
            return;
        };
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut wait = FIRST_WAIT;
            loop {
                match tracker.read(&ticket).await {
                    Ok(t) => {
                        let _ = tx.send(Msg::Ticket(TicketMsg::Read(Ok(t)))).await;
                        return;
                    }
                    Err(e) => {
                        let lasting = e.lasting;
                        let said = format!("{ticket} not read from {}: {e}", tracker.name());
                        if tx
                            .send(Msg::Ticket(TicketMsg::Read(Err(said))))
                            .await
                            .is_err()
                            || lasting
                        {
                            return;
                        }
                        tokio::time::sleep(e.wait.unwrap_or(wait)).await;
                        wait = (wait * 2).min(LONGEST_WAIT);
                    }
                }
            }
        });
    }

    /// Starts the writer, once: it follows the outbox from then on.
    pub fn start_writing(&mut self, tx: &mpsc::Sender<Msg>) {
        let Some(tracker) = self.tracker.clone().filter(|_| !self.writing) else {
            return;
        };
        self.writing = true;
        tokio::spawn(write_loop(tracker, self.outbox.subscribe(), tx.clone()));
    }

    pub fn create(&self, parent: String, issues: Vec<(String, NewIssue)>, tx: &mpsc::Sender<Msg>) {
        let tx = tx.clone();
        let Some(tracker) = self.tracker.clone() else {
            tokio::spawn(async move {
                for (item, _) in issues {
                    let result = Err("no tracker can be reached from this console".to_string());
                    let _ = tx
                        .send(Msg::Ticket(TicketMsg::Followup { item, result }))
                        .await;
                }
            });
            return;
        };
        tokio::spawn(async move {
            for (item, issue) in issues {
                let result = crate::tickets::patiently(|| tracker.follow_up(&parent, &issue))
                    .await
                    .map_err(|e| e.to_string());
                if tx
                    .send(Msg::Ticket(TicketMsg::Followup { item, result }))
                    .await
                    .is_err()
                {
                    return;
                }
            }
        });
    }
}

async fn write_loop(tracker: Tracker, mut rx: watch::Receiver<Outbox>, tx: mpsc::Sender<Msg>) {
    // Made here and not yet on the record as this list was computed: never made twice.
    let mut done: HashSet<String> = HashSet::new();
    let mut wait = FIRST_WAIT;
    loop {
        let (ticket, pending) = {
            let (ticket, writes) = &*rx.borrow_and_update();
            let pending: Vec<Write> = writes
                .iter()
                .filter(|w| !done.contains(&w.key()))
                .cloned()
                .collect();
            (ticket.clone(), pending)
        };
        let Some(next) = pending.first() else {
            if rx.changed().await.is_err() {
                return;
            }
            continue;
        };
        let msg = match write::perform(&tracker, &ticket, next).await {
            Ok(outcome) => {
                done.insert(next.key());
                wait = FIRST_WAIT;
                TicketMsg::Done(outcome)
            }
            Err(e) => {
                let report = TicketMsg::Waiting {
                    write: next.describe(),
                    error: e.to_string(),
                    pending: pending.len(),
                    retry: e.wait.unwrap_or(wait),
                };
                if tx.send(Msg::Ticket(report)).await.is_err() {
                    return;
                }
                tokio::time::sleep(e.wait.unwrap_or(wait)).await;
                wait = (wait * 2).min(LONGEST_WAIT);
                continue;
            }
        };
        if tx.send(Msg::Ticket(msg)).await.is_err() {
            return;
        }
    }
}
