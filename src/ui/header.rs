//! The priority timer: ticket, title, priority, phase, SLA countdown, elapsed, monitoring
//! window and the next status update. Big and coloured, to be read across a room.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use tui_big_text::{BigText, PixelSize};

use super::theme;
use crate::app::Model;
use crate::clock::{self, Level, Monitoring, Sla};
use crate::format;

/// Rows the header takes at this terminal height.
pub fn height(total: u16) -> u16 {
    if total >= 30 { 5 } else { 2 }
}

pub fn render(m: &Model, area: Rect, buf: &mut Buffer) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let [top, rest] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    title_line(m).render(top, buf);
    if rest.height >= 4 && rest.width >= 60 {
        let [big, info] =
            Layout::horizontal([Constraint::Length(26), Constraint::Fill(1)]).areas(rest);
        big_clock(m, big, buf);
        Paragraph::new(info_lines(m)).render(info, buf);
    } else if rest.height > 0 {
        // One line: what matters most at a glance first (the SLA, the next status update,
        // monitoring, then elapsed), so a narrow screen cuts the least of it.
        let mut lines: Vec<Option<Line>> = info_lines(m).into_iter().map(Some).collect();
        let mut spans = Vec::new();
        for i in [0, 3, 2, 1] {
            if let Some(mut line) = lines.get_mut(i).and_then(Option::take) {
                if i == 0 && rest.width < 100 {
                    // Narrow: the SLA itself, not its deadline's date.
                    line.spans.truncate(1);
                }
                if !spans.is_empty() {
                    spans.push(Span::styled("  │  ", theme::dim()));
                }
                spans.extend(line.spans);
            }
        }
        Paragraph::new(Line::from(spans)).render(rest, buf);
    }
}

fn title_line(m: &Model) -> Line<'static> {
    let inc = &m.incident;
    let mut spans = vec![
        Span::styled(
            format!(" {} ", inc.priority),
            theme::priority_badge(inc.priority),
        ),
        Span::raw(" "),
        Span::styled(
            inc.ticket.clone(),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::raw("  "),
        Span::raw(inc.title.clone()),
        Span::styled("   phase ", theme::dim()),
        Span::styled(inc.phase().as_str().to_uppercase(), theme::accent()),
    ];
    if inc.demo {
        spans.push(Span::styled(
            "  DEMO — simulated incident ",
            theme::banner(theme::palette().waived, Color::Black),
        ));
    }
    if let Some(d) = inc.judged_from() {
        let key = crate::journal::event::rfc3339_string(d);
        if inc.latest_verdict(&key, crate::incident::facts::RATE_VERDICTS) == Some("rose") {
            spans.push(Span::styled(
                format!(
                    "  ⚠ ERROR RATE ROSE AFTER {}: r to roll back ",
                    inc.judged_after().to_uppercase()
                ),
                theme::banner(theme::palette().error, Color::White),
            ));
        }
    }
    // A mitigation in force, as the record holds it: the flags turned off.
    let off: Vec<&str> = inc
        .mitigation
        .flags()
        .into_iter()
        .filter(|(_, c)| !c.on)
        .map(|(name, _)| name)
        .collect();
    if !off.is_empty() {
        spans.push(Span::styled(
            format!("   ⚑ {} off", off.join(", ")),
            theme::tone(crate::app::model::Tone::Warn),
        ));
    }
    if let Some(ic) = crate::app::seats::commander(m) {
        spans.push(Span::styled(format!("   {ic}"), theme::accent()));
    }
    if let Some(shared) = crate::app::seats::summary(m) {
        let offline = m
            .share
            .status
            .as_ref()
            .is_some_and(|s| !s.online && s.offline_since.is_some());
        spans.push(Span::styled(
            format!("   ⇄ {shared}"),
            if offline {
                theme::tone(crate::app::model::Tone::Warn)
            } else {
                theme::dim()
            },
        ));
    }
    if let (Some((since, _)), Some(pr)) = (&m.github.error, &inc.pr) {
        spans.push(Span::styled(
            format!(
                "  ⚠ PR #{} not followed since {} ",
                pr.number,
                crate::format::hm(m.utc, *since)
            ),
            theme::tone(crate::app::model::Tone::Warn),
        ));
    }
    if let Some(other) = crate::app::seats::running_elsewhere(m) {
        spans.push(Span::styled(
            format!("  ⚠ {other} "),
            theme::tone(crate::app::model::Tone::Warn),
        ));
    }
    if inc.closed_at.is_some() {
        spans.push(Span::styled(
            "  CLOSED (read-only) ",
            theme::tone(crate::app::model::Tone::Info).add_modifier(Modifier::BOLD),
        ));
    }
    Line::from(spans)
}

/// Hours and minutes, big; the seconds are in the line beside it, so the big digits change
/// once a minute.
fn big_clock(m: &Model, area: Rect, buf: &mut Buffer) {
    let s = clock::sla(&m.incident, &m.policy, m.now);
    let text = match s {
        Sla::Running { left, .. } => format::hours_minutes(left.as_secs()),
        Sla::Breached { overdue } => format!("+{}", format::hours_minutes(overdue.as_secs())),
        Sla::Stopped { took, .. } => format::hours_minutes(took.as_secs()),
    };
    BigText::builder()
        .pixel_size(PixelSize::Quadrant)
        .style(theme::level(s.level()))
        .lines(vec![Line::from(text)])
        .build()
        .render(area, buf);
}

fn sla_line(m: &Model) -> Line<'static> {
    let inc = &m.incident;
    let target = m.policy.target(inc.priority);
    let s = clock::sla(inc, &m.policy, m.now);
    let style = theme::level(s.level());
    let text = match s {
        Sla::Running { left, level } => format!(
            "SLA {} left of {}{}",
            crate::format::stopwatch(left.as_secs()),
            crate::format::target(target),
            if level == Level::Amber {
                " — under 25 % left"
            } else {
                ""
            }
        ),
        Sla::Breached { overdue } => format!(
            "SLA BREACHED: {} overdue (target {})",
            crate::format::stopwatch(overdue.as_secs()),
            crate::format::target(target)
        ),
        Sla::Stopped { took, target } => format!(
            "Deployed in {} (target {}){}",
            crate::format::duration(took),
            crate::format::target(target),
            if took > target {
                " — SLA missed"
            } else {
                " — SLA met"
            }
        ),
    };
    let mut spans = vec![Span::styled(text, style)];
    if let Sla::Running { .. } | Sla::Breached { .. } = s {
        let due = inc.detected_at + chrono::Duration::from_std(target).unwrap_or_default();
        spans.push(Span::styled(
            format!("  · deploy by {}", crate::format::stamp(m.utc, due)),
            theme::dim(),
        ));
    }
    Line::from(spans)
}

fn info_lines(m: &Model) -> Vec<Line<'static>> {
    let inc = &m.incident;
    let mut lines = vec![sla_line(m)];
    let mut elapsed = vec![
        Span::raw(format!(
            "Elapsed {}",
            crate::format::duration(clock::elapsed(inc, m.now))
        )),
        Span::styled(
            format!(
                "  · detected {} {}",
                crate::format::stamp(m.utc, inc.detected_at),
                crate::format::zone(m.utc, m.now)
            ),
            theme::dim(),
        ),
    ];
    // The page beside the clock: who acknowledged it, who is on call.
    if let Some((page, tone)) = crate::app::paging::summary(m) {
        elapsed.push(Span::styled(
            format!("  ☎ {}", m.shown(&page)),
            theme::tone(tone),
        ));
    }
    // The ticket as its tracker has it, and writes that wait.
    if let Some((ticket, tone)) = crate::app::tickets::summary(m) {
        elapsed.push(Span::styled(
            format!("  ▤ {}", m.shown(&ticket)),
            theme::tone(tone),
        ));
    }
    lines.push(Line::from(elapsed));
    if let Some(closed) = inc.closed_at {
        lines.push(Line::from(Span::styled(
            format!("Closed {}", crate::format::stamp(m.utc, closed)),
            theme::tone(crate::app::model::Tone::Info).add_modifier(Modifier::BOLD),
        )));
    } else {
        lines.push(monitoring_line(m));
    }
    lines.push(match clock::next_update_due(inc, &m.policy) {
        None => Line::from(Span::styled("No status-update reminder", theme::dim())),
        Some(due) if m.now >= due => Line::from(Span::styled(
            format!(
                "STATUS UPDATE DUE ({} overdue) — post it, then m → status update",
                crate::format::duration((m.now - due).to_std().unwrap_or_default())
            ),
            theme::banner(theme::palette().warn, Color::Black),
        )),
        Some(due) => Line::from(Span::raw(format!(
            "Next status update in {} ({})",
            crate::format::duration((due - m.now).to_std().unwrap_or_default()),
            crate::format::stamp(m.utc, due)
        ))),
    });
    lines
}

fn monitoring_line(m: &Model) -> Line<'static> {
    let inc = &m.incident;
    match clock::monitoring(inc, &m.policy, m.now) {
        Monitoring::NotStarted => Line::from(Span::styled(
            format!(
                "Monitoring {} after {}",
                crate::format::duration(m.policy.monitoring),
                inc.judged_after()
            ),
            theme::dim(),
        )),
        Monitoring::Running { left } => Line::from(Span::styled(
            format!(
                "Monitoring: {} left of {}",
                crate::format::stopwatch(left.as_secs()),
                crate::format::duration(m.policy.monitoring)
            ),
            theme::accent(),
        )),
        Monitoring::Done if inc.verified_at.is_some() => {
            Line::from(Span::styled("Verified resolved", theme::level(Level::Ok)))
        }
        Monitoring::Done => Line::from(Span::styled(
            "Monitoring window over: m → \"Verified resolved\" when it holds",
            theme::level(Level::Amber),
        )),
    }
}
