//! Pop-ups over the panes: help, the one-line input, pickers and confirmations.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Widget, Wrap};

use super::theme;
use crate::app::model::{ConfirmAction, InputPurpose, PickPurpose};
use crate::app::stakes;
use crate::app::{Mode, Model};
use crate::keys::Action;

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    h
}

fn popup(title: String) -> Block<'static> {
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme::border(true))
        .title(title)
}

pub fn render(m: &Model, area: Rect, buf: &mut Buffer) {
    match &m.mode {
        Mode::Normal => {}
        Mode::Help { scroll } => help(m, *scroll, area, buf),
        Mode::Input { purpose, text } => input(m, purpose, text, area, buf),
        Mode::Pick { purpose, selected } => pick(m, *purpose, *selected, area, buf),
        Mode::Confirm { action } => confirm(m, action, area, buf),
    }
}

fn help(m: &Model, scroll: u16, area: Rect, buf: &mut Buffer) {
    let mut lines: Vec<Line> = Action::ALL
        .iter()
        .map(|a| {
            Line::from(vec![
                Span::styled(format!("{:>10}", m.keymap.key_for(*a)), theme::key()),
                Span::raw(format!("  {}", a.help())),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Rebind keys in [keys] of warroom.toml · any other key closes this",
        theme::dim(),
    ));
    let rect = centered(area, 72, lines.len() as u16 + 2);
    // Too short for every key: it scrolls (j/k), and the border says what is out of sight.
    let rows = rect.height.saturating_sub(2);
    let hidden = (lines.len() as u16).saturating_sub(rows);
    let scroll = scroll.min(hidden);
    let mut block = popup(" Keys ".into());
    if hidden > 0 {
        let below = hidden - scroll;
        block = block.title_bottom(format!(
            " {}{} · j k scroll ",
            if scroll > 0 {
                format!("↑{scroll} ")
            } else {
                String::new()
            },
            if below > 0 {
                format!("↓{below} more")
            } else {
                "end".to_string()
            }
        ));
    }
    Clear.render(rect, buf);
    Paragraph::new(lines)
        .scroll((scroll, 0))
        .block(block)
        .render(rect, buf);
}

fn input(m: &Model, purpose: &InputPurpose, text: &str, area: Rect, buf: &mut Buffer) {
    let title = match purpose {
        InputPurpose::Note => " Note for the timeline ".to_string(),
        InputPurpose::Search => " Search the deploy log ".to_string(),
        InputPurpose::TagVersion => {
            " No semver tag yet: the version to tag (e.g. 1.0.1) ".to_string()
        }
        InputPurpose::Waive { item } => {
            let label = m
                .incident
                .checklist
                .item(item)
                .map(|i| i.text.as_str())
                .unwrap_or(item);
            format!(" Why waive \"{label}\"? ")
        }
    };
    let rect = centered(area, area.width.saturating_sub(8).max(20), 3);
    let width = usize::from(rect.width.saturating_sub(4));
    // Show the end of a long entry, where the cursor is.
    // A token pasted into a note shows as [redacted] at once (and is stored so).
    let text = m.shown(text);
    let shown: String = {
        let n = text.chars().count();
        text.chars().skip(n.saturating_sub(width)).collect()
    };
    Clear.render(rect, buf);
    Paragraph::new(Line::from(vec![
        Span::raw(shown),
        Span::styled("█", Style::new().add_modifier(Modifier::SLOW_BLINK)),
    ]))
    .block(popup(title).title_bottom(match purpose {
        InputPurpose::Search => " enter finds the next match · esc closes ",
        InputPurpose::TagVersion => " enter tags · esc cancels ",
        InputPurpose::Note | InputPurpose::Waive { .. } => " enter saves · esc cancels ",
    }))
    .render(rect, buf);
}

fn pick(m: &Model, purpose: PickPurpose, selected: usize, area: Rect, buf: &mut Buffer) {
    let menu = purpose.menu(m, selected);
    let mut lines: Vec<Line> = menu
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut spans = Vec::new();
            match r.badge {
                Some(p) => {
                    spans.push(Span::raw(if r.current { "●" } else { " " }));
                    spans.push(Span::styled(format!(" {p} "), theme::priority_badge(p)));
                }
                None => spans.push(Span::styled(format!("{} ", r.key), theme::key())),
            }
            if !r.name.is_empty() {
                spans.push(Span::styled(
                    r.name.clone(),
                    Style::new().add_modifier(Modifier::BOLD),
                ));
            }
            spans.push(Span::raw(r.text.clone()));
            if !r.note.is_empty() {
                spans.push(Span::styled(r.note.clone(), theme::dim()));
            }
            theme::menu_row(Line::from(spans), i == selected)
        })
        .collect();
    // A list taller than the screen (PagerDuty's people) shows the window around the selection.
    let room = usize::from(area.height.saturating_sub(4)).saturating_sub(menu.footer.len());
    if lines.len() > room && room > 0 {
        let start = selected.saturating_sub(room - 1).min(lines.len() - room);
        lines = lines.drain(start..start + room).collect();
    }
    if let Some((first, rest)) = menu.footer.split_first() {
        lines.push(Line::styled(first.clone(), theme::dim()));
        lines.extend(rest.iter().map(|f| Line::styled(f.clone(), theme::hint())));
    }
    let title = menu.title;
    let width = u16::try_from(menu.width() + 2)
        .unwrap_or(u16::MAX)
        .min(area.width);
    // Rows longer than the screen wrap; the box grows to hold them.
    let inner = usize::from(width.saturating_sub(2));
    let rows: usize = lines
        .iter()
        .map(|l| {
            let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
            super::wrapped_lines(&text, inner)
        })
        .sum();
    let rect = centered(area, width, rows as u16 + 2);
    Clear.render(rect, buf);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(popup(title.into()).title_bottom(" enter selects · esc cancels "))
        .render(rect, buf);
}

/// What any key but `y` does, in words.
fn keep_words(action: &ConfirmAction) -> &'static str {
    match action {
        ConfirmAction::Close => "keeps the incident open",
        ConfirmAction::Deploy { .. } | ConfirmAction::SkipStaging { .. } => "does not deploy",
        ConfirmAction::Rollback { .. } => "does not roll back",
        ConfirmAction::Cancel => "lets it run",
        ConfirmAction::Quit => "stays in the console",
        ConfirmAction::Git { .. } => "changes nothing",
        ConfirmAction::PostChat { .. } => "does not post",
        ConfirmAction::OpenPr { .. } => "opens nothing",
        ConfirmAction::Share => "keeps it on this seat",
        ConfirmAction::Handoff { .. } => "keeps the role",
        ConfirmAction::AcceptHandoff { .. } => "decides later (H)",
        ConfirmAction::DeployElsewhere { .. } => "does not deploy",
        ConfirmAction::Flag { .. } => "changes nothing",
        ConfirmAction::Guard => "stands the guard down for this deploy",
        ConfirmAction::PageResolve => "leaves it open on PagerDuty",
        ConfirmAction::PageStatusUpdate { .. } => "does not post",
        ConfirmAction::Publish { .. } => "publishes nothing",
    }
}

fn confirm(m: &Model, action: &ConfirmAction, area: Rect, buf: &mut Buffer) {
    let (title, lines, yes): (String, Vec<String>, &str) = match action {
        ConfirmAction::Close => (
            " Close the incident ".into(),
            stakes::close_stakes(m),
            "y closes",
        ),
        ConfirmAction::Deploy { environment } => (
            format!(" Deploy to {environment} "),
            stakes::deploy_stakes(m, environment),
            "y deploys",
        ),
        ConfirmAction::SkipStaging { lines } => (
            " Staging is skipped ".into(),
            lines.clone(),
            "y deploys to production anyway",
        ),
        ConfirmAction::Rollback { environment } => (
            match m.runbook.environment(environment) {
                Some(_) => format!(" Roll back {environment} "),
                None => " Rollback plan ".into(),
            },
            stakes::rollback_stakes(m, environment),
            match m.runbook.environment(environment) {
                Some(e) if e.rollback.is_some() => "y runs it",
                Some(_) => "nothing to run here",
                None if m.runbook.rollback.is_some() => "y runs option 2",
                None => "nothing to run here",
            },
        ),
        ConfirmAction::Cancel => (
            " Cancel the running command ".into(),
            vec![format!(
                "Stop {}? Its process group gets SIGTERM, then SIGKILL after {}s.",
                m.running.as_ref().map(|r| r.title()).unwrap_or_default(),
                m.runbook.grace.as_secs()
            )],
            "y cancels it",
        ),
        ConfirmAction::Git { op, lines } => (
            " Git: apply the dry run ".into(),
            lines.clone(),
            match op {
                crate::git::Op::Revert { .. } => "y makes the revert commit",
                _ => "y applies it",
            },
        ),
        ConfirmAction::OpenPr { title, body } => (
            " Open this pull request on GitHub ".into(),
            std::iter::once(title.clone())
                .chain(std::iter::once(String::new()))
                .chain(body.lines().map(String::from))
                .collect(),
            "y pushes the branch and opens it",
        ),
        ConfirmAction::PostChat { channel, text } => (
            format!(" Post this update to {} ", channel.name()),
            text.lines().map(String::from).collect(),
            "y posts it",
        ),
        ConfirmAction::Share => (
            " Share the incident ".into(),
            share_stakes(m),
            "y shares it",
        ),
        ConfirmAction::Handoff { brief, .. } => (
            " Hand over the commander role ".into(),
            brief.lines().map(String::from).collect(),
            "y hands over · s also posts the brief to Slack and Teams",
        ),
        ConfirmAction::AcceptHandoff { brief } => (
            " You are handed the commander role ".into(),
            brief.lines().map(String::from).collect(),
            "y accepts it",
        ),
        ConfirmAction::DeployElsewhere { what, .. } => (
            " Another seat is running ".into(),
            vec![
                format!("A {what}."),
                "Starting a deploy here too runs two at once. Check with them first.".into(),
            ],
            "y goes on to the deploy's own confirmation",
        ),
        ConfirmAction::Flag { name, on } => (
            format!(" Turn {name} {} ", crate::flags::word(*on)),
            crate::app::flags::stakes(m, name, *on),
            if *on {
                "y turns it on"
            } else {
                "y turns it off"
            },
        ),
        ConfirmAction::Guard => match &m.guard.pending {
            Some(trip) => (
                " Guard tripped ".into(),
                vec![
                    m.shown(&trip.evidence),
                    match trip.deadline {
                        Some(d) => format!(
                            "It will {} in {} unless vetoed.",
                            trip.step.words(),
                            crate::format::duration((d - m.now).to_std().unwrap_or_default())
                        ),
                        None => format!("Proposed: {}.", trip.step.words()),
                    },
                ],
                if trip.deadline.is_some() {
                    "y acts now · n vetoes"
                } else {
                    "y does it"
                },
            ),
            None => (" Guard ".into(), vec!["Nothing pending.".into()], "y"),
        },
        ConfirmAction::PageResolve => (
            " Resolve on PagerDuty ".into(),
            vec![match &m.incident.outward.page.incident {
                Some(i) => format!(
                    "Resolve PD #{} ({}) on PagerDuty? Whoever is paged for it is stood down.",
                    i.number,
                    m.shown(&i.url)
                ),
                None => "No PagerDuty incident on the record.".into(),
            }],
            "y resolves it",
        ),
        ConfirmAction::PageStatusUpdate { text } => (
            " Post this status update on PagerDuty ".into(),
            text.lines().map(String::from).collect(),
            "y posts it to the incident's stakeholders",
        ),
        ConfirmAction::Publish {
            publication,
            approving,
        } => (
            " The status page (Statuspage) ".into(),
            crate::app::status_page::stakes(m, publication, approving),
            if crate::app::paging::leads(m) {
                "y publishes it"
            } else {
                "y records the draft"
            },
        ),
        ConfirmAction::Quit => (
            " Quit while a command runs ".into(),
            vec![format!(
                "{} is still running. Quitting stops it; the incident stays open.",
                m.running.as_ref().map(|r| r.title()).unwrap_or_default()
            )],
            "y quits",
        ),
    };
    // What the keys do is on the border, so it shows however long the text is; the text wraps.
    let armed = m
        .guard
        .pending
        .as_ref()
        .is_some_and(|t| t.deadline.is_some());
    let keys = match action {
        ConfirmAction::Guard if armed => format!(" {yes}: {} ", keep_words(action)),
        _ => format!(" {yes} · any other key: {} ", keep_words(action)),
    };
    let width = lines
        .iter()
        .map(|l| l.chars().count() as u16 + 4)
        .chain([keys.chars().count() as u16 + 4])
        .max()
        .unwrap_or(40)
        .max(40)
        .min(area.width);
    let inner = usize::from(width.saturating_sub(2));
    let rows: usize = lines.iter().map(|l| super::wrapped_lines(l, inner)).sum();
    let text: Vec<Line> = lines.into_iter().map(Line::raw).collect();
    let rect = centered(area, width, rows as u16 + 2);
    Clear.render(rect, buf);
    Paragraph::new(text)
        .wrap(Wrap { trim: false })
        .block(popup(title).title_bottom(keys))
        .render(rect, buf);
}

/// What sharing does, before `y`.
fn share_stakes(m: &Model) -> Vec<String> {
    let ticket = &m.incident.ticket;
    vec![
        format!(
            "This seat's events go to the service's git remote, under refs/warroom/{ticket}/ (one ref per seat, never a branch)."
        ),
        "Only journal events travel: never run logs, exports or configuration.".into(),
        format!("Others join with: warroom join {ticket}"),
    ]
}
