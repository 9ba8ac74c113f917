//! `view`: draws the model. Reads only; one file per pane.

pub mod ascii;
pub mod board;
pub mod chart;
pub mod checklist;
pub mod deploy_log;
pub mod error_rate;
pub mod footer;
pub mod header;
pub mod overlay;
pub mod theme;
pub mod timeline;
pub mod verification;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Block, BorderType};

use crate::app::{Model, Pane};

/// Where each pane goes at this size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Areas {
    pub header: Rect,
    pub checklist: Rect,
    pub deploy_log: Rect,
    pub error_rate: Rect,
    pub timeline: Rect,
    pub footer: Rect,
}

/// Where each pane goes; a pane with nothing to show but what to set (Sentry unconfigured)
/// shrinks to that line, and the deploy log gets the room. On a short screen the focused
/// pane comes first: the others of its column keep a few rows.
pub fn layout(m: &Model, area: Rect) -> Areas {
    let short = area.height < 30;
    let (body_rows, timeline_rows) = match (short, m.focus == Pane::Timeline) {
        (true, false) => (Constraint::Fill(1), Constraint::Length(3)),
        (true, true) => (Constraint::Fill(1), Constraint::Fill(1)),
        (false, _) => (Constraint::Percentage(66), Constraint::Fill(1)),
    };
    let [header, body, timeline, footer] = Layout::vertical([
        Constraint::Length(header::height(area.height)),
        body_rows,
        timeline_rows,
        Constraint::Length(1),
    ])
    .areas(area);
    let [checklist, right] =
        Layout::horizontal([Constraint::Percentage(42), Constraint::Fill(1)]).areas(body);
    let gates = m.metrics.len() as u16;
    let error_rate_rows = match &m.error_rate.unconfigured {
        Some(what) if m.chart == 0 => {
            let lines = wrapped_lines(what, usize::from(right.width.saturating_sub(2)));
            Constraint::Length(lines.clamp(1, 3) as u16 + 2 + gates)
        }
        _ if short && m.focus == Pane::DeployLog => Constraint::Length(3 + gates),
        _ if short && m.focus == Pane::ErrorRate => Constraint::Fill(3),
        _ => Constraint::Percentage(45),
    };
    let [deploy_log, error_rate] =
        Layout::vertical([Constraint::Fill(1), error_rate_rows]).areas(right);
    Areas {
        header,
        checklist,
        deploy_log,
        error_rate,
        timeline,
        footer,
    }
}

/// How many rows `text` takes wrapped at word boundaries to `width` columns.
pub(crate) fn wrapped_lines(text: &str, width: usize) -> usize {
    let width = width.max(1);
    let (mut lines, mut used) = (1, 0);
    for word in text.split_whitespace() {
        let w = unicode_width::UnicodeWidthStr::width(word);
        let needed = if used == 0 { w } else { used + 1 + w };
        if needed <= width {
            used = needed;
        } else {
            lines += 1 + w.saturating_sub(1) / width;
            used = w % width;
        }
    }
    lines
}

pub fn view(m: &Model, frame: &mut Frame) {
    let area = frame.area();
    draw(m, area, frame.buffer_mut());
}

pub fn draw(m: &Model, area: Rect, buf: &mut Buffer) {
    theme::drawing(m.palette, || draw_panes(m, area, buf));
}

fn draw_panes(m: &Model, area: Rect, buf: &mut Buffer) {
    let a = layout(m, area);
    header::render(m, a.header, buf);
    checklist::render(m, a.checklist, buf);
    deploy_log::render(m, a.deploy_log, buf);
    error_rate::render(m, a.error_rate, buf);
    timeline::render(m, a.timeline, buf);
    footer::render(m, a.footer, buf);
    overlay::render(m, area, buf);
    if m.ascii {
        ascii::rewrite(buf, area);
    }
}

pub(crate) fn pane_block(m: &Model, pane: Pane, title: String) -> Block<'static> {
    let focused = m.focus == pane;
    Block::bordered()
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(theme::border(focused))
        .title(title)
}
