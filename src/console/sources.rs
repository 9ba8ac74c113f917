//! Where the loop's messages come from besides the effects: the terminal, the wall clock,
//! signals, the journal on disk, and producers that speak their own message types.

use std::time::Duration;

use chrono::Utc;
use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use futures::StreamExt;
use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

use crate::app::Msg;

/// A sender for a producer's own messages: each is wrapped (`Msg::Run`, `Msg::Git` …) and
/// handed to the loop, in order, with the loop's back-pressure.
pub fn forward<T: Send + 'static>(
    tx: mpsc::Sender<Msg>,
    wrap: fn(T) -> Msg,
    room: usize,
) -> mpsc::Sender<T> {
    let (own, mut rx) = mpsc::channel(room);
    tokio::spawn(async move {
        while let Some(m) = rx.recv().await {
            if tx.send(wrap(m)).await.is_err() {
                break;
            }
        }
    });
    own
}

/// Terminal keys, paste and resize as messages.
pub fn spawn_input(tx: mpsc::Sender<Msg>) -> tokio::task::JoinHandle<()> {
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
pub fn spawn_clock(tx: mpsc::Sender<Msg>) -> tokio::task::JoinHandle<()> {
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

pub fn spawn_signals(tx: mpsc::Sender<Msg>) -> anyhow::Result<tokio::task::JoinHandle<()>> {
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
