//! Where a shared record's reading stopped, kept by a checkpoint, and the reader that goes on
//! from there.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Key, Mark, SeatsReader, Share, Stream, StreamSpec};
use crate::journal::file::JournalReader;
use crate::journal::hlc::Hlc;

/// Where a shared record's reading stopped: what a checkpoint keeps to resume it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeatsState {
    pub streams: Vec<StreamState>,
    last: Option<Key>,
    events: usize,
    folded: Option<DateTime<Utc>>,
    taken: Vec<Mark>,
    marks: Vec<(Vec<Mark>, Option<DateTime<Utc>>)>,
}

/// One seat's file, as far as it was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamState {
    pub seat: String,
    pub path: PathBuf,
    pub read: crate::journal::file::Position,
    clock: Option<Hlc>,
    seq: u64,
}

impl SeatsReader {
    /// A reader that goes on from `state` (a checkpoint's).
    pub fn resume(dir: &Path, share: Share, state: SeatsState) -> SeatsReader {
        let streams = state
            .streams
            .into_iter()
            .map(|st| Stream {
                spec: StreamSpec {
                    by: (st.seat == share.seat).then(|| share.by.clone()),
                    seat: st.seat,
                    path: st.path.clone(),
                    until: None,
                    start: None,
                },
                reader: JournalReader::resume(&st.path, st.read),
                clock: st.clock,
                seq: st.seq,
            })
            .collect();
        SeatsReader {
            dir: dir.to_path_buf(),
            share,
            streams,
            last: state.last,
            events: state.events,
            restarted: false,
            rewound: None,
            recent: Default::default(),
            folded: state.folded,
            taken: state.taken,
            marks: state.marks,
        }
    }

    /// Where the reading stands, for a checkpoint.
    pub fn state(&self) -> SeatsState {
        SeatsState {
            streams: self
                .streams
                .iter()
                .map(|s| StreamState {
                    seat: s.spec.seat.clone(),
                    path: s.spec.path.clone(),
                    read: s.reader.position().clone(),
                    clock: s.clock,
                    seq: s.seq,
                })
                .collect(),
            last: self.last.clone(),
            events: self.events,
            folded: self.folded,
            taken: self.taken.clone(),
            marks: self.marks.clone(),
        }
    }
}
