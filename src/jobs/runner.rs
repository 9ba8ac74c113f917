//! Runs a job (the deploy, the checks, the smoke tests, a rollback) in the background and
//! reports through messages. Commands run in their own process group; stdout and stderr share
//! one pipe, read as it fills, through a terminal's line discipline; every settled line goes to
//! the run's log file. The pane gets batches, never more than its scrollback, so a flood never
//! slows the command down: lines the pane could not keep are counted, and are all in the log
//! file.

use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::{mpsc, watch};

use super::job::{JobKind, JobSpec, Outcome, RunMsg, Step};
use super::pipe::read_pipe;
use super::sink::{Sink, header, log_path};
use super::smoke::run_http;
use crate::config::SmokeConfig;
use crate::output::Redactor;
use crate::output::terminal::Terminal;

/// After the command exits, output is read until the pipe closes, or until none has come for
/// this long (a background child may hold the pipe open)…
const DRAIN: Duration = Duration::from_millis(200);
/// …and never for longer than this.
const DRAIN_MAX: Duration = Duration::from_secs(3);

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
    /// The deploy log pane's inside, columns × rows: the size a command is told its terminal
    /// is, and the screen its output is read on.
    pub size: (u16, u16),
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
    // (passed, run) of the smoke tests that test the fix itself.
    let mut fixes = (0, 0);
    for (i, step) in spec.steps.iter().enumerate() {
        let (name, command) = match step {
            Step::Shell { name, command, .. } => (name.clone(), command.clone()),
            Step::Smoke(s) => (
                s.name.get_ref().clone(),
                match &s.command {
                    Some(c) => c.clone(),
                    None => format!(
                        "{} {}",
                        s.method.to_uppercase(),
                        s.url.clone().unwrap_or_default()
                    ),
                },
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
        let shown = Shown {
            name: &name,
            command: &command,
            log: &log,
        };
        let outcome = match step {
            Step::Shell {
                command: raw, tty, ..
            } => run_shell(&spec, raw, *tty, shown, &ctx, &mut cancelled, &pgid).await,
            // A smoke test with a command runs it as a check would, on a pipe.
            Step::Smoke(SmokeConfig {
                command: Some(raw), ..
            }) => run_shell(&spec, raw, false, shown, &ctx, &mut cancelled, &pgid).await,
            Step::Smoke(s) => run_http(&spec, s, &log, &ctx, &mut cancelled).await,
        };
        let ok = outcome.is_success();
        passed += usize::from(ok);
        if let Step::Smoke(s) = step
            && s.verifies_fix
        {
            fixes.0 += usize::from(ok);
            fixes.1 += 1;
        }
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
                fix_verified: (last && spec.kind == JobKind::Smoke)
                    .then_some(fixes.1 > 0 && fixes.0 == fixes.1),
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

/// What the step shows of itself: its name, its command (redacted) and its log file.
struct Shown<'a> {
    name: &'a str,
    command: &'a str,
    log: &'a Path,
}

/// Where the command writes: both streams into one pipe, or onto one pseudo-terminal of the
/// pane's size, as both write to one terminal, so that what it printed arrives in the order it
/// printed it. Returns the end to read and the command's two ends.
fn output_ends(
    tty: bool,
    (cols, rows): (u16, u16),
) -> std::io::Result<(OwnedFd, OwnedFd, OwnedFd)> {
    let (reader, writer): (OwnedFd, OwnedFd) = if tty {
        let size = nix::pty::Winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let pty = nix::pty::openpty(&size, None).map_err(std::io::Error::from)?;
        (pty.master, pty.slave)
    } else {
        let (r, w) = std::io::pipe()?;
        (r.into(), w.into())
    };
    let second = writer.try_clone()?;
    Ok((reader, writer, second))
}

async fn run_shell(
    spec: &JobSpec,
    raw: &str,
    tty: bool,
    shown: Shown<'_>,
    ctx: &RunContext,
    cancelled: &mut watch::Receiver<bool>,
    pgid: &AtomicI32,
) -> Outcome {
    let head = header(spec.kind, shown.name, shown.command);
    let mut sink = Sink::new(spec.id, &ctx.tx, shown.log, &head, ctx);
    let (reader, out, err) = match output_ends(tty, ctx.size) {
        Ok(ends) => ends,
        Err(e) => {
            let what = if tty { "a terminal" } else { "a pipe" };
            let reason = format!("cannot make {what} for the command's output: {e}");
            sink.note(format!("\x1b[31m{reason}\x1b[0m"));
            sink.finish().await;
            return Outcome::SpawnFailed(reason);
        }
    };
    let (cols, rows) = ctx.size;
    let mut cmd = tokio::process::Command::new(&ctx.shell);
    // Input is empty: a command that asks a question reads its end at once, on a pipe or on a
    // terminal (the terminal is not the command's controlling one, so /dev/tty cannot be
    // opened to wait on either).
    cmd.arg("-c")
        .arg(raw)
        .current_dir(&ctx.cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .env("COLUMNS", cols.to_string())
        .env("LINES", rows.to_string())
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
    read_pipe(reader, chunks_tx);
    let mut term = Terminal::sized(usize::from(cols), usize::from(rows));
    let mut pipes_open = true;
    // Output is handed on within FLUSH of arriving; nothing wakes the loop while the command
    // is quiet.
    let mut flush_at: Option<tokio::time::Instant> = None;
    let mut status = None;
    let mut drain_until: Option<tokio::time::Instant> = None;
    let mut drain_cap: Option<tokio::time::Instant> = None;
    let mut kill_at: Option<tokio::time::Instant> = None;
    let mut was_cancelled = false;

    loop {
        let drained = drain_until.is_some_and(|d| tokio::time::Instant::now() >= d);
        if status.is_some() && (!pipes_open || drained) {
            // What was read before the drain ended is kept, even if the timer won the race.
            while let Ok(bytes) = chunks.try_recv() {
                sink.settle(term.feed(&bytes));
            }
            break;
        }
        tokio::select! {
            chunk = chunks.recv(), if pipes_open => match chunk {
                Some(bytes) => {
                    sink.settle(term.feed(&bytes));
                    if let (Some(until), Some(cap)) = (drain_until.as_mut(), drain_cap) {
                        *until = cap.min(tokio::time::Instant::now() + DRAIN);
                    }
                    let soon = tokio::time::Instant::now() + sink.due();
                    flush_at = Some(flush_at.map_or(soon, |t| t.min(soon)));
                }
                None => pipes_open = false,
            },
            _ = tokio::time::sleep_until(flush_at.unwrap_or_else(tokio::time::Instant::now)), if flush_at.is_some() => {
                flush_at = sink.flush(Some(&term)).map(|d| tokio::time::Instant::now() + d);
            }
            s = child.wait(), if status.is_none() => {
                status = Some(s);
                let now = tokio::time::Instant::now();
                drain_until = Some(now + DRAIN);
                drain_cap = Some(now + DRAIN_MAX);
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
    sink.settle(term.finish());
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
