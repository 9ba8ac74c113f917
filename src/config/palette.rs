//! The colours of the screen, by what they mean: the palette `[theme]` chooses.

use ratatui::style::Color;

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
    pub fn from_config(theme: &super::ThemeConfig, no_color: bool) -> Palette {
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
