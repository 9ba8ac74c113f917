//! The loop: messages in, `update`, effects performed, and a frame drawn at most once per
//! batch, only when something changed.

use std::collections::VecDeque;
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::effects::Executor;
use crate::app::{Model, Msg, update};
use crate::ui;

/// Redraws are capped at about 30 a second, except right after a key press.
const FRAME: Duration = Duration::from_millis(33);
/// Messages taken in one batch before drawing, so a flood cannot starve the screen.
const BATCH: usize = 4096;

/// Runs the loop until quit. Generic over the backend so tests drive it headless.
pub async fn run_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    model: &mut Model,
    executor: &mut Executor,
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
            // Another seat's events are drawn at once too: they come at most once a poll.
            urgent |= matches!(
                msg,
                Msg::Key(_)
                    | Msg::Paste(_)
                    | Msg::Resize(..)
                    | Msg::Share(crate::share::ShareMsg::Arrived { .. })
            );
            dirty = true;
            // What an effect reports (an append read back from the journal) is handled before
            // anything else queued, so the next message sees the record as it now is.
            let mut follow = Vec::new();
            for effect in update(model, msg) {
                follow.extend(executor.perform(effect, model));
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
