//! The incident record: events, the journal file, and the folder of incidents.

pub mod describe;
pub mod event;
pub mod file;
pub mod hlc;
pub mod reader;
pub mod seats;
pub mod source;
pub mod store;

pub use event::{Draft, Event, Kind, kinds};
pub use file::{JournalReader, JournalWriter, Position, ReadBatch};
pub use reader::Reader;
pub use seats::{Backend, Recorded, SeatsReader, SeatsState, Share};
pub use source::{EventSource, JournalFile};
pub use store::Store;
