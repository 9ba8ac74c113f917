//! The feature flags' clients, reached off the loop: each read or change is a task whose answer
//! comes back as a `FlagMsg`.

use std::sync::Arc;

use chrono::Utc;
use tokio::sync::mpsc;

use crate::app::Msg;
use crate::flags::{Flag, FlagMsg};

#[derive(Default)]
pub struct Flags {
    clients: Vec<Arc<Flag>>,
}

impl Flags {
    pub fn new(clients: Vec<Flag>) -> Flags {
        Flags {
            clients: clients.into_iter().map(Arc::new).collect(),
        }
    }

    /// Reads every flag, each in its own task.
    pub fn read_all(&self, tx: &mpsc::Sender<Msg>) {
        for flag in &self.clients {
            let (flag, tx) = (flag.clone(), tx.clone());
            tokio::spawn(async move {
                let state = flag.read().await;
                let msg = FlagMsg::State {
                    name: flag.name.clone(),
                    state,
                    at: Utc::now(),
                };
                let _ = tx.send(Msg::Flag(msg)).await;
            });
        }
    }

    pub fn set(
        &self,
        name: String,
        on: bool,
        comment: String,
        by_guard: bool,
        tx: &mpsc::Sender<Msg>,
    ) -> Vec<Msg> {
        let Some(flag) = self.clients.iter().find(|f| f.name == name).cloned() else {
            let msg = FlagMsg::Changed {
                name,
                to: on,
                result: Err("it cannot be reached from this console (no token?)".into()),
                by_guard,
                at: Utc::now(),
            };
            return vec![Msg::Flag(msg)];
        };
        let tx = tx.clone();
        tokio::spawn(async move {
            let result = flag.set(on, &comment).await;
            let msg = FlagMsg::Changed {
                name,
                to: on,
                result,
                by_guard,
                at: Utc::now(),
            };
            let _ = tx.send(Msg::Flag(msg)).await;
        });
        Vec::new()
    }
}
