//! Sentry: the error rate around the deploy, new issues, and deploy registration.

pub mod api;
pub mod client;
pub mod poller;
pub mod project;
pub mod setup;

pub use poller::{PollState, SentryMsg};
pub use setup::SentrySetup;
