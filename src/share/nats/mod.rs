//! Many seats through NATS JetStream: each incident is a stream (`WARROOM_ORG_TICKET`) whose
//! subjects are `warroom.ORG.TICKET.PERSON.MACHINE`, one per seat, so the server's permissions
//! can keep each person to their own subject. A seat publishes its events in journal order, each
//! with `Nats-Msg-Id: SEAT:N` (its N-th event) so a retry is never stored twice, and follows the
//! stream from the last sequence it took in. What arrives is checked as a git seat's events are
//! and kept beside the journal (`seats/SEAT.jsonl`), where the record reads them in the one order.

pub mod commander;
pub mod incidents;
pub mod migrate;
mod mirror;
mod outbox;
pub mod worker;

use std::time::Duration;

use async_nats::jetstream::{self, stream};

use crate::config::ShareConfig;

/// How long one request to JetStream (a publish's ack, a stream's info) is waited for.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// A ticket as a subject token and part of a stream's name: `.` (allowed in tickets, not in
/// either) is written `~`, which no ticket holds.
fn token(ticket: &str) -> String {
    ticket.replace('.', "~")
}

/// The ticket a subject's or a stream name's token stands for.
pub fn ticket_of(token: &str) -> String {
    token.replace('~', ".")
}

/// The incident's stream.
pub fn stream_name(org: &str, ticket: &str) -> String {
    format!("WARROOM_{org}_{}", token(ticket))
}

/// The ticket of one of the organisation's streams.
pub fn ticket_of_stream(org: &str, name: &str) -> Option<String> {
    name.strip_prefix(&format!("WARROOM_{org}_"))
        .filter(|t| !t.is_empty())
        .map(ticket_of)
}

/// Every subject of the organisation's incidents.
pub fn org_subjects(org: &str) -> String {
    format!("warroom.{org}.>")
}

/// The ticket of a subject under [`org_subjects`].
pub fn ticket_of_subject(org: &str, subject: &str) -> Option<String> {
    let rest = subject.strip_prefix(&format!("warroom.{org}."))?;
    rest.split('.')
        .next()
        .filter(|t| !t.is_empty())
        .map(ticket_of)
}

/// Every subject of the incident.
pub fn incident_subjects(org: &str, ticket: &str) -> String {
    format!("warroom.{org}.{}.>", token(ticket))
}

/// The subject a seat publishes on: `alice-smith-3f9a` → `warroom.ORG.TICKET.alice-smith.3f9a`.
pub fn seat_subject(org: &str, ticket: &str, seat: &str) -> String {
    let (person, machine) = seat.rsplit_once('-').unwrap_or((seat, "0"));
    format!("warroom.{org}.{}.{person}.{machine}", token(ticket))
}

/// The seat whose subject this is, when it is one of the incident's seats' subjects.
pub fn seat_of_subject(org: &str, ticket: &str, subject: &str) -> Option<String> {
    let rest = subject.strip_prefix(&format!("warroom.{org}.{}.", token(ticket)))?;
    let (person, machine) = rest.split_once('.')?;
    let seat = format!("{person}-{machine}");
    (!machine.contains('.') && super::seat::valid_seat(&seat)).then_some(seat)
}

/// The servers as the screen and the share file name them.
pub fn servers(cfg: &ShareConfig) -> String {
    cfg.url.join(", ")
}

/// What a connection needs from the configuration, read once: the secret is read here and
/// only handed to the client.
pub struct Connect {
    urls: Vec<String>,
    credentials: Option<std::path::PathBuf>,
    nkey: Option<std::path::PathBuf>,
    token: Option<String>,
    tls_ca: Option<std::path::PathBuf>,
    domain: Option<String>,
    /// The seat, named to the server (`warroom alice-3f9a`) for its monitoring.
    pub name: String,
}

impl Connect {
    pub fn new(cfg: &ShareConfig, seat: &str) -> Connect {
        Connect {
            urls: cfg.url.clone(),
            credentials: cfg.credentials.as_deref().map(crate::fsutil::expand_home),
            nkey: cfg.nkey.as_deref().map(crate::fsutil::expand_home),
            token: crate::config::secret::token_from(
                &[&cfg.token_env],
                cfg.token_command.as_deref(),
                "[share]",
            ),
            tls_ca: cfg.tls_ca.as_deref().map(crate::fsutil::expand_home),
            domain: cfg.domain.clone(),
            name: format!("warroom {seat}"),
        }
    }

    /// JetStream on a client (in the configured domain), its requests bounded.
    pub fn jetstream(&self, client: async_nats::Client) -> jetstream::Context {
        let mut js = match &self.domain {
            Some(d) => jetstream::with_domain(client, d),
            None => jetstream::new(client),
        };
        js.set_timeout(REQUEST_TIMEOUT);
        js
    }

    /// The token, for the redactor.
    pub fn secret(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The client's options; `events` hears the connection come and go.
    pub async fn options(
        &self,
        events: tokio::sync::mpsc::UnboundedSender<async_nats::Event>,
        retry: bool,
    ) -> Result<async_nats::ConnectOptions, String> {
        let mut o = async_nats::ConnectOptions::new()
            .name(&self.name)
            .connection_timeout(REQUEST_TIMEOUT)
            .request_timeout(Some(REQUEST_TIMEOUT))
            // Reconnects wait 0.1 s, then doubling to 5 s: a partition costs the server little.
            .reconnect_delay_callback(|n| {
                Duration::from_millis(100u64.saturating_mul(1 << n.min(6)))
                    .min(Duration::from_secs(5))
            });
        if let Some(path) = &self.credentials {
            o = o
                .credentials_file(path)
                .await
                .map_err(|e| format!("[share] credentials {}: {e}", path.display()))?;
        }
        if let Some(path) = &self.nkey {
            let seed = std::fs::read_to_string(path)
                .map_err(|e| format!("[share] nkey {}: {e}", path.display()))?;
            o = o.nkey(seed.trim().to_string());
        }
        if let Some(token) = &self.token {
            o = o.token(token.clone());
        }
        if let Some(ca) = &self.tls_ca {
            o = o.add_root_certificates(ca.clone()).require_tls(true);
        }
        if retry {
            o = o.retry_on_initial_connect();
        }
        Ok(o.event_callback(move |ev| {
            let _ = events.send(ev);
            async {}
        }))
    }

    /// Connects (in the background, coming back by itself, with `retry`; else once, failing
    /// when no server answers); `events` hears the connection and the server's errors.
    pub async fn connect(
        &self,
        events: tokio::sync::mpsc::UnboundedSender<async_nats::Event>,
        retry: bool,
    ) -> Result<async_nats::Client, String> {
        self.options(events, retry)
            .await?
            .connect(self.addrs()?)
            .await
            .map_err(|e| format!("cannot reach {}: {e}", self.urls.join(", ")))
    }

    /// Connects once, for a request with no one to hear the connection's events.
    pub async fn once(&self) -> Result<async_nats::Client, String> {
        self.connect(tokio::sync::mpsc::unbounded_channel().0, false)
            .await
    }

    pub fn addrs(&self) -> Result<Vec<async_nats::ServerAddr>, String> {
        self.urls
            .iter()
            .map(|u| u.parse().map_err(|e| format!("[share] url {u:?}: {e}")))
            .collect()
    }
}

/// The incident's stream, made when it is not there yet: every seat's subject, kept on disk
/// (on `[share] replicas` servers of a cluster), nothing dropped, each message id remembered for two minutes against a retry.
pub async fn incident_stream(
    js: &jetstream::Context,
    cfg: &ShareConfig,
    ticket: &str,
) -> Result<stream::Stream, String> {
    js.get_or_create_stream(stream::Config {
        name: stream_name(&cfg.org, ticket),
        description: Some(format!("warroom incident {ticket}")),
        subjects: vec![incident_subjects(&cfg.org, ticket)],
        storage: stream::StorageType::File,
        num_replicas: cfg.replicas,
        duplicate_window: Duration::from_secs(120),
        ..Default::default()
    })
    .await
    .map_err(|e| in_words(&e.to_string()))
}

/// A server's error in the words a person reads (the codes JetStream answers with, unchanged
/// otherwise).
pub fn in_words(e: &str) -> String {
    if e.contains("Permissions Violation") || e.contains("permissions violation") {
        format!("the NATS server refused it: {e}")
    } else if e.contains("jetstream not enabled") || e.contains("no responders") {
        format!("{e}: is JetStream enabled on the server (and on this account)?")
    } else {
        e.to_string()
    }
}

/// Runs `work` on a runtime and a thread of its own, for callers that may be on the
/// console's runtime (where blocking on another is refused).
pub fn blocking<T: Send + 'static>(
    work: impl std::future::Future<Output = Result<T, String>> + Send + 'static,
) -> Result<T, String> {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?
            .block_on(work)
    })
    .join()
    .map_err(|_| "the NATS request's thread ended unexpectedly".to_string())?
}

/// Takes the commander role of `ticket` for `seat` on the server, when no seat holds it.
pub fn claim_commander(
    cfg: &ShareConfig,
    ticket: &str,
    seat: &str,
) -> Result<commander::Claim, String> {
    let conn = Connect::new(cfg, seat);
    let (cfg, ticket, seat) = (cfg.clone(), ticket.to_string(), seat.to_string());
    blocking(async move {
        let js = conn.jetstream(conn.once().await?);
        commander::claim(&js, &cfg, &ticket, &seat).await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seats_and_tickets_round_trip_through_subjects_and_stream_names() {
        let s = seat_subject("acme", "ENG-1.2", "alice-smith-3f9a");
        assert_eq!(s, "warroom.acme.ENG-1~2.alice-smith.3f9a");
        assert_eq!(
            seat_of_subject("acme", "ENG-1.2", &s).as_deref(),
            Some("alice-smith-3f9a")
        );
        assert_eq!(seat_of_subject("acme", "ENG-1", &s), None);
        assert_eq!(
            seat_of_subject("acme", "ENG-1.2", "warroom.acme.ENG-1~2.x.y.z"),
            None
        );
        assert_eq!(
            seat_of_subject("acme", "ENG-1.2", "warroom.acme.ENG-1~2.Bob.1"),
            None
        );
        let n = stream_name("acme", "ENG-1.2");
        assert_eq!(n, "WARROOM_acme_ENG-1~2");
        assert_eq!(ticket_of_stream("acme", &n).as_deref(), Some("ENG-1.2"));
        assert_eq!(ticket_of_stream("other", &n), None);
    }
}
