//! The executor's error source: Sentry's or Rollbar's poller, the deploy registered with it, and
//! the new errors of an environment before production; the token stays here, never in the model.

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch};

use super::sources::forward;
use crate::app::Msg;
use crate::config::{Config, ErrorSource, RollbarConfig};
use crate::rollbar::poller::PollerConfig as RollbarPoller;
use crate::sentry::{SentryMsg, SentrySetup};

#[derive(Debug, Clone)]
pub struct RollbarSetup {
    pub client: crate::rollbar::Client,
    pub poller: RollbarPoller,
    pub username: Option<String>,
}

impl RollbarSetup {
    /// The client and the poller's settings, and the token (to redact it everywhere); or what
    /// the user must set, shown in the pane.
    pub fn new(
        r: &RollbarConfig,
        detected_at: DateTime<Utc>,
    ) -> Result<(RollbarSetup, String), String> {
        let token = r.token().ok_or_else(|| {
            format!(
                "No Rollbar token: export {} (a project access token with the read scope; post_server_item as well to register deploys), or set [rollbar] token_command",
                r.token_env
            )
        })?;
        let client =
            crate::rollbar::Client::new(&r.base_url, token.clone(), &r.token_env, r.timeout)?;
        let poller = RollbarPoller {
            environment: r.environment.clone(),
            min_level: r.min_level,
            interval: r.poll_interval,
            window: r.window,
            history_from: detected_at - chrono::Duration::from_std(r.baseline).unwrap_or_default(),
        };
        Ok((
            RollbarSetup {
                client,
                poller,
                username: r.username.clone(),
            },
            token,
        ))
    }
}

/// The configured source, ready to poll.
#[derive(Debug, Clone)]
pub enum ErrorsSetup {
    Sentry(SentrySetup),
    Rollbar(RollbarSetup),
}

impl ErrorsSetup {
    /// The source `[errors]` names, with its token; or what to set.
    pub fn new(
        config: &Config,
        config_file: &str,
        detected_at: DateTime<Utc>,
    ) -> Result<(ErrorsSetup, String), String> {
        match config.errors.source {
            ErrorSource::Sentry => SentrySetup::new(&config.sentry, config_file, detected_at)
                .map(|(s, t)| (ErrorsSetup::Sentry(s), t)),
            ErrorSource::Rollbar => RollbarSetup::new(&config.rollbar, detected_at)
                .map(|(s, t)| (ErrorsSetup::Rollbar(s), t)),
        }
    }
}

/// The running poller.
pub struct Errors {
    setup: ErrorsSetup,
    task: tokio::task::JoinHandle<()>,
}

impl Errors {
    pub fn start(
        setup: ErrorsSetup,
        tx: &mpsc::Sender<Msg>,
        deploys: watch::Receiver<Option<DateTime<Utc>>>,
    ) -> Errors {
        let to_loop = forward(tx.clone(), Msg::Sentry, 16);
        let task = match &setup {
            ErrorsSetup::Sentry(s) => {
                crate::sentry::poller::spawn(s.client.clone(), s.poller.clone(), to_loop, deploys)
            }
            ErrorsSetup::Rollbar(r) => {
                crate::rollbar::poller::spawn(r.client.clone(), r.poller.clone(), to_loop, deploys)
            }
        };
        Errors { setup, task }
    }

    pub fn stop(self) {
        self.task.abort();
    }

    /// Registers the production deploy of `release` (Sentry's release, Rollbar's revision) by
    /// `person`; the result comes back as `DeployRegistered`.
    pub fn register_deploy(
        &self,
        release: String,
        started: DateTime<Utc>,
        finished: DateTime<Utc>,
        person: String,
        tx: &mpsc::Sender<Msg>,
    ) {
        let setup = self.setup.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            let r = match &setup {
                ErrorsSetup::Sentry(s) => {
                    crate::sentry::poller::register_deploy(
                        &s.client,
                        &release,
                        &s.environment,
                        &s.poller.project,
                        started,
                        finished,
                    )
                    .await
                }
                ErrorsSetup::Rollbar(r) => crate::rollbar::poller::register_deploy(
                    &r.client,
                    &r.poller.environment,
                    &release,
                    &person,
                    r.username.as_deref(),
                    "warroom hotfix deploy",
                )
                .await
                .map(|_| release),
            };
            let _ = tx.send(Msg::Sentry(SentryMsg::DeployRegistered(r))).await;
        });
    }

    /// The new errors of `environment` since `since`, asked once.
    pub fn environment_issues(
        &self,
        environment: String,
        since: DateTime<Utc>,
        reply: impl FnOnce(Result<Vec<crate::sentry::api::Issue>, String>) -> Msg + Send + 'static,
        tx: &mpsc::Sender<Msg>,
    ) {
        let setup = self.setup.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            let r = match &setup {
                ErrorsSetup::Sentry(s) => crate::sentry::poller::environment_issues(
                    &s.client,
                    &s.poller.project,
                    &environment,
                    since,
                )
                .await
                .map_err(|e| e.to_string()),
                ErrorsSetup::Rollbar(r) => crate::rollbar::poller::new_items(
                    &r.client,
                    &environment,
                    r.poller.min_level,
                    since,
                )
                .await
                .map_err(|e| e.to_string()),
            };
            let _ = tx.send(reply(r)).await;
        });
    }
}
