//! What each command does. Errors come back as [`Fail`]: usage/config problems exit 2,
//! everything else 1.

pub mod args;
pub mod config_check;
mod config_cmd;
mod documents;
mod flag;
mod git;
mod manual;
mod paging;
mod record;
mod share;
mod start;
mod tickets;
pub mod time;

use config_cmd::*;
use documents::*;
use git::*;
use record::*;
use share::*;
use start::*;

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::Utc;
use serde_json::Value;

pub use args::{Cli, Command, ConfigAction, Format, GitAction, ShareAction, ShareTo};

use crate::assess;
use crate::clock::{self, Sla};
use crate::config::{self, EXAMPLE_CONFIG, Loaded};
use crate::export::record::{Documents, exports_dir, record, write_recorded};
use crate::export::review::Review;
use crate::export::{self, Written};
use crate::incident::{Incident, Record};
use crate::journal::event::rfc3339_string;
use crate::journal::store::{StoreError, validate_ticket};
use crate::journal::{Draft, Kind, Store, describe, kinds};
use crate::output::Redactor;
use crate::priority::Priority;
use crate::runbook::Runbook;

#[derive(Debug)]
pub enum Fail {
    /// Bad arguments or config: exit 2.
    Usage(String),
    /// A git conflict; nothing was changed: exit 3.
    Conflict(String),
    /// Anything else: exit 1.
    Other(anyhow::Error),
    /// Ended by a signal or Ctrl-C, the terminal restored: this status, nothing to say.
    Exit(u8),
}

impl From<anyhow::Error> for Fail {
    fn from(e: anyhow::Error) -> Fail {
        Fail::Other(e)
    }
}

impl From<config::ConfigError> for Fail {
    fn from(e: config::ConfigError) -> Fail {
        Fail::Usage(e.to_string())
    }
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Fail {
        match e {
            StoreError::Io(e) => Fail::Other(e.into()),
            other => Fail::Usage(other.to_string()),
        }
    }
}

type Result<T> = std::result::Result<T, Fail>;

struct Ctx {
    store: Store,
    config_flag: Option<PathBuf>,
    cwd: PathBuf,
}

impl Ctx {
    fn config(&self) -> Result<Loaded> {
        Ok(config::load(self.config_flag.as_deref(), &self.cwd)?)
    }

    /// The ticket as it is on record (tickets are case-insensitive).
    fn ticket(&self, ticket: &str) -> Result<String> {
        validate_ticket(ticket).map_err(Fail::Usage)?;
        self.store
            .find(ticket)
            .ok_or_else(|| StoreError::Missing(ticket.to_string()).into())
    }

    /// How far the review in `exports/pir.md` is; a review with no prompt left is recorded
    /// (`pir_completed`) the first time it is seen, which ticks its checklist item.
    fn review(&self, ticket: &str, inc: &Incident) -> Result<Review> {
        let review = Review::read(&self.store.incident_dir(ticket).join("exports"));
        if review == Review::Complete && !inc.pir_completed {
            self.store
                .writer(ticket)?
                .append(Draft::new(
                    kinds::PIR_COMPLETED,
                    "Post-incident review completed: exports/pir.md has no ⚠ prompt left",
                ))
                .context("recording the completed review")?;
        }
        Ok(review)
    }

    /// Reads and folds the journal of `ticket`, which must be as it is on record.
    fn incident(&self, ticket: &str, loaded: &Loaded) -> Result<Record> {
        Ok(Record::open(
            &self.store.journal_path(ticket),
            ticket,
            loaded.checklist.clone(),
        )
        .with_context(|| format!("reading the journal of {ticket}"))?)
    }

    /// What the documents need from the configuration.
    fn documents(&self, loaded: &Loaded) -> Documents {
        Documents::new(loaded, &Runbook::from_config(&loaded.config, &self.cwd))
    }
}

pub fn run(cli: Cli) -> Result<()> {
    let ctx = Ctx {
        store: Store::new(Store::default_root()),
        config_flag: cli.config,
        cwd: std::env::current_dir().context("reading the current directory")?,
    };
    match cli.command {
        None => resume(&ctx, None),
        Some(Command::Resume { ticket }) => resume(&ctx, ticket),
        Some(Command::Open {
            ticket,
            priority,
            title,
            detected_at,
            no_console,
            share,
            page,
            pagerduty,
            no_ticket,
        }) => {
            let paging = match (page, pagerduty) {
                (true, _) => Some(paging::Paging::Trigger),
                (false, Some(id)) => Some(paging::Paging::Link(id)),
                (false, None) => None,
            };
            open(
                &ctx,
                &ticket,
                priority,
                title,
                detected_at,
                start::OpenWith {
                    no_console,
                    share,
                    paging,
                    no_ticket,
                },
            )
        }
        Some(Command::List { remote: false }) => list(&ctx),
        Some(Command::List { remote: true }) => list_remote(&ctx),
        Some(Command::Join { ticket, no_console }) => join(&ctx, &ticket, no_console),
        Some(Command::Board) => board(&ctx),
        Some(Command::Share {
            action: ShareAction::Migrate { ticket, to },
        }) => migrate(
            &ctx,
            &ticket,
            match to {
                ShareTo::Git => crate::journal::Backend::Git,
                ShareTo::Nats => crate::journal::Backend::Nats,
            },
        ),
        Some(Command::Handoff { ticket, to }) => handoff(&ctx, &ticket, &to),
        Some(Command::Note { ticket, text }) => note(&ctx, &ticket, &text.join(" ")),
        Some(Command::Event {
            ticket,
            kind,
            text,
            fields,
        }) => event(&ctx, &ticket, &kind, &text.join(" "), &fields),
        Some(Command::Export {
            ticket,
            format,
            out,
        }) => export_cmd(&ctx, &ticket, format, out.as_deref()),
        Some(Command::Close { ticket }) => close(&ctx, &ticket),
        Some(Command::Followups { ticket, create }) => tickets::followups(&ctx, &ticket, create),
        Some(Command::Flag {
            ticket,
            name,
            state,
        }) => flag::flag(&ctx, &ticket, &name, state),
        Some(Command::Config { action }) => config_cmd(&ctx, action),
        Some(Command::Git { action, branch }) => git_cmd(&ctx, action, branch),
        Some(Command::Demo { script, dir }) => demo(script, dir),
        Some(Command::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "warroom", &mut std::io::stdout());
            Ok(())
        }
        Some(Command::Man { command, dir }) => man(command.as_deref(), dir.as_deref()),
    }
}

fn man(command: Option<&str>, dir: Option<&Path>) -> Result<()> {
    if let Some(dir) = dir {
        let n = manual::write_all(dir)?;
        println!("Wrote {n} manual pages in {}", dir.display());
        return Ok(());
    }
    let page = match command {
        None => manual::main_page()?,
        Some(name) => manual::command_page(name)?.ok_or_else(|| {
            Fail::Usage(format!("no command {name:?}: `warroom --help` lists them"))
        })?,
    };
    std::io::stdout()
        .write_all(&page)
        .context("writing the manual page")?;
    Ok(())
}

fn prompt_line(question: &str) -> Result<String> {
    let mut out = std::io::stdout();
    write!(out, "{question}")
        .and_then(|()| out.flush())
        .context("writing the prompt")?;
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the answer")?;
    Ok(line.trim().to_string())
}
