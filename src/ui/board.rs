//! `warroom board`: every open incident of the remote on one screen, most urgent first — its
//! SLA, ticket, priority, phase, seats and title — with one selected to open.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row as TableRow, Table, Widget};

use super::theme;
use crate::clock::{self, Policy};
use crate::share::listing::Row;

/// What the board shows besides the rows.
pub struct Board<'a> {
    pub rows: &'a [Row],
    pub selected: usize,
    /// Where the incidents are shared (`acme on nats://…`).
    pub on: &'a str,
    /// When the remote was last read, and why it could not be since.
    pub updated: Option<DateTime<Utc>>,
    pub failed: Option<&'a str>,
    pub closed: usize,
    pub policy: &'a Policy,
    pub now: DateTime<Utc>,
}

pub fn render(b: &Board, area: Rect, buf: &mut Buffer) {
    let [top, table, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let mut head = vec![
        Span::styled(" warroom board ", theme::accent()),
        Span::raw(format!(" {} · {} open", b.on, b.rows.len())),
    ];
    if b.closed > 0 {
        head.push(Span::styled(
            format!(" · {} closed", b.closed),
            theme::dim(),
        ));
    }
    match (b.failed, b.updated) {
        (Some(why), _) => head.push(Span::styled(
            format!(" · ⚠ {why}"),
            theme::level(clock::Level::Red),
        )),
        (None, Some(at)) => head.push(Span::styled(
            format!(" · read {} UTC", at.format("%H:%M:%S")),
            theme::dim(),
        )),
        (None, None) => head.push(Span::styled(" · reading…", theme::dim())),
    }
    Paragraph::new(Line::from(head)).render(top, buf);
    let rows: Vec<TableRow> = b
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let sla = clock::sla(&r.incident, b.policy, b.now);
            let style = if i == b.selected {
                theme::selected()
            } else {
                ratatui::style::Style::default()
            };
            TableRow::new(vec![
                Line::from(Span::styled(
                    r.sla_text(b.policy, b.now),
                    theme::level(sla.level()),
                )),
                Line::from(r.ticket.clone()),
                Line::from(Span::styled(
                    format!(" {} ", r.incident.priority),
                    theme::priority_badge(r.incident.priority),
                )),
                Line::from(r.incident.phase().as_str().to_string()),
                Line::from(r.people.join(", ")),
                Line::from(r.incident.title.clone()),
            ])
            .style(style)
        })
        .collect();
    let widths = [
        Constraint::Length(22),
        Constraint::Length(14),
        Constraint::Length(4),
        Constraint::Length(14),
        Constraint::Length(24),
        Constraint::Fill(1),
    ];
    let header =
        TableRow::new(["SLA", "TICKET", "PRI", "PHASE", "SEATS", "TITLE"]).style(theme::dim());
    Table::new(rows, widths)
        .header(header)
        .block(
            Block::default()
                .borders(Borders::TOP)
                .border_style(theme::border(false)),
        )
        .render(table, buf);
    if b.rows.is_empty() {
        let [_, _, middle] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(table);
        Paragraph::new(Line::styled(
            "  No incident is open on the remote",
            theme::dim(),
        ))
        .render(middle, buf);
    }
    Paragraph::new(Line::from(vec![
        Span::styled(" ↑↓", theme::key()),
        Span::styled(" select  ", theme::hint()),
        Span::styled("enter", theme::key()),
        Span::styled(" open  ", theme::hint()),
        Span::styled("q", theme::key()),
        Span::styled(" quit", theme::hint()),
    ]))
    .render(foot, buf);
}
