//! The console set up once, from the loaded configuration: the model as the journal folds it,
//! and the executor with the services the configuration names.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use chrono::Utc;
use tokio::sync::mpsc;

use super::effects::Executor;
use super::errors::ErrorsSetup;
use super::pull_request::GithubLink;
use super::share::ShareLink;
use crate::app::error_rate::ErrorRate;
use crate::app::log_view::LineKind;
use crate::app::model::Tone;
use crate::app::{Model, Msg};
use crate::config::Loaded;
use crate::config::palette::Palette;
use crate::export::record::{Documents, exports_dir};
use crate::git::GitSetup;
use crate::incident::Record;
use crate::journal::Store;
use crate::output::Redactor;
use crate::runbook::Runbook;

/// Room in the loop's queue: producers wait (or count what they skip) when it is full.
const QUEUE: usize = 8192;

/// A console ready to take the terminal.
pub struct Console {
    pub model: Model,
    pub executor: Executor,
    pub tx: mpsc::Sender<Msg>,
    pub rx: mpsc::Receiver<Msg>,
    pub errors: Option<ErrorsSetup>,
    /// The metric gates that can poll.
    pub gates: Vec<crate::metrics::Gate>,
    pub git: Option<GitSetup>,
}

/// Reads and folds the journal of `ticket` and prepares everything the configuration names.
pub fn prepare(
    store: &Store,
    ticket: &str,
    loaded: &Loaded,
    cwd: &Path,
) -> anyhow::Result<Console> {
    let journal = store.journal_path(ticket);
    let Record {
        incident,
        warnings,
        reader,
    } = Record::open(&journal, ticket, loaded.checklist.clone())
        .with_context(|| format!("reading {}", journal.display()))?;
    let config = &loaded.config;
    let runbook = Runbook::from_config(config, cwd);
    let documents = Documents::new(loaded, &runbook);
    let mut model = Model::new(incident, config.policy(), loaded.keymap.clone(), Utc::now())
        .with_runbook(runbook);
    model.utc = config.ui.utc;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    model.palette = Palette::from_config(&config.theme, no_color);
    model.ascii = config
        .theme
        .ascii_for(std::env::var("TERM").ok().as_deref());
    model.bell_enabled = config.ui.bell;
    if let Some(p) = &loaded.path {
        model.config_name = p.display().to_string();
    }
    model.incident_dir = store.incident_dir(ticket);
    if let Some(w) = warnings.last() {
        model.say(Tone::Warn, w.clone());
    } else if model.read_only() {
        model.say(
            Tone::Info,
            "This incident is closed: shown read-only (notes still go in; e rewrites the exports)",
        );
    }
    if model.read_only() {
        list_exports(&mut model);
    }
    model.warnings = warnings;

    let errors = ErrorsSetup::new(config, &model.config_name, model.incident.detected_at);
    let mut secrets = Vec::new();
    match &errors {
        Ok((setup, token)) => {
            secrets.push(token.clone());
            match setup {
                ErrorsSetup::Sentry(s) => {
                    model.error_rate = ErrorRate::new(&config.sentry);
                    model.register_deploy = config
                        .sentry
                        .register_deploy
                        .then(|| config.sentry.release.clone());
                    tracing::info!(org = s.client.org(), "polling Sentry");
                }
                ErrorsSetup::Rollbar(_) => {
                    model.error_rate = ErrorRate::rollbar(&config.rollbar);
                    model.register_deploy = config.rollbar.register_deploy.then_some(None);
                    tracing::info!("polling Rollbar");
                }
            }
        }
        Err(what) => {
            model.error_rate = ErrorRate::unconfigured(what.clone());
            model.error_rate.source = config.errors.source;
        }
    }
    let mut gates = Vec::new();
    for (i, cfg) in config.metrics.iter().enumerate() {
        let mut view = crate::app::metrics::Gate::new(cfg);
        match crate::metrics::Gate::new(i, cfg, &config.sentry) {
            Ok((gate, keys)) => {
                secrets.extend(keys);
                gates.push(gate);
            }
            Err(what) => view.state = crate::app::metrics::GateState::Unconfigured(what),
        }
        model.metrics.push(view);
    }
    let mut flags = Vec::new();
    for cfg in &config.flags {
        let mut view = crate::app::flags::FlagView::new(cfg);
        match crate::flags::Flag::new(cfg) {
            Ok((flag, keys)) => {
                secrets.extend(keys);
                flags.push(flag);
            }
            Err(what) => view.unavailable = Some(what),
        }
        model.flags.push(view);
    }
    model.guard = crate::app::guard::Guard::new(&config.guard);
    if model.error_rate.unconfigured.is_some() && !model.metrics.is_empty() {
        model.chart = 1;
    }
    let outward = super::outward::set_up(config, &mut model, &mut secrets);
    model.tickets = crate::app::tickets::TicketsView::from_config(&config.tickets);
    let tracker = match crate::tickets::connect(config, cwd) {
        Ok(Some((tracker, token))) => {
            secrets.push(token);
            Some(tracker)
        }
        Ok(None) => None,
        Err(e) => {
            model.tickets.unavailable = Some(e);
            None
        }
    };
    let github_token = crate::github::token(&config.github);
    if github_token.is_none() {
        model.github.unavailable = Some(crate::github::no_token(&config.github));
    }
    secrets.extend(github_token.clone());
    let chat = super::chat::Chat::set_up(config, &mut secrets);
    model.chat = chat.channels();
    let redactor = Arc::new(Redactor::from_env(&config.redact.env).with_values(secrets));
    model.redactor = redactor.clone();

    // libgit2 starts on the git thread, at its first job: its start-up (OpenSSL's CA bundle)
    // stays off the first frame.
    let git = match crate::git::find_git_dir(&config.git, cwd) {
        Ok(git_dir) => Some(GitSetup {
            cfg: config.git.clone(),
            cwd: cwd.to_path_buf(),
            git_dir,
        }),
        Err(e) => {
            model.git.unavailable = Some(format!("git: {e}"));
            None
        }
    };
    model.git_cfg = config.git.clone();
    model.share.me = reader.share().cloned();
    if git.is_none() {
        model.share.unavailable = model.git.unavailable.clone();
    }

    let (tx, rx) = mpsc::channel(QUEUE);
    let executor = Executor::new(
        store.writer(ticket)?.with_redactor(redactor.clone()),
        reader,
        store.incident_dir(ticket),
        redactor,
        tx.clone(),
    )
    .with_documents(documents, chat)
    .with_github(GithubLink {
        cfg: config.github.clone(),
        git: config.git.clone(),
        cwd: cwd.to_path_buf(),
        token: github_token,
    })
    .with_flags(super::flags::Flags::new(flags))
    .with_outward(outward)
    .with_tickets(super::tickets::Desk::new(tracker))
    .with_share(ShareLink {
        git: config.git.clone(),
        cfg: config.share.clone(),
        cwd: cwd.to_path_buf(),
        home: store.root().to_path_buf(),
        ticket: ticket.to_string(),
        dir: store.incident_dir(ticket),
    });
    Ok(Console {
        model,
        executor,
        tx,
        rx,
        errors: errors.ok().map(|(setup, _)| setup),
        gates,
        git,
    })
}

/// A closed incident opens on the list of its documents.
fn list_exports(model: &mut Model) {
    let dir = exports_dir(&model.incident_dir);
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    model
        .log
        .push(format!("━━ exports in {}", dir.display()), LineKind::Header);
    for f in files {
        model.log.push(f, LineKind::Note);
    }
}
