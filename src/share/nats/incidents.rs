//! The organisation's incidents on the server, for `warroom list --remote` and `join`: each
//! stream read whole, its seats' events checked as they are when they arrive.

use std::collections::BTreeMap;
use std::time::Duration;

use async_nats::jetstream::{self, consumer::DeliverPolicy, consumer::push};
use futures::{StreamExt, TryStreamExt};

use super::{incident_subjects, seat_of_subject, ticket_of_stream};
use crate::journal::Event;

/// The tickets of the organisation's incidents on the server.
pub async fn tickets(js: &jetstream::Context, org: &str) -> Result<Vec<String>, String> {
    let names: Vec<String> = js
        .stream_names()
        .try_collect()
        .await
        .map_err(|e| super::in_words(&e.to_string()))?;
    let mut tickets: Vec<String> = names
        .iter()
        .filter_map(|n| ticket_of_stream(org, n))
        .collect();
    tickets.sort();
    Ok(tickets)
}

/// Each seat's events of an incident's stream, in the order they were stored, and what was
/// refused on the way.
pub type Seats = (BTreeMap<String, Vec<Event>>, Vec<String>);

/// Reads the incident's stream from its first message to its last.
pub async fn read(
    js: &jetstream::Context,
    org: &str,
    ticket: &str,
    within: Duration,
) -> Result<Seats, String> {
    let mut stream = js
        .get_stream(super::stream_name(org, ticket))
        .await
        .map_err(|e| super::in_words(&e.to_string()))?;
    let last = stream
        .info()
        .await
        .map_err(|e| super::in_words(&e.to_string()))?
        .state
        .last_sequence;
    let mut seats: BTreeMap<String, Vec<Event>> = BTreeMap::new();
    let mut warnings = Vec::new();
    if last == 0 {
        return Ok((seats, warnings));
    }
    let consumer = stream
        .create_consumer(push::OrderedConfig {
            deliver_subject: js.client().new_inbox(),
            filter_subject: incident_subjects(org, ticket),
            deliver_policy: DeliverPolicy::All,
            ..Default::default()
        })
        .await
        .map_err(|e| super::in_words(&e.to_string()))?;
    let mut messages = consumer.messages().await.map_err(|e| e.to_string())?;
    let until = tokio::time::Instant::now() + within;
    loop {
        let m = match tokio::time::timeout_at(until, messages.next()).await {
            Ok(Some(Ok(m))) => m,
            Ok(Some(Err(_))) => continue,
            Ok(None) | Err(_) => {
                return Err(format!("{ticket}'s stream was not read to its end in time"));
            }
        };
        let seq = m.info().map_or(last, |i| i.stream_sequence);
        match seat_of_subject(org, ticket, &m.subject) {
            Some(seat) => match crate::share::ingest::check(&m.payload, &seat) {
                Ok((ev, note)) => {
                    warnings.extend(note);
                    seats.entry(seat).or_default().push(ev);
                }
                Err(why) => warnings.push(why),
            },
            None => warnings.push(format!("{} is not a seat's subject: skipped", m.subject)),
        }
        if seq >= last {
            return Ok((seats, warnings));
        }
    }
}
