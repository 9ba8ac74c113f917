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
    fn csi_dispatch(&mut self, params: &Params, _i: &[u8], _ignore: bool, action: char) {
        if action != 'm' {
            return;
        }
        self.flush();
        let flat: Vec<u16> = params.iter().flat_map(|p| p.iter().copied()).collect();
        if flat.is_empty() {
            self.style = self.base;
            return;
        }
        let mut i = 0;
        while i < flat.len() {
            let s = self.style;
            self.style = match flat[i] {
                0 => self.base,
                1 => s.add_modifier(Modifier::BOLD),
                2 => s.add_modifier(Modifier::DIM),
                3 => s.add_modifier(Modifier::ITALIC),
                4 => s.add_modifier(Modifier::UNDERLINED),
                7 => s.add_modifier(Modifier::REVERSED),
                9 => s.add_modifier(Modifier::CROSSED_OUT),
                22 => s.remove_modifier(Modifier::BOLD | Modifier::DIM),
                23 => s.remove_modifier(Modifier::ITALIC),
                24 => s.remove_modifier(Modifier::UNDERLINED),
                27 => s.remove_modifier(Modifier::REVERSED),
                n @ 30..=37 => s.fg(basic(n - 30)),
                39 => s.fg(self.base.fg.unwrap_or(Color::Reset)),
                n @ 40..=47 => s.bg(basic(n - 40)),
                49 => s.bg(self.base.bg.unwrap_or(Color::Reset)),
                n @ 90..=97 => s.fg(bright(n - 90)),
                n @ 100..=107 => s.bg(bright(n - 100)),
                n @ (38 | 48) => {
                    let color = match flat.get(i + 1) {
                        Some(5) => {
                            i += 2;
                            flat.get(i).map(|c| Color::Indexed(*c as u8))
                        }
                        Some(2) => {
                            i += 4;
                            match (flat.get(i - 2), flat.get(i - 1), flat.get(i)) {
                                (Some(r), Some(g), Some(b)) => {
                                    Some(Color::Rgb(*r as u8, *g as u8, *b as u8))
                                }
                                _ => None,
                            }
                        }
                        _ => None,
                    };
                    match (n, color) {
                        (38, Some(c)) => s.fg(c),
                        (_, Some(c)) => s.bg(c),
                        _ => s,
                    }
                }
                _ => s,
            };
            i += 1;
        }
    }
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
