//! The console's git thread: it keeps the repository open (its caches warm) and runs one job
//! at a time, off the loop; guard refreshes queued behind each other collapse into one. A
//! watcher on `.git` reports commits and checkouts made outside the console.

use std::path::{Path, PathBuf};

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

use super::{Git, GitError, Op, Subject, ops};
use crate::config::GitConfig;

/// What the git thread reports.
#[derive(Debug, Clone)]
pub enum GitMsg {
    Done {
        op: &'static str,
        result: Result<super::Report, super::GitError>,
    },
    /// Something under `.git` changed (a commit, a checkout).
    Changed,
    Guard(Result<super::GuardReport, super::GitError>),
}

/// Where git work happens.
#[derive(Debug, Clone)]
pub struct GitSetup {
    pub cfg: GitConfig,
    pub cwd: PathBuf,
    /// The repository's `.git` folder, watched for the live guard.
    pub git_dir: PathBuf,
}

enum Job {
    Op(Op, Subject),
    Guard(Subject),
}

/// The running git thread and the watcher on `.git`; both stop when this is dropped.
pub struct GitWorker {
    jobs: std::sync::mpsc::Sender<Job>,
    _watcher: Option<notify::RecommendedWatcher>,
}

impl GitWorker {
    /// Starts the thread; libgit2 opens the repository at the first job, off the first frame.
    pub fn start(setup: GitSetup, tx: mpsc::Sender<GitMsg>) -> GitWorker {
        let watcher = watch_git(&setup.git_dir, tx.clone())
            .map_err(|e| tracing::warn!("cannot watch {}: {e}", setup.git_dir.display()))
            .ok();
        let _ = tx.try_send(GitMsg::Changed);
        let (jobs, rx) = std::sync::mpsc::channel::<Job>();
        std::thread::spawn(move || work(&setup, &rx, &tx));
        GitWorker {
            jobs,
            _watcher: watcher,
        }
    }

    /// Queues an operation; false when the thread is gone.
    pub fn run(&self, op: Op, subject: Subject) -> bool {
        self.jobs.send(Job::Op(op, subject)).is_ok()
    }

    /// Queues a measurement of the guard.
    pub fn measure(&self, subject: Subject) {
        let _ = self.jobs.send(Job::Guard(subject));
    }
}

fn work(setup: &GitSetup, rx: &std::sync::mpsc::Receiver<Job>, tx: &mpsc::Sender<GitMsg>) {
    let mut git: Option<Git> = None;
    while let Ok(mut job) = rx.recv() {
        // Only the newest of several queued guard refreshes matters.
        while let Job::Guard(_) = job {
            match rx.try_recv() {
                Ok(next) => job = next,
                Err(_) => break,
            }
        }
        let subject = match &job {
            Job::Op(_, s) | Job::Guard(s) => s.clone(),
        };
        let opened = match git.take() {
            Some(mut g) => {
                g.incident = subject;
                Ok(g)
            }
            None => Git::open(&setup.cfg, &setup.cwd, subject),
        };
        let msg = match (job, opened) {
            (Job::Op(op, _), Ok(g)) => {
                let result = ops::run(&g, &op);
                git = Some(g);
                GitMsg::Done {
                    op: op.name(),
                    result,
                }
            }
            (Job::Op(op, _), Err(e)) => GitMsg::Done {
                op: op.name(),
                result: Err(e),
            },
            (Job::Guard(_), Ok(g)) => {
                let result = ops::measure(&g);
                git = Some(g);
                GitMsg::Guard(result)
            }
            (Job::Guard(_), Err(e)) => GitMsg::Guard(Err(e)),
        };
        if tx.blocking_send(msg).is_err() {
            break;
        }
    }
}

/// Watches `.git` (HEAD, the index) and its branch refs: any change becomes `Changed`.
fn watch_git(
    git_dir: &Path,
    tx: mpsc::Sender<GitMsg>,
) -> notify::Result<notify::RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res
            && (ev.kind.is_modify() || ev.kind.is_create() || ev.kind.is_remove())
            && !ev
                .paths
                .iter()
                .all(|p| p.extension().is_some_and(|e| e == "lock"))
        {
            let _ = tx.try_send(GitMsg::Changed);
        }
    })?;
    watcher.watch(git_dir, RecursiveMode::NonRecursive)?;
    let heads = git_dir.join("refs").join("heads");
    if heads.is_dir() {
        watcher.watch(&heads, RecursiveMode::Recursive)?;
    }
    Ok(watcher)
}

/// Tells the loop that git is not there, as the thread would.
pub fn unavailable(op: &Op) -> GitMsg {
    GitMsg::Done {
        op: op.name(),
        result: Err(GitError::Refused("no git repository here".into())),
    }
}
