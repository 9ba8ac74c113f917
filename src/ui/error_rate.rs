//! The error rate from Sentry around the deploy: the current rate against the baseline, the
//! peak, the poll state, the new issues, and a chart with the baseline and the deploy marked.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph, Widget, Wrap};

use super::{chart, pane_block, theme};
use crate::app::error_rate::change_pct;
use crate::app::model::Tone;
use crate::app::{Model, Pane};
use crate::sentry::PollState;

fn state_span(m: &Model) -> Span<'static> {
    let e = &m.error_rate;
    let ago = |t: chrono::DateTime<chrono::Utc>| {
        crate::format::duration((m.now - t).to_std().unwrap_or_default())
    };
    let hhmmss = |t: chrono::DateTime<chrono::Utc>| {
        crate::format::stamp(m.utc, t)
            .chars()
            .skip(11)
            .collect::<String>()
    };
    let stale_after = chrono::Duration::from_std(e.interval * 2).unwrap_or_default()
        + chrono::Duration::seconds(10);
    match &e.state {
        PollState::Waiting => {
            Span::styled(format!("connecting to {}…", e.source.name()), theme::dim())
        }
        PollState::Ok => match e.last_ok {
            Some(t) if m.now - t > stale_after => Span::styled(
                format!("stale: last good sample {} ago", ago(t)),
                theme::tone(Tone::Warn),
            ),
            Some(t) => Span::styled(
                format!(
                    "ok · polled {}{}",
                    hhmmss(t),
                    match (e.source, &e.notice) {
                        (crate::config::ErrorSource::Rollbar, _) => " · minute counts",
                        (_, Some(_)) => " · without yAxis (older Sentry)",
                        _ => "",
                    }
                ),
                theme::tone(Tone::Good),
            ),
            None => Span::styled("ok", theme::tone(Tone::Good)),
        },
        PollState::RateLimited { until, detail } => Span::styled(
            format!("rate-limited until {}: {detail}", hhmmss(*until)),
            theme::tone(Tone::Warn),
        ),
        PollState::Retrying {
            reason,
            attempt,
            next,
        } => Span::styled(
            format!("retry {attempt} at {}: {reason}", hhmmss(*next)),
            theme::tone(Tone::Warn),
        ),
        PollState::Error { reason, next } => Span::styled(
            format!("error: {reason} · next try {}", hhmmss(*next)),
            theme::tone(Tone::Error),
        ),
    }
}

fn summary(m: &Model) -> Line<'static> {
    let e = &m.error_rate;
    let inc = &m.incident;
    let mut spans = Vec::new();
    if let Some(cur) = e.current() {
        let base = e.baseline(inc.detected_at);
        let change = base.and_then(|b| change_pct(b, cur));
        let style = match change {
            Some(p) if p > 20.0 => theme::tone(Tone::Error),
            Some(_) => theme::tone(Tone::Good),
            None => Style::new(),
        }
        .add_modifier(Modifier::BOLD);
        let arrow = match change {
            Some(p) if p > 0.0 => "▲ ",
            Some(_) => "▼ ",
            None => "",
        };
        spans.push(Span::styled(
            format!(
                "{} {arrow}{}",
                crate::format::rate(cur),
                change.map(crate::format::pct).unwrap_or_default()
            ),
            style,
        ));
        if let Some(b) = base {
            spans.push(Span::styled(
                format!("  baseline {}", crate::format::rate(b)),
                theme::dim(),
            ));
        }
        if let Some(p) = e.peak() {
            spans.push(Span::styled(
                format!("  peak {}", crate::format::rate(p)),
                theme::dim(),
            ));
        }
        spans.push(Span::raw("  "));
    }
    spans.push(state_span(m));
    Line::from(spans)
}

fn issues_line(m: &Model) -> Line<'static> {
    let e = &m.error_rate;
    let unit = e.source.unit();
    if m.incident.judged_from().is_none() {
        return Line::styled(
            format!("New {unit}s are watched from the deploy on"),
            theme::dim(),
        );
    }
    let after = m.incident.judged_after();
    if e.issues.is_empty() {
        return Line::styled(
            format!("No new {unit}s since {after}"),
            theme::tone(Tone::Good),
        );
    }
    let titles: Vec<String> = e
        .issues
        .iter()
        .take(3)
        .map(|i| format!("{} {}", i.short_id, i.title))
        .collect();
    Line::from(vec![
        Span::styled(
            format!(
                "{} since {after}: ",
                crate::format::count(
                    e.issues.len(),
                    &format!("new {unit}"),
                    &format!("new {unit}s")
                )
            ),
            theme::tone(Tone::Error),
        ),
        Span::raw(titles.join(" · ")),
    ])
}

pub fn render(m: &Model, area: Rect, buf: &mut Buffer) {
    let title = if m.metrics.is_empty() {
        format!(" Error rate ({}) ", m.error_rate.source.name())
    } else {
        " Verification ".to_string()
    };
    let block = pane_block(m, Pane::ErrorRate, title);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    // One line a gate below the error rate; the error rate keeps a line at least.
    let gate_rows = (m.metrics.len() as u16).min(inner.height.saturating_sub(1).max(1));
    let [inner, gates] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(gate_rows)]).areas(inner);
    super::verification::render_lines(m, gates, buf);
    if let Some(g) = m.chart.checked_sub(1).and_then(|i| m.metrics.get(i)) {
        return super::verification::render_chart(m, g, inner, buf);
    }
    let e = &m.error_rate;
    if let Some(what) = &e.unconfigured {
        Paragraph::new(Line::styled(what.clone(), theme::tone(Tone::Warn)))
            .wrap(Wrap { trim: true })
            .render(inner, buf);
        return;
    }
    let [head, issues, chart] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(u16::from(inner.height >= 4)),
        Constraint::Fill(1),
    ])
    .areas(inner);
    Paragraph::new(summary(m)).render(head, buf);
    Paragraph::new(issues_line(m)).render(issues, buf);
    // A chart needs rows for its three labels and the time axis; below that the summary line
    // (current rate, baseline, peak) says it all.
    if chart.height >= 6 && !e.series.is_empty() {
        draw_chart(m, chart, buf);
    } else if e.series.is_empty() && chart.height > 0 {
        Paragraph::new(Line::styled(
            format!(
                "No data yet: polling every {}",
                crate::format::duration(e.interval)
            ),
            theme::dim(),
        ))
        .render(chart, buf);
    }
}

fn draw_chart(m: &Model, area: Rect, buf: &mut Buffer) {
    let e = &m.error_rate;
    // The axis ends at the newest bucket, not at `now`: the chart changes when the data does.
    let now = e
        .series
        .keys()
        .next_back()
        .map_or(m.now.timestamp(), |t| t + e.width) as f64;
    let x0 = now - e.window.as_secs_f64();
    let half = e.width as f64 / 2.0;
    let mut complete: Vec<(f64, f64)> = e
        .points()
        .map(|(t, v)| (t as f64 + half, v))
        .filter(|(t, _)| *t >= x0)
        .collect();
    let provisional: Vec<(f64, f64)> = match (complete.pop(), complete.last()) {
        (Some(p), Some(prev)) => vec![*prev, p],
        (Some(p), None) => vec![p],
        _ => Vec::new(),
    };
    let baseline = e.baseline(m.incident.detected_at);
    let ymax = complete
        .iter()
        .chain(provisional.iter())
        .map(|(_, v)| *v)
        .chain(baseline)
        .fold(1.0f64, f64::max)
        * 1.15;
    let base_line: Vec<(f64, f64)> = baseline
        .map(|b| vec![(x0, b), (now, b)])
        .unwrap_or_default();
    let deploys = super::chart::deploys(m, x0, 0.0, ymax);
    let detected = m.incident.detected_at.timestamp() as f64;
    let detected_line: Vec<(f64, f64)> = if detected >= x0 {
        vec![(detected, 0.0), (detected, ymax)]
    } else {
        Vec::new()
    };

    let mut sets = vec![
        chart::line(&base_line, theme::palette().baseline).name("baseline"),
        chart::line(&detected_line, theme::palette().detected).name("detected"),
    ];
    for d in &deploys {
        sets.push(chart::line(d, theme::palette().deploy));
    }
    sets.push(chart::line(&complete, theme::palette().errors).name("errors/min"));
    sets.push(
        Dataset::default()
            .marker(Marker::Dot)
            .graph_type(GraphType::Line)
            .style(theme::dim())
            .data(&provisional),
    );
    let hm = |t: f64| chart::hhmm(m, t);
    Chart::new(sets)
        .x_axis(
            Axis::default()
                .bounds([x0, now])
                .style(theme::dim())
                .labels([hm(x0), hm((x0 + now) / 2.0), hm(now)]),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, ymax])
                .style(theme::dim())
                .labels([
                    "0".to_string(),
                    format!("{:.0}", ymax / 2.0),
                    format!("{:.0}", ymax),
                ]),
        )
        .render(area, buf);
}
