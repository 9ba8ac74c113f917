//! Colours and styles, in one place.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use crate::app::model::Tone;
use crate::clock::Level;
use crate::priority::Priority;

pub use crate::config::palette::Palette;

thread_local! {
    /// The model's palette while a frame is drawn: the styles below read it, so the frame is a
    /// function of the model alone.
    static DRAWING: std::cell::Cell<Palette> = const { std::cell::Cell::new(Palette::STANDARD) };
}

/// Draws with `p`: every style the drawing asks for comes from it.
pub fn drawing<R>(p: Palette, draw: impl FnOnce() -> R) -> R {
    let before = DRAWING.replace(p);
    let r = draw();
    DRAWING.set(before);
    r
}

pub fn palette() -> Palette {
    DRAWING.get()
}

pub fn priority_badge(p: Priority) -> Style {
    let c = palette();
    let bg = match p {
        Priority::P0 => c.p0,
        Priority::P1 => c.p1,
        Priority::P2 => c.p2,
        Priority::P3 => c.p3,
    };
    banner(bg, Color::Black)
}

/// Text on a coloured background; reverse video when there is no colour.
pub fn banner(bg: Color, fg: Color) -> Style {
    if bg == Color::Reset {
        Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    } else {
        Style::new().bg(bg).fg(fg).add_modifier(Modifier::BOLD)
    }
}

pub fn level(l: Level) -> Style {
    let c = palette();
    match l {
        Level::Ok => Style::new().fg(c.good),
        Level::Amber => Style::new().fg(c.warn),
        Level::Red => Style::new().fg(c.error),
    }
    .add_modifier(Modifier::BOLD)
}

pub fn tone(t: Tone) -> Style {
    let c = palette();
    match t {
        Tone::Info => Style::new().fg(c.info),
        Tone::Good => Style::new().fg(c.good),
        Tone::Warn => Style::new().fg(c.warn),
        Tone::Error => Style::new().fg(c.error).add_modifier(Modifier::BOLD),
    }
}

pub fn border(focused: bool) -> Style {
    if focused { accent() } else { dim() }
}

pub fn dim() -> Style {
    Style::new().fg(palette().dim)
}

/// Keys, the focused border, run headers, the phase.
pub fn accent() -> Style {
    Style::new()
        .fg(palette().accent)
        .add_modifier(Modifier::BOLD)
}

pub fn key() -> Style {
    accent()
}

pub fn milestone() -> Style {
    Style::new()
        .fg(palette().milestone)
        .add_modifier(Modifier::BOLD)
}

pub fn done() -> Style {
    Style::new().fg(palette().good)
}

pub fn waived() -> Style {
    Style::new().fg(palette().waived)
}

/// A chart series in its colour.
pub fn series(c: Color) -> Style {
    Style::new().fg(c)
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
    Style::new()
        .fg(palette().info)
        .add_modifier(Modifier::ITALIC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_configurable_role_is_a_colour_of_the_palette() {
        let mut p = Palette::STANDARD;
        for role in crate::config::COLOR_ROLES {
            assert!(p.role_mut(role).is_some(), "{role}");
        }
        let cfg = crate::config::Config::parse(
            "[theme]\npalette = \"colorblind\"\n[theme.colors]\nerror = \"#ff0000\"\ngood = \"33\"\n",
            "t",
        )
        .expect("config");
        let p = Palette::from_config(&cfg.theme, false);
        assert_eq!(Palette::from_config(&cfg.theme, true), Palette::NONE);
        assert_eq!(p.error, Color::Rgb(255, 0, 0));
        assert_eq!(p.good, Color::Indexed(33));
        assert_eq!(p.warn, Palette::COLOR_BLIND.warn);
        for (text, key) in [
            (
                "[theme.colors]\nbogus = \"red\"\n",
                "unknown colour role `bogus`",
            ),
            ("[theme.colors]\nerror = \"reddish\"\n", "is not a colour"),
            (
                "[theme]\npalette = \"neon\"\n",
                "expected \"standard\" or \"colorblind\"",
            ),
        ] {
            let e = crate::config::Config::parse(text, "t").expect_err(text);
            assert!(e.to_string().contains(key) && e.line.is_some(), "{e}");
        }
    }
}
