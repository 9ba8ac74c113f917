//! Command output is shown with its colours and nothing else: SGR colour sequences are kept,
//! every other escape sequence (cursor moves, screen clears, titles, OSC 52 clipboard, bells)
//! and control character is dropped, so hostile output cannot touch the console's screen.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use vte::{Params, Parser, Perform};

/// Appends the printable text of `bytes` to `out`, keeping SGR sequences. Invalid UTF-8
/// becomes U+FFFD; a tab becomes spaces to the next multiple of 8.
pub fn sanitize(bytes: &[u8], out: &mut String) {
    if let Ok(s) = std::str::from_utf8(bytes)
        && !s.bytes().any(|b| b < 0x20 || b == 0x7f)
        && !s.contains(|c: char| ('\u{80}'..='\u{9f}').contains(&c))
    {
        out.push_str(s);
        return;
    }
    let mut p = Sanitizer { out, col: 0 };
    Parser::new().advance(&mut p, bytes);
}

struct Sanitizer<'a> {
    out: &'a mut String,
    col: usize,
}

impl Perform for Sanitizer<'_> {
    fn print(&mut self, c: char) {
        if !c.is_control() {
            self.out.push(c);
            self.col += 1;
        }
    }
    fn execute(&mut self, byte: u8) {
        if byte == b'\t' {
            let n = 8 - self.col % 8;
            self.out.extend(std::iter::repeat_n(' ', n));
            self.col += n;
        }
    }
    fn csi_dispatch(&mut self, params: &Params, intermediates: &[u8], ignore: bool, action: char) {
        if action != 'm' || ignore || !intermediates.is_empty() {
            return;
        }
        self.out.push_str("\x1b[");
        for (i, p) in params.iter().enumerate() {
            if i > 0 {
                self.out.push(';');
            }
            for (j, sub) in p.iter().enumerate() {
                if j > 0 {
                    self.out.push(':');
                }
                self.out.push_str(&sub.to_string());
            }
        }
        self.out.push('m');
    }
}

/// Removes the SGR sequences left by [`sanitize`]: the plain text for log files and search.
pub fn strip_sgr(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('\x1b') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('\x1b') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        match rest.find('m') {
            Some(end) => rest = &rest[end + 1..],
            None => rest = "",
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// A sanitized line as styled spans for the pane.
pub fn styled(s: &str, base: Style) -> Line<'static> {
    if !s.contains('\x1b') {
        return Line::styled(s.to_string(), base);
    }
    let mut p = Styler {
        spans: Vec::new(),
        text: String::new(),
        style: base,
        base,
    };
    Parser::new().advance(&mut p, s.as_bytes());
    p.flush();
    Line::from(p.spans)
}

struct Styler {
    spans: Vec<Span<'static>>,
    text: String,
    style: Style,
    base: Style,
}

impl Styler {
    fn flush(&mut self) {
        if !self.text.is_empty() {
            self.spans
                .push(Span::styled(std::mem::take(&mut self.text), self.style));
        }
    }
}

fn basic(n: u16) -> Color {
    match n {
        0 => Color::Black,
        1 => Color::Red,
        2 => Color::Green,
        3 => Color::Yellow,
        4 => Color::Blue,
        5 => Color::Magenta,
        6 => Color::Cyan,
        _ => Color::Gray,
    }
}

fn bright(n: u16) -> Color {
    match n {
        0 => Color::DarkGray,
        1 => Color::LightRed,
        2 => Color::LightGreen,
        3 => Color::LightYellow,
        4 => Color::LightBlue,
        5 => Color::LightMagenta,
        6 => Color::LightCyan,
        _ => Color::White,
    }
}

impl Perform for Styler {
    fn print(&mut self, c: char) {
        self.text.push(c);
    }
    fn csi_dispatch(&mut self, params: &Params, intermediates: &[u8], ignore: bool, action: char) {
        if action != 'm' || ignore || !intermediates.is_empty() {
            return;
        }
        self.flush();
        self.style = apply_sgr(params, self.style, self.base);
    }
}

/// Applies one SGR sequence to `s`. Both the `;` and the `:` (ITU T.416) forms are read;
/// what is not understood is skipped, never read as something else. `base` is what a reset
/// returns to.
pub fn apply_sgr(params: &Params, mut s: Style, base: Style) -> Style {
    // vte keeps at most 32 parameters.
    let mut all: [&[u16]; 32] = [&[]; 32];
    let mut len = 0;
    for (slot, g) in all.iter_mut().zip(params.iter()) {
        *slot = g;
        len += 1;
    }
    let groups = &all[..len];
    if groups.is_empty() {
        return base;
    }
    let mut i = 0;
    while i < groups.len() {
        let g = groups[i];
        i += 1;
        s = match g[0] {
            0 => base,
            1 => with(s, Modifier::BOLD),
            2 => with(s, Modifier::DIM),
            3 => with(s, Modifier::ITALIC),
            4 => match g.get(1) {
                None | Some(1..=5) => with(s, Modifier::UNDERLINED),
                Some(0) => without(s, Modifier::UNDERLINED),
                Some(_) => s,
            },
            5 => with(s, Modifier::SLOW_BLINK),
            6 => with(s, Modifier::RAPID_BLINK),
            7 => with(s, Modifier::REVERSED),
            8 => with(s, Modifier::HIDDEN),
            9 => with(s, Modifier::CROSSED_OUT),
            21 => with(s, Modifier::UNDERLINED),
            22 => without(s, Modifier::BOLD | Modifier::DIM),
            23 => without(s, Modifier::ITALIC),
            24 => without(s, Modifier::UNDERLINED),
            25 => without(s, Modifier::SLOW_BLINK | Modifier::RAPID_BLINK),
            27 => without(s, Modifier::REVERSED),
            28 => without(s, Modifier::HIDDEN),
            29 => without(s, Modifier::CROSSED_OUT),
            n @ 30..=37 => s.fg(basic(n - 30)),
            39 => Style { fg: base.fg, ..s },
            n @ 40..=47 => s.bg(basic(n - 40)),
            49 => Style { bg: base.bg, ..s },
            59 => Style {
                underline_color: base.underline_color,
                ..s
            },
            n @ 90..=97 => s.fg(bright(n - 90)),
            n @ 100..=107 => s.bg(bright(n - 100)),
            n @ (38 | 48 | 58) => {
                let colour = if g.len() > 1 {
                    colon_colour(&g[1..])
                } else {
                    // `38;5;n` and `38;2;r;g;b`: the colour's parts are the next parameters.
                    let part = |k: usize| groups.get(i + k).map(|p| p[0]);
                    match part(0) {
                        Some(5) => {
                            let c = part(1).and_then(indexed);
                            i += 2;
                            c
                        }
                        Some(2) => {
                            let c = rgb(part(1), part(2), part(3));
                            i += 4;
                            c
                        }
                        _ => None,
                    }
                };
                match (n, colour) {
                    (38, Some(c)) => s.fg(c),
                    (48, Some(c)) => s.bg(c),
                    (_, Some(c)) => s.underline_color(c),
                    _ => s,
                }
            }
            _ => s,
        };
    }
    s
}

/// The colour of a colon-form `38:…`: `5:n`, `2:r:g:b`, or `2:space:r:g:b`.
fn colon_colour(sub: &[u16]) -> Option<Color> {
    match *sub {
        [5, n] => indexed(n),
        [2, r, g, b] => rgb(Some(r), Some(g), Some(b)),
        [2, _, r, g, b, ..] => rgb(Some(r), Some(g), Some(b)),
        _ => None,
    }
}

fn indexed(n: u16) -> Option<Color> {
    u8::try_from(n).ok().map(Color::Indexed)
}

fn rgb(r: Option<u16>, g: Option<u16>, b: Option<u16>) -> Option<Color> {
    let byte = |v: Option<u16>| v.and_then(|v| u8::try_from(v).ok());
    Some(Color::Rgb(byte(r)?, byte(g)?, byte(b)?))
}

/// Adds a modifier without recording a removal, so a style returned to plain equals plain.
fn with(mut s: Style, m: Modifier) -> Style {
    s.add_modifier |= m;
    s.sub_modifier -= m;
    s
}

fn without(mut s: Style, m: Modifier) -> Style {
    s.add_modifier -= m;
    s
}

/// Appends the SGR sequence that sets exactly `s` from a reset: the form [`apply_sgr`] reads
/// back.
pub fn push_sgr(out: &mut String, s: Style) {
    out.push_str("\x1b[0");
    let flags = [
        (Modifier::BOLD, "1"),
        (Modifier::DIM, "2"),
        (Modifier::ITALIC, "3"),
        (Modifier::UNDERLINED, "4"),
        (Modifier::SLOW_BLINK, "5"),
        (Modifier::RAPID_BLINK, "6"),
        (Modifier::REVERSED, "7"),
        (Modifier::HIDDEN, "8"),
        (Modifier::CROSSED_OUT, "9"),
    ];
    for (m, code) in flags {
        if s.add_modifier.contains(m) {
            out.push(';');
            out.push_str(code);
        }
    }
    for (colour, plane) in [(s.fg, 38), (s.bg, 48), (s.underline_color, 58)] {
        if let Some(c) = colour {
            push_colour(out, c, plane);
        }
    }
    out.push('m');
}

fn push_colour(out: &mut String, c: Color, plane: u16) {
    let palette: u8 = match c {
        Color::Reset => return,
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
        Color::Indexed(n) => {
            out.push_str(colour_prefix(plane, 5));
            push_number(out, n);
            return;
        }
        Color::Rgb(r, g, b) => {
            out.push_str(colour_prefix(plane, 2));
            push_number(out, r);
            out.push(';');
            push_number(out, g);
            out.push(';');
            push_number(out, b);
            return;
        }
    };
    let digit = char::from(b'0' + palette % 8);
    match (plane, palette < 8) {
        (38, true) => out.push_str(";3"),
        (38, false) => out.push_str(";9"),
        (48, true) => out.push_str(";4"),
        (48, false) => out.push_str(";10"),
        _ => {
            out.push_str(colour_prefix(plane, 5));
            push_number(out, palette);
            return;
        }
    }
    out.push(digit);
}

fn colour_prefix(plane: u16, mode: u8) -> &'static str {
    match (plane, mode) {
        (38, 5) => ";38;5;",
        (38, _) => ";38;2;",
        (48, 5) => ";48;5;",
        (48, _) => ";48;2;",
        (_, 5) => ";58;5;",
        _ => ";58;2;",
    }
}

fn push_number(out: &mut String, n: u8) {
    if n >= 100 {
        out.push(char::from(b'0' + n / 100));
    }
    if n >= 10 {
        out.push(char::from(b'0' + n / 10 % 10));
    }
    out.push(char::from(b'0' + n % 10));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(b: &[u8]) -> String {
        let mut s = String::new();
        sanitize(b, &mut s);
        s
    }

    #[test]
    fn keeps_colours_and_drops_everything_else() {
        assert_eq!(
            clean(b"\x1b[1;32mok\x1b[0m done"),
            "\x1b[1;32mok\x1b[0m done"
        );
        // cursor home, clear screen, title, clipboard, bell, cursor up
        let hostile = b"a\x1b[H\x1b[2Jb\x1b]0;pwned\x07c\x1b]52;c;ZXZpbA==\x07d\x07e\x1b[5Af\x1bcg";
        assert_eq!(clean(hostile), "abcdefg");
        assert_eq!(clean(b"nul\x00byte"), "nulbyte");
        assert_eq!(clean(b"a\tb"), "a       b");
    }

    #[test]
    fn every_style_written_reads_back_the_same() {
        let colours = [
            Color::Red,
            Color::White,
            Color::DarkGray,
            Color::Indexed(7),
            Color::Indexed(208),
            Color::Rgb(0, 175, 255),
        ];
        for fg in colours {
            for bg in colours {
                let style = Style::new()
                    .fg(fg)
                    .bg(bg)
                    .underline_color(Color::Indexed(99))
                    .add_modifier(Modifier::BOLD | Modifier::UNDERLINED);
                let mut sgr = String::new();
                push_sgr(&mut sgr, style);
                let line = styled(&format!("{sgr}x"), Style::new());
                assert_eq!(line.spans[0].style, style, "{sgr:?}");
            }
        }
    }

    #[test]
    fn colon_forms_are_read_and_the_unknown_ignored() {
        let style = |sgr: &str| styled(&format!("\x1b[{sgr}mx"), Style::new()).spans[0].style;
        assert_eq!(
            style("38:2::0:175:255"),
            Style::new().fg(Color::Rgb(0, 175, 255))
        );
        assert_eq!(
            style("38:2:0:175:255"),
            Style::new().fg(Color::Rgb(0, 175, 255))
        );
        assert_eq!(style("48:5:33"), Style::new().bg(Color::Indexed(33)));
        assert_eq!(
            style("58:2::255:0:0"),
            Style::new().underline_color(Color::Rgb(255, 0, 0))
        );
        assert_eq!(
            style("4:3"),
            Style::new().add_modifier(Modifier::UNDERLINED)
        );
        assert_eq!(style("4;4:0"), Style::new());
        assert_eq!(
            style("38:2::300:0:0"),
            Style::new(),
            "out of range: ignored"
        );
        assert_eq!(
            style("4:9"),
            Style::new(),
            "an unknown underline style: ignored"
        );
        assert_eq!(style("38:7:1"), Style::new());
    }

    #[test]
    fn invalid_utf8_becomes_replacement_characters() {
        let s = clean(b"ok \xff\xfe end");
        assert!(
            s.starts_with("ok ") && s.ends_with(" end") && s.contains('\u{fffd}'),
            "{s:?}"
        );
    }

    #[test]
    fn sgr_becomes_styles_and_strips_for_plain_text() {
        let line = styled(
            "\x1b[31merror\x1b[0m: \x1b[38;5;208mhot\x1b[m",
            Style::new(),
        );
        let spans: Vec<(String, Option<Color>)> = line
            .spans
            .iter()
            .map(|s| (s.content.to_string(), s.style.fg))
            .collect();
        assert_eq!(
            spans,
            [
                ("error".into(), Some(Color::Red)),
                (": ".into(), None),
                ("hot".into(), Some(Color::Indexed(208)))
            ]
        );
        assert_eq!(strip_sgr("\x1b[1;32mok\x1b[0m done"), "ok done");
    }
}
