//! The executor's side of the page and the status page: PagerDuty's follower and actions, and
//! Statuspage's publications, each off the loop, answering through their own messages.

use std::sync::Arc;

use tokio::sync::{Notify, mpsc};

use super::sources::forward;
use crate::app::{Model, Msg};
use crate::pagerduty::follow::Find;
use crate::pagerduty::{self, PageAction, PagerMsg};
use crate::statuspage::{self, Publication};

#[derive(Default)]
pub struct Outward {
    pager: Option<Pager>,
    follower: Option<tokio::task::JoinHandle<()>>,
    /// Wakes the follower to read PagerDuty now (after an acknowledgement from here).
    poke: Arc<Notify>,
    statuspage: Option<statuspage::Client>,
}

struct Pager {
    client: pagerduty::Client,
    service: String,
    every: std::time::Duration,
}

impl Outward {
    pub fn new(
        pager: Option<(pagerduty::Client, String, std::time::Duration)>,
        statuspage: Option<statuspage::Client>,
    ) -> Outward {
        Outward {
            pager: pager.map(|(client, service, every)| Pager {
                client,
                service,
                every,
            }),
            statuspage,
            ..Outward::default()
        }
    }

    /// Follows the incident (one follower: a new one replaces the one before).
    pub fn follow(&mut self, find: Find, tx: &mpsc::Sender<Msg>) {
        let Some(p) = &self.pager else {
            return;
        };
        if let Some(f) = self.follower.take() {
            f.abort();
        }
        let reports = forward(tx.clone(), Msg::Pager, 16);
        let (client, service, every, poke) = (
            p.client.clone(),
            p.service.clone(),
            p.every,
            self.poke.clone(),
        );
        self.follower = Some(tokio::spawn(pagerduty::follow::run(
            client, service, find, every, poke, reports,
        )));
    }

    pub fn act(&self, model: &Model, action: PageAction, tx: &mpsc::Sender<Msg>) -> Vec<Msg> {
        let Some(p) = &self.pager else {
            let result = Err("PagerDuty cannot be reached from this console (no token?)".into());
            return vec![Msg::Pager(PagerMsg::Done { action, result })];
        };
        let client = p.client.clone();
        let incident = model
            .incident
            .outward
            .page
            .incident
            .as_ref()
            .map(|i| i.id.clone());
        let inc = &model.incident;
        let summary = format!("[{}] {} {}", inc.priority, inc.ticket, inc.title);
        let (ticket, severity) = (inc.ticket.clone(), pagerduty::severity(inc.priority));
        let (tx, poke) = (tx.clone(), self.poke.clone());
        tokio::spawn(async move {
            let result = match (&action, incident) {
                (PageAction::Trigger, _) => client
                    .trigger(&ticket, &summary, severity)
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string()),
                (_, Some(id)) => pagerduty::act(&client, &id, &action).await,
                (_, None) => Err("no PagerDuty incident on the record".into()),
            };
            if result.is_ok() && matches!(action, PageAction::Acknowledge | PageAction::Resolve) {
                poke.notify_one();
            }
            let _ = tx.send(Msg::Pager(PagerMsg::Done { action, result })).await;
        });
        Vec::new()
    }

    pub fn targets(&self, tx: &mpsc::Sender<Msg>) -> Vec<Msg> {
        let Some(p) = &self.pager else {
            let e = Err("PagerDuty cannot be reached from this console".into());
            return vec![Msg::Pager(PagerMsg::Targets(e))];
        };
        let (client, tx) = (p.client.clone(), tx.clone());
        tokio::spawn(async move {
            let t = pagerduty::targets(&client).await;
            let _ = tx.send(Msg::Pager(PagerMsg::Targets(t))).await;
        });
        Vec::new()
    }

    pub fn publish(
        &self,
        existing: Option<String>,
        publication: Publication,
        tx: &mpsc::Sender<Msg>,
    ) -> Vec<Msg> {
        let Some(client) = self.statuspage.clone() else {
            let e = Err("Statuspage cannot be reached from this console (no key?)".into());
            return vec![Msg::Published(e)];
        };
        let tx = tx.clone();
        tokio::spawn(async move {
            let r = client
                .publish(existing.as_deref(), &publication)
                .await
                .map(|p| (publication, p));
            let _ = tx.send(Msg::Published(r)).await;
        });
        Vec::new()
    }

    pub fn stop(&mut self) {
        if let Some(f) = self.follower.take() {
            f.abort();
        }
    }
}

/// The clients from `[pagerduty]` and `[statuspage]`, with what the model shows of them; their
/// tokens join `secrets` (kept off the screen).
pub fn set_up(
    config: &crate::config::Config,
    model: &mut Model,
    secrets: &mut Vec<String>,
) -> Outward {
    let pd = &config.pagerduty;
    let mut pager = None;
    if let Some(service) = pd.service() {
        model.paging.service = Some(service.to_string());
        model.paging.notes = pd.notes.iter().map(|k| k.get_ref().clone()).collect();
        secrets.extend(pd.routing_key());
        match pd.token() {
            None => {
                model.paging.unavailable = Some(format!(
                    "no token: export {} (a REST API key), or set [pagerduty] token_command",
                    pd.token_env
                ))
            }
            Some(token) => {
                secrets.push(token.clone());
                match pagerduty::Client::new(pd, token) {
                    Ok(c) => pager = Some((c, service.to_string(), pd.poll_interval)),
                    Err(e) => model.paging.unavailable = Some(e),
                }
            }
        }
    }
    let sp = &config.statuspage;
    let mut status_client = None;
    if let Some(page) = sp.page() {
        model.status_page.page = Some(page.to_string());
        model.status_page.components = sp.components.clone();
        match sp.key() {
            None => {
                model.status_page.unavailable = Some(format!(
                    "no key: export {} (an API key of the page), or set [statuspage] key_command",
                    sp.key_env
                ))
            }
            Some(key) => {
                secrets.push(key.clone());
                match statuspage::Client::new(sp, key) {
                    Ok(c) => status_client = Some(c),
                    Err(e) => model.status_page.unavailable = Some(e),
                }
            }
        }
    }
    Outward::new(pager, status_client)
}
