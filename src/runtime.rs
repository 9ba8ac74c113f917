//! The console's loop: background tasks send messages; the loop drains them, runs `update`,
//! performs the effects and draws at most once per batch, only when something changed.

use std::collections::VecDeque;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use futures::StreamExt;
use notify::{RecursiveMode, Watcher};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::app::{Effect, Model, Msg, update};
use crate::journal::{Draft, JournalReader, JournalWriter, kinds};
use crate::output::Redactor;
use crate::runner::{self, JobHandle, RunContext};
use crate::ui;

/// Redraws are capped at about 30 a second, except right after a key press.
const FRAME: Duration = Duration::from_millis(33);
/// Messages taken in one batch before drawing, so a flood cannot starve the screen.
const BATCH: usize = 4096;

/// The journal and the incident folder, as the loop's effects need them.
pub struct Io {
    pub writer: JournalWriter,
    pub reader: JournalReader,
    pub incident_dir: PathBuf,
    /// Write the bell to the real terminal (off in headless tests).
    pub ring: bool,
    pub bells: usize,
    /// Secrets are taken out of command and log output.
    pub redactor: std::sync::Arc<Redactor>,
    /// Set once the loop's channel exists: what jobs need to run and report.
    pub runner: Option<RunContext>,
    pub job: Option<JobHandle>,
    /// Set when Sentry is configured and a token was found.
    pub sentry: Option<SentrySetup>,
    sentry_running: Option<SentryRunning>,
    /// Set when the console runs inside a git repository.
    pub git: Option<GitSetup>,
    pub exports: ExportSetup,
    git_running: Option<GitRunning>,
}

/// Templates and the Slack webhook (a secret: kept here, never in the model).
#[derive(Debug, Clone, Default)]
pub struct ExportSetup {
    pub templates_dir: Option<PathBuf>,
    pub webhook_env: String,
    pub webhook: Option<String>,
}

/// Where git work happens.
#[derive(Debug, Clone)]
pub struct GitSetup {
    pub cfg: crate::config::GitConfig,
    pub cwd: PathBuf,
    /// The repository's `.git` folder, watched for the live guard.
    pub git_dir: PathBuf,
}

struct GitRunning {
    jobs: std::sync::mpsc::Sender<GitJob>,
    _watcher: Option<notify::RecommendedWatcher>,
}

enum GitJob {
    Op(crate::git::Op, crate::git::Subject),
    Guard(crate::git::Subject),
}

/// The console's git thread: it keeps the repository open (its caches warm) and runs one job
/// at a time, off the loop; guard refreshes queued behind each other collapse into one.
fn git_worker(setup: GitSetup, tx: mpsc::Sender<Msg>) -> std::sync::mpsc::Sender<GitJob> {
    use crate::app::msg::GitMsg;
    use crate::git::{Git, ops};
    let (jobs, rx) = std::sync::mpsc::channel::<GitJob>();
    std::thread::spawn(move || {
        let mut git: Option<Git> = None;
        while let Ok(mut job) = rx.recv() {
            // Only the newest of several queued guard refreshes matters.
            while let GitJob::Guard(_) = job {
                match rx.try_recv() {
                    Ok(next) => job = next,
                    Err(_) => break,
                }
            }
            let view = match &job {
                GitJob::Op(_, v) | GitJob::Guard(v) => v.clone(),
            };
            let opened = match git.take() {
                Some(mut g) => {
                    g.incident = view;
                    Ok(g)
                }
                None => Git::open(&setup.cfg, &setup.cwd, view),
            };
            let msg = match (job, opened) {
                (GitJob::Op(op, _), Ok(g)) => {
                    let result = ops::run(&g, &op);
                    git = Some(g);
                    Msg::Git(GitMsg::Done {
                        op: op.name(),
                        result,
                    })
                }
                (GitJob::Op(op, _), Err(e)) => Msg::Git(GitMsg::Done {
                    op: op.name(),
                    result: Err(e),
                }),
                (GitJob::Guard(_), Ok(g)) => {
                    let result = ops::measure(&g);
                    git = Some(g);
                    Msg::Git(GitMsg::Guard(result))
                }
                (GitJob::Guard(_), Err(e)) => Msg::Git(GitMsg::Guard(Err(e))),
            };
            if tx.blocking_send(msg).is_err() {
                break;
            }
        }
    });
    jobs
}

/// What the Sentry poller needs, prepared before the loop starts.
#[derive(Debug, Clone)]
pub struct SentrySetup {
    pub client: crate::sentry::client::Client,
    pub poller: crate::sentry::poller::PollerConfig,
    /// For deploy registration.
    pub environment: String,
}

struct SentryRunning {
    deploys: tokio::sync::watch::Sender<Option<chrono::DateTime<Utc>>>,
    task: tokio::task::JoinHandle<()>,
    tx: mpsc::Sender<Msg>,
}

impl Io {
    pub fn new(
        writer: JournalWriter,
        reader: JournalReader,
        incident_dir: PathBuf,
        redactor: std::sync::Arc<Redactor>,
    ) -> Io {
        Io {
            writer,
            reader,
            incident_dir,
            ring: false,
            bells: 0,
            redactor,
            runner: None,
            job: None,
            sentry: None,
            sentry_running: None,
            git: None,
            git_running: None,
            exports: ExportSetup::default(),
        }
    }

    /// Starts what reports through the loop's channel: the runner's context and the poller.
    pub fn start_background(&mut self, tx: &mpsc::Sender<Msg>, model: &Model) {
        self.runner = Some(RunContext {
            tx: tx.clone(),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            logs_dir: self.incident_dir.join("logs"),
            shell: model.runbook.shell.clone(),
            grace: model.runbook.grace,
            scrollback: model.runbook.scrollback,
            redactor: self.redactor.clone(),
        });
        if let Some(g) = &self.git {
            let watcher = watch_git(&g.git_dir, tx.clone())
                .map_err(|e| tracing::warn!("cannot watch {}: {e}", g.git_dir.display()))
                .ok();
            let _ = tx.try_send(Msg::Git(crate::app::msg::GitMsg::Changed));
            let jobs = git_worker(g.clone(), tx.clone());
            self.git_running = Some(GitRunning {
                jobs,
                _watcher: watcher,
            });
        }
        if let Some(s) = &self.sentry {
            let (deploys, rx) = tokio::sync::watch::channel(model.incident.last_deployed_at);
            let task =
                crate::sentry::poller::spawn(s.client.clone(), s.poller.clone(), tx.clone(), rx);
            self.sentry_running = Some(SentryRunning {
                deploys,
                task,
                tx: tx.clone(),
            });
        }
    }

    fn git_op(&mut self, op: crate::git::Op, view: crate::git::Subject) -> Vec<Msg> {
        let op = match op {
            crate::git::Op::Patch { dir } if dir.as_os_str().is_empty() => crate::git::Op::Patch {
                dir: self.incident_dir.join("patches"),
            },
            other => other,
        };
        match &self.git_running {
            Some(g) if g.jobs.send(GitJob::Op(op.clone(), view)).is_ok() => Vec::new(),
            _ => vec![Msg::Git(crate::app::msg::GitMsg::Done {
                op: op.name(),
                result: Err(crate::git::GitError::Refused(
                    "no git repository here".into(),
                )),
            })],
        }
    }

    fn git_guard(&mut self, view: crate::git::Subject) -> Vec<Msg> {
        if let Some(g) = &self.git_running {
            let _ = g.jobs.send(GitJob::Guard(view));
        }
        Vec::new()
    }

    /// Stops the background tasks started by [`Io::start_background`].
    pub fn stop_background(&mut self) {
        self.stop_job();
        if let Some(s) = self.sentry_running.take() {
            s.task.abort();
        }
    }

    /// Stops a running job: on quit, and when the loop ends for any reason.
    pub fn stop_job(&mut self) {
        if let Some(job) = self.job.take()
            && !job.is_finished()
        {
            job.terminate();
        }
    }

    fn read_journal(&mut self) -> Option<Msg> {
        match self.reader.read_new() {
            Ok(batch) if batch.events.is_empty() && batch.warnings.is_empty() => None,
            Ok(batch) => Some(Msg::Journal(batch)),
            Err(e) => Some(Msg::Failed(format!("cannot read the journal: {e}"))),
        }
    }

    /// Performs one effect; what it learns comes back as messages.
    pub fn perform(&mut self, effect: Effect, model: &Model) -> Vec<Msg> {
        match effect {
            Effect::Append(draft) => {
                if let Err(e) = self.writer.append(draft) {
                    tracing::error!("append failed: {e}");
                    return vec![Msg::Failed(format!(
                        "NOT RECORDED — cannot write the journal {}: {e}",
                        self.writer.path().display()
                    ))];
                }
                self.read_journal().into_iter().collect()
            }
            Effect::ReadJournal => self.read_journal().into_iter().collect(),
            Effect::Bell => {
                self.bells += 1;
                if self.ring {
                    let mut out = std::io::stdout();
                    let _ = out.write_all(b"\x07").and_then(|()| out.flush());
                }
                Vec::new()
            }
            Effect::Export(formats) => self.export(&formats, model),
            Effect::SlackPreview => self.slack_preview(model),
            Effect::PostSlack(text) => self.post_slack(text),
            Effect::Run(spec) => {
                if self.job.as_ref().is_some_and(|j| !j.is_finished()) {
                    return vec![Msg::Failed("a command is already running".into())];
                }
                match &self.runner {
                    Some(ctx) => {
                        self.job = Some(runner::start(spec, ctx.clone()));
                        Vec::new()
                    }
                    None => vec![Msg::Failed("commands cannot run in this console".into())],
                }
            }
            Effect::CancelRun => {
                if let Some(job) = &self.job {
                    job.cancel();
                }
                Vec::new()
            }
            Effect::SentryDeploy(at) => {
                if let Some(s) = &self.sentry_running {
                    let _ = s.deploys.send(at);
                }
                Vec::new()
            }
            Effect::RegisterDeploy {
                release,
                started,
                finished,
            } => match (&self.sentry, &self.sentry_running) {
                (Some(setup), Some(running)) => {
                    let setup = setup.clone();
                    let tx = running.tx.clone();
                    tokio::spawn(async move {
                        let r = crate::sentry::poller::register_deploy(
                            &setup.client,
                            &release,
                            &setup.environment,
                            &setup.poller.project,
                            started,
                            finished,
                        )
                        .await;
                        let _ = tx
                            .send(Msg::Sentry(crate::sentry::SentryMsg::DeployRegistered(r)))
                            .await;
                    });
                    Vec::new()
                }
                _ => vec![Msg::Failed(
                    "Sentry is not set up: the deploy was not registered".into(),
                )],
            },
            Effect::Git(op, view) => self.git_op(op, view),
            Effect::GitGuard(view) => self.git_guard(view),
            Effect::Quit => {
                self.stop_job();
                Vec::new()
            }
        }
    }

    /// Writes formats from the journal as it is on disk (the record, not the screen) and
    /// records each file.
    fn export(&mut self, formats: &[crate::export::Format], model: &Model) -> Vec<Msg> {
        match self.export_files(formats, model) {
            Ok((mut msgs, names)) => {
                msgs.push(Msg::Exported(format!(
                    "Wrote {} in {}",
                    names.join(", "),
                    self.incident_dir.join("exports").display()
                )));
                msgs
            }
            Err(e) => vec![Msg::Failed(format!("export failed: {e}"))],
        }
    }

    fn export_files(
        &mut self,
        formats: &[crate::export::Format],
        model: &Model,
    ) -> Result<(Vec<Msg>, Vec<String>), String> {
        let inc = self.incident_on_disk(model)?;
        let exporter = self.exporter(model)?;
        let dir = self.incident_dir.join("exports");
        let mut msgs = Vec::new();
        let mut names = Vec::new();
        for f in formats {
            for path in exporter.write(&inc, *f, &dir).map_err(|e| e.to_string())? {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if name != "error-rate.svg" {
                    msgs.extend(
                        self.perform(
                            Effect::Append(
                                Draft::new(
                                    kinds::EXPORT_WRITTEN,
                                    format!("Exported {}", path.display()),
                                )
                                .field("format", f.name())
                                .field("path", path.display().to_string()),
                            ),
                            model,
                        ),
                    );
                }
                names.push(name);
            }
        }
        Ok((msgs, names))
    }

    fn exporter(&self, model: &Model) -> Result<crate::export::Exporter, String> {
        crate::export::Exporter::new(
            self.exports.templates_dir.as_deref(),
            model.policy.clone(),
            model.runbook.rollback.clone(),
            Utc::now(),
        )
        .map_err(|e| e.to_string())
    }

    fn incident_on_disk(&self, model: &Model) -> Result<crate::incident::Incident, String> {
        let batch = crate::journal::file::read_all(self.writer.path())
            .map_err(|e| format!("reading the journal: {e}"))?;
        Ok(crate::incident::Incident::from_events(
            &model.incident.ticket,
            model.incident.checklist.clone(),
            batch.events,
        ))
    }

    fn slack_preview(&self, model: &Model) -> Vec<Msg> {
        if self.exports.webhook.is_none() {
            return vec![Msg::SlackPreview(Err(format!(
                "no webhook: export {} with the incoming-webhook URL",
                self.exports.webhook_env
            )))];
        }
        let text = self.incident_on_disk(model).and_then(|inc| {
            let exporter = self.exporter(model)?;
            exporter
                .render(&inc, crate::export::Format::Slack)
                .map_err(|e| e.to_string())
        });
        vec![Msg::SlackPreview(text)]
    }

    fn post_slack(&self, text: String) -> Vec<Msg> {
        let (Some(url), Some(tx)) = (
            self.exports.webhook.clone(),
            self.runner.as_ref().map(|r| r.tx.clone()),
        ) else {
            return vec![Msg::SlackPosted(Err("no webhook configured".into()))];
        };
        tokio::spawn(async move {
            let r = crate::export::slack::post(&url, &text).await;
            let _ = tx.send(Msg::SlackPosted(r)).await;
        });
        Vec::new()
    }
}

/// Runs the loop until quit. Generic over the backend so tests drive it headless.
pub async fn run_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    model: &mut Model,
    io: &mut Io,
    rx: &mut mpsc::Receiver<Msg>,
) -> anyhow::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    terminal.draw(|f| ui::view(model, f))?;
    let mut last_draw = Instant::now();
    let mut dirty = false;
    let mut queue = VecDeque::new();
    let mut frames = FrameStats::default();
    // A test hook: panic inside the loop after this long, to prove the terminal is restored.
    let panic_at = std::env::var("WARROOM_PANIC_AFTER_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map(|ms| Instant::now() + Duration::from_millis(ms));
    loop {
        let first = if dirty {
            tokio::select! {
                m = rx.recv() => m,
                _ = tokio::time::sleep_until(last_draw + FRAME) => None,
            }
        } else {
            match rx.recv().await {
                Some(m) => Some(m),
                None => break,
            }
        };
        let mut urgent = false;
        if let Some(m) = first {
            queue.push_back(m);
            while queue.len() < BATCH {
                match rx.try_recv() {
                    Ok(m) => queue.push_back(m),
                    Err(_) => break,
                }
            }
        }
        while let Some(msg) = queue.pop_front() {
            urgent |= matches!(msg, Msg::Key(_) | Msg::Paste(_) | Msg::Resize(..));
            dirty = true;
            // What an effect reports (an append read back from the journal) is handled before
            // anything else queued, so the next message sees the record as it now is.
            let mut follow = Vec::new();
            for effect in update(model, msg) {
                follow.extend(io.perform(effect, model));
            }
            for m in follow.into_iter().rev() {
                queue.push_front(m);
            }
        }
        if model.quitting {
            break;
        }
        if panic_at.is_some_and(|t| Instant::now() >= t) {
            panic!("WARROOM_PANIC_AFTER_MS: a forced panic, to test that the terminal is restored");
        }
        if dirty && (urgent || last_draw.elapsed() >= FRAME) {
            terminal.draw(|f| ui::view(model, f))?;
            last_draw = Instant::now();
            dirty = false;
            frames.drawn(last_draw);
        }
    }
    tracing::info!(
        frames = frames.total,
        busiest_second = frames.busiest,
        "drew {} frames, at most {} in one second",
        frames.total,
        frames.busiest
    );
    Ok(())
}

/// How many frames were drawn, and the most in any one second (the redraw cap at work).
#[derive(Default)]
struct FrameStats {
    total: u64,
    busiest: u32,
    second: Option<Instant>,
    in_second: u32,
}

impl FrameStats {
    fn drawn(&mut self, at: Instant) {
        self.total += 1;
        match self.second {
            Some(s) if at.duration_since(s) < Duration::from_secs(1) => self.in_second += 1,
            _ => {
                self.second = Some(at);
                self.in_second = 1;
            }
        }
        self.busiest = self.busiest.max(self.in_second);
    }
}

/// Terminal keys, paste and resize as messages.
fn spawn_input(tx: mpsc::Sender<Msg>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(ev) = events.next().await {
            let msg = match ev {
                Ok(TermEvent::Key(k)) if k.kind == KeyEventKind::Press => Msg::Key(k),
                Ok(TermEvent::Paste(s)) => Msg::Paste(s),
                Ok(TermEvent::Resize(w, h)) => Msg::Resize(w, h),
                Ok(_) => continue,
                Err(e) => {
                    tracing::error!("terminal input failed: {e}");
                    Msg::Quit { exit: 1 }
                }
            };
            if tx.send(msg).await.is_err() {
                break;
            }
        }
    })
}

/// A tick on every whole second of the wall clock; a stall skips ticks instead of bursting.
fn spawn_clock(tx: mpsc::Sender<Msg>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let ms = u64::from(Utc::now().timestamp_subsec_millis()).min(999);
            tokio::time::sleep(Duration::from_millis(1000 - ms + 2)).await;
            if tx.send(Msg::Tick(Utc::now())).await.is_err() {
                break;
            }
        }
    })
}

fn spawn_signals(tx: mpsc::Sender<Msg>) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(tokio::spawn(async move {
        // 128 + the signal's number, as a shell reports a program it ended.
        let exit = tokio::select! {
            _ = term.recv() => 143,
            _ = hup.recv() => 129,
            _ = int.recv() => 130,
        };
        let _ = tx.send(Msg::Quit { exit }).await;
    }))
}

/// Watches the incident folder; any change to the journal becomes `JournalChanged`.
pub fn watch_journal(
    dir: &std::path::Path,
    tx: mpsc::Sender<Msg>,
) -> notify::Result<notify::RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res {
            let journal = ev.paths.iter().any(|p| {
                p.file_name()
                    .is_some_and(|n| n == crate::journal::file::JOURNAL_FILE)
            });
            if journal && (ev.kind.is_modify() || ev.kind.is_create()) {
                // Full means a read is already queued; that read sees this change too.
                let _ = tx.try_send(Msg::JournalChanged);
            }
        }
    })?;
    watcher.watch(dir, RecursiveMode::NonRecursive)?;
    Ok(watcher)
}

/// Watches `.git` (HEAD, the index) and its branch refs: any change becomes `Git(Changed)`.
fn watch_git(
    git_dir: &std::path::Path,
    tx: mpsc::Sender<Msg>,
) -> notify::Result<notify::RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res
            && (ev.kind.is_modify() || ev.kind.is_create() || ev.kind.is_remove())
            && !ev
                .paths
                .iter()
                .all(|p| p.extension().is_some_and(|e| e == "lock"))
        {
            let _ = tx.try_send(Msg::Git(crate::app::msg::GitMsg::Changed));
        }
    })?;
    watcher.watch(git_dir, RecursiveMode::NonRecursive)?;
    let heads = git_dir.join("refs").join("heads");
    if heads.is_dir() {
        watcher.watch(&heads, RecursiveMode::Recursive)?;
    }
    Ok(watcher)
}

/// Takes over the terminal, runs the console, and gives the terminal back on every exit.
pub async fn run_console(
    mut model: Model,
    mut io: Io,
    script: Option<crate::demo::script::Script>,
) -> anyhow::Result<u8> {
    let (tx, mut rx) = mpsc::channel(8192);
    let _watcher = watch_journal(&io.incident_dir, tx.clone())
        .map_err(|e| tracing::warn!("cannot watch the journal, falling back to the clock: {e}"))
        .ok();
    let signals = spawn_signals(tx.clone())?;
    io.start_background(&tx, &model);
    let tail = model
        .runbook
        .log_file
        .clone()
        .map(|f| crate::tail::spawn(f, tx.clone(), io.redactor.clone()));

    install_paste_cleanup();
    let mut terminal = ratatui::init();
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableBracketedPaste);
    if let Ok(size) = terminal.size() {
        model.size = (size.width, size.height);
    }
    io.ring = true;
    let input = spawn_input(tx.clone());
    let driver = script.map(|s| tokio::spawn(crate::demo::script::drive(s, tx.clone())));
    let clock = spawn_clock(tx.clone());
    let result = run_loop(&mut terminal, &mut model, &mut io, &mut rx).await;

    io.stop_background();
    if let Some(d) = driver {
        d.abort();
    }
    input.abort();
    clock.abort();
    signals.abort();
    if let Some(t) = tail {
        t.abort();
    }
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableBracketedPaste);
    ratatui::restore();
    result.map(|()| model.exit_status)
}

/// Bracketed paste is ours to undo: ratatui's panic hook restores raw mode and the screen only.
fn install_paste_cleanup() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableBracketedPaste);
        previous(info);
    }));
}
