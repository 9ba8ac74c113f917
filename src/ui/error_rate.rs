//! The error rate from Sentry around the deploy.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::{pane_block, theme};
use crate::app::{Model, Pane};

pub fn render(m: &Model, area: Rect, buf: &mut Buffer) {
    let block = pane_block(m, Pane::ErrorRate, " Error rate ".to_string());
    let lines = vec![
        Line::styled(
            format!(
                "Sentry is not configured: set [sentry] org and project in {} and export SENTRY_AUTH_TOKEN",
                m.config_name
            ),
            theme::tone(crate::app::model::Tone::Warn),
        ),
        Line::styled(
            "The error rate, its baseline and the deploy marker are charted here.",
            theme::dim(),
        ),
    ];
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .block(block)
        .render(area, buf);
}
