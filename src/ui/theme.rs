//! Colours and styles, in one place.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use crate::app::model::Tone;
use crate::clock::Level;
use crate::priority::Priority;

/// Every colour the screen uses, by what it means. `[theme] palette` picks one and
/// `[theme.colors]` changes any of them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Palette {
    pub good: Color,
    pub warn: Color,
    pub error: Color,
    pub info: Color,
    /// Keys, the focused border, run headers, the phase.
    pub accent: Color,
    pub dim: Color,
    pub milestone: Color,
    pub waived: Color,
    pub p0: Color,
    pub p1: Color,
    pub p2: Color,
    pub p3: Color,
    /// The chart: the error rate, the baseline, deploys, the detection.
    pub errors: Color,
    pub baseline: Color,
    pub deploy: Color,
    pub detected: Color,
}

impl Palette {
    pub const STANDARD: Palette = Palette {
        good: Color::Green,
        warn: Color::Yellow,
        error: Color::Red,
        info: Color::Gray,
        accent: Color::Cyan,
        dim: Color::DarkGray,
        milestone: Color::Yellow,
        waived: Color::Magenta,
        p0: Color::Red,
        p1: Color::LightRed,
        p2: Color::Yellow,
        p3: Color::Blue,
        errors: Color::Red,
        baseline: Color::Green,
        deploy: Color::Cyan,
        detected: Color::Yellow,
    };

    /// Okabe and Ito's palette: told apart with any colour vision (no red against green).
    pub const COLOR_BLIND: Palette = Palette {
        good: Color::Rgb(0x00, 0x72, 0xB2),
        warn: Color::Rgb(0xE6, 0x9F, 0x00),
        error: Color::Rgb(0xD5, 0x5E, 0x00),
        info: Color::Gray,
        accent: Color::Rgb(0x56, 0xB4, 0xE9),
        dim: Color::DarkGray,
        milestone: Color::Rgb(0xF0, 0xE4, 0x42),
        waived: Color::Rgb(0xCC, 0x79, 0xA7),
        p0: Color::Rgb(0xD5, 0x5E, 0x00),
        p1: Color::Rgb(0xE6, 0x9F, 0x00),
        p2: Color::Rgb(0xF0, 0xE4, 0x42),
        p3: Color::Rgb(0x56, 0xB4, 0xE9),
        errors: Color::Rgb(0xD5, 0x5E, 0x00),
        baseline: Color::Rgb(0x00, 0x72, 0xB2),
        deploy: Color::Rgb(0x56, 0xB4, 0xE9),
        detected: Color::Rgb(0xE6, 0x9F, 0x00),
    };

    /// No colour at all (`NO_COLOR`): selection, focus, state and severity show by their
    /// marks, words, bold and reverse video.
    pub const NONE: Palette = Palette {
        good: Color::Reset,
        warn: Color::Reset,
        error: Color::Reset,
        info: Color::Reset,
        accent: Color::Reset,
        dim: Color::Reset,
        milestone: Color::Reset,
        waived: Color::Reset,
        p0: Color::Reset,
        p1: Color::Reset,
        p2: Color::Reset,
        p3: Color::Reset,
        errors: Color::Reset,
        baseline: Color::Reset,
        deploy: Color::Reset,
        detected: Color::Reset,
    };

    /// The role named in `[theme.colors]`, to change it.
    pub fn role_mut(&mut self, name: &str) -> Option<&mut Color> {
        Some(match name {
            "good" => &mut self.good,
            "warn" => &mut self.warn,
            "error" => &mut self.error,
            "info" => &mut self.info,
            "accent" => &mut self.accent,
            "dim" => &mut self.dim,
            "milestone" => &mut self.milestone,
            "waived" => &mut self.waived,
            "p0" => &mut self.p0,
            "p1" => &mut self.p1,
            "p2" => &mut self.p2,
            "p3" => &mut self.p3,
            "errors" => &mut self.errors,
            "baseline" => &mut self.baseline,
            "deploy" => &mut self.deploy,
            "detected" => &mut self.detected,
            _ => return None,
        })
    }

    /// The palette `[theme]` asks for (checked when the config was read); none at all under
    /// `NO_COLOR`.
    pub fn from_config(theme: &crate::config::ThemeConfig, no_color: bool) -> Palette {
        if no_color {
            return Palette::NONE;
        }
        let mut p = match theme.palette.as_deref() {
            Some("colorblind") => Palette::COLOR_BLIND,
            _ => Palette::STANDARD,
        };
        for (role, colour) in &theme.colors {
            if let (Some(slot), Ok(c)) = (p.role_mut(role.get_ref()), colour.get_ref().parse()) {
                *slot = c;
            }
        }
        p
    }
}

static PALETTE: std::sync::OnceLock<Palette> = std::sync::OnceLock::new();

/// Chooses the palette, once, before the first frame (later calls change nothing).
pub fn use_palette(p: Palette) {
    let _ = PALETTE.set(p);
}

pub fn palette() -> Palette {
    PALETTE.get().copied().unwrap_or(Palette::STANDARD)
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
