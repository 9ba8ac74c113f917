//! The incident record: events, the journal file, and the folder of incidents.

pub mod describe;
pub mod event;
pub mod file;
pub mod store;

pub use event::{Draft, Event, Kind, kinds};
pub use file::{JournalReader, JournalWriter, ReadBatch};
pub use store::Store;
