//! What a terminal would show of a command's output, line by line.
//!
//! Tools draw spinners, progress displays and whole frames by moving the cursor and erasing.
//! This is a screen of the pane's size: carriage return, backspace, tabs, erase in line and in
//! display (all forms), cursor up/down/left/right, to a column, a row or a position,
//! save/restore, autowrap and the alternate screen behave as in a terminal, and rows wrap at
//! the screen's width. A row that scrolls off the top, or is there when the output ends, is
//! settled: final, for the pane's scrollback and the log file, joined with the rows it wrapped
//! from so that a line is one line (and a secret across the wrap is one secret). Nothing
//! reaches above the screen; a cleared screen is a frame replaced, not kept; the alternate
//! screen's rows never settle until the output ends inside it. Other sequences (titles, the
//! clipboard, other modes) are dropped, as in [`super::ansi`].

mod row;
mod screen;

use vte::Parser;

pub use row::rows_at;
use screen::Screen;

/// The screen's height when the pane's is not known.
pub const LIVE_ROWS: usize = 50;
/// The screen's width when the pane's is not known.
pub const MAX_COLS: usize = 8192;

/// A finished line: its text with SGR colours, and whether it goes on in the next one (a line
/// longer than the screen holds settles in parts).
#[derive(Debug, Clone, PartialEq)]
pub struct Settled {
    pub text: String,
    pub wrapped: bool,
}

/// One command's output as a terminal shows it (stdout and stderr share it, as they share a
/// terminal); a sequence cut between two reads is still read whole.
pub struct Terminal {
    screen: Screen,
    parser: Parser,
    /// Whether the parser is known to be between sequences, so that a plain line can skip it.
    ground: bool,
    #[cfg(test)]
    no_shortcut: bool,
}

impl Default for Terminal {
    fn default() -> Terminal {
        Terminal::sized(MAX_COLS, LIVE_ROWS)
    }
}

impl Terminal {
    /// A screen `cols` wide and `rows` high, as the command is told it is.
    pub fn sized(cols: usize, rows: usize) -> Terminal {
        Terminal {
            screen: Screen::new(cols, rows),
            parser: Parser::new(),
            ground: true,
            #[cfg(test)]
            no_shortcut: false,
        }
    }

    /// Writes bytes; hands back the rows that settled, in order.
    pub fn feed(&mut self, bytes: &[u8]) -> std::vec::Drain<'_, Settled> {
        let mut rest = bytes;
        while !rest.is_empty() {
            let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
            let (piece, after) = rest.split_at(end);
            rest = after;
            // The common line (printable ASCII appended to a plain row) skips the parser.
            let text = piece.strip_suffix(b"\n").unwrap_or(piece);
            #[cfg(test)]
            let shortcut = !self.no_shortcut;
            #[cfg(not(test))]
            let shortcut = true;
            if shortcut && self.ground && printable_ascii(text) && self.screen.append_plain(text) {
                if text.len() < piece.len() {
                    self.screen.line_feed();
                }
            } else {
                self.parser.advance(&mut self.screen, piece);
                self.ground = ends_between_sequences(piece, self.ground);
            }
        }
        self.screen.settled.drain(..)
    }

    /// At the end of the output: every row left settles, except blank rows at the bottom; the
    /// screen is blank again.
    pub fn finish(&mut self) -> std::vec::Drain<'_, Settled> {
        self.screen.finish();
        let rows = std::mem::take(&mut self.screen.settled);
        *self = Terminal::sized(self.screen.cols, self.screen.height);
        self.screen.settled = rows;
        self.screen.settled.drain(..)
    }

    /// A number that changes whenever the live rows do.
    pub fn version(&self) -> u64 {
        self.screen.version
    }

    /// The lines on screen, as they look now: rows the terminal wrapped joined, blank rows at
    /// the bottom left out. [`rows_at`] splits them again at the screen's width.
    pub fn live(&self) -> Vec<String> {
        self.screen.live()
    }
}

/// Whether every byte is printable ASCII: folded without an early exit, so that it is
/// vectorized (most lines of a flood are).
fn printable_ascii(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .fold(true, |all, &b| all & (b.wrapping_sub(0x20) < 0x5f))
}

/// Whether a parser that was (`was`) between sequences is so again after `bytes`: decided from
/// the last ESC, conservatively (unsure means no, and the parser reads on).
fn ends_between_sequences(bytes: &[u8], was: bool) -> bool {
    if ends_mid_character(bytes) {
        return false;
    }
    let Some(at) = memchr::memrchr(0x1b, bytes) else {
        return was;
    };
    let tail = &bytes[at + 1..];
    match tail.first() {
        None => false,
        Some(b'[') => {
            let body = &tail[1..];
            let params = body
                .iter()
                .take_while(|b| (0x20..=0x3f).contains(*b))
                .count();
            body.get(params).is_some_and(|b| (0x40..=0x7e).contains(b))
        }
        Some(b']') => tail.contains(&0x07),
        Some(b'P' | b'X' | b'^' | b'_') => false,
        Some(0x20..=0x2f) => tail[1..]
            .iter()
            .find(|b| !(0x20..=0x2f).contains(*b))
            .is_some_and(|b| (0x30..=0x7e).contains(b)),
        Some(0x30..=0x7e) => true,
        Some(_) => false,
    }
}

/// Whether `bytes` end inside a UTF-8 character (the parser holds its first bytes).
fn ends_mid_character(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(3)..];
    let Some(lead) = tail.iter().rposition(|b| *b >= 0xc0) else {
        return false;
    };
    let needed = match tail[lead] {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    };
    tail.len() - lead < needed
}

#[cfg(test)]
mod tests;
