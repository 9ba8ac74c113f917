//! Follows a log file into the deploy log pane, like `tail -F`: new lines as they are written,
//! from the start again after a truncation, and the new file after a rotation (rename, then a
//! new file at the same path). Changes come from `notify`; a slow poll covers missed events.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

use crate::output::lines::{LineSplitter, Piece};
use crate::output::{Redactor, clean_line};

/// Lines handed over at most per message, so a burst arrives in pieces.
const BATCH: usize = 2000;

/// The follower's state between reads.
pub struct Tail {
    path: PathBuf,
    file: Option<File>,
    inode: u64,
    offset: u64,
    lines: LineSplitter,
    redactor: Arc<Redactor>,
    /// Inside a private key block that began on an earlier line.
    in_key: bool,
}

#[derive(Debug, Default, PartialEq)]
pub struct TailRead {
    pub lines: Vec<String>,
    pub note: Option<String>,
}

impl Tail {
    /// Starts at the end of the file (only what is written from now on), or waits for it.
    pub fn new(path: PathBuf, redactor: Arc<Redactor>) -> Tail {
        let mut t = Tail {
            path,
            file: None,
            inode: 0,
            offset: 0,
            lines: LineSplitter::default(),
            redactor,
            in_key: false,
        };
        if let Ok(f) = File::open(&t.path)
            && let Ok(meta) = f.metadata()
        {
            t.inode = meta.ino();
            t.offset = meta.len();
            t.file = Some(f);
        }
        t
    }

    /// Reads whatever is new, noticing truncation and rotation.
    pub fn read(&mut self) -> TailRead {
        let mut out = TailRead::default();
        match std::fs::metadata(&self.path) {
            Ok(meta) if meta.ino() != self.inode || self.file.is_none() => {
                // Rotated (or created): drain the old file, then read the new one from its start.
                if self.file.is_some() {
                    self.drain(&mut out);
                    out.note = Some(format!(
                        "— {} was rotated: following the new file —",
                        self.path.display()
                    ));
                }
                match File::open(&self.path) {
                    Ok(f) => {
                        self.file = Some(f);
                        self.inode = meta.ino();
                        self.offset = 0;
                        self.lines = LineSplitter::default();
                    }
                    Err(e) => {
                        out.note = Some(format!("— cannot open {}: {e} —", self.path.display()))
                    }
                }
            }
            Ok(meta) if meta.len() < self.offset => {
                out.note = Some(format!(
                    "— {} was truncated: reading from its start —",
                    self.path.display()
                ));
                self.offset = 0;
                self.lines = LineSplitter::default();
            }
            Ok(_) => {}
            Err(_) => return out,
        }
        self.drain(&mut out);
        out
    }

    fn drain(&mut self, out: &mut TailRead) {
        let Some(f) = self.file.as_mut() else { return };
        if f.seek(SeekFrom::Start(self.offset)).is_err() {
            return;
        }
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match f.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    self.offset += n as u64;
                    let (redactor, in_key) = (&self.redactor, &mut self.in_key);
                    self.lines.feed(&buf[..n], |p| match p {
                        Piece::Line(l) | Piece::Cut(l) => {
                            out.lines.push(clean_line(l, redactor, in_key))
                        }
                    });
                }
            }
        }
    }
}

/// Follows `path` until aborted, sending what it reads.
pub fn spawn(
    path: PathBuf,
    tx: mpsc::Sender<TailRead>,
    redactor: Arc<Redactor>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let (wake_tx, mut wake) = mpsc::channel::<()>(1);
        let _watcher = watch_parent(&path, wake_tx)
            .map_err(|e| tracing::warn!("cannot watch {}: {e}; polling it", path.display()))
            .ok();
        let mut tail = Tail::new(path.clone(), redactor);
        let _ = tx
            .send(TailRead {
                lines: Vec::new(),
                note: Some(format!("— following {} —", path.display())),
            })
            .await;
        let mut poll = tokio::time::interval(Duration::from_secs(1));
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                w = wake.recv() => if w.is_none() { break },
                _ = poll.tick() => {}
            }
            let read = tail.read();
            if read.lines.is_empty() && read.note.is_none() {
                continue;
            }
            let mut note = read.note;
            for chunk in read.lines.chunks(BATCH) {
                if tx
                    .send(TailRead {
                        lines: chunk.to_vec(),
                        note: note.take(),
                    })
                    .await
                    .is_err()
                {
                    return;
                }
            }
            if let Some(n) = note
                && tx
                    .send(TailRead {
                        lines: Vec::new(),
                        note: Some(n),
                    })
                    .await
                    .is_err()
            {
                return;
            }
        }
    })
}

fn watch_parent(path: &Path, wake: mpsc::Sender<()>) -> notify::Result<notify::RecommendedWatcher> {
    let name = path.file_name().map(|n| n.to_os_string());
    let mut w = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res
            && ev
                .paths
                .iter()
                .any(|p| p.file_name().map(|n| n.to_os_string()) == name)
        {
            let _ = wake.try_send(());
        }
    })?;
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    w.watch(parent, RecursiveMode::NonRecursive)?;
    Ok(w)
}
