//! This seat's events on their way to the stream: read from the journal past what the server
//! holds, each published on the seat's subject with `Nats-Msg-Id: SEAT:N` (N counts the seat's
//! events from 1). How far the server holds them is asked of the stream itself (the seat's last
//! message and its id) whenever the connection comes back, so neither a crash nor a lost ack
//! publishes an event twice, and a stream made again gets every event again.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::PathBuf;

use async_nats::jetstream::{self, message::PublishMessage};

use crate::journal::{Event, Share};

/// At most this many events are in flight at once.
const WINDOW: usize = 256;

/// The journal's whole lines from a place: each line's length, and its event.
type Lines = Box<dyn Iterator<Item = (u64, Option<Event>)> + Send>;

/// Where this seat's journal is published up to.
#[derive(Debug, Default, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Published {
    /// Bytes of the journal the published events end at.
    pub offset: u64,
    /// Events published (N of the last one's id).
    pub events: u64,
}

/// The seat's id of its `n`-th event.
pub fn message_id(seat: &str, n: u64) -> String {
    format!("{seat}:{n}")
}

/// The N of a message id this seat wrote.
pub fn number_of(seat: &str, id: &str) -> Option<u64> {
    id.strip_prefix(seat)?.strip_prefix(':')?.parse().ok()
}

pub struct Outbox {
    journal: PathBuf,
    subject: String,
    share: Share,
    /// How far the server holds this seat's events: as last known here (`seats/nats.out`)
    /// until the stream is asked, which it is before anything is published.
    pub published: Option<Published>,
    /// Where the last known place is kept, for the events waiting while the server is out of
    /// reach from the start.
    kept: PathBuf,
}

/// Why a publish stopped.
pub enum Stop {
    /// The server did not answer (offline, a partition): tried again when it is back.
    Unreachable(String),
    /// The server answered no (a permission, a limit): said, tried again on the next change.
    Refused(String),
}

impl Outbox {
    pub fn new(journal: PathBuf, subject: String, share: Share, kept: PathBuf) -> Outbox {
        let published = std::fs::read(&kept)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        Outbox {
            journal,
            subject,
            share,
            published,
            kept,
        }
    }

    fn keep(&self) {
        if let Ok(json) = serde_json::to_vec(&self.published) {
            let _ = crate::fsutil::write_atomic_with(&self.kept, |w| w.write_all(&json));
        }
    }

    /// Asks the stream how far it holds this seat's events, and finds that place in the
    /// journal.
    pub async fn reconcile(&mut self, stream: &jetstream::stream::Stream) -> Result<(), Stop> {
        let held = match stream.get_last_raw_message_by_subject(&self.subject).await {
            Ok(m) => m
                .headers
                .get(async_nats::header::NATS_MESSAGE_ID)
                .and_then(|id| number_of(&self.share.seat, id.as_str()))
                .unwrap_or(0),
            Err(e)
                if matches!(
                    e.kind(),
                    jetstream::stream::LastRawMessageErrorKind::NoMessageFound
                ) =>
            {
                0
            }
            Err(e) => return Err(classify(&e.to_string())),
        };
        let from = match self.published {
            Some(p) if p.events <= held => p,
            _ => Published::default(),
        };
        let found = self.scan(from, held - from.events).map_err(Stop::Refused)?;
        self.published = Some(found);
        self.keep();
        Ok(())
    }

    /// Walks `skip` events of the journal on from `from`.
    fn scan(&self, from: Published, skip: u64) -> Result<Published, String> {
        let mut at = from;
        if skip == 0 {
            return Ok(at);
        }
        let mut lines = self.lines(from.offset)?;
        while at.events < from.events + skip {
            match lines.next() {
                Some((n, Some(_))) => {
                    at.offset += n;
                    at.events += 1;
                }
                Some((n, None)) => at.offset += n,
                None => break,
            }
        }
        Ok(at)
    }

    /// The journal's whole lines from `offset`: each line's length and its event (`None` for a
    /// line that is not one).
    fn lines(&self, offset: u64) -> Result<Lines, String> {
        // No journal yet (a seat that is joining): nothing of its own to publish.
        let f = match File::open(&self.journal) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            f => Some(f.map_err(|e| format!("{}: {e}", self.journal.display()))?),
        };
        let Some(mut f) = f else {
            return Ok(Box::new(std::iter::empty()));
        };
        let len = f.metadata().map_err(|e| e.to_string())?.len();
        f.seek(SeekFrom::Start(offset)).map_err(|e| e.to_string())?;
        let mut r = BufReader::new(f.take(len.saturating_sub(offset)));
        Ok(Box::new(std::iter::from_fn(move || {
            let mut line = Vec::new();
            match r.read_until(b'\n', &mut line) {
                Ok(n) if n > 0 && line.last() == Some(&b'\n') => {
                    let ev = serde_json::from_slice::<Event>(&line[..n - 1]).ok();
                    Some((n as u64, ev))
                }
                _ => None,
            }
        })))
    }

    /// This seat's events the server is not known to hold.
    pub fn waiting(&self) -> u64 {
        let from = self.published.unwrap_or_default().offset;
        self.lines(from)
            .map(|lines| lines.filter(|(_, ev)| ev.is_some()).count() as u64)
            .unwrap_or(0)
    }

    /// Whether the journal holds whole lines past what the server holds (or it was never
    /// asked): a torn last line, still being written or left by a crash, is not one.
    pub fn behind(&self) -> bool {
        let from = self.published.unwrap_or_default().offset;
        self.lines(from).is_ok_and(|mut l| l.next().is_some())
    }

    /// Publishes what the journal holds past what the server holds, `WINDOW` at a time, each
    /// ack awaited in order; stops at the first that fails. Returns the seat the stored events
    /// last gave the commander role to, if they did.
    pub async fn publish(&mut self, js: &jetstream::Context) -> Result<Option<String>, Stop> {
        let Some(mut at) = self.published else {
            return Ok(None);
        };
        let mut commander = None;
        loop {
            let mut sent = Vec::new();
            let mut next = at;
            for (n, ev) in self.lines(at.offset).map_err(Stop::Refused)?.take(WINDOW) {
                next.offset += n;
                let Some(mut ev) = ev else { continue };
                next.events += 1;
                self.share.stamp(&mut ev);
                let gives = commander_given(&ev, &self.share.seat);
                let body = serde_json::to_vec(&ev).map_err(|e| Stop::Refused(e.to_string()))?;
                let id = message_id(&self.share.seat, next.events);
                let ack = js
                    .send_publish(
                        self.subject.clone(),
                        PublishMessage::build().payload(body.into()).message_id(id),
                    )
                    .await
                    .map_err(|e| classify(&e.to_string()))?;
                sent.push((next, ack, gives));
            }
            if sent.is_empty() {
                // Lines that are not events (a torn write) are passed over with the rest.
                self.published = Some(next);
                self.keep();
                return Ok(commander);
            }
            for (upto, ack, gives) in sent {
                let acked = ack.await.map_err(|e| classify(&e.to_string()));
                if acked.is_err() {
                    self.keep();
                }
                acked?;
                at = upto;
                self.published = Some(at);
                commander = gives.or(commander);
            }
            self.keep();
        }
    }
}

/// The seat an event of `seat`'s gives the commander role to: an assignment of it, or the
/// acceptance of a handoff.
fn commander_given(ev: &Event, seat: &str) -> Option<String> {
    use crate::journal::kinds;
    match ev.kind.as_str() {
        kinds::ROLE_ASSIGNED if ev.str_field("role") == Some("commander") => {
            ev.str_field("to").map(str::to_string)
        }
        kinds::HANDOFF_ACCEPTED => Some(seat.to_string()),
        _ => None,
    }
}

/// A failed request in two kinds: the server out of reach, or its answer no.
fn classify(e: &str) -> Stop {
    let lower = e.to_lowercase();
    if lower.contains("timed out")
        || lower.contains("timeout")
        || lower.contains("disconnect")
        || lower.contains("no responders") && !lower.contains("jetstream")
        || lower.contains("broken pipe")
        || lower.contains("connection")
    {
        Stop::Unreachable(e.to_string())
    } else {
        Stop::Refused(super::in_words(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_id_names_its_seat_and_number() {
        assert_eq!(number_of("bob-0001", &message_id("bob-0001", 42)), Some(42));
        assert_eq!(number_of("bob-0001", "bob-00012:3"), None);
        assert_eq!(number_of("bob-0001", "alice-0001:3"), None);
    }
}
