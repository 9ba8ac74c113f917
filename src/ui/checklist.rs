//! The emergency release checklist: phases with a gauge each, items and their state.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, LineGauge, Paragraph, Widget};

use super::{pane_block, theme};
use crate::app::{Model, Pane};
use crate::checklist::Item;
use crate::incident::{ItemStatus, Mark};

enum Row<'a> {
    Phase(&'a crate::checklist::Phase),
    Item(usize, &'a crate::checklist::Item),
}

pub fn render(m: &Model, area: Rect, buf: &mut Buffer) {
    let inc = &m.incident;
    let (done, total) = inc.progress(m.items());
    let block: Block = pane_block(m, Pane::Checklist, format!(" Checklist {done}/{total} "));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let show_guard =
        m.git.unavailable.is_none() && (m.git.guard.is_some() || m.git.guard_note.is_some());
    let [gauge, list, guard, detail] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(u16::from(show_guard && inner.height >= 10)),
        Constraint::Length(if inner.height >= 8 { 1 } else { 0 }),
    ])
    .areas(inner);
    if guard.height > 0 {
        Paragraph::new(guard_line(m)).render(guard, buf);
    }

    let ratio = if total == 0 {
        1.0
    } else {
        done as f64 / total as f64
    };
    // Filled and unfilled differ in shape too, not by colour alone.
    LineGauge::default()
        .filled_symbol(ratatui::symbols::line::THICK_HORIZONTAL)
        .unfilled_symbol(ratatui::symbols::line::HORIZONTAL)
        .ratio(ratio)
        .label(format!("all {:>3.0}% ", ratio * 100.0))
        .filled_style(theme::done())
        .unfilled_style(theme::dim())
        .render(gauge, buf);

    let mut rows = Vec::new();
    let mut index = 0;
    for phase in &inc.checklist.phases {
        rows.push(Row::Phase(phase));
        for item in &phase.items {
            rows.push(Row::Item(index, item));
            index += 1;
        }
    }
    let selected_row = rows
        .iter()
        .position(|r| matches!(r, Row::Item(i, _) if *i == m.selected))
        .unwrap_or(0);
    let height = usize::from(list.height);
    // Keep the selection in view, a third of the way down where possible.
    let offset = selected_row
        .saturating_sub(height / 3)
        .min(rows.len().saturating_sub(height));
    let width = usize::from(list.width);
    let lines: Vec<Line> = rows
        .iter()
        .skip(offset)
        .take(height)
        .map(|row| match row {
            Row::Phase(p) => phase_line(m, p, width),
            Row::Item(i, item) => {
                item_line(m, item, *i == m.selected && m.focus == Pane::Checklist)
            }
        })
        .collect();
    Paragraph::new(lines).render(list, buf);

    if detail.height > 0
        && let Some(item) = m.selected_item()
    {
        let text = match inc.status(item) {
            ItemStatus::Waived(Mark::Waived { reason, .. }) => format!("waived: {reason}"),
            ItemStatus::Done(Mark::Done {
                auto: Some(why),
                at,
            }) => {
                format!(
                    "ticked by itself {}: {why}",
                    crate::format::stamp(m.utc, *at)
                )
            }
            ItemStatus::Done(Mark::Done { at, .. }) => {
                format!("done {}", crate::format::stamp(m.utc, *at))
            }
            ItemStatus::NotApplicable(why) => why.reason(inc.priority),
            _ => open_line(m, item).unwrap_or_else(|| item.hint.clone().unwrap_or_default()),
        };
        Paragraph::new(Line::styled(text, theme::hint())).render(detail, buf);
    }
}

/// What an open item's line says before its hint: that what it rests on is not being read,
/// why the fact it would tick on was taken back or not taken, or why the PR cannot be opened.
fn open_line(m: &Model, item: &Item) -> Option<String> {
    if let Some((since, why)) = &m.github.error
        && item.auto.iter().any(|t| t.kind.starts_with("pr_"))
    {
        return Some(format!(
            "PR not followed since {}: {why}",
            crate::format::hm(m.utc, *since)
        ));
    }
    if let Some((at, why)) = m.incident.why_not.get(&item.id) {
        return Some(match at {
            Some(at) => format!("{} {why}", crate::format::stamp(m.utc, *at)),
            None => why.clone(),
        });
    }
    // Why the PR cannot be opened from here; exports/pr.md holds its text.
    m.github
        .unavailable
        .as_ref()
        .filter(|_| item.id == "pr-opened")
        .map(|why| format!("open it by hand from exports/pr.md (e → pr.md): {why}"))
}

/// The minimal-change guard, live: refreshed whenever the repository changes.
fn guard_line(m: &Model) -> Line<'static> {
    let Some(g) = &m.git.guard else {
        return Line::styled(
            format!("guard: {}", m.git.guard_note.clone().unwrap_or_default()),
            theme::dim(),
        );
    };
    let mut spans = vec![
        Span::styled("guard ", theme::dim()),
        Span::raw(format!(
            "{} · {} · +{} −{} ",
            crate::format::count(g.commits, "commit", "commits"),
            crate::format::count(g.files, "file", "files"),
            g.insertions,
            g.deletions
        )),
    ];
    spans.push(if g.regression_test() {
        Span::styled("✓ test ", theme::done())
    } else {
        Span::styled("✗ no test ", theme::tone(crate::app::model::Tone::Error))
    });
    spans.push(if g.minimal() {
        Span::styled("✓ minimal", theme::done())
    } else {
        let why = if !g.manifests.is_empty() {
            "⚠ dependencies"
        } else if !g.binaries.is_empty() {
            "⚠ binary files"
        } else {
            "⚠ large change"
        };
        Span::styled(why, theme::tone(crate::app::model::Tone::Warn))
    });
    Line::from(spans)
}

fn phase_line(m: &Model, p: &crate::checklist::Phase, width: usize) -> Line<'static> {
    let (done, total) = m.incident.progress(p.items.iter());
    let counts = format!(" {done}/{total} ");
    let bar_width = 10.min(width.saturating_sub(p.title.chars().count() + counts.len() + 2));
    let filled = (bar_width * done).checked_div(total).unwrap_or(bar_width);
    let style = if done == total {
        theme::done()
    } else {
        Style::new()
    };
    Line::from(vec![
        Span::styled(p.title.clone(), style.add_modifier(Modifier::BOLD)),
        Span::styled(counts, theme::dim()),
        Span::styled("━".repeat(filled), theme::done()),
        Span::styled("─".repeat(bar_width - filled), theme::dim()),
    ])
}

fn item_line(m: &Model, item: &crate::checklist::Item, selected: bool) -> Line<'static> {
    let (mark, style) = match m.incident.status(item) {
        ItemStatus::Pending => ("[ ]", Style::new()),
        ItemStatus::Done(Mark::Done { auto: Some(_), .. }) => ("[✓]", theme::done()),
        ItemStatus::Done(_) => ("[x]", theme::done()),
        ItemStatus::Waived(_) => ("[~]", theme::waived()),
        ItemStatus::NotApplicable(_) => ("[-]", theme::dim()),
    };
    let mut spans = vec![
        Span::raw(if selected { "▶" } else { " " }),
        Span::styled(mark, style),
        Span::raw(" "),
        Span::styled(item.text.clone(), style),
    ];
    match m.incident.status(item) {
        ItemStatus::Done(Mark::Done { auto: Some(_), .. }) => {
            spans.push(Span::styled("  auto", theme::dim()))
        }
        ItemStatus::Waived(_) => spans.push(Span::styled("  waived", theme::dim())),
        ItemStatus::NotApplicable(why) => spans.push(Span::styled(
            format!("  {}", why.tag(m.incident.priority)),
            theme::dim(),
        )),
        _ => {}
    }
    let line = Line::from(spans);
    if selected {
        line.style(theme::selected())
    } else {
        line
    }
}
