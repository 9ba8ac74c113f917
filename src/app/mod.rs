//! The console's state machine: one model, one message type, one pure `update`.

pub mod confirm;
pub mod environments;
pub mod error_rate;
pub mod flags;
pub mod git;
pub mod github;
pub mod guard;
pub mod log_view;
pub mod menus;
pub mod metrics;
pub mod model;
pub mod msg;
pub mod paging;
pub mod ready;
pub mod rewind;
pub mod runs;
pub mod seats;
pub mod sentry;
pub mod stakes;
pub mod status_page;
pub mod tickets;
pub mod timeline;
pub mod update;

pub use model::{Mode, Model, Pane};
pub use msg::{Effect, Msg};
pub use update::update;
