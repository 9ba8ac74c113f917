//! Every event, newest at the bottom, milestones highlighted. Only the visible rows are
//! formatted, so the cost does not grow with the length of the incident.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::{pane_block, theme};
use crate::app::{Model, Pane, timeline};
use crate::incident::Incident;
use crate::journal::{Event, kinds};

pub fn render(m: &Model, area: Rect, buf: &mut Buffer) {
    let zone = if m.utc {
        "UTC".to_string()
    } else {
        crate::format::local_zone_name(m.now)
    };
    let mut title = format!(
        " Timeline · {} · {zone} ",
        crate::format::count(m.incident.count, "event", "events")
    );
    if m.timeline.from_bottom > 0 {
        title.push_str(&format!(
            "· scrolled ↑{} (f follows) ",
            m.timeline.from_bottom
        ));
    }
    if !m.warnings.is_empty() {
        title.push_str(&format!(
            "· ⚠ {} ",
            crate::format::count(m.warnings.len(), "journal warning", "journal warnings")
        ));
    }
    let block = pane_block(m, Pane::Timeline, title);
    let inner = block.inner(area);
    block.render(area, buf);
    let height = usize::from(inner.height);
    if height == 0 {
        return;
    }
    let lines: Vec<Line> = timeline::visible(m, height)
        .map(|n| match timeline::event(m, n) {
            Some(e) => event_line(m, e),
            None => Line::styled(
                format!("… event {} could not be read from the journal", n + 1),
                theme::dim(),
            ),
        })
        .collect();
    Paragraph::new(lines).render(inner, buf);
}

fn event_line(m: &Model, e: &Event) -> Line<'static> {
    let (icon, style) = if Incident::is_milestone(e) {
        ("★", theme::milestone())
    } else {
        match e.kind.as_str() {
            kinds::NOTE => ("✎", Style::new()),
            kinds::CHECKLIST_DONE => ("✓", theme::done()),
            kinds::CHECKLIST_WAIVED => ("~", theme::waived()),
            kinds::CHECKLIST_REOPENED => ("↺", theme::dim()),
            kinds::STATUS_UPDATE => ("📣", Style::new()),
            _ if e.is_failure() => ("✗", theme::tone(crate::app::model::Tone::Error)),
            _ if !e.kind.is_known() => ("•", theme::dim()),
            _ => ("•", Style::new()),
        }
    };
    let text = if e.text.is_empty() {
        e.kind.to_string()
    } else {
        e.text.clone()
    };
    // A seat whose clock is off: its time as written, marked `~`.
    let written = e.time_field(crate::journal::seats::WRITTEN_AT);
    let skewed = written.is_some()
        || e.str_field("seat")
            .is_some_and(|seat| crate::app::seats::skewed(m, seat));
    let mut spans = vec![
        Span::styled(
            crate::format::stamp(m.utc, written.unwrap_or(e.at)),
            theme::dim(),
        ),
        if skewed {
            Span::styled("~", theme::tone(crate::app::model::Tone::Warn))
        } else {
            Span::raw(" ")
        },
    ];
    if let Some(by) = e.str_field("by") {
        spans.push(Span::styled(by.to_string(), theme::accent()));
        spans.push(Span::raw(" "));
    }
    spans.extend([
        Span::styled(icon, style),
        Span::raw(" "),
        Span::styled(text, style),
    ]);
    if !e.kind.is_known() {
        spans.push(Span::styled(format!("  [{}]", e.kind), theme::dim()));
    }
    Line::from(spans)
}
