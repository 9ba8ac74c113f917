//! The screen a command draws on: its rows, the cursor, and the main screen kept aside while
//! the alternate one is in use.

use std::collections::VecDeque;

use ratatui::style::Style;
use unicode_width::UnicodeWidthChar;
use vte::{Params, Perform};

use super::Settled;
use super::row::{Cell, Row, Text, WIDE_TAIL, join, wide};
use crate::output::ansi::{apply_sgr, push_sgr};

/// A line wrapped over more rows than this settles in parts.
const MAX_WRAPPED_ROWS: usize = 512;

#[derive(Debug)]
pub(super) struct Screen {
    /// The screen's rows, top first; never more than `height`. A row that scrolls off the top
    /// settles (on the main screen) or is gone (on the alternate one, as in a terminal).
    pub(super) rows: VecDeque<Row>,
    pub(super) row: usize,
    pub(super) col: usize,
    pub(super) cols: usize,
    pub(super) height: usize,
    pen: Style,
    saved: (usize, usize, Style),
    autowrap: bool,
    /// The main screen's rows and cursor while the alternate screen is shown.
    main: Option<Box<(VecDeque<Row>, usize, usize)>>,
    /// Rows that left the screen wrapped: their line settles whole once it ends.
    wrapped: Vec<Row>,
    pub(super) settled: Vec<Settled>,
    /// Bumped on every change, so the live rows are rendered only when they changed.
    pub(super) version: u64,
}

impl Screen {
    pub(super) fn new(cols: usize, height: usize) -> Screen {
        Screen {
            rows: VecDeque::from([Row::new()]),
            row: 0,
            col: 0,
            cols: cols.max(2),
            height: height.max(1),
            pen: Style::new(),
            saved: (0, 0, Style::new()),
            autowrap: true,
            main: None,
            wrapped: Vec::new(),
            settled: Vec::new(),
            version: 0,
        }
    }

    /// A row that left the screen: on the main screen, it settles with the rows it wrapped
    /// from.
    fn settle(&mut self, row: Row) {
        if self.main.is_some() {
            return;
        }
        let goes_on = row.goes_on();
        if !goes_on && self.wrapped.is_empty() {
            self.settled.push(Settled {
                text: row.into_text(),
                wrapped: false,
            });
            return;
        }
        self.wrapped.push(row);
        if goes_on && self.wrapped.len() < MAX_WRAPPED_ROWS {
            return;
        }
        let rows = std::mem::take(&mut self.wrapped);
        self.settled.push(Settled {
            text: join(rows),
            wrapped: goes_on,
        });
    }

    /// At the end: every row left settles (the alternate screen's after the main one's),
    /// except blank rows at the bottom.
    pub(super) fn finish(&mut self) {
        let alt = self.main.take().map(|main| {
            let (rows, _, _) = *main;
            std::mem::replace(&mut self.rows, rows)
        });
        for mut rows in [Some(std::mem::take(&mut self.rows)), alt]
            .into_iter()
            .flatten()
        {
            while rows.back().is_some_and(Row::is_empty) {
                rows.pop_back();
            }
            for row in rows {
                self.settle(row);
            }
        }
        if !self.wrapped.is_empty() {
            let rows = std::mem::take(&mut self.wrapped);
            self.settled.push(Settled {
                text: join(rows),
                wrapped: false,
            });
        }
    }

    /// The rows on screen as lines: rows the terminal wrapped are joined (blank rows at the
    /// bottom left out). A line whose first rows already left the screen starts with them: it
    /// is shown, and redacted, whole.
    pub(super) fn live(&self) -> Vec<String> {
        let end = self
            .rows
            .iter()
            .rposition(|r| !r.is_empty())
            .map_or(0, |i| i + 1);
        let mut lines = Vec::new();
        let mut group: Vec<Row> = match self.main {
            None => self.wrapped.clone(),
            Some(_) => Vec::new(),
        };
        for r in self.rows.range(..end) {
            let goes_on = r.goes_on();
            if group.is_empty() && !goes_on {
                lines.push(r.render());
                continue;
            }
            group.push(r.clone());
            if !goes_on {
                lines.push(join(std::mem::take(&mut group)));
            }
        }
        if !group.is_empty() {
            lines.push(join(group));
        }
        lines
    }

    /// Appends printable ASCII at the cursor when the cursor ends an appended row; false
    /// (nothing done) otherwise. Text longer than the row wraps.
    pub(super) fn append_plain(&mut self, mut ascii: &[u8]) -> bool {
        if !self.autowrap && self.col + ascii.len() > self.cols {
            return false;
        }
        loop {
            let (col, pen) = (self.col, self.pen);
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
            let room = self.cols.saturating_sub(col);
            let (now, rest) = ascii.split_at(ascii.len().min(room));
            if !now.is_empty() && pen != *end {
                push_sgr(text, pen);
                *end = pen;
            }
            // Printable ASCII, checked by the caller.
            text.push_str(std::str::from_utf8(now).unwrap_or_default());
            *width += now.len();
            self.col += now.len();
            self.version += 1;
            if rest.is_empty() {
                return true;
            }
            self.rows[self.row].wrapped = true;
            self.line_feed();
            ascii = rest;
        }
    }

    pub(super) fn line_feed(&mut self) {
        self.col = 0;
        if self.row + 1 < self.rows.len() {
            self.row += 1;
            return;
        }
        self.rows.push_back(Row::new());
        self.row += 1;
        if self.rows.len() > self.height
            && let Some(top) = self.rows.pop_front()
        {
            self.row -= 1;
            self.saved.0 = self.saved.0.saturating_sub(1);
            self.settle(top);
        }
    }

    fn put(&mut self, ch: char, width: usize) {
        if self.col + width > self.cols {
            if self.autowrap {
                self.rows[self.row].wrapped = true;
                self.line_feed();
            } else {
                self.col = self.cols - width;
            }
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
        let col = self.col.min(self.cols - 1);
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

    /// Erase in display: below the cursor (0), above it (1), or all of the screen (2, 3). A
    /// cleared screen is a frame replaced, never settled.
    fn erase_display(&mut self, mode: u16) {
        match mode {
            0 => {
                self.erase_line(0);
                for r in self.rows.range_mut(self.row + 1..) {
                    *r = Row::new();
                }
            }
            1 => {
                self.erase_line(1);
                for r in self.rows.range_mut(..self.row) {
                    *r = Row::new();
                }
            }
            2 | 3 => {
                for r in &mut self.rows {
                    *r = Row::new();
                }
            }
            _ => {}
        }
    }

    /// The cursor to a row of the screen; rows below the last one written are blank rows of
    /// the screen, made when the cursor goes there.
    fn cursor_to_row(&mut self, row: usize) {
        let row = row.min(self.height - 1);
        while self.rows.len() <= row {
            self.rows.push_back(Row::new());
        }
        self.row = row;
    }

    fn cursor_to_col(&mut self, col: usize) {
        self.col = col.min(self.cols - 1);
    }

    /// The cursor's column for a move: at the right edge with a wrap pending, it is the last
    /// column.
    fn at_col(&self) -> usize {
        self.col.min(self.cols - 1)
    }

    fn restore(&mut self) {
        let (row, col, pen) = self.saved;
        self.cursor_to_row(row);
        self.col = col;
        self.pen = pen;
    }

    /// `?1049h` and its older forms: the alternate screen, blank, with no scrollback.
    fn alternate(&mut self, on: bool) {
        match (on, self.main.is_some()) {
            (true, false) => {
                let rows = std::mem::replace(&mut self.rows, VecDeque::from([Row::new()]));
                self.main = Some(Box::new((rows, self.row, self.col)));
                self.row = 0;
                self.col = 0;
            }
            (false, true) => {
                if let Some(main) = self.main.take() {
                    (self.rows, self.row, self.col) = *main;
                }
            }
            _ => {}
        }
    }
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
            0x08 => self.col = self.at_col().saturating_sub(1),
            b'\t' => self.cursor_to_col((self.at_col() / 8 + 1) * 8),
            _ => {}
        }
    }

    fn csi_dispatch(&mut self, params: &Params, intermediates: &[u8], ignore: bool, action: char) {
        if ignore {
            return;
        }
        let first = params.iter().next().map_or(0, |p| p[0]);
        if intermediates == b"?" {
            if matches!(action, 'h' | 'l') {
                self.version += 1;
                let on = action == 'h';
                for p in params.iter() {
                    match p[0] {
                        7 => self.autowrap = on,
                        47 | 1047 | 1049 => self.alternate(on),
                        _ => {}
                    }
                }
            }
            return;
        }
        if !intermediates.is_empty() {
            return;
        }
        self.version += 1;
        let n = usize::from(first.max(1));
        match action {
            'm' => self.pen = apply_sgr(params, self.pen, Style::new()),
            'A' => self.cursor_to_row(self.row.saturating_sub(n)),
            'B' => self.cursor_to_row(self.row + n),
            'C' => self.cursor_to_col(self.at_col() + n),
            'D' => self.col = self.at_col().saturating_sub(n),
            'E' => {
                self.cursor_to_row(self.row + n);
                self.col = 0;
            }
            'F' => {
                self.cursor_to_row(self.row.saturating_sub(n));
                self.col = 0;
            }
            'G' | '`' => self.cursor_to_col(n - 1),
            'd' => self.cursor_to_row(n - 1),
            'H' | 'f' => {
                let col = params.iter().nth(1).map_or(1, |p| p[0].max(1));
                self.cursor_to_row(n - 1);
                self.cursor_to_col(usize::from(col) - 1);
            }
            'K' => self.erase_line(first),
            'J' => self.erase_display(first),
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
