//! Key hints for the focused pane, and the last status message.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::theme;
use crate::app::{Mode, Model, Pane};
use crate::keys::Action;

pub fn hints(m: &Model) -> Vec<(String, &'static str)> {
    let k = |a: Action| m.keymap.key_for(a);
    let mut out: Vec<(String, &'static str)> = match m.mode {
        Mode::Input { .. } => return vec![("enter".into(), "save"), ("esc".into(), "cancel")],
        Mode::Pick { .. } => {
            return vec![
                ("j/k".into(), "choose"),
                ("enter".into(), "select"),
                ("esc".into(), "cancel"),
            ];
        }
        Mode::Confirm { .. } => {
            return vec![("y".into(), "go ahead"), ("any other key".into(), "no")];
        }
        Mode::Help { .. } => {
            return vec![
                ("j k".into(), "scroll"),
                ("any other key".into(), "close help"),
            ];
        }
        Mode::Normal => Vec::new(),
    };
    match m.focus {
        Pane::Checklist => {
            out.push((k(Action::Toggle), "done/pending"));
            out.push((k(Action::Waive), "waive"));
        }
        Pane::Timeline => {
            out.push((format!("{}/{}", k(Action::Down), k(Action::Up)), "scroll"));
            out.push((k(Action::Follow), "follow"));
        }
        Pane::DeployLog => {
            out.push((k(Action::Deploy), "deploy"));
            out.push((k(Action::Checks), "checks"));
            out.push((k(Action::Smoke), "smoke"));
            out.push((k(Action::Rollback), "rollback"));
            if m.running.is_some() {
                out.push((k(Action::Cancel), "cancel"));
            }
            out.push((
                k(Action::Follow),
                if m.log.follow { "pause" } else { "follow" },
            ));
            out.push((k(Action::Search), "search"));
            return out
                .into_iter()
                .chain([
                    (k(Action::FocusNext), "next pane"),
                    (k(Action::Help), "help"),
                    (k(Action::Quit), "quit"),
                ])
                .collect();
        }
        Pane::ErrorRate if !m.metrics.is_empty() => {
            out.push((format!("{}/{}", k(Action::Down), k(Action::Up)), "chart"));
        }
        Pane::ErrorRate => {}
    }
    out.extend([
        (k(Action::Note), "note"),
        (k(Action::Milestone), "milestone"),
        (k(Action::Priority), "priority"),
        (k(Action::FocusNext), "next pane"),
        (k(Action::Help), "help"),
        (k(Action::Quit), "quit"),
    ]);
    out
}

pub fn render(m: &Model, area: Rect, buf: &mut Buffer) {
    // A message longer than half the line takes the whole line, cut at a word if it must be.
    let status_width = m
        .status
        .as_ref()
        .map(|s| (s.text.chars().count() as u16 + 1).min(area.width))
        .unwrap_or(0);
    let [left, right] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(status_width)]).areas(area);
    // Too narrow for every hint: the ones before `help` and `quit` give way, so those two
    // always show.
    let mut hints = hints(m);
    let width = |h: &[(String, &str)]| -> usize {
        h.iter()
            .map(|(k, w)| k.chars().count() + w.chars().count() + 3)
            .sum()
    };
    while width(&hints) > usize::from(left.width) && hints.len() > 2 {
        hints.remove(hints.len() - 3);
    }
    let mut spans = Vec::new();
    for (key, what) in hints {
        spans.push(Span::styled(key, theme::key()));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    Paragraph::new(Line::from(spans)).render(left, buf);
    if let Some(s) = &m.status {
        Paragraph::new(Line::styled(
            fit_words(&s.text, usize::from(right.width)),
            theme::tone(s.tone),
        ))
        .right_aligned()
        .render(right, buf);
    }
}

/// `text` in `width` columns, cut after a whole word with `…` when it does not fit.
fn fit_words(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    for word in text.split(' ') {
        let next = if out.is_empty() {
            word.chars().count()
        } else {
            out.chars().count() + 1 + word.chars().count()
        };
        if next + 1 > width {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = text.chars().take(width.saturating_sub(1)).collect();
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::fit_words;

    #[test]
    fn long_messages_are_cut_between_words() {
        assert_eq!(
            fit_words("deploy finished: exit 0", 40),
            "deploy finished: exit 0"
        );
        assert_eq!(
            fit_words("Sentry: the request reached a sign-in page", 20),
            "Sentry: the request…"
        );
    }
}
