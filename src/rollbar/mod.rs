//! Rollbar as the error source: the occurrence rate of an environment in minute buckets (the
//! occurrence-count report), the items first seen since the deploy, and deploy registration.
//! It reports through the same messages as Sentry's poller, so the pane, the verdict and the
//! guard read either the same way.

pub mod client;
pub mod poller;

pub use client::{Client, RollbarError};
