//! Another seat's events, taken from its ref into `seats/SEAT.jsonl`: only what its seat wrote,
//! each event checked, made inert when it carries terminal controls, and refused with a warning
//! when it is malformed, huge or signed by another seat. A ref that was rewritten keeps what was
//! read from it; only what it adds past that is new.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use git2::{Oid, Repository, Sort};
use serde::{Deserialize, Serialize};

use super::remote::BATCH_FILE;
use super::seat::valid_seat;
use crate::journal::hlc::{self, Hlc};
use crate::journal::seats::SEATS_DIR;
use crate::journal::{Event, Kind};

/// An event from another seat is at most this long.
pub const MAX_EVENT: usize = 16 * 1024;
/// One batch (a commit) is at most this long.
const MAX_BATCH: usize = 8 << 20;

/// What was taken from a seat's ref.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Ingested {
    pub events: usize,
    pub warnings: Vec<String>,
    /// How far the seat's clock is from this machine's, in seconds (ahead: positive), as its
    /// newest event taken shows it.
    pub offset: Option<i64>,
    /// Whether the seat signs its batches (`None`: nothing new was read).
    pub signed: Option<bool>,
}

/// A clock more than this far ahead of this machine's is refused: it would drag every seat's
/// clock with it.
const MAX_AHEAD: chrono::Duration = chrono::Duration::days(1);

/// How far a seat's clock is from this machine's, read from one of its events taken `now`: an
/// event dated after `now` was written by a clock at least that far ahead; an event whose
/// logical clock (what its seat had read, all of it already past by this machine's clock) is
/// after its own time was written by a clock at least that far behind.
pub fn offset(ev: &Event, now: chrono::DateTime<chrono::Utc>) -> i64 {
    let ahead = (ev.at - now).num_seconds();
    if ahead > 0 {
        return ahead;
    }
    let clock = Hlc::of(ev).ms;
    if clock <= now.timestamp_millis() {
        -((clock - ev.at.timestamp_millis()) / 1000).max(0)
    } else {
        0
    }
}

/// Why `seat`'s event is refused when its clock is more than a day ahead of this machine's
/// (taken `now`).
pub fn too_far_ahead(ev: &Event, seat: &str, now: chrono::DateTime<chrono::Utc>) -> Option<String> {
    (Hlc::of(ev).ms > (now + MAX_AHEAD).timestamp_millis()).then(|| {
        format!(
            "{seat}: an event dated {} refused: its clock is more than a day ahead of this machine's",
            ev.at.to_rfc3339()
        )
    })
}

/// How far a seat's file is: the commit read last, and the file's length then.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Mirror {
    tip: String,
    bytes: u64,
    events: u64,
    /// The key the seat's ref named first, trusted from then on.
    #[serde(default)]
    key: Option<String>,
}

fn paths(dir: &Path, seat: &str) -> (PathBuf, PathBuf) {
    let seats = dir.join(SEATS_DIR);
    (
        seats.join(format!("{seat}.jsonl")),
        seats.join(format!("{seat}.state")),
    )
}

/// Takes what `seat`'s ref holds beyond what was read before, up to `tip`.
pub fn ingest(repo: &Repository, dir: &Path, seat: &str, tip: Oid) -> Result<Ingested, String> {
    let mut out = Ingested::default();
    if !valid_seat(seat) {
        out.warnings
            .push(format!("a ref named {seat:?} is not a seat: refused"));
        return Ok(out);
    }
    let (file, state_file) = paths(dir, seat);
    std::fs::create_dir_all(file.parent().unwrap_or(dir)).map_err(|e| e.to_string())?;
    let mut state: Mirror = std::fs::read(&state_file)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let len = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    if len < state.bytes {
        state = Mirror::default();
        let _ = std::fs::remove_file(&file);
    } else if len > state.bytes {
        // A crash between the events and their state: the batch is taken again.
        OpenOptions::new()
            .write(true)
            .open(&file)
            .and_then(|f| f.set_len(state.bytes))
            .map_err(|e| e.to_string())?;
    }
    if state.tip == tip.to_string() {
        return Ok(out);
    }
    let old = Oid::from_str(&state.tip).ok();
    // A ref rewritten under what was read (a force-push) is read again from its first commit
    // by the same rules: the events already read keep their place, only those past them are new.
    let rewritten = old.is_some_and(|o| !repo.graph_descendant_of(tip, o).unwrap_or(false));
    let mut read_before = if rewritten {
        ReadBefore::open(&file, state.events)
    } else {
        ReadBefore::default()
    };
    let from = if rewritten { None } else { old };
    let mut accepted = Vec::new();
    let now = chrono::Utc::now();
    let mut ahead = Vec::new();
    let mut key = state.key.clone();
    let mut signed = None;
    let mut trusted = Vec::new();
    // The last commit taken: a refused one is not, so that the seat's ref it moves on to,
    // which continues from there, is read.
    let mut last = old;
    let mut verify = |oid: Oid| -> Result<(), String> {
        let result = verified(repo, seat, oid, &mut key);
        if result.is_ok() {
            last = Some(oid);
        }
        if let Ok(now) = &result {
            if signed.is_none() && *now && state.key.is_none() {
                trusted.push(format!(
                    "{seat} signs its events with {} (trusted on first use)",
                    super::signing::fingerprint(key.as_deref().unwrap_or_default())
                ));
            }
            signed = Some(*now);
        }
        result.map(|_| ())
    };
    each_event(
        repo,
        seat,
        tip,
        from,
        &mut out.warnings,
        &mut verify,
        &mut |ev| {
            if let Some(why) = too_far_ahead(&ev, seat, now) {
                ahead.push(why);
                return Ok(());
            }
            if read_before.skip(&ev) {
                return Ok(());
            }
            out.offset = Some(offset(&ev, now));
            serde_json::to_writer(&mut accepted, &ev).map_err(|e| e.to_string())?;
            accepted.push(b'\n');
            out.events += 1;
            Ok(())
        },
    )?;
    out.warnings.extend(ahead);
    out.warnings.extend(trusted);
    out.signed = signed;
    if rewritten {
        out.warnings.push(read_before.said(seat));
        if read_before.left > 0 {
            // Shorter than what was read: nothing is new, and the ref is read from where it was.
            return Ok(out);
        }
    }
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&file)
        .map_err(|e| format!("{}: {e}", file.display()))?;
    f.write_all(&accepted)
        .and_then(|()| f.sync_data())
        .map_err(|e| format!("{}: {e}", file.display()))?;
    state = Mirror {
        tip: last.map_or_else(String::new, |o| o.to_string()),
        bytes: state.bytes + accepted.len() as u64,
        events: state.events + out.events as u64,
        key,
    };
    let json = serde_json::to_vec(&state).map_err(|e| e.to_string())?;
    crate::fsutil::write_atomic_with(&state_file, |w| w.write_all(&json))
        .map_err(|e: std::io::Error| e.to_string())?;
    Ok(out)
}

/// The events already read from a seat whose ref was rewritten, met again in its new history:
/// each is skipped, and counted when the new history holds another event in its place.
#[derive(Default)]
struct ReadBefore {
    /// The seat's file as read before, a line at a time (never held whole).
    lines: Option<std::io::Split<std::io::BufReader<std::fs::File>>>,
    /// Events read before and not met yet in the new history.
    left: u64,
    differ: u64,
}

impl ReadBefore {
    fn open(file: &Path, events: u64) -> ReadBefore {
        use std::io::BufRead;
        ReadBefore {
            lines: std::fs::File::open(file)
                .ok()
                .map(|f| std::io::BufReader::new(f).split(b'\n')),
            left: events,
            differ: 0,
        }
    }

    /// Whether `ev` holds the place of an event read before (and so is not taken).
    fn skip(&mut self, ev: &Event) -> bool {
        if self.left == 0 {
            return false;
        }
        self.left -= 1;
        let same = self
            .lines
            .as_mut()
            .and_then(Iterator::next)
            .and_then(Result::ok)
            .is_some_and(|line| serde_json::to_vec(ev).is_ok_and(|now| now == line));
        self.differ += u64::from(!same);
        true
    }

    fn said(&self, seat: &str) -> String {
        let mut said =
            format!("{seat}'s ref was rewritten (a force-push): what was read from it stays");
        if self.differ > 0 {
            said.push_str(&format!(
                "; {} of the events read before are different there now, and are kept as read",
                self.differ
            ));
        }
        if self.left > 0 {
            said.push_str(&format!(
                "; it holds {} fewer events than were read, so nothing of it is new",
                self.left
            ));
        } else {
            said.push_str("; what it adds was judged like any other commit");
        }
        said
    }
}

/// Whether commit `oid` of `seat`'s ref is the seat's own: signed by the key its ref named
/// first (`key`, set here on first use), or unsigned on a ref that never named one (`false`).
fn verified(
    repo: &Repository,
    seat: &str,
    oid: Oid,
    key: &mut Option<String>,
) -> Result<bool, String> {
    let commit = repo.find_commit(oid).map_err(|e| e.message().to_string())?;
    let named = super::signing::announced(commit.message().unwrap_or_default());
    let Some(trusted) = key.clone().or(named.clone()) else {
        return Ok(false);
    };
    if named.as_ref().is_some_and(|n| *n != trusted) {
        return Err("it names another key".into());
    }
    let (signature, payload) = repo
        .extract_signature(&oid, None)
        .map_err(|_| "it is not signed".to_string())?;
    super::signing::verify(&trusted, seat, &payload, &signature)?;
    *key = Some(trusted);
    Ok(true)
}

/// Calls `f` with each event of `seat`'s ref from `old` (excluded) to `tip`, oldest first, each
/// checked; what is refused or made inert goes in `warnings`. `commit` judges each commit
/// first: one it refuses, and every commit after it, are not read.
pub fn each_event(
    repo: &Repository,
    seat: &str,
    tip: Oid,
    old: Option<Oid>,
    warnings: &mut Vec<String>,
    commit: &mut dyn FnMut(Oid) -> Result<(), String>,
    f: &mut dyn FnMut(Event) -> Result<(), String>,
) -> Result<(), String> {
    let git = |e: git2::Error| e.message().to_string();
    let mut walk = repo.revwalk().map_err(git)?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
        .map_err(git)?;
    walk.simplify_first_parent().map_err(git)?;
    walk.push(tip).map_err(git)?;
    if let Some(old) = old {
        walk.hide(old).map_err(git)?;
    }
    for oid in walk {
        let oid = oid.map_err(git)?;
        if let Err(why) = commit(oid) {
            warnings.push(format!(
                "a commit on {seat}'s ref is not its seat's ({why}): it and what follows are refused"
            ));
            break;
        }
        let blob = repo
            .find_commit(oid)
            .and_then(|c| c.tree())
            .ok()
            .and_then(|t| t.get_name(BATCH_FILE).map(|e| e.id()))
            .and_then(|id| repo.find_blob(id).ok());
        let Some(blob) = blob else {
            warnings.push(format!(
                "{seat}: commit {} holds no {BATCH_FILE}; skipped",
                crate::git::short(oid)
            ));
            continue;
        };
        if blob.size() > MAX_BATCH {
            warnings.push(format!(
                "{seat}: a batch of {} bytes refused (at most {MAX_BATCH})",
                blob.size()
            ));
            continue;
        }
        for line in blob.content().split(|b| *b == b'\n') {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match check(line, seat) {
                Ok((ev, note)) => {
                    warnings.extend(note);
                    f(ev)?;
                }
                Err(why) => warnings.push(why),
            }
        }
    }
    Ok(())
}

/// One line of `seat`'s batch: the event to keep (and a note when it was made inert), or why
/// it is refused.
pub fn check(line: &[u8], seat: &str) -> Result<(Event, Option<String>), String> {
    if line.len() > MAX_EVENT {
        return Err(format!(
            "{seat}: an event of {} bytes refused (at most {MAX_EVENT})",
            line.len()
        ));
    }
    let mut ev: Event = serde_json::from_slice(line)
        .map_err(|e| format!("{seat}: a line that is not an event refused ({e})"))?;
    if !Kind::is_valid_name(ev.kind.as_str()) {
        return Err(format!(
            "{seat}: an event of kind {:?} refused",
            ev.kind.as_str()
        ));
    }
    match ev.str_field("seat") {
        Some(s) if s == seat => {}
        other => {
            return Err(format!(
                "{seat}: an event signed by seat {:?} refused: a seat's ref holds only its own events",
                other.unwrap_or("(none)")
            ));
        }
    }
    if let Some(by) = ev.str_field("by")
        && !super::seat::writes_as(seat, by)
    {
        return Err(format!(
            "{seat}: an event written as {by:?} refused: a seat writes only as its own person"
        ));
    }
    let mut inert = false;
    if let Some(t) = make_inert(&ev.text) {
        ev.text = t;
        inert = true;
    }
    ev.fields.map_strings(|s| {
        let t = make_inert(s);
        inert |= t.is_some();
        t
    });
    let mut note =
        inert.then(|| format!("{seat}: an event with terminal control characters shown inert"));
    // The reader writes `written_at`; a clock that is not one is no clock.
    ev.fields.remove(crate::journal::seats::WRITTEN_AT);
    if ev.fields.get(hlc::FIELD).is_some() && Hlc::written(&ev).is_none() {
        ev.fields.remove(hlc::FIELD);
        note.get_or_insert_with(|| {
            format!("{seat}: an event with a malformed clock read by its time")
        });
    }
    Ok((ev, note))
}

/// Control characters as their visible symbols (`␛` for escape): shown, never obeyed.
fn make_inert(s: &str) -> Option<String> {
    if !s.chars().any(char::is_control) {
        return None;
    }
    Some(
        s.chars()
            .map(|c| match c as u32 {
                n @ 0..=0x1f => char::from_u32(0x2400 + n).unwrap_or('\u{fffd}'),
                0x7f => '\u{2421}',
                _ if c.is_control() => '\u{fffd}',
                _ => c,
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_checked_before_they_are_kept() {
        let ok = br#"{"at":"2026-11-26T14:00:00Z","kind":"note","text":"hi","by":"Bob","seat":"bob-0001"}"#;
        assert_eq!(check(ok, "bob-0001").expect("ok").0.text, "hi");
        let forged =
            br#"{"at":"2026-11-26T14:00:00Z","kind":"note","text":"x","seat":"alice-0001"}"#;
        assert!(
            check(forged, "bob-0001")
                .expect_err("forged")
                .contains("signed by seat")
        );
        let escape = br#"{"at":"2026-11-26T14:00:00Z","kind":"note","text":"\u001b[2Jgone","seat":"bob-0001"}"#;
        let (ev, note) = check(escape, "bob-0001").expect("inert");
        assert_eq!(ev.text, "\u{241b}[2Jgone");
        assert!(note.is_some());
        assert!(check(b"{not json", "bob-0001").is_err());
        let huge = format!(
            r#"{{"at":"2026-11-26T14:00:00Z","kind":"note","text":"{}","seat":"bob-0001"}}"#,
            "x".repeat(MAX_EVENT)
        );
        assert!(
            check(huge.as_bytes(), "bob-0001")
                .expect_err("huge")
                .contains("bytes refused")
        );
    }
}
