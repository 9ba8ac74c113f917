//! The command line, as PRODUCT.md defines it.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use crate::export::Format;

#[derive(Debug, Parser)]
#[command(
    name = "warroom",
    version,
    about = "Incident console: priority clock, checklist, deploy, error rate, git and the record",
    after_help = "Without a command, reopens the console of the only open incident.\n\
                  WARROOM_HOME sets where incidents are kept; WARROOM_CONFIG or --config the config file."
)]
pub struct Cli {
    /// Config file (default: $WARROOM_CONFIG, ~/.config/warroom/warroom.toml, ./warroom.toml)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open a new incident and its console
    Open {
        /// Ticket id, e.g. ENG-1234 (letters, digits, '.', '_', '-')
        ticket: String,
        /// P0, P1, P2 or P3; without it, in a terminal, the urgency assessment proposes one
        #[arg(long)]
        priority: Option<String>,
        /// What is broken, in a few words
        #[arg(long)]
        title: Option<String>,
        /// When the issue was detected: 14:23, 2026-11-26 14:23 or RFC 3339 (default: now)
        #[arg(long, value_name = "TIME")]
        detected_at: Option<String>,
        /// Record the incident and exit (for scripts and alert hooks)
        #[arg(long)]
        no_console: bool,
        /// Share it on the service's git remote (as [share] enabled = true)
        #[arg(long)]
        share: bool,
        /// Page the on-call engineer: trigger a PagerDuty incident (Events API v2, the ticket
        /// as dedup key)
        #[arg(long, conflicts_with = "pagerduty")]
        page: bool,
        /// Open it even though the tracker has no such ticket (or cannot be asked)
        #[arg(long)]
        no_ticket: bool,
        /// Follow this existing PagerDuty incident instead of paging
        #[arg(long, value_name = "ID")]
        pagerduty: Option<String>,
    },
    /// Reopen the console (default: the only open incident)
    Resume { ticket: Option<String> },
    /// Follow and work on an incident shared on the service's git remote (or NATS)
    Join {
        ticket: String,
        /// Take the incident's events and exit (for scripts)
        #[arg(long)]
        no_console: bool,
    },
    /// Incidents: ticket, priority, phase, elapsed, SLA, PIR due
    List {
        /// The incidents open on the remote (git or NATS), with their seats, most urgent first
        #[arg(long)]
        remote: bool,
    },
    /// Every open incident on the remote on one screen, most urgent first; enter opens one
    Board,
    /// How an incident is shared: move it between the git remote and NATS JetStream
    Share {
        #[command(subcommand)]
        action: ShareAction,
    },
    /// Hand the commander role to another seat, with a brief written from the record
    Handoff {
        ticket: String,
        /// The seat (its id, or the person's name)
        #[arg(long, value_name = "SEAT")]
        to: String,
    },
    /// Append a note; a running console shows it live
    Note {
        ticket: String,
        #[arg(required = true, num_args = 1.., trailing_var_arg = true)]
        text: Vec<String>,
    },
    /// Append an event (e.g. deploy_finished) from scripts and CI
    Event {
        ticket: String,
        /// snake_case kind, e.g. deploy_finished
        kind: String,
        #[arg(num_args = 0..)]
        text: Vec<String>,
        /// A kind-specific field; the value is read as JSON when it parses, else as text
        #[arg(long = "field", short = 'f', value_name = "KEY=VALUE")]
        fields: Vec<String>,
    },
    /// Print or write an export of the record
    Export {
        ticket: String,
        #[arg(long, value_enum)]
        format: Format,
        /// Write to this file instead of standard output
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Close the incident and write its exports
    Close { ticket: String },
    /// The action items (notes starting TODO:) and their follow-up tickets; --create makes
    /// every ready one (with @owner and by YYYY-MM-DD) in the tracker, under the ticket
    Followups {
        ticket: String,
        /// Create the ready ones without a ticket yet
        #[arg(long)]
        create: bool,
    },
    /// Turn a feature flag from [[flags]] off or on (read back, then recorded), or print its
    /// state. Exit 0 done, 2 refused (no such flag, no token, closed), 1 failed
    Flag {
        ticket: String,
        /// The flag's name in [[flags]]
        name: String,
        #[arg(value_enum)]
        state: FlagState,
    },
    /// Git for the hotfix: branch, guard, verify, tag, revert, backport, patch
    Git {
        /// The hotfix branch to work on when the incident has none on its record (never
        /// whatever HEAD is on)
        #[arg(long, global = true, value_name = "BRANCH")]
        branch: Option<String>,
        #[command(subcommand)]
        action: GitAction,
    },
    /// A complete simulated P0 incident: needs no account, network or repository of yours
    Demo {
        /// Play the incident through without a person (branch, checks, deploy, error-rate drop,
        /// tag, backport, close)
        #[arg(long)]
        script: bool,
        /// Where to put the demo's throwaway files (default: a new temporary folder)
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Print a shell completion script: `warroom completions bash > ~/.local/share/bash-completion/completions/warroom`
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `warroom man | man -l -`, `warroom man open`
    Man {
        /// A command's own page (`warroom-open(1)`)
        command: Option<String>,
        /// Write every page (`warroom.1`, `warroom-open.1`, …) into this folder instead, for
        /// packagers
        #[arg(long, value_name = "DIR", conflicts_with = "command")]
        dir: Option<PathBuf>,
    },
    /// Validate the config, or print the default one
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
}

/// What `warroom flag` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FlagState {
    Off,
    On,
    Status,
}

#[derive(Subcommand, Debug)]
pub enum ShareAction {
    /// Move a shared incident to NATS or back to git, its events and its seats' with it; each
    /// seat runs it (the others are told on the record)
    Migrate {
        ticket: String,
        #[arg(long, value_enum)]
        to: ShareTo,
    },
}

/// Where an incident's sharing moves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ShareTo {
    Git,
    Nats,
}

#[derive(Subcommand, Debug)]
pub enum GitAction {
    /// Update the base from the remote and create the hotfix branch at its tip
    Branch {
        ticket: String,
        /// Do not fetch the base first
        #[arg(long)]
        no_fetch: bool,
        /// Branch from the local base even when it has diverged from the remote's
        #[arg(long)]
        from_local: bool,
    },
    /// The minimal-change guard: commits, files and lines against the base, and their flags
    Guard { ticket: String },
    /// After the merge: the base contains the hotfix commits
    Verify { ticket: String },
    /// Tag the next patch version on the deployed commit (annotated "Hotfix: <title>")
    Tag {
        ticket: String,
        /// The version, when there is no semver tag yet (or to choose another)
        #[arg(long)]
        version: Option<String>,
        /// The commit to tag (default: the tip of the base branch)
        #[arg(long)]
        commit: Option<String>,
        #[arg(long)]
        push: bool,
    },
    /// Rollback option 1: revert the hotfix commit (a dry run unless --yes)
    Revert {
        ticket: String,
        /// The commit to revert (default: the hotfix's newest commit)
        #[arg(long)]
        commit: Option<String>,
        /// Make the revert commit
        #[arg(long)]
        yes: bool,
    },
    /// Cherry-pick the hotfix onto new branches from each backport branch
    Backport {
        ticket: String,
        /// Branches to backport to (default: [git] backport_branches)
        #[arg(long, value_delimiter = ',')]
        branches: Vec<String>,
        #[arg(long)]
        push: bool,
        /// Push the new branches and open one pull request per backport, titled for its target
        #[arg(long)]
        pr: bool,
    },
    /// Write the hotfix commits as mailbox patches into the incident folder
    Patch { ticket: String },
    /// Push the hotfix branch and open its pull request on GitHub (or find the open one)
    Pr {
        ticket: String,
        /// Open it as a draft
        #[arg(long)]
        draft: bool,
        /// The branch to merge into (default: [git] base_branch)
        #[arg(long)]
        base: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Check the config file and say what it resolves to
    Check,
    /// Print the default config, every key documented
    Default,
}
