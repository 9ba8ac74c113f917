//! warroom: the incident console. See README.md for the tour; the folders say the design:
//! `journal` is the record, `incident` its projection, `app` the model and its pure `update`,
//! `ui` one file per pane, `console` the loop and the tasks that feed it, `share` the seats.
#![forbid(unsafe_code)]

pub mod app;
pub mod assess;
pub mod checklist;
pub mod cli;
pub mod clock;
pub mod config;
pub mod console;
pub mod demo;
pub mod export;
pub mod flags;
pub mod format;
pub mod fsutil;
pub mod git;
pub mod github;
pub mod http;
pub mod incident;
pub mod jobs;
pub mod journal;
pub mod keys;
pub mod logging;
pub mod metrics;
pub mod output;
pub mod pagerduty;
pub mod priority;
pub mod rollbar;
pub mod runbook;
pub mod sentry;
pub mod share;
pub mod statuspage;
pub mod tickets;
pub mod ui;
