//! The other seats' events as they arrive from the stream, checked and appended to
//! `seats/SEAT.jsonl`, with how far into the stream they were taken (`seats/nats.state`,
//! written after the events): a seat that starts again or reconnects goes on from there, and a
//! crash between the two takes the same messages again without keeping them twice.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::journal::seats::SEATS_DIR;
use crate::share::ingest::{self, Ingested};

const STATE_FILE: &str = "nats.state";

/// One message of the stream: its sequence, subject, the seat's number for the event (from
/// its `Nats-Msg-Id`), and body.
pub struct Delivered {
    pub sequence: u64,
    pub seat: Option<String>,
    pub subject: String,
    pub number: Option<u64>,
    pub payload: Vec<u8>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    /// The stream's last sequence taken in.
    sequence: u64,
    /// Each seat's file as long as the events taken up to `sequence` made it.
    bytes: BTreeMap<String, u64>,
    /// How many of each seat's events its file holds (by the seat's own count): a message
    /// whose number is not past it is one already held, taken from git before a move.
    #[serde(default)]
    events: BTreeMap<String, u64>,
}

/// The seats' files and how far into the stream they go.
pub struct Mirror {
    dir: PathBuf,
    state: State,
}

impl Mirror {
    /// The mirror of the incident at `dir`: each seat's file cut back to what its state names
    /// (a crash after the events and before the state); when a file is shorter than that, the
    /// stream is read again from its start.
    pub fn open(dir: &Path) -> Result<Mirror, String> {
        let seats = dir.join(SEATS_DIR);
        std::fs::create_dir_all(&seats).map_err(|e| format!("{}: {e}", seats.display()))?;
        let mut state: State = std::fs::read(seats.join(STATE_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let mut lost = false;
        for (seat, bytes) in &state.bytes {
            let file = seats.join(format!("{seat}.jsonl"));
            let len = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
            if len > *bytes {
                OpenOptions::new()
                    .write(true)
                    .open(&file)
                    .and_then(|f| f.set_len(*bytes))
                    .map_err(|e| format!("{}: {e}", file.display()))?;
            }
            lost |= len < *bytes;
        }
        if lost {
            for seat in state.bytes.keys() {
                let _ = std::fs::remove_file(seats.join(format!("{seat}.jsonl")));
            }
            state = State::default();
        }
        Ok(Mirror {
            dir: dir.to_path_buf(),
            state,
        })
    }

    /// Takes the seats' files as they are (an incident that moves here from git): every event
    /// they hold counts as held, and the stream is read from its start.
    pub fn adopt(dir: &Path) -> Result<(), String> {
        use std::io::BufRead;
        let seats = dir.join(SEATS_DIR);
        let mut state = State::default();
        let entries = std::fs::read_dir(&seats).map_err(|e| format!("{}: {e}", seats.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(seat) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".jsonl"))
                .filter(|s| super::super::seat::valid_seat(s))
            else {
                continue;
            };
            let f = std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let (mut bytes, mut events) = (0, 0);
            for line in std::io::BufReader::new(f).split(b'\n') {
                let line = line.map_err(|e| e.to_string())?;
                bytes += line.len() as u64 + 1;
                events += 1;
            }
            state.bytes.insert(seat.to_string(), bytes);
            state.events.insert(seat.to_string(), events);
        }
        let json = serde_json::to_vec(&state).map_err(|e| e.to_string())?;
        crate::fsutil::write_atomic_with(&seats.join(STATE_FILE), |w| w.write_all(&json))
            .map_err(|e: std::io::Error| e.to_string())
    }

    /// The first sequence not taken yet.
    pub fn next(&self) -> u64 {
        self.state.sequence + 1
    }

    /// Takes `batch` (in stream order) for this seat `me`: its own messages are passed over,
    /// another seat's are checked as a git seat's are; the files, then the state, are written.
    /// Returns what was kept and said, with each seat's clock offset as its newest event shows.
    pub fn take(
        &mut self,
        me: &str,
        batch: &[Delivered],
    ) -> Result<(Ingested, BTreeMap<String, i64>), String> {
        let mut out = Ingested::default();
        let mut offsets = BTreeMap::new();
        let mut lines: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        let now = chrono::Utc::now();
        for m in batch {
            if m.sequence <= self.state.sequence {
                continue;
            }
            self.state.sequence = m.sequence;
            let Some(seat) = &m.seat else {
                out.warnings.push(format!(
                    "{} is not a seat's subject: its message is skipped",
                    m.subject
                ));
                continue;
            };
            if seat == me {
                continue;
            }
            let held = self.state.events.get(seat).copied().unwrap_or(0);
            if m.number.is_some_and(|n| n <= held) {
                continue;
            }
            let (ev, note) = match ingest::check(&m.payload, seat) {
                Ok(ok) => ok,
                Err(why) => {
                    out.warnings.push(why);
                    continue;
                }
            };
            out.warnings.extend(note);
            if let Some(why) = ingest::too_far_ahead(&ev, seat, now) {
                out.warnings.push(why);
                continue;
            }
            offsets.insert(seat.clone(), ingest::offset(&ev, now));
            self.state
                .events
                .insert(seat.clone(), m.number.unwrap_or(held + 1));
            let buf = lines.entry(seat.clone()).or_default();
            serde_json::to_writer(&mut *buf, &ev).map_err(|e| e.to_string())?;
            buf.push(b'\n');
            out.events += 1;
        }
        let seats = self.dir.join(SEATS_DIR);
        for (seat, buf) in lines {
            let file = seats.join(format!("{seat}.jsonl"));
            let mut f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&file)
                .map_err(|e| format!("{}: {e}", file.display()))?;
            f.write_all(&buf)
                .and_then(|()| f.sync_data())
                .map_err(|e| format!("{}: {e}", file.display()))?;
            *self.state.bytes.entry(seat).or_default() += buf.len() as u64;
        }
        let json = serde_json::to_vec(&self.state).map_err(|e| e.to_string())?;
        crate::fsutil::write_atomic_with(&seats.join(STATE_FILE), |w| w.write_all(&json))
            .map_err(|e: std::io::Error| e.to_string())?;
        Ok((out, offsets))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivered(sequence: u64, seat: &str, text: &str) -> Delivered {
        Delivered {
            sequence,
            seat: Some(seat.into()),
            subject: format!("warroom.o.T.{seat}"),
            number: None,
            payload: format!(
                r#"{{"at":"2026-11-26T14:00:00Z","kind":"note","text":"{text}","by":"Bob","seat":"{seat}"}}"#
            )
            .into(),
        }
    }

    #[test]
    fn a_crash_between_the_events_and_the_state_keeps_nothing_twice() {
        let tmp = tempfile::tempdir().expect("tmp");
        let mut m = Mirror::open(tmp.path()).expect("open");
        let (got, _) = m
            .take(
                "alice-0001",
                &[
                    delivered(1, "bob-0002", "one"),
                    delivered(2, "alice-0001", "mine"),
                ],
            )
            .expect("take");
        assert_eq!(got.events, 1);
        let file = tmp.path().join("seats/bob-0002.jsonl");
        let kept = std::fs::read(&file).expect("file");
        // The events of sequence 3 were written, the state was not.
        let mut f = OpenOptions::new().append(true).open(&file).expect("append");
        f.write_all(b"{\"half\":").expect("write");
        let mut m = Mirror::open(tmp.path()).expect("open again");
        assert_eq!(std::fs::read(&file).expect("file"), kept);
        assert_eq!(m.next(), 3);
        let (got, _) = m
            .take(
                "alice-0001",
                &[
                    delivered(2, "bob-0002", "again"),
                    delivered(3, "bob-0002", "two"),
                ],
            )
            .expect("take");
        assert_eq!(got.events, 1, "sequence 2 was taken before");
        let text = std::fs::read_to_string(&file).expect("file");
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(text.contains("\"two\""));
    }

    #[test]
    fn another_seat_s_forgery_is_refused_and_said() {
        let tmp = tempfile::tempdir().expect("tmp");
        let mut m = Mirror::open(tmp.path()).expect("open");
        let mut forged = delivered(1, "bob-0002", "x");
        forged.seat = Some("mallory-0003".into());
        let (got, _) = m.take("alice-0001", &[forged]).expect("take");
        assert_eq!(got.events, 0);
        assert!(
            got.warnings[0].contains("signed by seat"),
            "{:?}",
            got.warnings
        );
        assert_eq!(
            m.next(),
            2,
            "a refused message is passed over, not read again"
        );
    }
}
