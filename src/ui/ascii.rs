//! Plain ASCII for terminals that cannot show box drawing, block or braille characters
//! (`TERM=linux`, `vt100`, `dumb`, or `[theme] ascii = true`): the drawn frame is rewritten
//! cell by cell, so every pane keeps its layout and nothing is left out.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use unicode_width::UnicodeWidthStr;

/// The ASCII stand-in for a drawing character (lines, blocks, braille, symbols, emoji); text
/// (accented letters in a title, say) is left as it is.
pub fn stand_in(symbol: &str) -> Option<&'static str> {
    let mut chars = symbol.chars();
    let c = chars.next()?;
    if c.is_ascii() && chars.next().is_none() {
        return None;
    }
    Some(match c {
        // Box drawing: horizontal, vertical, corners and joints.
        '━' | '═' => "=",
        '─' | '┄' | '┅' | '╌' | '╍' => "-",
        '│' | '┃' | '║' | '┆' | '┇' | '╎' | '╏' => "|",
        '┌' | '┐' | '└' | '┘' | '┏' | '┓' | '┗' | '┛' | '╭' | '╮' | '╯' | '╰' | '├' | '┤' | '┬'
        | '┴' | '┼' | '┣' | '┫' | '┳' | '┻' | '╋' | '╔' | '╗' | '╚' | '╝' => {
            "+"
        }
        // Blocks, half blocks and quadrants (the big digits, bars): filled.
        '█' | '▀' | '▄' | '▌' | '▐' | '▖' | '▗' | '▘' | '▝' | '▙' | '▛' | '▜' | '▟' | '▚' | '▞'
        | '▆' | '▇' | '▅' | '▃' | '▂' | '▁' | '■' => "#",
        '░' | '▒' | '▓' => ":",
        // Braille (the chart): a point where any dot is set.
        '\u{2800}' => " ",
        '\u{2801}'..='\u{28ff}' => "*",
        '•' | '●' | '★' | '✱' => "*",
        '·' | '…' => ".",
        '✓' | '✔' => "v",
        '✗' | '✘' => "x",
        '▶' | '→' | '›' => ">",
        '◀' | '←' | '‹' => "<",
        '▲' | '↑' => "^",
        '▼' | '↓' => "v",
        '↩' | '↺' => "<",
        '−' | '—' | '–' => "-",
        '✎' => "n",
        '⚠' => "!",
        '\u{2500}'..='\u{257f}' => "+",
        '\u{2580}'..='\u{259f}' => "#",
        '\u{2190}'..='\u{21ff}' => ">",
        '\u{25a0}'..='\u{27bf}' | '\u{1f000}'.. => "*",
        _ => return None,
    })
}

/// Rewrites every cell of `area` to ASCII; a wide character's second cell becomes a space.
pub fn rewrite(buf: &mut Buffer, area: Rect) {
    let area = area.intersection(buf.area);
    for y in area.top()..area.bottom() {
        let mut x = area.left();
        while x < area.right() {
            let symbol = buf[(x, y)].symbol().to_string();
            let width = symbol.width().max(1) as u16;
            if let Some(ascii) = stand_in(&symbol) {
                buf[(x, y)].set_symbol(ascii);
                for dx in 1..width {
                    if x + dx < area.right() {
                        buf[(x + dx, y)].set_symbol(" ");
                    }
                }
            }
            x += width;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_drawn_becomes_ascii() {
        for s in ["─", "┏", "█", "▟", "⣿", "⠀", "✓", "📣", "╳", "▣"] {
            let a = stand_in(s).expect(s);
            assert!(a.is_ascii(), "{s} → {a}");
        }
        assert_eq!(stand_in("a"), None);
        assert_eq!(stand_in("é"), None, "text stays");
        assert_eq!(stand_in(" "), None);
    }
}
