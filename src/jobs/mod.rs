//! The jobs the console runs in the background: commands (the deploy, the checks, a rollback,
//! the smoke tests) and the followed log file. Each reports through its own message type.

pub mod job;
mod pipe;
pub mod ready;
pub mod runner;
mod sink;
mod smoke;
pub mod tail;

pub use job::{JobKind, JobSpec, Outcome, RunMsg, Step};
pub use ready::{ReadyCheck, ReadyMsg};
pub use runner::{JobHandle, RunContext};
pub use tail::TailRead;
