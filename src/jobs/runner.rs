//! Runs a job (the deploy, the checks, the smoke tests, a rollback) in the background and
//! reports through messages. Commands run in their own process group; stdout and stderr share
//! one pipe, read as it fills, through a terminal's line discipline; every settled line goes to
//! the run's log file. The pane gets batches, never more than its scrollback, so a flood never
//! slows the command down: lines the pane could not keep are counted, and are all in the log
//! file.

use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::{mpsc, watch};

use super::job::{JobKind, JobSpec, Outcome, RunMsg, Step};
use crate::config::SmokeConfig;
use crate::journal::event::rfc3339_string;
use crate::output::Redactor;
use crate::output::ansi::strip_sgr;
use crate::output::terminal::{Settled, Terminal};

/// How often output is handed to the screen.
const FLUSH: Duration = Duration::from_millis(10);
/// How often redrawn rows alone (a spinner) are handed to the screen: a spinner's frame rate,
/// not the rate the command redraws at.
const LIVE_EVERY: Duration = Duration::from_millis(100);
/// A read shorter than this means the command writes in small pieces (a spinner, a prompt):
/// the pipe is read again after [`PACE`], so many small writes cost one wake-up. A flood
/// fills every read and is never paced.
const PACE_BELOW: usize = 4096;
const PACE: Duration = Duration::from_millis(25);
/// After a read that did not fill half the buffer: output arrives slower than it is read.
const GATHER: Duration = Duration::from_millis(2);
const READ_SIZE: usize = 256 * 1024;
const PIPE_SIZE: i32 = 1024 * 1024;
/// After the command exits, how long to keep reading output its children may still write.
const DRAIN: Duration = Duration::from_millis(200);

/// What every job needs from the console.
#[derive(Clone)]
pub struct RunContext {
    pub tx: mpsc::Sender<RunMsg>,
    pub cwd: PathBuf,
    pub logs_dir: PathBuf,
    pub shell: String,
    pub grace: Duration,
    pub scrollback: usize,
    pub redactor: Arc<Redactor>,
}

/// A running job, as the console holds it: cancel it, or kill it on exit.
pub struct JobHandle {
    pub id: u64,
    cancel: watch::Sender<bool>,
    pgid: Arc<AtomicI32>,
    pub task: tokio::task::JoinHandle<()>,
}

impl JobHandle {
    pub fn cancel(&self) {
        let _ = self.cancel.send(true);
    }

    /// On quit: the running command's process group gets SIGTERM at once.
    pub fn terminate(&self) {
        signal_group(
            self.pgid.load(Ordering::SeqCst),
            nix::sys::signal::Signal::SIGTERM,
        );
        self.task.abort();
    }

    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

fn group_alive(pgid: i32) -> bool {
    pgid > 0 && nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pgid), None).is_ok()
}

fn signal_group(pgid: i32, sig: nix::sys::signal::Signal) {
    if pgid > 0 {
        let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pgid), sig);
    }
}

pub fn start(spec: JobSpec, ctx: RunContext) -> JobHandle {
    let (cancel, cancelled) = watch::channel(false);
    let pgid = Arc::new(AtomicI32::new(0));
    let id = spec.id;
    let task = tokio::spawn(run_job(spec, ctx, cancelled, pgid.clone()));
    JobHandle {
        id,
        cancel,
        pgid,
        task,
    }
}

async fn run_job(
    spec: JobSpec,
    ctx: RunContext,
    mut cancelled: watch::Receiver<bool>,
    pgid: Arc<AtomicI32>,
) {
    let total = spec.steps.len();
    let mut passed = 0;
    for (i, step) in spec.steps.iter().enumerate() {
        let (name, command) = match step {
            Step::Shell { name, command } => (name.clone(), command.clone()),
            Step::Http(s) => (
                s.name.get_ref().clone(),
                format!(
                    "{} {}",
                    s.method.to_uppercase(),
                    s.url.clone().unwrap_or_default()
                ),
            ),
        };
        let command = ctx.redactor.redact(&command).into_owned();
        let log = log_path(&ctx.logs_dir, spec.kind, &name);
        send(
            &ctx.tx,
            RunMsg::StepStarted {
                job: spec.id,
                kind: spec.kind,
                name: name.clone(),
                command: command.clone(),
                log: log.clone(),
                at: Utc::now(),
                head: crate::git::head_of(&ctx.cwd),
            },
        )
        .await;
        let started = Instant::now();
        let outcome = match step {
            Step::Shell { command: raw, .. } => {
                run_shell(
                    &spec,
                    raw,
                    &command,
                    &name,
                    &log,
                    &ctx,
                    &mut cancelled,
                    &pgid,
                )
                .await
            }
            Step::Http(s) => run_http(&spec, s, &log, &ctx, &mut cancelled).await,
        };
        let ok = outcome.is_success();
        passed += usize::from(ok);
        let cancelled_now = matches!(outcome, Outcome::Cancelled);
        let last = i + 1 == total || cancelled_now || (!ok && spec.stop_on_failure);
        send(
            &ctx.tx,
            RunMsg::StepFinished {
                job: spec.id,
                kind: spec.kind,
                name,
                command,
                outcome,
                duration: started.elapsed(),
                log,
                all_passed: last.then_some(passed == total),
            },
        )
        .await;
        if last {
            break;
        }
    }
    send(
        &ctx.tx,
        RunMsg::JobFinished {
            job: spec.id,
            kind: spec.kind,
            passed,
            total,
        },
    )
    .await;
}

async fn send(tx: &mpsc::Sender<RunMsg>, m: RunMsg) {
    let _ = tx.send(m).await;
}

fn log_path(dir: &Path, kind: JobKind, name: &str) -> PathBuf {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let n = std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0) + 1;
    dir.join(format!(
        "{n:03}-{}-{}.log",
        kind.as_str(),
        slug.trim_matches('-')
    ))
}

/// The output of one step: to the log file in full, to the pane in bounded batches.
struct Sink<'a> {
    job: u64,
    tx: &'a mpsc::Sender<RunMsg>,
    file: Option<std::io::BufWriter<std::fs::File>>,
    batch: VecDeque<String>,
    skipped: u64,
    cap: usize,
    redactor: &'a Redactor,
    /// The rows the command can still redraw, as last handed to the screen.
    live: Vec<String>,
    /// The settled lines are inside a private key block.
    in_key: bool,
    live_version: u64,
    live_sent: bool,
    live_at: Instant,
}

impl<'a> Sink<'a> {
    fn new(
        job: u64,
        tx: &'a mpsc::Sender<RunMsg>,
        log: &Path,
        header: &str,
        ctx: &'a RunContext,
    ) -> Sink<'a> {
        let file = std::fs::create_dir_all(&ctx.logs_dir)
            .and_then(|()| std::fs::File::create(log))
            .map(|f| std::io::BufWriter::with_capacity(256 * 1024, f))
            .map_err(|e| tracing::error!("cannot write {}: {e}", log.display()))
            .ok();
        let mut sink = Sink {
            job,
            tx,
            file,
            batch: VecDeque::new(),
            skipped: 0,
            cap: ctx.scrollback.max(1),
            redactor: &ctx.redactor,
            live: Vec::new(),
            in_key: false,
            live_version: 0,
            live_sent: true,
            live_at: Instant::now(),
        };
        if let Some(f) = sink.file.as_mut() {
            let _ = writeln!(f, "{header}");
        }
        sink
    }

    /// A row that will not change any more: to the log file and the next batch.
    fn settled(&mut self, row: Settled) {
        let mut text = self
            .redactor
            .redact_line(&row.text, &mut self.in_key)
            .into_owned();
        if let Some(f) = self.file.as_mut() {
            let plain = strip_sgr(&text);
            let _ = f.write_all(plain.as_bytes());
            let _ = f.write_all(if row.wrapped { b"" } else { b"\n" });
        }
        if row.wrapped {
            text.push_str(" ↩");
        }
        if self.batch.len() == self.cap {
            self.batch.pop_front();
            self.skipped += 1;
        }
        self.batch.push_back(text);
    }

    fn note(&mut self, text: String) {
        if let Some(f) = self.file.as_mut() {
            let _ = writeln!(f, "{}", strip_sgr(&text));
        }
        self.batch.push_back(text);
    }

    /// Hands what is pending to the screen without waiting: if the loop is busy, the batch
    /// keeps growing (bounded by the scrollback) until the next flush. Redrawn rows alone are
    /// sent at most every [`LIVE_EVERY`], rendered only when they changed. Returns how long
    /// to wait before calling again while something is still undelivered.
    fn flush(&mut self, term: Option<&Terminal>) -> Option<Duration> {
        let rows_waiting = !self.batch.is_empty() || self.skipped > 0;
        let redrawn = term.filter(|t| t.version() != self.live_version);
        if !rows_waiting {
            if redrawn.is_none() && self.live_sent {
                return None;
            }
            let wait = LIVE_EVERY.saturating_sub(self.live_at.elapsed());
            if !wait.is_zero() {
                return Some(wait);
            }
        }
        if let Some(term) = redrawn {
            self.live_version = term.version();
            // The bottom row may still be being written: the start of a secret on it is hidden
            // until the rest arrives.
            let rows = term.live();
            let last = rows.len().saturating_sub(1);
            let mut in_key = self.in_key;
            self.live = rows
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    if i == last {
                        self.redactor.redact_unfinished(l, in_key)
                    } else {
                        self.redactor.redact_line(l, &mut in_key).into_owned()
                    }
                })
                .collect();
            self.live_sent = false;
        }
        if !rows_waiting && self.live_sent {
            return None;
        }
        let msg = RunMsg::Output {
            job: self.job,
            lines: std::mem::take(&mut self.batch).into(),
            live: self.live.clone(),
            skipped: self.skipped,
        };
        if let Err(e) = self.tx.try_send(msg) {
            // The screen is behind: the lines wait for the next flush.
            if let RunMsg::Output { lines, .. } = e.into_inner() {
                self.batch = lines.into();
            }
            return Some(FLUSH);
        }
        self.skipped = 0;
        self.live_sent = true;
        self.live_at = Instant::now();
        None
    }

    /// At the end of a step: everything is delivered and on disk.
    async fn finish(&mut self) {
        if let Some(f) = self.file.as_mut() {
            let _ = f.flush();
        }
        self.live.clear();
        let msg = RunMsg::Output {
            job: self.job,
            lines: std::mem::take(&mut self.batch).into(),
            live: Vec::new(),
            skipped: std::mem::take(&mut self.skipped),
        };
        let _ = self.tx.send(msg).await;
    }
}

fn header(kind: JobKind, name: &str, command: &str) -> String {
    format!(
        "# warroom {}: {command}\n# started {}",
        kind.title(name),
        rfc3339_string(Utc::now())
    )
}

#[allow(clippy::too_many_arguments)]
async fn run_shell(
    spec: &JobSpec,
    raw: &str,
    shown: &str,
    name: &str,
    log: &Path,
    ctx: &RunContext,
    cancelled: &mut watch::Receiver<bool>,
    pgid: &AtomicI32,
) -> Outcome {
    let mut sink = Sink::new(spec.id, &ctx.tx, log, &header(spec.kind, name, shown), ctx);
    // Both streams write into one pipe, as both write to one terminal: what the command
    // printed arrives in the order it printed it.
    let (reader, writer) = match std::io::pipe().and_then(|(r, w)| Ok((r, w.try_clone()?, w))) {
        Ok((r, w1, w2)) => (r, (w1, w2)),
        Err(e) => {
            let reason = format!("cannot make a pipe for the command's output: {e}");
            sink.note(format!("\x1b[31m{reason}\x1b[0m"));
            sink.finish().await;
            return Outcome::SpawnFailed(reason);
        }
    };
    let mut cmd = tokio::process::Command::new(&ctx.shell);
    cmd.arg("-c")
        .arg(raw)
        .current_dir(&ctx.cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::from(writer.0))
        .stderr(Stdio::from(writer.1))
        .env("FORCE_COLOR", "1")
        .env("CLICOLOR_FORCE", "1")
        .env("CLICOLOR", "1")
        .env_remove("NO_COLOR")
        .process_group(0)
        .kill_on_drop(true);
    let spawned = cmd.spawn();
    // The command holds the pipe's write ends now; ours must close for the end to be seen.
    drop(cmd);
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            let reason = format!("cannot start {}: {e}", ctx.shell);
            sink.note(format!("\x1b[31m{reason}\x1b[0m"));
            sink.finish().await;
            return Outcome::SpawnFailed(reason);
        }
    };
    let group = child.id().map(|p| p as i32).unwrap_or(0);
    pgid.store(group, Ordering::SeqCst);
    let (chunks_tx, mut chunks) = mpsc::channel(4);
    read_pipe(reader.into(), chunks_tx);
    let mut term = Terminal::default();
    let mut pipes_open = true;
    // Output is handed on within FLUSH of arriving; nothing wakes the loop while the command
    // is quiet.
    let mut flush_at: Option<tokio::time::Instant> = None;
    let mut status = None;
    let mut drain_until: Option<tokio::time::Instant> = None;
    let mut kill_at: Option<tokio::time::Instant> = None;
    let mut was_cancelled = false;

    loop {
        let drained = drain_until.is_some_and(|d| tokio::time::Instant::now() >= d);
        if status.is_some() && (!pipes_open || drained) {
            break;
        }
        tokio::select! {
            chunk = chunks.recv(), if pipes_open => match chunk {
                Some(bytes) => {
                    term.feed(&bytes, |row| sink.settled(row));
                    let soon = tokio::time::Instant::now() + FLUSH;
                    flush_at = Some(flush_at.map_or(soon, |t| t.min(soon)));
                }
                None => pipes_open = false,
            },
            _ = tokio::time::sleep_until(flush_at.unwrap_or_else(tokio::time::Instant::now)), if flush_at.is_some() => {
                flush_at = sink.flush(Some(&term)).map(|d| tokio::time::Instant::now() + d);
            }
            s = child.wait(), if status.is_none() => {
                status = Some(s);
                drain_until = Some(tokio::time::Instant::now() + DRAIN);
            }
            // A background child may hold the pipes open: the step ends after the drain.
            _ = tokio::time::sleep_until(drain_until.unwrap_or_else(tokio::time::Instant::now)), if drain_until.is_some() => {}
            changed = cancelled.changed(), if !was_cancelled => {
                if changed.is_ok() && *cancelled.borrow() {
                    was_cancelled = true;
                    sink.note(format!("\x1b[33m— cancelled: SIGTERM to the process group, SIGKILL after {}s —\x1b[0m", ctx.grace.as_secs()));
                    flush_at = Some(tokio::time::Instant::now());
                    signal_group(group, nix::sys::signal::Signal::SIGTERM);
                    kill_at = Some(tokio::time::Instant::now() + ctx.grace);
                }
            }
            _ = async { tokio::time::sleep_until(kill_at.unwrap_or_else(tokio::time::Instant::now)).await }, if kill_at.is_some() => {
                signal_group(group, nix::sys::signal::Signal::SIGKILL);
                kill_at = None;
            }
        }
    }
    // A cancelled command's group may outlive its shell (a child ignoring SIGTERM): it gets
    // the rest of the grace period, then SIGKILL.
    if let Some(deadline) = kill_at {
        while group_alive(group) && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        signal_group(group, nix::sys::signal::Signal::SIGKILL);
    }
    term.finish(|row| sink.settled(row));
    pgid.store(0, Ordering::SeqCst);
    let outcome = match status {
        _ if was_cancelled => Outcome::Cancelled,
        Some(Ok(s)) => match (s.code(), std::os::unix::process::ExitStatusExt::signal(&s)) {
            (Some(code), _) => Outcome::Exited(code),
            (None, Some(sig)) => Outcome::Signalled(sig),
            (None, None) => Outcome::Exited(-1),
        },
        Some(Err(e)) => Outcome::SpawnFailed(format!("waiting for the command failed: {e}")),
        None => Outcome::Exited(-1),
    };
    sink.note(outcome.describe_line());
    sink.finish().await;
    outcome
}

/// Reads the command's output on a thread of its own with blocking reads, so a command's writes cost the
/// console's loop nothing until there is a chunk to show. A read that did not fill the buffer
/// means the command writes slower than it is read: the thread waits a moment ([`GATHER`], or
/// [`PACE`] for small pieces such as a spinner's frames) so that the next read takes many
/// writes at once; the pipe is enlarged so the command does not wait meanwhile. The thread ends
/// with the pipe (every writer gone) or when the step stops listening.
fn read_pipe(fd: std::os::fd::OwnedFd, tx: mpsc::Sender<Vec<u8>>) {
    use nix::fcntl::{FcntlArg, fcntl};
    use std::io::Read;
    let spawned = std::thread::Builder::new()
        .name("pipe reader".into())
        .spawn(move || {
            let _ = fcntl(&fd, FcntlArg::F_SETPIPE_SZ(PIPE_SIZE));
            let mut pipe = std::fs::File::from(fd);
            let mut buf = vec![0u8; READ_SIZE];
            loop {
                match pipe.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if tx.blocking_send(buf[..n].to_vec()).is_err() {
                            break;
                        }
                        if n < PACE_BELOW {
                            std::thread::sleep(PACE);
                        } else if n < READ_SIZE / 2 {
                            std::thread::sleep(GATHER);
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start a thread to read the command's output: {e}");
    }
}

/// `${VAR}` in a header value reads the environment, so tokens stay out of the config.
fn expand_env(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        match rest[i..].find('}') {
            Some(end) => {
                out.push_str(&std::env::var(&rest[i + 2..i + end]).unwrap_or_default());
                rest = &rest[i + end + 1..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// What went wrong with a request, in a few words: the innermost cause says it (connection
/// refused, DNS failure, certificate problem).
fn request_error(e: &reqwest::Error) -> String {
    let mut deepest = e.to_string();
    let mut cur = std::error::Error::source(e);
    while let Some(s) = cur {
        deepest = s.to_string();
        cur = s.source();
    }
    let host = e.url().and_then(|u| {
        u.host_str().map(|h| match u.port() {
            Some(p) => format!("{h}:{p}"),
            None => h.to_string(),
        })
    });
    let at = host.map(|h| format!(" {h}")).unwrap_or_default();
    if e.is_connect() {
        format!("cannot connect to{at}: {deepest}")
    } else if e.is_timeout() {
        format!("timed out talking to{at}")
    } else {
        format!("request to{at} failed: {deepest}")
    }
}

async fn run_http(
    spec: &JobSpec,
    s: &SmokeConfig,
    log: &Path,
    ctx: &RunContext,
    cancelled: &mut watch::Receiver<bool>,
) -> Outcome {
    let url = s.url.clone().unwrap_or_default();
    let method = s.method.to_uppercase();
    let shown = ctx.redactor.redact(&format!("{method} {url}")).into_owned();
    let mut sink = Sink::new(
        spec.id,
        &ctx.tx,
        log,
        &header(spec.kind, s.name.get_ref(), &shown),
        ctx,
    );
    sink.note(format!(
        "→ {shown}  (expect {}{})",
        s.expect_status,
        s.expect_body
            .as_ref()
            .map(|b| format!(", body containing {b:?}"))
            .unwrap_or_default()
    ));
    sink.flush(None);
    let outcome = tokio::select! {
        o = http_request(s, &url, &method) => o,
        _ = cancelled.changed() => Outcome::Cancelled,
    };
    let line = match &outcome {
        Outcome::Http {
            status: Some(st),
            ok: true,
            ..
        } => format!("\x1b[32m← {st} ✓\x1b[0m"),
        Outcome::Http { reason, .. } => {
            format!("\x1b[31m← ✗ {}\x1b[0m", ctx.redactor.redact(reason))
        }
        other => other.describe_line(),
    };
    sink.note(line);
    sink.finish().await;
    outcome
}

async fn http_request(s: &SmokeConfig, url: &str, method: &str) -> Outcome {
    let client = match reqwest::Client::builder()
        .timeout(s.timeout)
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            return Outcome::Http {
                status: None,
                ok: false,
                reason: request_error(&e),
            };
        }
    };
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut req = client.request(method, url);
    for (k, v) in &s.headers {
        req = req.header(k, expand_env(v));
    }
    if let Some(b) = &s.body {
        req = req.body(b.clone());
    }
    let started = Instant::now();
    let resp = match req.send().await {
        Ok(r) => r,
        Err(e) if e.is_timeout() => {
            return Outcome::Http {
                status: None,
                ok: false,
                reason: format!("timed out after {}s", s.timeout.as_secs_f32()),
            };
        }
        Err(e) => {
            return Outcome::Http {
                status: None,
                ok: false,
                reason: request_error(&e),
            };
        }
    };
    let status = resp.status().as_u16();
    let mut body = Vec::new();
    let mut resp = resp;
    loop {
        match resp.chunk().await {
            Ok(Some(c)) if body.len() < 1 << 20 => body.extend_from_slice(&c),
            Ok(Some(_)) | Ok(None) => break,
            Err(e) => {
                return Outcome::Http {
                    status: Some(status),
                    ok: false,
                    reason: format!("reading the body: {}", request_error(&e)),
                };
            }
        }
    }
    let ms = started.elapsed().as_millis();
    let text = String::from_utf8_lossy(&body);
    let status_ok = status == s.expect_status;
    let body_ok = s
        .expect_body
        .as_ref()
        .is_none_or(|b| text.contains(b.as_str()));
    let reason = if !status_ok {
        format!("expected {}, got {status} in {ms} ms", s.expect_status)
    } else if !body_ok {
        format!(
            "{status} in {ms} ms, but the body lacks {:?}",
            s.expect_body.as_deref().unwrap_or_default()
        )
    } else {
        format!("{status} in {ms} ms")
    };
    Outcome::Http {
        status: Some(status),
        ok: status_ok && body_ok,
        reason,
    }
}
