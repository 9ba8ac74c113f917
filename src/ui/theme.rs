//! Colours and styles, in one place.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use crate::app::model::Tone;
use crate::clock::Level;
use crate::priority::Priority;

pub fn priority_badge(p: Priority) -> Style {
    let bg = match p {
        Priority::P0 => Color::Red,
        Priority::P1 => Color::LightRed,
        Priority::P2 => Color::Yellow,
        Priority::P3 => Color::Blue,
    };
    Style::new()
        .bg(bg)
        .fg(Color::Black)
        .add_modifier(Modifier::BOLD)
}

pub fn level(l: Level) -> Style {
    match l {
        Level::Ok => Style::new().fg(Color::Green),
        Level::Amber => Style::new().fg(Color::Yellow),
        Level::Red => Style::new().fg(Color::Red),
    }
    .add_modifier(Modifier::BOLD)
}

pub fn tone(t: Tone) -> Style {
    match t {
        Tone::Info => Style::new().fg(Color::Gray),
        Tone::Good => Style::new().fg(Color::Green),
        Tone::Warn => Style::new().fg(Color::Yellow),
        Tone::Error => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
    }
}

pub fn border(focused: bool) -> Style {
    if focused {
        Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
    } else {
        Style::new().fg(Color::DarkGray)
    }
}

pub fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

pub fn key() -> Style {
    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
}

pub fn milestone() -> Style {
    Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
}

pub fn done() -> Style {
    Style::new().fg(Color::Green)
}

pub fn waived() -> Style {
    Style::new().fg(Color::Magenta)
}

pub fn selected() -> Style {
    Style::new().add_modifier(Modifier::REVERSED)
}

/// A row of a menu: `▶` marks the selected one besides its colours, so it shows without any.
pub fn menu_row(mut line: Line<'static>, is_selected: bool) -> Line<'static> {
    line.spans
        .insert(0, Span::raw(if is_selected { "▶ " } else { "  " }));
    if is_selected {
        line.style(selected())
    } else {
        line
    }
}

pub fn hint() -> Style {
    Style::new().fg(Color::Gray).add_modifier(Modifier::ITALIC)
}
