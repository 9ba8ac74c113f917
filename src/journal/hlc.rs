//! A hybrid logical clock: each event a seat writes carries `hlc: [ms, n]`, past everything the
//! seat had read (its own journal and every other seat's file) and past its own wall clock. The
//! one order of a shared record sorts by it, so whatever a seat writes after seeing an event
//! sorts after that event, whatever the wall clocks say; the wall time (`at`) stays for display.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::event::Event;

/// The field an event's clock is written in.
pub const FIELD: &str = "hlc";

#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Hlc {
    /// Milliseconds since the epoch: the largest wall time seen.
    pub ms: i64,
    /// Events at that millisecond before this one.
    pub n: u32,
}

impl Hlc {
    /// A wall time read as a clock: what an event without `hlc` (written before the incident
    /// was shared) stands for.
    pub fn physical(at: DateTime<Utc>) -> Hlc {
        Hlc {
            ms: at.timestamp_millis(),
            n: 0,
        }
    }

    /// The event's own clock when it carries a well-formed one.
    pub fn written(ev: &Event) -> Option<Hlc> {
        match ev.fields.get(FIELD)? {
            Value::Array(v) if v.len() == 2 => Some(Hlc {
                ms: v[0].as_i64()?,
                n: u32::try_from(v[1].as_u64()?).ok()?,
            }),
            _ => None,
        }
    }

    /// The event's clock: its own, else its wall time.
    pub fn of(ev: &Event) -> Hlc {
        Hlc::written(ev).unwrap_or_else(|| Hlc::physical(ev.at))
    }

    /// The clock of an event written at `at` after everything this clock has seen.
    pub fn tick(self, at: DateTime<Utc>) -> Hlc {
        let wall = at.timestamp_millis();
        if wall > self.ms {
            Hlc { ms: wall, n: 0 }
        } else {
            Hlc {
                ms: self.ms,
                n: self.n.saturating_add(1),
            }
        }
    }

    pub fn stamp(self, ev: &mut Event) {
        ev.fields.insert(
            FIELD.into(),
            Value::from(vec![Value::from(self.ms), Value::from(self.n)]),
        );
    }
}

/// The clock of the last complete event of a JSON-lines file (the newest a writer wrote), if
/// any: read from the end, 8 KiB first and more only when the last line is longer (at most
/// 1 MiB back), since every append of a shared seat asks it of each seat's file.
pub fn last_of(path: &Path) -> io::Result<Option<Hlc>> {
    let mut f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let len = f.metadata()?.len();
    let mut window: u64 = 8 << 10;
    loop {
        let back = len.min(window);
        f.seek(SeekFrom::Start(len - back))?;
        let mut tail = Vec::with_capacity(back as usize);
        f.read_to_end(&mut tail)?;
        // Only whole lines: a line still being written has no newline yet.
        let Some(end) = tail.iter().rposition(|&b| b == b'\n') else {
            return Ok(None);
        };
        let whole_window = back == len;
        let mut lines = tail[..end].rsplit(|&b| b == b'\n').peekable();
        while let Some(line) = lines.next() {
            // The first line of a window that starts mid-file may be cut: read further back.
            if lines.peek().is_none() && !whole_window {
                break;
            }
            if let Some(Ok(ev)) = super::file::parse_line(line) {
                return Ok(Some(Hlc::of(&ev)));
            }
        }
        if whole_window || window >= 1 << 20 {
            return Ok(None);
        }
        window *= 4;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Draft;
    use chrono::TimeZone;

    fn at(ms: i64) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(ms).single().expect("t")
    }

    #[test]
    fn a_clock_passes_what_it_saw_and_its_wall_time() {
        let seen = Hlc { ms: 5_000, n: 2 };
        // A wall clock behind what was seen: the same millisecond, one more.
        assert_eq!(seen.tick(at(1_000)), Hlc { ms: 5_000, n: 3 });
        // Ahead: the wall time.
        assert_eq!(seen.tick(at(9_000)), Hlc { ms: 9_000, n: 0 });
        let mut ev = Draft::new("note", "x").stamp(at(1_000));
        assert_eq!(Hlc::of(&ev), Hlc::physical(at(1_000)));
        Hlc { ms: 7, n: 1 }.stamp(&mut ev);
        assert_eq!(Hlc::written(&ev), Some(Hlc { ms: 7, n: 1 }));
        ev.fields.insert(FIELD.into(), Value::from("soon"));
        assert_eq!(Hlc::written(&ev), None, "a malformed clock is no clock");
    }

    #[test]
    fn the_last_whole_line_gives_the_clock() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("j.jsonl");
        assert_eq!(last_of(&path).expect("read"), None);
        let mut a = Draft::new("note", "a").stamp(at(1_000));
        Hlc { ms: 4_000, n: 1 }.stamp(&mut a);
        let line = serde_json::to_string(&a).expect("json");
        std::fs::write(&path, format!("{line}\n{{\"at\": \"half a li")).expect("write");
        assert_eq!(last_of(&path).expect("read"), Some(Hlc { ms: 4_000, n: 1 }));
        // A last line longer than the first window read.
        let mut long = Draft::new("note", "x".repeat(20_000)).stamp(at(2_000));
        Hlc { ms: 6_000, n: 0 }.stamp(&mut long);
        let long = serde_json::to_string(&long).expect("json");
        std::fs::write(&path, format!("{line}\n{long}\n")).expect("write");
        assert_eq!(last_of(&path).expect("read"), Some(Hlc { ms: 6_000, n: 0 }));
    }
}
