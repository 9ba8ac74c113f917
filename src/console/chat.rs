//! The executor's posts: the update (slack.md's text) to Slack and to Teams, the handoff brief,
//! the guard's notices. The webhooks are secrets, kept here and never in the model.

use tokio::sync::mpsc;

use crate::app::{Model, Msg};
use crate::export::chat::{Channel, Link};
use crate::incident::Incident;

/// One channel's webhook: the setting that names it, and its URL when one is set.
#[derive(Debug, Clone, Default)]
pub struct Hook {
    pub env: String,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Chat {
    pub slack: Hook,
    pub teams: Hook,
}

impl Chat {
    pub fn set_up(config: &crate::config::Config, secrets: &mut Vec<String>) -> Chat {
        let slack = std::env::var(&config.slack.webhook_env)
            .ok()
            .filter(|w| !w.trim().is_empty());
        let teams = config.teams.webhook();
        secrets.extend(slack.clone());
        secrets.extend(teams.clone());
        Chat {
            slack: Hook {
                env: config.slack.webhook_env.clone(),
                url: slack,
            },
            teams: Hook {
                env: config.teams.webhook_env.clone(),
                url: teams,
            },
        }
    }

    pub fn hook(&self, channel: Channel) -> &Hook {
        match channel {
            Channel::Slack => &self.slack,
            Channel::Teams => &self.teams,
        }
    }

    /// The channels with a webhook.
    pub fn channels(&self) -> Vec<Channel> {
        Channel::ALL
            .into_iter()
            .filter(|c| self.hook(*c).url.is_some())
            .collect()
    }

    /// Why there is nothing to post to, or nothing.
    pub fn missing(&self, channel: Channel) -> Option<String> {
        let hook = self.hook(channel);
        hook.url.is_none().then(|| match channel {
            Channel::Slack => format!(
                "no webhook: export {} with the incoming-webhook URL",
                hook.env
            ),
            Channel::Teams => format!(
                "no webhook: export {} with the Workflows webhook URL (or set [teams] webhook_command)",
                hook.env
            ),
        })
    }

    /// Posts `text` to `to`, or to every channel with a webhook (Slack's lack is said when
    /// none has one); each result comes back as `ChatPosted`.
    pub fn post(&self, model: &Model, to: Option<Channel>, text: String, tx: &mpsc::Sender<Msg>) {
        let channels: Vec<Channel> = match to {
            Some(c) => vec![c],
            None => match self.channels() {
                set if set.is_empty() => vec![Channel::Slack],
                set => set,
            },
        };
        let links = links(&model.incident);
        for channel in channels {
            let tx = tx.clone();
            let url = self.hook(channel).url.clone();
            let (text, links) = (text.clone(), links.clone());
            tokio::spawn(async move {
                let r = match url {
                    None => Err("no webhook configured".to_string()),
                    Some(url) => send(channel, &url, &text, &links).await,
                };
                let _ = tx.send(Msg::ChatPosted(channel, r)).await;
            });
        }
    }

    /// The guard's notice, to every channel with a webhook; a failure is said in the footer
    /// (it is not a status update, so it is not recorded as one).
    pub fn notify(&self, text: String, tx: &mpsc::Sender<Msg>) {
        for channel in Channel::ALL {
            let Some(url) = self.hook(channel).url.clone() else {
                continue;
            };
            let (tx, text) = (tx.clone(), text.clone());
            tokio::spawn(async move {
                if let Err(e) = send(channel, &url, &text, &[]).await {
                    let name = channel.name();
                    let _ = tx
                        .send(Msg::Failed(format!("{name}: the guard's notice: {e}")))
                        .await;
                }
            });
        }
    }
}

async fn send(channel: Channel, url: &str, text: &str, links: &[Link]) -> Result<(), String> {
    match channel {
        Channel::Slack => crate::export::slack::post(url, text).await,
        Channel::Teams => crate::export::teams::post(url, text, links).await,
    }
}

/// The links on the record a card carries as buttons.
fn links(inc: &Incident) -> Vec<Link> {
    let mut out = Vec::new();
    if let Some(pr) = &inc.pr {
        out.push(Link {
            title: format!("Pull request #{}", pr.number),
            url: pr.url.clone(),
        });
    }
    if let Some(page) = &inc.outward.page.incident {
        out.push(Link {
            title: format!("PagerDuty #{}", page.number),
            url: page.url.clone(),
        });
    }
    if let Some(url) = inc
        .outward
        .status_page
        .published
        .iter()
        .rev()
        .find_map(|p| p.url.clone())
    {
        out.push(Link {
            title: "Status page".into(),
            url,
        });
    }
    out
}
