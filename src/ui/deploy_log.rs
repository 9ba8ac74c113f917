//! The deploy log: what the console runs, streamed with its colours, and the followed log file.
//! Only the visible lines are styled, so the scrollback's size does not cost per frame.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Widget};

use super::{pane_block, theme};
use crate::app::log_view::LineKind;
use crate::app::model::Tone;
use crate::app::{Model, Pane};
use crate::output::ansi;

fn title(m: &Model) -> String {
    let mut t = " Deploy log ".to_string();
    if let Some(r) = &m.running {
        let secs = (m.now - r.started).num_seconds().max(0) as u64;
        t.push_str(&format!(
            "· ▶ {} {} ",
            r.title(),
            crate::format::stopwatch(secs)
        ));
    }
    if !m.log.follow {
        t.push_str(&format!("· paused ↑{} (f follows) ", m.log.from_bottom));
    }
    if m.log.dropped > 0 {
        t.push_str(&format!(
            "· {} earlier lines only in the log files ",
            m.log.dropped
        ));
    }
    t
}

/// What the keys will run, before anything has run.
fn runbook_lines(m: &Model) -> Vec<Line<'static>> {
    let p = &m.runbook;
    let mut lines = Vec::new();
    let warn = theme::tone(Tone::Warn);
    match (&p.deploy, p.deploy_advice) {
        (Some(cmd), _) => lines.push(Line::raw(format!(
            "d  deploy: {}  ({})",
            m.shown(cmd),
            p.deploy_source
        ))),
        (None, Some(advice)) => lines.push(Line::raw(format!("d  {advice}"))),
        (None, None) => lines.push(Line::styled(
            format!(
                "No deploy command configured: set [deploy] in {}",
                m.config_name
            ),
            warn,
        )),
    }
    if p.checks.is_empty() {
        lines.push(Line::styled(
            "t  no checks: add [[checks]] (test, typecheck, build)",
            theme::dim(),
        ));
    } else {
        let names: Vec<String> = p
            .checks
            .iter()
            .map(|c| format!("{}: {}", c.name, m.shown(&c.command)))
            .collect();
        let from = p
            .checks_detected
            .map(|d| format!("  (detected {d} project)"))
            .unwrap_or_default();
        lines.push(Line::raw(format!("t  checks: {}{from}", names.join(" · "))));
    }
    if p.smoke.is_empty() {
        lines.push(Line::styled(
            "s  no smoke tests: add [[smoke]] name, url, expect_status",
            theme::dim(),
        ));
    } else {
        let names: Vec<&str> = p.smoke.iter().map(|s| s.name.get_ref().as_str()).collect();
        lines.push(Line::raw(format!("s  smoke tests: {}", names.join(" · "))));
    }
    match &p.rollback {
        Some(cmd) => lines.push(Line::raw(format!("r  rollback: {}", m.shown(cmd)))),
        None => lines.push(Line::styled(
            "r  rollback plan (git revert; set [rollback] command for the platform)",
            theme::dim(),
        )),
    }
    for env in &p.environments {
        let deploy = env
            .deploy
            .as_deref()
            .or(env.follow.as_deref())
            .unwrap_or("");
        let smoke = match env.smoke.len() {
            0 => String::new(),
            n => format!(
                " · {}",
                crate::format::count(n, "smoke test", "smoke tests")
            ),
        };
        lines.push(Line::raw(format!(
            "   {}: {}{smoke}  (d, s and r ask which environment)",
            env.name,
            m.shown(deploy)
        )));
    }
    if let Some(f) = &p.log_file {
        lines.push(Line::raw(format!("   following {}", f.display())));
    }
    lines
}

fn base_style(kind: LineKind) -> Style {
    match kind {
        LineKind::Header => theme::accent(),
        LineKind::Note => theme::tone(Tone::Info),
        LineKind::File | LineKind::Output => Style::new(),
    }
}

pub fn render(m: &Model, area: Rect, buf: &mut Buffer) {
    let block: Block = pane_block(m, Pane::DeployLog, title(m));
    let inner = block.inner(area);
    block.render(area, buf);
    let mut inner = inner;
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    // The last run's result wraps over as many rows as it needs (up to three), never cut.
    if let Some(b) = &m.banner {
        let rows = super::wrapped_lines(&b.text, usize::from(inner.width)).min(3) as u16;
        let rows = rows.min(inner.height);
        Paragraph::new(Line::styled(
            b.text.clone(),
            theme::tone(b.tone).add_modifier(Modifier::REVERSED),
        ))
        .wrap(ratatui::widgets::Wrap { trim: true })
        .render(
            Rect {
                height: rows,
                ..inner
            },
            buf,
        );
        inner.y += rows;
        inner.height -= rows;
    }
    let height = usize::from(inner.height);
    let mut lines: Vec<Line> = Vec::with_capacity(height);
    let log = &m.log;
    if log.lines.is_empty() && log.live.is_empty() {
        lines.extend(runbook_lines(m));
        Paragraph::new(lines).render(inner, buf);
        return;
    }
    let live = if log.follow {
        &log.live[log.live.len().saturating_sub(height)..]
    } else {
        &[]
    };
    let rows = height - live.len();
    let end = log.lines.len().saturating_sub(log.from_bottom);
    let start = end.saturating_sub(rows);
    for (i, l) in log.lines.range(start..end).enumerate() {
        let pos = log.base() + (start + i) as u64;
        let line = match l.at {
            Some(at) => ansi::styled(
                &format!("{} · {}", l.text, crate::format::stamp(m.utc, at)),
                base_style(l.kind),
            ),
            None => ansi::styled(&l.text, base_style(l.kind)),
        };
        lines.push(if log.hit == Some(pos) {
            // The search hit: marked, not only highlighted.
            let mut line = line.style(theme::selected());
            line.spans.insert(0, ratatui::text::Span::raw("▶ "));
            line
        } else {
            line
        });
    }
    lines.extend(
        live.iter()
            .map(|l| ansi::styled(l, base_style(LineKind::Output))),
    );
    Paragraph::new(lines).render(inner, buf);
}
