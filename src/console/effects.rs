//! The executor: performs what `update` asks for (appends, exports, runs, git, Sentry, Slack).
//! What it learns at once comes back as messages to handle before anything else; what it learns
//! later (a job's output, a post's answer) arrives through its own sender, like any producer's.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch};

use super::pull_request::{self, GithubLink};
use super::sources::forward;
use crate::app::{Effect, Model, Msg};
use crate::export::record::{Documents, exports_dir, write_recorded};
use crate::export::{Format, Written};
use crate::git::{GitSetup, GitWorker, Op, Subject, worker};
use crate::incident::Record;
use crate::jobs::{JobHandle, JobSpec, RunContext, RunMsg, runner};
use crate::journal::{JournalWriter, Reader};
use crate::output::Redactor;
use crate::share::ShareWorker;

/// Room for a job's batches before it counts lines as skipped.
const RUN_QUEUE: usize = 64;

/// The journal, the incident's folder and the services effects reach.
pub struct Executor {
    writer: JournalWriter,
    reader: Reader,
    incident_dir: PathBuf,
    /// For what arrives later: a job's reports, a post's answer, a registration's.
    tx: mpsc::Sender<Msg>,
    /// Write the bell to the real terminal (off in headless tests).
    pub ring: bool,
    pub bells: usize,
    /// Secrets are taken out of command and log output.
    redactor: Arc<Redactor>,
    runs: Option<mpsc::Sender<RunMsg>>,
    job: Option<JobHandle>,
    documents: Documents,
    chat: super::chat::Chat,
    errors: Option<super::errors::Errors>,
    /// The latest deploy, as the pollers (Sentry, the metric gates) are told it.
    deploys: watch::Sender<Option<DateTime<Utc>>>,
    /// The release it was registered under (what release health asks about).
    releases: watch::Sender<Option<String>>,
    gates: Vec<tokio::task::JoinHandle<()>>,
    git: Option<GitWorker>,
    github: Option<GithubLink>,
    follower: Option<tokio::task::JoinHandle<()>>,
    share: Option<super::share::ShareLink>,
    sharer: Option<ShareWorker>,
    /// Events folded when the console started: a checkpoint is left when there are more.
    checkpointed: usize,
    flags: super::flags::Flags,
    outward: super::outward::Outward,
    tickets: super::tickets::Desk,
}

impl Executor {
    pub fn new(
        writer: JournalWriter,
        mut reader: Reader,
        incident_dir: PathBuf,
        redactor: Arc<Redactor>,
        tx: mpsc::Sender<Msg>,
    ) -> Executor {
        // The model keeps the fold's state it starts from (`Model::new`).
        reader.origin_here();
        Executor {
            writer,
            checkpointed: reader.events(),
            reader,
            incident_dir,
            tx,
            ring: false,
            bells: 0,
            redactor,
            runs: None,
            job: None,
            documents: Documents::default(),
            chat: Default::default(),
            errors: None,
            deploys: watch::channel(None).0,
            releases: watch::channel(None).0,
            gates: Vec::new(),
            git: None,
            github: None,
            follower: None,
            share: None,
            sharer: None,
            flags: Default::default(),
            outward: Default::default(),
            tickets: Default::default(),
        }
    }

    /// PagerDuty's and Statuspage's clients.
    pub fn with_outward(mut self, outward: super::outward::Outward) -> Executor {
        self.outward = outward;
        self
    }

    /// The ticket's tracker.
    pub fn with_tickets(mut self, tickets: super::tickets::Desk) -> Executor {
        self.tickets = tickets;
        self
    }

    /// The feature flags' clients.
    pub fn with_flags(mut self, flags: super::flags::Flags) -> Executor {
        self.flags = flags;
        self
    }

    pub fn with_documents(mut self, documents: Documents, chat: super::chat::Chat) -> Executor {
        self.documents = documents;
        self.chat = chat;
        self
    }

    /// Tells the pollers about to start the last deploy so far, and its release.
    pub fn deployed(&mut self, at: Option<DateTime<Utc>>, release: Option<String>) {
        self.deploys.send_replace(at);
        self.releases.send_replace(release);
    }

    /// Starts the error source's poller (Sentry's or Rollbar's).
    pub fn start_errors(&mut self, setup: super::errors::ErrorsSetup) {
        self.errors = Some(super::errors::Errors::start(
            setup,
            &self.tx,
            self.deploys.subscribe(),
        ));
    }

    /// Starts a poller for each metric gate that can poll.
    pub fn start_gates(&mut self, gates: Vec<crate::metrics::Gate>) {
        for gate in gates {
            let tx = forward(self.tx.clone(), Msg::Metric, 4);
            self.gates.push(crate::metrics::poller::spawn(
                gate,
                tx,
                self.deploys.subscribe(),
                self.releases.subscribe(),
            ));
        }
    }

    /// Where the hotfix PR is opened and followed.
    pub fn with_github(mut self, link: GithubLink) -> Executor {
        self.github = Some(link);
        self
    }

    /// Starts the git thread and the watcher on `.git`.
    pub fn start_git(&mut self, setup: GitSetup) {
        let tx = forward(self.tx.clone(), Msg::Git, 16);
        self.git = Some(GitWorker::start(setup, tx));
    }

    /// Where the incident can be shared from.
    pub fn with_share(mut self, link: super::share::ShareLink) -> Executor {
        self.share = Some(link);
        self
    }

    /// Starts the share thread for a shared incident.
    pub fn start_share(&mut self) {
        if let (Some(link), Some(share)) = (&self.share, self.reader.share()) {
            let tx = forward(self.tx.clone(), Msg::Share, 16);
            self.sharer = Some(ShareWorker::start(link.setup(share.clone()), tx));
        }
    }

    fn share(&mut self, model: &Model) -> Vec<Msg> {
        let Some(link) = &self.share else {
            return vec![Msg::Shared(Err("sharing is not set up here".into()))];
        };
        let commander = model.incident.seats.holder("commander").is_none();
        match link.begin(&self.writer, commander) {
            Ok(share) => {
                self.writer = self.writer.clone().with_seat(share.clone());
                self.reader =
                    Reader::Seats(crate::journal::SeatsReader::new(&link.dir, share.clone()));
                self.start_share();
                let mut msgs = vec![Msg::Shared(Ok(share)), Msg::JournalRestarted];
                msgs.extend(self.read_journal(model));
                msgs
            }
            Err(why) => vec![Msg::Shared(Err(why))],
        }
    }

    /// Leaves a checkpoint of the fold for the next start, when the journal grew since the
    /// last one. Only after a clean end of the loop: then the model has folded every event
    /// the reader has read.
    pub fn checkpoint(&self, model: &Model) {
        if self.reader.events() != self.checkpointed {
            crate::incident::checkpoint::save_reader(
                self.writer.path(),
                &model.incident,
                &self.reader,
            );
        }
    }

    /// Stops the job and the poller: on quit, and when the loop ends for any reason.
    pub fn stop(&mut self) {
        self.stop_job();
        if let Some(s) = self.sharer.take() {
            s.stop(std::time::Duration::from_secs(3));
        }
        if let Some(e) = self.errors.take() {
            e.stop();
        }
        for g in self.gates.drain(..) {
            g.abort();
        }
        self.outward.stop();
        if let Some(f) = self.follower.take() {
            f.abort();
        }
    }

    fn stop_job(&mut self) {
        if let Some(job) = self.job.take()
            && !job.is_finished()
        {
            job.terminate();
        }
    }

    fn read_journal(&mut self, model: &Model) -> Vec<Msg> {
        let batch = match self.reader.read_new() {
            Ok(batch) if batch.events.is_empty() && batch.warnings.is_empty() => return Vec::new(),
            Ok(batch) => batch,
            Err(e) => return vec![Msg::Failed(format!("cannot read the journal: {e}"))],
        };
        let rewound = self.reader.take_rewound();
        if let Some(at) = rewound
            && !crate::app::rewind::has(model, at)
        {
            // The fold does not keep its state from there: the whole record again.
            return match self.reader.read_all_again() {
                Ok(all) => vec![Msg::JournalRestarted, Msg::Journal(all)],
                Err(e) => vec![Msg::Failed(format!("cannot read the journal: {e}"))],
            };
        }
        if let Some(s) = &self.sharer
            && !batch.events.is_empty()
        {
            s.changed();
        }
        if self.reader.take_restarted() {
            vec![Msg::JournalRestarted, Msg::Journal(batch)]
        } else if let Some(at) = rewound {
            vec![Msg::JournalRewound(at), Msg::Journal(batch)]
        } else {
            vec![Msg::Journal(batch)]
        }
    }

    /// Performs one effect; what it learns at once comes back as messages.
    pub fn perform(&mut self, effect: Effect, model: &Model) -> Vec<Msg> {
        match effect {
            Effect::Append(draft) => {
                if let Err(e) = self.writer.append(draft) {
                    tracing::error!("append failed: {e}");
                    // The error names the journal's path.
                    return vec![Msg::Failed(format!(
                        "NOT RECORDED — cannot write the journal: {e}"
                    ))];
                }
                self.read_journal(model)
            }
            Effect::ReadJournal => self.read_journal(model),
            Effect::ReadTimeline { first, count } => match self.reader.read_range(first, count) {
                Ok(events) => vec![Msg::TimelinePage { first, events }],
                Err(e) => vec![Msg::Failed(format!("cannot read the timeline: {e}"))],
            },
            Effect::Bell => {
                self.bells += 1;
                if self.ring {
                    let mut out = std::io::stdout();
                    let _ = out.write_all(b"\x07").and_then(|()| out.flush());
                }
                Vec::new()
            }
            Effect::Export(formats) => self.export(&formats, model),
            Effect::ChatPreview(channel) => {
                if let Some(why) = self.chat.missing(channel) {
                    return vec![Msg::ChatPreview(channel, Err(why))];
                }
                self.render(model, Format::Slack, move |t| {
                    vec![Msg::ChatPreview(channel, t)]
                });
                Vec::new()
            }
            Effect::PostChat { to, text } => {
                self.chat.post(model, to, text, &self.tx);
                Vec::new()
            }
            Effect::ReadTicket => {
                self.tickets.read(model.incident.ticket.clone(), &self.tx);
                Vec::new()
            }
            Effect::TicketWrites { ticket, writes } => self.ticket_writes(ticket, writes, model),
            Effect::CreateFollowups { parent, issues } => {
                self.tickets.create(parent, issues, &self.tx);
                Vec::new()
            }
            Effect::Notify(text) => {
                self.chat.notify(text, &self.tx);
                Vec::new()
            }
            Effect::FollowPage(find) => {
                self.outward.follow(find, &self.tx);
                Vec::new()
            }
            Effect::Page(action) => self.outward.act(model, action, &self.tx),
            Effect::PageTargets => self.outward.targets(&self.tx),
            Effect::PageUpdatePreview => {
                self.render(model, Format::Slack, |t| vec![Msg::PageUpdatePreview(t)]);
                Vec::new()
            }
            Effect::StatusPreview => {
                self.render(model, Format::Statuspage, |t| vec![Msg::StatusPreview(t)]);
                Vec::new()
            }
            Effect::Publish {
                existing,
                publication,
            } => self.outward.publish(existing, publication, &self.tx),
            Effect::ReadFlags => {
                self.flags.read_all(&self.tx);
                Vec::new()
            }
            Effect::SetFlag {
                name,
                on,
                comment,
                by_guard,
            } => self.flags.set(name, on, comment, by_guard, &self.tx),
            Effect::Run(spec) => self.run(spec, model),
            Effect::WaitReady(check) => {
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let r = crate::jobs::ready::wait(check).await;
                    let _ = tx.send(Msg::Ready(r)).await;
                });
                Vec::new()
            }
            Effect::CancelRun => {
                if let Some(job) = &self.job {
                    job.cancel();
                }
                Vec::new()
            }
            Effect::Deployed { at, release } => {
                self.deployed(at, release);
                Vec::new()
            }
            Effect::RegisterDeploy {
                release,
                started,
                finished,
            } => self.register_deploy(model, release, started, finished),
            Effect::EnvironmentIssues {
                environment,
                sentry_environment,
                since,
            } => self.environment_issues(environment, sentry_environment, since),
            Effect::Git(op, subject) => self.git(op, subject),
            Effect::GitGuard(subject) => {
                if let Some(g) = &self.git {
                    g.measure(subject);
                }
                Vec::new()
            }
            Effect::PrPreview => self.pr_preview(model),
            Effect::Share => self.share(model),
            Effect::HandoffBrief { to } => {
                self.render(model, Format::Handoff, move |brief| {
                    vec![Msg::HandoffBrief { to, brief }]
                });
                Vec::new()
            }
            Effect::OpenPr { title, body } => match &self.github {
                Some(link) => {
                    pull_request::open(link.clone(), model, title, body, self.tx.clone());
                    Vec::new()
                }
                None => vec![Msg::Github(crate::github::GithubMsg::Opened(Err(
                    "GitHub is not set up here".into(),
                )))],
            },
            Effect::FollowPr(number) => {
                if let Some(link) = &self.github {
                    if let Some(f) = self.follower.take() {
                        f.abort();
                    }
                    self.follower =
                        Some(pull_request::follow(link.clone(), number, self.tx.clone()));
                }
                Vec::new()
            }
            Effect::Quit => {
                self.stop_job();
                Vec::new()
            }
        }
    }

    fn run(&mut self, spec: JobSpec, model: &Model) -> Vec<Msg> {
        if self.job.as_ref().is_some_and(|j| !j.is_finished()) {
            return vec![Msg::Failed("a command is already running".into())];
        }
        let tx = self
            .runs
            .get_or_insert_with(|| forward(self.tx.clone(), Msg::Run, RUN_QUEUE))
            .clone();
        let ctx = RunContext {
            tx,
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            logs_dir: self.incident_dir.join("logs"),
            shell: model.runbook.shell.clone(),
            grace: model.runbook.grace,
            scrollback: model.runbook.scrollback,
            redactor: self.redactor.clone(),
            size: pane_size(model),
        };
        self.job = Some(runner::start(spec, ctx));
        Vec::new()
    }

    fn git(&mut self, op: Op, subject: Subject) -> Vec<Msg> {
        match &self.git {
            Some(g) if g.run(op.clone(), subject) => Vec::new(),
            _ => vec![Msg::Git(worker::unavailable(&op))],
        }
    }

    fn register_deploy(
        &mut self,
        model: &Model,
        release: String,
        started: DateTime<Utc>,
        finished: DateTime<Utc>,
    ) -> Vec<Msg> {
        let Some(e) = &self.errors else {
            return vec![Msg::Failed(format!(
                "{} is not set up: the deploy was not registered",
                model.error_rate.source.name()
            ))];
        };
        let person = model
            .share
            .me
            .as_ref()
            .map(|s| s.by.clone())
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "warroom".into());
        e.register_deploy(release, started, finished, person, &self.tx);
        Vec::new()
    }

    fn environment_issues(
        &mut self,
        environment: String,
        sentry_environment: String,
        since: DateTime<Utc>,
    ) -> Vec<Msg> {
        let asked = sentry_environment.clone();
        let reply = move |issues| Msg::EnvironmentIssues {
            environment,
            sentry_environment,
            since,
            issues,
        };
        match &self.errors {
            None => vec![reply(Err("no error source is set up".into()))],
            Some(e) => {
                e.environment_issues(asked, since, reply, &self.tx);
                Vec::new()
            }
        }
    }

    /// Works from the journal as it is on disk (the record, not the screen) on a thread of its
    /// own, since a long incident's documents take a while and the screen goes on meanwhile;
    /// `then` turns the result into the messages the loop gets.
    fn with_record<T>(
        &self,
        model: &Model,
        work: impl FnOnce(&Record, &Documents) -> Result<T, String> + Send + 'static,
        then: impl FnOnce(Result<T, String>) -> Vec<Msg> + Send + 'static,
    ) {
        let path = self.writer.path().to_path_buf();
        let documents = self.documents.clone();
        let (ticket, checklist) = (
            model.incident.ticket.clone(),
            model.incident.checklist.clone(),
        );
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let result = Record::open(&path, &ticket, checklist)
                .map_err(|e| format!("reading the journal: {e}"))
                .and_then(|rec| work(&rec, &documents));
            for msg in then(result) {
                if tx.blocking_send(msg).is_err() {
                    break;
                }
            }
        });
    }

    /// Hands the writes to the ticket's writer; the resolution's text is written from the
    /// record first.
    fn ticket_writes(
        &mut self,
        ticket: String,
        mut writes: Vec<crate::tickets::write::Write>,
        model: &Model,
    ) -> Vec<Msg> {
        use crate::tickets::write::{RESOLUTION, Write};
        self.tickets.start_writing(&self.tx);
        let outbox = self.tickets.outbox();
        let unwritten = |w: &Write| matches!(w, Write::Comment { of, text } if of == RESOLUTION && text.is_empty());
        if !writes.iter().any(unwritten) {
            outbox.send_replace((ticket, writes));
            return Vec::new();
        }
        let review = exports_dir(&self.incident_dir).join("pir.md");
        self.with_record(
            model,
            move |rec, documents| {
                documents
                    .exporter(Utc::now())
                    .and_then(|e| e.resolution(&rec.incident, &rec.events(), &review))
                    .map_err(|e| e.to_string())
            },
            move |text| match text {
                Ok(text) => {
                    for w in &mut writes {
                        if let Write::Comment { of, text: t } = w
                            && of == RESOLUTION
                        {
                            *t = text.clone();
                        }
                    }
                    outbox.send_replace((ticket, writes));
                    Vec::new()
                }
                Err(e) => vec![Msg::Failed(format!(
                    "the resolution comment cannot be written: {e}"
                ))],
            },
        );
        Vec::new()
    }

    /// Writes formats from the record and records each document.
    fn export(&mut self, formats: &[Format], model: &Model) -> Vec<Msg> {
        let dir = exports_dir(&self.incident_dir);
        let writer = self.writer.clone();
        let formats = formats.to_vec();
        let shown = dir.clone();
        self.with_record(
            model,
            move |rec, documents| {
                let exporter = documents.exporter(Utc::now()).map_err(|e| e.to_string())?;
                write_recorded(
                    &exporter,
                    &rec.incident,
                    &rec.events(),
                    &formats,
                    &dir,
                    &writer,
                )
                .map_err(|e| e.to_string())
            },
            move |written| {
                let said = match written {
                    Ok(written) => Msg::Exported(format!(
                        "Wrote {} in {}",
                        Written::names(&written).join(", "),
                        shown.display()
                    )),
                    Err(e) => Msg::Failed(format!("export failed: {e}")),
                };
                // The documents recorded are read back like any append.
                vec![Msg::JournalChanged, said]
            },
        );
        Vec::new()
    }

    /// The PR's title and body: `pr.md` as the record renders it now; first, whether the
    /// token and the remote allow opening it at all.
    fn pr_preview(&self, model: &Model) -> Vec<Msg> {
        let Some(link) = self.github.clone() else {
            return vec![Msg::PrPreview(Err("GitHub is not set up here".into()))];
        };
        self.with_record(
            model,
            move |rec, documents| {
                link.check()?;
                documents
                    .exporter(Utc::now())
                    .and_then(|e| e.render(&rec.incident, &rec.events(), Format::Pr))
                    .map(|text| crate::github::split_pr_md(&text))
                    .map_err(|e| e.to_string())
            },
            |text| vec![Msg::PrPreview(text)],
        );
        Vec::new()
    }

    /// One document's text as the record renders it now, off the loop.
    fn render(
        &self,
        model: &Model,
        format: Format,
        then: impl FnOnce(Result<String, String>) -> Vec<Msg> + Send + 'static,
    ) {
        self.with_record(
            model,
            move |rec, documents| {
                documents
                    .exporter(Utc::now())
                    .and_then(|e| e.render(&rec.incident, &rec.events(), format))
                    .map_err(|e| e.to_string())
            },
            then,
        );
    }
}

/// The deploy log pane's inside at the screen's size now: what a command is told its terminal
/// is.
fn pane_size(model: &Model) -> (u16, u16) {
    let (w, h) = model.size;
    let pane = crate::ui::layout(model, ratatui::layout::Rect::new(0, 0, w, h)).deploy_log;
    (
        pane.width.saturating_sub(2).max(20),
        pane.height.saturating_sub(2).max(5),
    )
}
