//! The deploy log: what the console runs, streamed.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::{pane_block, theme};
use crate::app::{Model, Pane};

pub fn render(m: &Model, area: Rect, buf: &mut Buffer) {
    let block = pane_block(m, Pane::DeployLog, " Deploy log ".to_string());
    let lines = vec![
        Line::styled(
            format!(
                "No deploy command configured: set [deploy] in {}",
                m.config_name
            ),
            theme::tone(crate::app::model::Tone::Warn),
        ),
        Line::styled(
            "The deploy (d), checks (t), smoke tests (s) and rollback (r) stream here.",
            theme::dim(),
        ),
    ];
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .block(block)
        .render(area, buf);
}
