//! The metric gates in the verification pane: one line each (level before the deploy → now,
//! the verdict, a sparkline, or the fault in words), and the chart of the one selected.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Paragraph, Widget};

use super::{chart, theme};
use crate::app::Model;
use crate::app::metrics::{Gate, GateState, Verdict};
use crate::app::model::Tone;
use crate::config::Expect;

const SPARK: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The newest `n` points as a sparkline from zero (or their low, when below it) to their high:
/// a few percent of noise stays flat, a level that doubles shows.
pub fn sparkline(g: &Gate, n: usize) -> String {
    let vals: Vec<f64> = g.series.values().rev().take(n).rev().copied().collect();
    let lo = vals.iter().copied().fold(0.0, f64::min);
    let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    vals.iter()
        .map(|v| {
            let i = if hi > lo {
                ((v - lo) / (hi - lo) * 7.0).round() as usize
            } else {
                3
            };
            SPARK[i.min(7)]
        })
        .collect()
}

fn stale(m: &Model, g: &Gate) -> bool {
    let after = chrono::Duration::from_std(g.interval * 2).unwrap_or_default()
        + chrono::Duration::seconds(10);
    g.last_ok.is_some_and(|t| m.now - t > after)
}

/// A gate's line: `✓ API p95 latency  0.210 s → 0.215 s +2 %  ▂▃▂▁`.
pub fn line(m: &Model, g: &Gate, selected: bool) -> Line<'static> {
    let name = |style: Style| {
        let style = if selected {
            style.add_modifier(Modifier::REVERSED)
        } else {
            style
        };
        Span::styled(g.name.clone(), style.add_modifier(Modifier::BOLD))
    };
    let fault = |mark: &str, text: String, tone: Tone| {
        Line::from(vec![
            Span::styled(format!("{mark} "), theme::tone(tone)),
            name(Style::new()),
            Span::styled(format!(": {text}"), theme::tone(tone)),
        ])
    };
    match &g.state {
        GateState::Unconfigured(what) => return fault("⚠", what.clone(), Tone::Warn),
        GateState::Failed { reason, .. } => return fault("⚠", reason.clone(), Tone::Error),
        GateState::Waiting => {
            return Line::from(vec![
                Span::styled("… ", theme::dim()),
                name(Style::new()),
                Span::styled(
                    format!(
                        ": waiting for {} (every {})",
                        g.source.name(),
                        crate::format::duration(g.interval)
                    ),
                    theme::dim(),
                ),
            ]);
        }
        GateState::Ok => {}
    }
    let now = g
        .latest()
        .map(|v| g.show(v))
        .unwrap_or_else(|| "no data".into());
    let deploy = m.incident.judged_from();
    let after = m.incident.judged_after();
    let reading = deploy.map(|d| g.reading(d, after));
    let (mark, tone) = match &reading {
        Some(Ok(r)) => match r.verdict {
            Verdict::Good => ("✓", Tone::Good),
            Verdict::Bad => ("✗", Tone::Error),
            Verdict::Unsettled => ("⚠", Tone::Warn),
        },
        _ => ("·", Tone::Info),
    };
    let mut spans = vec![
        Span::styled(format!("{mark} "), theme::tone(tone)),
        name(Style::new()),
        Span::raw("  "),
    ];
    let before = deploy.and_then(|d| g.level_before(d));
    match before {
        Some(b) => spans.push(Span::raw(format!("{} → {now}", g.show(b)))),
        None => spans.push(Span::raw(format!("now {now}"))),
    }
    if let (Some(b), Some(v)) = (before, g.latest())
        && let Some(p) = crate::app::error_rate::change_pct(b, v)
    {
        spans.push(Span::styled(
            format!(" {}", crate::format::pct(p)),
            theme::tone(tone),
        ));
    }
    let word = match &reading {
        None => format!("before {after}"),
        Some(Err(why)) => why.clone(),
        Some(Ok(r)) => match (r.verdict, g.expect) {
            (Verdict::Good, Expect::Stable) => "stable".into(),
            (Verdict::Good, Expect::Drop) => "dropped".into(),
            (Verdict::Good, Expect::Rise) => "back up".into(),
            (Verdict::Good, e) => e.to_string(),
            (Verdict::Bad, Expect::Stable) => format!("beyond {}", g.tolerance),
            (Verdict::Bad, e) => format!("not {e}"),
            (Verdict::Unsettled, e) => format!("{e}: not yet"),
        },
    };
    // Good is recorded (and ticks its item) only once the monitoring window is over.
    let so_far = matches!(&reading, Some(Ok(r)) if r.verdict == Verdict::Good)
        && crate::clock::monitoring(&m.incident, &m.policy, m.now)
            != crate::clock::Monitoring::Done;
    let word = if so_far {
        format!("{word} so far")
    } else {
        word
    };
    // The sparkline before the words: at 80 columns the words are what is cut.
    spans.push(Span::styled(
        format!("  {}", sparkline(g, 8)),
        theme::series(theme::palette().errors),
    ));
    spans.push(Span::styled(format!("  {word}"), theme::dim()));
    if stale(m, g) {
        spans.push(Span::styled("  stale", theme::tone(Tone::Warn)));
    }
    Line::from(spans)
}

pub fn render_lines(m: &Model, area: Rect, buf: &mut Buffer) {
    for (i, (g, row)) in m.metrics.iter().zip(area.rows()).enumerate() {
        Paragraph::new(line(m, g, m.chart == i + 1)).render(row, buf);
    }
}

/// The selected gate's chart: its points, the level before the deploy, a threshold, the
/// deploys.
pub fn render_chart(m: &Model, g: &Gate, area: Rect, buf: &mut Buffer) {
    let [head, chart] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let mut spans = vec![Span::styled(
        format!("{} ({})", g.name, g.source.name()),
        Style::new().add_modifier(Modifier::BOLD),
    )];
    spans.push(Span::styled(format!("  expect {}", g.expect), theme::dim()));
    if matches!(g.expect, Expect::Stable | Expect::Drop | Expect::Rise) {
        spans.push(Span::styled(format!(" ±{}", g.tolerance), theme::dim()));
    }
    Paragraph::new(Line::from(spans)).render(head, buf);
    if chart.height < 6 || g.series.is_empty() {
        return;
    }
    // From the oldest point held (a minute at least), the lookback at most.
    let newest = g.series.keys().next_back().copied().unwrap_or_default() as f64;
    let oldest = g.series.keys().next().copied().unwrap_or_default() as f64;
    let x0 = (newest - g.lookback.as_secs_f64()).max(oldest.min(newest - 60.0));
    let points: Vec<(f64, f64)> = g
        .series
        .iter()
        .map(|(t, v)| (*t as f64, *v))
        .filter(|(t, _)| *t >= x0)
        .collect();
    let before = m
        .incident
        .judged_from()
        .and_then(|d| g.level_before(d).map(|b| (d, b)));
    let threshold = match g.expect {
        Expect::Below(x) | Expect::Above(x) => Some(x),
        _ => None,
    };
    let lo = points
        .iter()
        .map(|(_, v)| *v)
        .chain(threshold)
        .chain(before.map(|(_, b)| b))
        .fold(f64::INFINITY, f64::min)
        .min(0.0);
    let hi = points
        .iter()
        .map(|(_, v)| *v)
        .chain(threshold)
        .chain(before.map(|(_, b)| b))
        .fold(f64::NEG_INFINITY, f64::max)
        .max(lo + f64::EPSILON)
        * 1.15;
    let level: Vec<(f64, f64)> = before
        .map(|(d, b)| {
            vec![
                ((d.timestamp() as f64 - g.before.as_secs_f64()).max(x0), b),
                (newest, b),
            ]
        })
        .unwrap_or_default();
    let limit: Vec<(f64, f64)> = threshold
        .map(|x| vec![(x0, x), (newest, x)])
        .unwrap_or_default();
    let deploys = super::chart::deploys(m, x0, lo, hi);
    let mut sets = vec![
        chart::line(&level, theme::palette().baseline)
            .name(format!("before {}", m.incident.judged_after())),
        chart::line(&limit, theme::palette().detected),
    ];
    for d in &deploys {
        sets.push(chart::line(d, theme::palette().deploy));
    }
    sets.push(chart::line(&points, theme::palette().errors).name(g.unit.clone()));
    let hm = |t: f64| chart::hhmm(m, t);
    Chart::new(sets)
        .x_axis(
            Axis::default()
                .bounds([x0, newest])
                .style(theme::dim())
                .labels([hm(x0), hm((x0 + newest) / 2.0), hm(newest)]),
        )
        .y_axis(
            Axis::default()
                .bounds([lo, hi])
                .style(theme::dim())
                .labels([g.show(lo), g.show((lo + hi) / 2.0), g.show(hi)]),
        )
        .render(chart, buf);
}
