//! The share thread for an incident on NATS: one connection that comes back by itself, the
//! seat's events published as soon as the journal grows, and the other seats' delivered as they
//! are stored (an ordered consumer from the last sequence taken in). It only sends its own
//! messages; the screen never waits for the server.

use std::time::Duration;

use async_nats::jetstream::{self, consumer::DeliverPolicy, consumer::push};
use chrono::Utc;
use futures::{FutureExt, StreamExt};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::mirror::{Delivered, Mirror};
use super::outbox::{Outbox, Stop};
use super::{Connect, incident_stream, incident_subjects, seat_of_subject, seat_subject};
use crate::share::worker::{SKEW_NAMED, ShareMsg, ShareSetup, ShareStatus};

/// New events are published this long after the first of them: a burst goes out together.
const PUBLISH_DELAY: Duration = Duration::from_millis(2);
/// At most this many delivered messages are taken in at once.
const BATCH: usize = 1024;

pub enum Cmd {
    Changed,
    Stop(std::sync::mpsc::Sender<()>),
    Quit,
}

/// Starts the thread; it ends when the sender is dropped or told to stop.
pub fn start(setup: ShareSetup, tx: mpsc::Sender<ShareMsg>) -> mpsc::UnboundedSender<Cmd> {
    let (cmds, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        match rt {
            Ok(rt) => rt.block_on(run(setup, rx, tx)),
            Err(e) => {
                let _ = tx.blocking_send(ShareMsg::Status(ShareStatus {
                    error: Some(format!("cannot start the share thread: {e}")),
                    offline_since: Some(Utc::now()),
                    ..ShareStatus::default()
                }));
            }
        }
    });
    cmds
}

/// One seat's link to the incident's stream.
pub struct Link {
    pub setup: ShareSetup,
    pub js: jetstream::Context,
    client: async_nats::Client,
    mirror: Mirror,
    outbox: Outbox,
    stream: Option<jetstream::stream::Stream>,
    messages: Option<push::Ordered>,
    /// The outbox asks the stream where it stands again (after a reconnect).
    reconcile: bool,
    /// What the server last said it refused, in its words.
    refused: Option<String>,
    /// The connection's events (connected, lost, the server's errors).
    events: mpsc::UnboundedReceiver<async_nats::Event>,
    pub status: ShareStatus,
}

impl Link {
    /// The link: with `retry` the connection is made in the background and comes back by
    /// itself (the console's); else it is made once, failing when no server answers (a
    /// command's).
    pub async fn open(setup: ShareSetup, retry: bool) -> Result<Link, String> {
        let conn = Connect::new(&setup.cfg, &setup.share.seat);
        let (events_tx, events) = mpsc::unbounded_channel();
        let client = conn.connect(events_tx, retry).await?;
        let mirror = Mirror::open(&setup.dir)?;
        let subject = seat_subject(&setup.cfg.org, &setup.ticket, &setup.share.seat);
        let outbox = Outbox::new(
            setup.dir.join(crate::journal::file::JOURNAL_FILE),
            subject,
            setup.share.clone(),
            setup
                .dir
                .join(crate::journal::seats::SEATS_DIR)
                .join("nats.out"),
        );
        Ok(Link {
            js: conn.jetstream(client.clone()),
            client,
            setup,
            mirror,
            outbox,
            stream: None,
            messages: None,
            reconcile: true,
            refused: None,
            events,
            status: ShareStatus::default(),
        })
    }

    /// The incident's stream, once attached.
    pub fn stream(&self) -> Option<&jetstream::stream::Stream> {
        self.stream.as_ref()
    }

    fn offline(&mut self, why: String) {
        self.status.went_offline(why);
        self.status.waiting = self.outbox.waiting();
    }

    fn online(&mut self) {
        self.status.came_online();
    }

    fn connected(&self) -> bool {
        self.client.connection_state() == async_nats::connection::State::Connected
    }

    /// Finds (or makes) the incident's stream, and follows it from the last sequence taken
    /// in when `follow`.
    pub async fn attach(&mut self, follow: bool) -> bool {
        if self.stream.is_none() {
            let s = &self.setup;
            match incident_stream(&self.js, &s.cfg, &s.ticket).await {
                Ok(stream) => self.stream = Some(stream),
                Err(e) => {
                    self.failed(e);
                    return false;
                }
            }
        }
        if follow && self.messages.is_none() {
            let Some(stream) = &self.stream else {
                return false;
            };
            let cfg = push::OrderedConfig {
                deliver_subject: self.client.new_inbox(),
                filter_subject: incident_subjects(&self.setup.cfg.org, &self.setup.ticket),
                deliver_policy: DeliverPolicy::ByStartSequence {
                    start_sequence: self.mirror.next(),
                },
                ..Default::default()
            };
            let made = match stream.create_consumer(cfg).await {
                Ok(c) => c.messages().await.map_err(|e| e.to_string()),
                Err(e) => Err(super::in_words(&e.to_string())),
            };
            match made {
                Ok(m) => self.messages = Some(m),
                Err(e) => {
                    self.failed(e);
                    return false;
                }
            }
        }
        self.online();
        true
    }

    /// A request failed: out of reach when the connection is down, else the server's no.
    fn failed(&mut self, e: String) {
        if self.connected() {
            self.status.rejected = Some(e);
        } else {
            self.offline(e);
        }
    }

    /// Publishes the seat's events the stream lacks; when they gave the commander role, the
    /// role's entry follows. Returns what is to be said.
    pub async fn publish(&mut self) -> Option<String> {
        let stream = self.stream.as_ref()?;
        if self.reconcile {
            match self.outbox.reconcile(stream).await {
                Ok(()) => self.reconcile = false,
                Err(stop) => {
                    self.stopped(stop);
                    return None;
                }
            }
        }
        let mut said = None;
        match self.outbox.publish(&self.js).await {
            Ok(commander) => {
                self.status.rejected = None;
                self.refused = None;
                self.online();
                if let Some(to) = commander {
                    let s = &self.setup;
                    said = super::commander::follow(&self.js, &s.cfg, &s.ticket, &to)
                        .await
                        .err();
                }
            }
            Err(stop) => {
                // A lost ack may have been stored: ask again before the next publish.
                self.reconcile = true;
                self.stopped(stop);
            }
        }
        self.status.waiting = self.outbox.waiting();
        said
    }

    fn stopped(&mut self, stop: Stop) {
        // The server's own words for a refusal come as an event, before the ack times out.
        while let Ok(ev) = self.events.try_recv() {
            self.heard(ev);
        }
        match stop {
            Stop::Unreachable(_) if self.connected() && self.refused.is_some() => {
                self.status.rejected = Some(format!(
                    "the NATS server refused this seat's events ({}); they stay here, nothing was forced",
                    self.refused.as_deref().unwrap_or_default()
                ));
            }
            // Connected, and no answer: the server cannot reach JetStream (a leaf node cut
            // from its hub, a cluster without a leader). The events wait, as when offline.
            Stop::Unreachable(e) if self.connected() => self.offline(format!(
                "JetStream does not answer through this server ({e})"
            )),
            Stop::Unreachable(e) => self.offline(e),
            Stop::Refused(e) => {
                self.status.rejected = Some(format!(
                    "the NATS server refused this seat's events ({e}); they stay here, nothing was forced"
                ))
            }
        }
    }

    /// Heard from the connection.
    fn heard(&mut self, ev: async_nats::Event) -> Option<String> {
        use async_nats::Event as E;
        match ev {
            E::Connected => {
                self.reconcile = true;
                self.online();
                None
            }
            E::Disconnected => {
                self.offline("the connection to the NATS server was lost".into());
                None
            }
            E::ServerError(e) => {
                let e = e.to_string();
                let again = self.refused.as_ref() == Some(&e);
                let said = super::in_words(&e);
                self.refused = Some(e);
                (!again).then_some(said)
            }
            E::SlowConsumer(_) => Some(
                "this seat reads the stream slower than it arrives: the server dropped some deliveries, which are read again".into(),
            ),
            E::LameDuckMode => {
                Some("the NATS server is shutting down: the connection moves to another".into())
            }
            E::ClientError(e) => Some(format!("NATS: {e}")),
            E::Draining | E::Closed => None,
        }
    }

    /// Takes `first` and whatever else was delivered already into the seats' files.
    fn take(&mut self, first: Delivered) -> (usize, Vec<String>) {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            let Some(m) = self.messages.as_mut().and_then(|m| m.next().now_or_never()) else {
                break;
            };
            match m {
                Some(Ok(m)) => batch.extend(self.delivered(&m)),
                Some(Err(_)) | None => break,
            }
        }
        self.absorb(&batch)
    }

    fn absorb(&mut self, batch: &[Delivered]) -> (usize, Vec<String>) {
        match self.mirror.take(&self.setup.share.seat, batch) {
            Ok((got, offsets)) => {
                for (seat, off) in offsets {
                    if off.abs() >= SKEW_NAMED {
                        self.status.clocks.insert(seat, off);
                    } else {
                        self.status.clocks.remove(&seat);
                    }
                }
                (got.events, got.warnings)
            }
            Err(e) => (0, vec![format!("cannot keep the other seats' events: {e}")]),
        }
    }

    fn delivered(&self, m: &jetstream::Message) -> Option<Delivered> {
        let sequence = m.info().ok()?.stream_sequence;
        let s = &self.setup;
        let seat = seat_of_subject(&s.cfg.org, &s.ticket, &m.subject);
        let number = seat.as_deref().and_then(|seat| {
            let id = m
                .headers
                .as_ref()?
                .get(async_nats::header::NATS_MESSAGE_ID)?;
            super::outbox::number_of(seat, id.as_str())
        });
        Some(Delivered {
            sequence,
            seat,
            subject: m.subject.to_string(),
            number,
            payload: m.payload.to_vec(),
        })
    }

    /// Reads the stream to its end once (a command's pull): what was stored before now.
    pub async fn catch_up(&mut self, within: Duration) -> (usize, Vec<String>) {
        let Some(stream) = self.stream.as_mut() else {
            return (0, Vec::new());
        };
        let last = match stream.info().await {
            Ok(info) => info.state.last_sequence,
            Err(e) => {
                let e = e.to_string();
                self.failed(e);
                return (0, Vec::new());
            }
        };
        if self.mirror.next() > last || !self.attach(true).await {
            return (0, Vec::new());
        }
        let (mut events, mut warnings) = (0, Vec::new());
        let until = Instant::now() + within;
        while self.mirror.next() <= last {
            let next =
                tokio::time::timeout_at(until, async { self.messages.as_mut()?.next().await });
            match next.await {
                Ok(Some(Ok(m))) => {
                    if let Some(d) = self.delivered(&m) {
                        let (n, w) = self.take(d);
                        events += n;
                        warnings.extend(w);
                    }
                }
                Ok(Some(Err(_))) => continue,
                Ok(None) | Err(_) => {
                    warnings.push("the stream was not read to its end in time".into());
                    break;
                }
            }
        }
        (events, warnings)
    }
}

async fn run(setup: ShareSetup, mut rx: mpsc::UnboundedReceiver<Cmd>, tx: mpsc::Sender<ShareMsg>) {
    let mut link = match Link::open(setup, true).await {
        Ok(l) => l,
        Err(why) => {
            let _ = tx
                .send(ShareMsg::Status(ShareStatus {
                    error: Some(why),
                    offline_since: Some(Utc::now()),
                    ..ShareStatus::default()
                }))
                .await;
            return;
        }
    };
    let mut retry = Duration::from_millis(500);
    let mut attach_at = Some(Instant::now());
    let mut publish_at: Option<Instant> = None;
    let mut told = None;
    loop {
        let wake = [attach_at, publish_at].into_iter().flatten().min();
        let mut said = Vec::new();
        let mut arrived = 0;
        tokio::select! {
            cmd = rx.recv() => match cmd {
                Some(Cmd::Changed) => {
                    publish_at.get_or_insert_with(|| Instant::now() + PUBLISH_DELAY);
                }
                Some(Cmd::Stop(done)) => {
                    if link.stream.is_some() && link.connected() {
                        let _ = link.publish().await;
                    }
                    let _ = done.send(());
                    return;
                }
                Some(Cmd::Quit) | None => return,
            },
            Some(ev) = link.events.recv() => {
                let connected = matches!(ev, async_nats::Event::Connected);
                said.extend(link.heard(ev));
                if connected {
                    attach_at = Some(Instant::now());
                    publish_at = Some(Instant::now());
                }
            }
            Some(m) = async { link.messages.as_mut()?.next().await } => match m {
                Ok(m) => {
                    if let Some(d) = link.delivered(&m) {
                        let (n, w) = link.take(d);
                        arrived = n;
                        said.extend(w);
                    }
                }
                Err(e) => tracing::debug!("the ordered consumer says: {e}"),
            },
            () = async {
                match wake {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            } => {}
        }
        let now = Instant::now();
        if attach_at.is_some_and(|at| at <= now) {
            if link.attach(true).await {
                attach_at = None;
                retry = Duration::from_millis(500);
                publish_at.get_or_insert(now);
            } else {
                attach_at = Some(now + retry);
                retry = (retry * 2).min(Duration::from_secs(10));
            }
        }
        if attach_at.is_none() && publish_at.is_some_and(|at| at <= now) {
            publish_at = None;
            said.extend(link.publish().await);
            if link.status.rejected.is_some() || !link.status.online {
                publish_at = Some(Instant::now() + Duration::from_secs(5));
            } else if link.outbox.behind() {
                publish_at = Some(Instant::now());
            }
        }
        if (arrived > 0 || !said.is_empty())
            && tx
                .send(ShareMsg::Arrived {
                    events: arrived,
                    warnings: said,
                })
                .await
                .is_err()
        {
            return;
        }
        if told.as_ref() != Some(&link.status) {
            told = Some(link.status.clone());
            if tx
                .send(ShareMsg::Status(link.status.clone()))
                .await
                .is_err()
            {
                return;
            }
        }
    }
}

/// Publishes this seat's events once (and, with `pull`, takes the other seats' first), for a
/// command with no console to do it.
pub fn sync_once(
    setup: ShareSetup,
    within: Duration,
    pull: bool,
) -> Option<Result<(ShareStatus, Vec<String>), String>> {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return Some(Err(e.to_string())),
    };
    rt.block_on(async {
        tokio::time::timeout(within, async {
            let mut link = Link::open(setup, false).await?;
            if !link.attach(false).await {
                return Ok((link.status, Vec::new()));
            }
            let warnings = if pull {
                link.catch_up(within).await.1
            } else {
                Vec::new()
            };
            let mut warnings = warnings;
            warnings.extend(link.publish().await);
            Ok((link.status, warnings))
        })
        .await
        .ok()
    })
}
