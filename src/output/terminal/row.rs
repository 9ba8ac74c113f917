//! One row of the terminal: appended text in the common case, cells once the cursor went back
//! into it; and a logical line (rows joined where the terminal wrapped them) split again at a
//! width.

use ratatui::style::Style;
use unicode_width::UnicodeWidthChar;
use vte::{Params, Parser, Perform};

use crate::output::ansi::{apply_sgr, push_sgr};

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Cell {
    pub(super) ch: char,
    /// A combining mark or variation selector drawn with `ch` (`'\0'` for none).
    pub(super) mark: char,
    pub(super) style: Style,
}

/// The right half of a wide character.
pub(super) const WIDE_TAIL: char = '\0';

impl Cell {
    pub(super) const BLANK: Cell = Cell {
        ch: ' ',
        mark: '\0',
        style: Style::new(),
    };
}

#[derive(Debug, Clone)]
pub(super) enum Text {
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
pub(super) struct Row {
    pub(super) text: Text,
    pub(super) cells: Vec<Cell>,
    /// The line goes on in the next row: the terminal wrapped it here.
    pub(super) wrapped: bool,
}

impl Row {
    pub(super) fn new() -> Row {
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

    pub(super) fn is_empty(&self) -> bool {
        match &self.text {
            Text::Appended { text, .. } => text.is_empty(),
            Text::Cells => self.cells.iter().all(|c| *c == Cell::BLANK),
        }
    }

    /// Whether the line goes on in the next row: the terminal wrapped it, and not after
    /// padding (a tool that pads a finished line to the edge, as indicatif does, has ended it
    /// there).
    pub(super) fn goes_on(&self) -> bool {
        self.wrapped
            && match &self.text {
                Text::Appended { text, .. } => !text.ends_with("  "),
                Text::Cells => !self.cells.ends_with(&[Cell::BLANK, Cell::BLANK]),
            }
    }

    pub(super) fn cells(&mut self) -> &mut Vec<Cell> {
        if let Text::Appended { text, .. } = &self.text {
            self.cells = cells_of(text);
            self.text = Text::Cells;
        }
        &mut self.cells
    }

    pub(super) fn render(&self) -> String {
        match &self.text {
            Text::Appended { text, pen, .. } => {
                let mut out = text.clone();
                close(&mut out, *pen);
                out
            }
            Text::Cells => render_cells(&self.cells),
        }
    }

    pub(super) fn into_text(self) -> String {
        match self.text {
            Text::Appended { mut text, pen, .. } => {
                close(&mut text, pen);
                text
            }
            Text::Cells => render_cells(&self.cells),
        }
    }
}

pub(super) fn close(out: &mut String, pen: Style) {
    if pen != Style::new() {
        out.push_str("\x1b[0m");
    }
}

/// The cells of an appended row's text (its own SGR sequences and printable characters).
pub(super) fn cells_of(text: &str) -> Vec<Cell> {
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

pub(super) fn render_cells(cells: &[Cell]) -> String {
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

pub(super) fn wide(ch: char) -> bool {
    ch.width() == Some(2)
}

/// Rows the terminal wrapped, as one line: their texts run on (a row is full up to where it
/// wrapped), with colours changing only where they change.
pub(super) fn join(rows: Vec<Row>) -> String {
    if rows.len() == 1 {
        return rows
            .into_iter()
            .next()
            .map(Row::into_text)
            .unwrap_or_default();
    }
    // Plain appended rows that end in the default colour run on as they are.
    let plain = rows
        .iter()
        .all(|r| matches!(&r.text, Text::Appended { pen, .. } if *pen == Style::new()));
    if plain {
        return rows
            .iter()
            .map(|r| match &r.text {
                Text::Appended { text, .. } => text.as_str(),
                Text::Cells => "",
            })
            .collect();
    }
    let mut cells = Vec::new();
    for mut r in rows {
        cells.append(r.cells());
    }
    render_cells(&cells)
}

/// A line as the rows a terminal `cols` wide shows it on: a wide character that does not fit
/// at the end of a row starts the next.
pub fn rows_at(line: &str, cols: usize) -> Vec<String> {
    // Every character is at least as many bytes as columns.
    if line.len() <= cols {
        return vec![line.to_string()];
    }
    let cells = cells_of(line);
    let cols = cols.max(2);
    let mut rows = Vec::new();
    let mut start = 0;
    while start < cells.len() {
        let mut end = (start + cols).min(cells.len());
        if end < cells.len() && cells[end].ch == WIDE_TAIL {
            end -= 1;
        }
        rows.push(render_cells(&cells[start..end]));
        start = end;
    }
    if rows.is_empty() {
        rows.push(String::new());
    }
    rows
}
