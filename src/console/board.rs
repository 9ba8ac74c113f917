//! `warroom board`: the remote's open incidents on one screen, kept current by the feed,
//! redrawn only when the feed speaks, a key is pressed or the second turns (the SLAs count);
//! `enter` hands the selected ticket back to be opened.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};

use crate::checklist::Checklist;
use crate::clock::Policy;
use crate::config::palette::Palette;
use crate::share::feed::Feed;
use crate::share::listing::{self, Row, SharedIncident};

/// What the board needs to show the incidents.
pub struct BoardSetup {
    pub feed: std::sync::mpsc::Receiver<Feed>,
    pub checklist: Arc<Checklist>,
    pub policy: Policy,
    pub palette: Palette,
    /// Where the incidents are shared, as the title says it.
    pub on: String,
}

/// Keys are waited for at most this long, so the feed's news is drawn within it.
const WAIT: Duration = Duration::from_millis(250);

struct State {
    incidents: Vec<SharedIncident>,
    rows: Vec<Row>,
    closed: usize,
    /// The selected incident, by ticket: a reorder keeps it selected.
    selected: Option<String>,
    updated: Option<DateTime<Utc>>,
    failed: Option<String>,
}

impl State {
    fn index(&self) -> usize {
        self.selected
            .as_ref()
            .and_then(|t| self.rows.iter().position(|r| r.ticket == *t))
            .unwrap_or(0)
    }

    fn select(&mut self, by: isize) {
        if self.rows.is_empty() {
            return;
        }
        let at = (self.index() as isize + by).clamp(0, self.rows.len() as isize - 1);
        self.selected = Some(self.rows[at as usize].ticket.clone());
    }
}

/// Runs the board until `q` (None) or `enter` (the selected ticket).
pub fn run(setup: BoardSetup) -> std::io::Result<Option<String>> {
    let mut terminal = ratatui::init();
    let result = run_loop(&mut terminal, &setup);
    ratatui::restore();
    result
}

fn run_loop(
    terminal: &mut ratatui::DefaultTerminal,
    setup: &BoardSetup,
) -> std::io::Result<Option<String>> {
    let mut s = State {
        incidents: Vec::new(),
        rows: Vec::new(),
        closed: 0,
        selected: None,
        updated: None,
        failed: None,
    };
    let mut drawn_at = None;
    let mut changed = true;
    loop {
        while let Ok(feed) = setup.feed.try_recv() {
            match feed {
                Feed::Incidents(all) => {
                    s.incidents = all;
                    s.updated = Some(Utc::now());
                    s.failed = None;
                }
                Feed::Failed(why) => s.failed = Some(why),
            }
            changed = true;
        }
        let now = Utc::now();
        if changed || drawn_at != Some(now.timestamp()) {
            let (rows, closed) =
                listing::open_rows(&s.incidents, &setup.checklist, &setup.policy, now);
            s.rows = rows;
            s.closed = closed;
            let board = crate::ui::board::Board {
                rows: &s.rows,
                selected: s.index(),
                on: &setup.on,
                updated: s.updated,
                failed: s.failed.as_deref(),
                closed: s.closed,
                policy: &setup.policy,
                now,
            };
            terminal.draw(|f| {
                crate::ui::theme::drawing(setup.palette, || {
                    crate::ui::board::render(&board, f.area(), f.buffer_mut())
                })
            })?;
            drawn_at = Some(now.timestamp());
            changed = false;
        }
        if !event::poll(WAIT)? {
            continue;
        }
        changed = true;
        let Event::Key(key) = event::read()? else {
            continue;
        };
        if key.kind != KeyEventKind::Press {
            continue;
        }
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => return Ok(None),
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => return Ok(None),
            KeyCode::Up | KeyCode::Char('k') => s.select(-1),
            KeyCode::Down | KeyCode::Char('j') => s.select(1),
            KeyCode::Enter => {
                if let Some(r) = s.rows.get(s.index()) {
                    return Ok(Some(r.ticket.clone()));
                }
            }
            _ => {}
        }
    }
}
