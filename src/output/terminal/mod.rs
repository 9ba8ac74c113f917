//! What a terminal would show of a command's output, line by line.
//!
//! Tools given `FORCE_COLOR` draw spinners and progress displays by moving the cursor and
//! erasing. This is a line discipline over the newest [`LIVE_ROWS`] rows: carriage return,
//! backspace, tabs, erase in line (all forms), erase below, cursor up/down/left/right, to a
//! column, and save/restore behave as in a terminal. A row that leaves the region, or is there
//! when the output ends, is settled: final, for the pane's scrollback and the log file.
//! Nothing reaches above the region; every other sequence (screen clears, cursor addressing,
//! titles, the clipboard, modes) is dropped, as in [`super::ansi`].

use std::collections::VecDeque;

use ratatui::style::Style;
use unicode_width::UnicodeWidthChar;
use vte::{Params, Parser, Perform};

use super::ansi::{apply_sgr, push_sgr};

/// Rows the cursor can still reach: enough for the tallest multi-line progress displays.
pub const LIVE_ROWS: usize = 50;
/// A row longer than this wraps onto the next, as on a terminal this wide.
pub const MAX_COLS: usize = 8192;

/// A finished row: its text with SGR colours, and whether it continues on the next row.
#[derive(Debug, Clone, PartialEq)]
pub struct Settled {
    pub text: String,
    pub wrapped: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Cell {
    ch: char,
    /// A combining mark or variation selector drawn with `ch` (`'\0'` for none).
    mark: char,
    style: Style,
}

/// The right half of a wide character.
const WIDE_TAIL: char = '\0';

impl Cell {
    const BLANK: Cell = Cell {
        ch: ' ',
        mark: '\0',
        style: Style::new(),
    };
}

#[derive(Debug, Clone)]
enum Text {
    /// A row only ever appended to, the common case: its text with SGR sequences where the
    /// colour changes, its width in columns, and the style at its end.
    Appended {
        text: String,
        width: usize,
        pen: Style,
    },
    /// A row the cursor went back into: one cell per column, in `Row::cells`.
    Cells,
}

#[derive(Debug, Clone)]
struct Row {
    text: Text,
    cells: Vec<Cell>,
    wrapped: bool,
}

impl Row {
    fn new() -> Row {
        Row {
            text: Text::Appended {
                text: String::new(),
                width: 0,
                pen: Style::new(),
            },
            cells: Vec::new(),
            wrapped: false,
        }
    }

    fn is_empty(&self) -> bool {
        match &self.text {
            Text::Appended { text, .. } => text.is_empty(),
            Text::Cells => self.cells.iter().all(|c| *c == Cell::BLANK),
        }
    }

    fn cells(&mut self) -> &mut Vec<Cell> {
        if let Text::Appended { text, .. } = &self.text {
            self.cells = cells_of(text);
            self.text = Text::Cells;
        }
        &mut self.cells
    }

    fn render(&self) -> String {
        match &self.text {
            Text::Appended { text, pen, .. } => {
                let mut out = text.clone();
                close(&mut out, *pen);
                out
            }
            Text::Cells => render_cells(&self.cells),
        }
    }

    fn into_text(self) -> String {
        match self.text {
            Text::Appended { mut text, pen, .. } => {
                close(&mut text, pen);
                text
            }
            Text::Cells => render_cells(&self.cells),
        }
    }
}

fn close(out: &mut String, pen: Style) {
    if pen != Style::new() {
        out.push_str("\x1b[0m");
    }
}

/// The cells of an appended row's text (its own SGR sequences and printable characters).
fn cells_of(text: &str) -> Vec<Cell> {
    struct Builder {
        cells: Vec<Cell>,
        pen: Style,
    }
    impl Perform for Builder {
        fn print(&mut self, ch: char) {
            match ch.width() {
                Some(0) => {
                    if let Some(last) = self.cells.iter_mut().rev().find(|c| c.ch != WIDE_TAIL) {
                        last.mark = ch;
                    }
                }
                Some(w) => {
                    let cell = Cell {
                        ch,
                        mark: '\0',
                        style: self.pen,
                    };
                    self.cells.push(cell);
                    if w == 2 {
                        self.cells.push(Cell {
                            ch: WIDE_TAIL,
                            ..cell
                        });
                    }
                }
                None => {}
            }
        }
        fn csi_dispatch(&mut self, params: &Params, _: &[u8], _: bool, action: char) {
            if action == 'm' {
                self.pen = apply_sgr(params, self.pen, Style::new());
            }
        }
    }
    let mut b = Builder {
        cells: Vec::with_capacity(text.len()),
        pen: Style::new(),
    };
    Parser::new().advance(&mut b, text.as_bytes());
    b.cells
}

fn render_cells(cells: &[Cell]) -> String {
    let end = cells
        .iter()
        .rposition(|c| *c != Cell::BLANK)
        .map_or(0, |i| i + 1);
    let mut out = String::with_capacity(end);
    let mut pen = Style::new();
    for c in &cells[..end] {
        if c.ch == WIDE_TAIL {
            continue;
        }
        if c.style != pen {
            pen = c.style;
            push_sgr(&mut out, pen);
        }
        out.push(c.ch);
        if c.mark != '\0' {
            out.push(c.mark);
        }
    }
    close(&mut out, pen);
    out
}

#[derive(Debug)]
struct Screen {
    rows: VecDeque<Row>,
    row: usize,
    col: usize,
    pen: Style,
    saved: (usize, usize, Style),
    settled: Vec<Settled>,
    /// Bumped on every change, so the live rows are rendered only when they changed.
    version: u64,
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
        Terminal {
            screen: Screen {
                rows: VecDeque::from([Row::new()]),
                row: 0,
                col: 0,
                pen: Style::new(),
                saved: (0, 0, Style::new()),
                settled: Vec::new(),
                version: 0,
            },
            parser: Parser::new(),
            ground: true,
            #[cfg(test)]
            no_shortcut: false,
        }
    }
}

impl Terminal {
    /// Writes bytes; rows that settle are handed to `settled` in order.
    pub fn feed(&mut self, bytes: &[u8], mut settled: impl FnMut(Settled)) {
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
            if shortcut
                && self.ground
                && text.iter().all(|b| (0x20..0x7f).contains(b))
                && self.screen.append_plain(text)
            {
                if text.len() < piece.len() {
                    self.screen.line_feed();
                }
            } else {
                self.parser.advance(&mut self.screen, piece);
                self.ground = ends_between_sequences(piece, self.ground);
            }
        }
        for s in self.screen.settled.drain(..) {
            settled(s);
        }
    }

    /// At the end of the output: every row left settles, except blank rows at the bottom.
    pub fn finish(&mut self, mut settled: impl FnMut(Settled)) {
        let s = &mut self.screen;
        while s.rows.back().is_some_and(Row::is_empty) {
            s.rows.pop_back();
        }
        for row in s.rows.drain(..) {
            let wrapped = row.wrapped;
            settled(Settled {
                text: row.into_text(),
                wrapped,
            });
        }
        *self = Terminal::default();
    }

    /// A number that changes whenever the live rows do.
    pub fn version(&self) -> u64 {
        self.screen.version
    }

    /// The rows still live, as they look now (blank rows at the bottom left out).
    pub fn live(&self) -> Vec<String> {
        let rows = &self.screen.rows;
        let end = rows
            .iter()
            .rposition(|r| !r.is_empty())
            .map_or(0, |i| i + 1);
        rows.range(..end).map(Row::render).collect()
    }
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

impl Screen {
    /// Appends printable ASCII at the cursor when the cursor ends an appended row; false
    /// (nothing done) otherwise.
    fn append_plain(&mut self, ascii: &[u8]) -> bool {
        let (col, pen) = (self.col, self.pen);
        if col + ascii.len() > MAX_COLS {
            return false;
        }
        let Text::Appended {
            text,
            width,
            pen: end,
        } = &mut self.rows[self.row].text
        else {
            return false;
        };
        if *width != col {
            return false;
        }
        if !ascii.is_empty() && pen != *end {
            push_sgr(text, pen);
            *end = pen;
        }
        // Printable ASCII, checked by the caller.
        text.push_str(std::str::from_utf8(ascii).unwrap_or_default());
        *width += ascii.len();
        self.col += ascii.len();
        self.version += 1;
        true
    }

    fn line_feed(&mut self) {
        self.col = 0;
        if self.row + 1 < self.rows.len() {
            self.row += 1;
            return;
        }
        self.rows.push_back(Row::new());
        self.row += 1;
        if self.rows.len() > LIVE_ROWS
            && let Some(top) = self.rows.pop_front()
        {
            self.row -= 1;
            self.saved.0 = self.saved.0.saturating_sub(1);
            let wrapped = top.wrapped;
            self.settled.push(Settled {
                text: top.into_text(),
                wrapped,
            });
        }
    }

    fn put(&mut self, ch: char, width: usize) {
        if self.col + width > MAX_COLS {
            self.rows[self.row].wrapped = true;
            self.line_feed();
        }
        let (col, pen) = (self.col, self.pen);
        let row = &mut self.rows[self.row];
        if let Text::Appended {
            text,
            width: w,
            pen: end,
        } = &mut row.text
            && col >= *w
        {
            if col > *w {
                if *end != Style::new() {
                    push_sgr(text, Style::new());
                    *end = Style::new();
                }
                text.extend(std::iter::repeat_n(' ', col - *w));
            }
            if pen != *end {
                push_sgr(text, pen);
                *end = pen;
            }
            text.push(ch);
            *w = col + width;
            self.col = col + width;
            return;
        }
        let cells = row.cells();
        if cells.len() < col + width {
            cells.resize(col + width, Cell::BLANK);
        }
        // Overwriting half of a wide character blanks its other half, as a terminal does.
        if cells[col].ch == WIDE_TAIL && col > 0 {
            cells[col - 1] = Cell::BLANK;
        }
        let after = col + width;
        if after < cells.len() && cells[after].ch == WIDE_TAIL {
            cells[after] = Cell::BLANK;
        }
        cells[col] = Cell {
            ch,
            mark: '\0',
            style: pen,
        };
        if width == 2 {
            cells[col + 1] = Cell {
                ch: WIDE_TAIL,
                mark: '\0',
                style: pen,
            };
        }
        self.col = after;
    }

    /// A zero-width character joins the one before the cursor.
    fn mark(&mut self, ch: char) {
        let col = self.col;
        let row = &mut self.rows[self.row];
        if let Text::Appended { text, width, .. } = &mut row.text
            && col == *width
        {
            text.push(ch);
            return;
        }
        let cells = row.cells();
        let end = col.min(cells.len());
        let before = cells[..end].iter_mut().rev().find(|c| c.ch != WIDE_TAIL);
        if let Some(c) = before {
            c.mark = ch;
        }
    }

    fn erase_line(&mut self, mode: u16) {
        let col = self.col;
        let row = &mut self.rows[self.row];
        match mode {
            0 => match &row.text {
                Text::Appended { width, .. } if col >= *width => {}
                _ if col == 0 => *row = Row::new(),
                _ => {
                    let cells = row.cells();
                    cells.truncate(col);
                    if cells
                        .last()
                        .is_some_and(|c| c.ch != WIDE_TAIL && wide(c.ch))
                    {
                        cells.pop();
                        cells.push(Cell::BLANK);
                    }
                }
            },
            1 => {
                let cells = row.cells();
                let end = (col + 1).min(cells.len());
                cells[..end].fill(Cell::BLANK);
                if cells.get(end).is_some_and(|c| c.ch == WIDE_TAIL) {
                    cells[end] = Cell::BLANK;
                }
            }
            2 => *row = Row::new(),
            _ => {}
        }
        row.wrapped = false;
    }

    fn erase_below(&mut self) {
        self.erase_line(0);
        for r in self.rows.range_mut(self.row + 1..) {
            *r = Row::new();
        }
    }

    fn cursor_to_row(&mut self, row: usize) {
        self.row = row.min(self.rows.len() - 1);
    }
}

fn wide(ch: char) -> bool {
    ch.width() == Some(2)
}

impl Perform for Screen {
    fn print(&mut self, ch: char) {
        self.version += 1;
        match ch.width() {
            Some(0) => self.mark(ch),
            Some(w) => self.put(ch, w),
            None => {}
        }
    }

    fn execute(&mut self, byte: u8) {
        self.version += 1;
        match byte {
            b'\n' | 0x0b | 0x0c => self.line_feed(),
            b'\r' => self.col = 0,
            0x08 => self.col = self.col.saturating_sub(1),
            b'\t' => self.col = ((self.col / 8 + 1) * 8).min(MAX_COLS - 1),
            _ => {}
        }
    }

    fn csi_dispatch(&mut self, params: &Params, intermediates: &[u8], ignore: bool, action: char) {
        if ignore || !intermediates.is_empty() {
            return;
        }
        self.version += 1;
        let first = params.iter().next().map_or(0, |p| p[0]);
        let n = usize::from(first.max(1));
        match action {
            'm' => self.pen = apply_sgr(params, self.pen, Style::new()),
            'A' => self.cursor_to_row(self.row.saturating_sub(n)),
            'B' => self.cursor_to_row(self.row + n),
            'C' => self.col = (self.col + n).min(MAX_COLS - 1),
            'D' => self.col = self.col.saturating_sub(n),
            'E' => {
                self.cursor_to_row(self.row + n);
                self.col = 0;
            }
            'F' => {
                self.cursor_to_row(self.row.saturating_sub(n));
                self.col = 0;
            }
            'G' | '`' => self.col = (n - 1).min(MAX_COLS - 1),
            'K' => self.erase_line(first),
            'J' if first == 0 => self.erase_below(),
            's' if params.is_empty() => self.saved = (self.row, self.col, self.pen),
            'u' if params.is_empty() => self.restore(),
            _ => {}
        }
    }

    fn esc_dispatch(&mut self, intermediates: &[u8], ignore: bool, byte: u8) {
        if ignore || !intermediates.is_empty() {
            return;
        }
        match byte {
            b'7' => self.saved = (self.row, self.col, self.pen),
            b'8' => self.restore(),
            _ => {}
        }
    }
}

impl Screen {
    fn restore(&mut self) {
        let (row, col, pen) = self.saved;
        self.cursor_to_row(row);
        self.col = col;
        self.pen = pen;
    }
}

#[cfg(test)]
mod tests;
