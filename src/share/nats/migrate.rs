//! An incident that moves here from git: the other seats' events this seat holds are
//! published on their seats' subjects, each with its seat's number, from past what the stream
//! already holds of that seat (another seat may have moved first). A server that lets each
//! person publish only on their own subjects refuses this: then that seat's events reach the
//! stream when its person moves too, and nothing is lost meanwhile (this seat keeps them).

use std::io::BufRead;
use std::path::Path;

use async_nats::jetstream::{self, message::PublishMessage, stream};

use super::outbox::{message_id, number_of};
use crate::journal::seats::SEATS_DIR;

/// Publishes the other seats' events held in `dir` that the stream lacks; says what was
/// published and what was refused, seat by seat.
pub async fn publish_held(
    js: &jetstream::Context,
    stream: &stream::Stream,
    org: &str,
    ticket: &str,
    dir: &Path,
    me: &str,
) -> Vec<String> {
    let mut said = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir.join(SEATS_DIR)) else {
        return said;
    };
    let mut seats: Vec<String> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_str()?.strip_suffix(".jsonl")?.to_string();
            (name != me && crate::share::seat::valid_seat(&name)).then_some(name)
        })
        .collect();
    seats.sort();
    for seat in seats {
        let subject = super::seat_subject(org, ticket, &seat);
        match publish_seat(js, stream, &subject, &seat, dir).await {
            Ok(0) => {}
            Ok(n) => said.push(format!(
                "{} of {seat} published on the stream",
                crate::format::count(n as usize, "event", "events")
            )),
            Err(e) => said.push(format!(
                "{seat}'s events stay here until its person moves too ({e})"
            )),
        }
    }
    said
}

async fn publish_seat(
    js: &jetstream::Context,
    stream: &stream::Stream,
    subject: &str,
    seat: &str,
    dir: &Path,
) -> Result<u64, String> {
    let held = match stream.get_last_raw_message_by_subject(subject).await {
        Ok(m) => m
            .headers
            .get(async_nats::header::NATS_MESSAGE_ID)
            .and_then(|id| number_of(seat, id.as_str()))
            .unwrap_or(0),
        Err(e) if matches!(e.kind(), stream::LastRawMessageErrorKind::NoMessageFound) => 0,
        Err(e) => return Err(super::in_words(&e.to_string())),
    };
    let file = dir.join(SEATS_DIR).join(format!("{seat}.jsonl"));
    let f = std::fs::File::open(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut acks = Vec::new();
    for (i, line) in std::io::BufReader::new(f).split(b'\n').enumerate() {
        let n = i as u64 + 1;
        let line = line.map_err(|e| e.to_string())?;
        if n <= held || line.is_empty() {
            continue;
        }
        let ack = js
            .send_publish(
                subject.to_string(),
                PublishMessage::build()
                    .payload(line.into())
                    .message_id(message_id(seat, n)),
            )
            .await
            .map_err(|e| super::in_words(&e.to_string()))?;
        acks.push(ack);
    }
    let sent = acks.len() as u64;
    for ack in acks {
        ack.await.map_err(|e| super::in_words(&e.to_string()))?;
    }
    Ok(sent)
}

/// Moves the incident of `setup` (shared through git until now) here: the seats' files taken
/// as held, the stream made, every seat's events this seat holds published, then the stream
/// read and this seat's own events published, as a command's sync does.
pub fn move_in(
    setup: crate::share::worker::ShareSetup,
    within: std::time::Duration,
) -> Result<(crate::share::worker::ShareStatus, Vec<String>), String> {
    super::mirror::Mirror::adopt(&setup.dir)?;
    super::blocking(async move {
        let mut link = super::worker::Link::open(setup, false).await?;
        if !link.attach(false).await {
            let why = link.status.error.clone().or(link.status.rejected.clone());
            return Err(why.unwrap_or_else(|| "the stream cannot be made".into()));
        }
        let mut said = match link.stream() {
            Some(stream) => {
                let s = &link.setup;
                publish_held(
                    &link.js,
                    stream,
                    &s.cfg.org,
                    &s.ticket,
                    &s.dir,
                    &s.share.seat,
                )
                .await
            }
            None => Vec::new(),
        };
        said.extend(link.catch_up(within).await.1);
        said.extend(link.publish().await);
        Ok((link.status, said))
    })
}
