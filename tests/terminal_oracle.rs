//! The deploy log against a real terminal: each replay (the escape sequences of vite, ora,
//! log-update, pnpm, docker buildx, cargo, a `\r` bar, and the SGR forms) is written into a
//! plain tmux pane and run as the console's deploy command in the same test. Once the output
//! has ended, the deploy log's rows must equal the plain pane's rows, cell by cell with their
//! colours (both read back through `capture-pane -e`), and the run's log file must hold the
//! same lines as plain text, each once.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::tmux::{Tmux, timeout, tmux_available};
use common::{bin, stderr, warroom};
use ratatui::style::{Color, Style};
use unicode_width::UnicodeWidthChar;
use warroom::output::ansi::{apply_sgr, styled};

fn replay(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scripts/replays")
        .join(format!("{name}.sh"))
}

/// A row as cells: each column's character and style; wide characters fill two columns,
/// blank columns at the end left out.
type Cells = Vec<(char, Style)>;

/// A capture as rows of cells. tmux's `capture-pane -e` carries the style from one row to
/// the next (it writes only changes), so the whole capture is read as one stream.
fn rows_of(capture: &str) -> Vec<Cells> {
    struct Reader {
        rows: Vec<Cells>,
        style: Style,
    }
    impl vte::Perform for Reader {
        fn print(&mut self, ch: char) {
            let style = same_palette(self.style);
            if let Some(w) = ch.width().filter(|w| *w > 0) {
                let row = self.rows.last_mut().expect("a row");
                row.push((ch, style));
                row.extend(std::iter::repeat_n(('\0', style), w - 1));
            }
        }
        fn execute(&mut self, byte: u8) {
            if byte == b'\n' {
                self.rows.push(Vec::new());
            }
        }
        fn csi_dispatch(&mut self, params: &vte::Params, _: &[u8], _: bool, action: char) {
            if action == 'm' {
                self.style = apply_sgr(params, self.style, Style::new());
            }
        }
    }
    let mut r = Reader {
        rows: vec![Vec::new()],
        style: Style::new(),
    };
    vte::Parser::new().advance(&mut r, capture.as_bytes());
    for row in &mut r.rows {
        trim(row);
    }
    while r.rows.last().is_some_and(Vec::is_empty) {
        r.rows.pop();
    }
    r.rows
}

fn trim(row: &mut Cells) {
    while row
        .last()
        .is_some_and(|(c, s)| *c == ' ' && *s == Style::new())
    {
        row.pop();
    }
}

/// The console's renderer writes the 16 ANSI colours as `38;5;n`, a plain terminal keeps
/// `3n`: the same palette entries, so they compare as one.
fn same_palette(mut s: Style) -> Style {
    let named = [
        Color::Black,
        Color::Red,
        Color::Green,
        Color::Yellow,
        Color::Blue,
        Color::Magenta,
        Color::Cyan,
        Color::Gray,
        Color::DarkGray,
        Color::LightRed,
        Color::LightGreen,
        Color::LightYellow,
        Color::LightBlue,
        Color::LightMagenta,
        Color::LightCyan,
        Color::White,
    ];
    let fix = |c: Option<Color>| match c {
        Some(Color::Indexed(n)) if n < 16 => Some(named[usize::from(n)]),
        other => other,
    };
    s.fg = fix(s.fg);
    s.bg = fix(s.bg);
    s.underline_color = fix(s.underline_color);
    s
}

fn text(row: &Cells) -> String {
    row.iter().map(|(c, _)| *c).filter(|c| *c != '\0').collect()
}

/// Polls until two captures 150 ms apart agree.
fn settled_capture(tmux: &Tmux, done: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    let mut last = String::new();
    loop {
        let now = tmux.screen_with_colours();
        if done(&now) && now == last {
            return now;
        }
        assert!(
            start.elapsed() < timeout(),
            "the screen did not settle:\n{}",
            tmux.screen()
        );
        last = now;
        std::thread::sleep(Duration::from_millis(150));
    }
}

/// What a plain terminal shows: the script run in a bare tmux pane.
fn terminal_rows(name: &str) -> Vec<Cells> {
    let dir = tempfile::tempdir().expect("tmp");
    let done = dir.path().join("done");
    let tmux = Tmux::new(&format!("oracle-{name}"));
    let command = format!(
        "sh '{}'; touch '{}'; exec sleep 60",
        replay(name).display(),
        done.display()
    );
    tmux.start_command(200, 50, &command);
    rows_of(&settled_capture(&tmux, |_| done.exists()))
}

/// The console's deploy log after running the script as the deploy command, and the run's
/// log file.
fn console_rows(name: &str) -> (Vec<Cells>, String) {
    let home = tempfile::tempdir().expect("tmp");
    std::fs::write(
        home.path().join("warroom.toml"),
        format!("[deploy]\ncommand = \"{}\"\n", replay(name).display()),
    )
    .expect("config");
    let o = warroom(
        home.path(),
        &[
            "open",
            "REPLAY-1",
            "--priority",
            "P1",
            "--title",
            "Replay",
            "--no-console",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let tmux = Tmux::new(&format!("console-{name}"));
    tmux.start_sized(home.path(), 200, 50);
    tmux.line(&format!("{} resume REPLAY-1", bin().display()));
    tmux.wait_for("Checklist");
    tmux.keys(&["d"]);
    tmux.wait_for("y deploys");
    tmux.keys(&["y"]);
    let screen = settled_capture(&tmux, |s| styled_text(s).contains("✓ exit 0"));
    tmux.keys(&["q"]);
    let screen = rows_of(&screen);
    let plain: Vec<String> = screen.iter().map(text).collect();
    let header = plain
        .iter()
        .position(|l| l.contains("━━ deploy ·"))
        .expect("the run's header on screen");
    let left = column_of(&plain[header], "━━ deploy ·");
    let right = column_of(&plain[header], "│");
    let mut rows = Vec::new();
    for row in &screen[header + 1..] {
        let mut inside: Cells = row
            .get(left..right.min(row.len()))
            .unwrap_or_default()
            .to_vec();
        trim(&mut inside);
        if text(&inside).starts_with("✓ exit 0") {
            break;
        }
        rows.push(inside);
    }
    let logs = home.path().join("incidents/REPLAY-1/logs");
    let log = std::fs::read_dir(&logs)
        .expect("logs")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().contains("deploy"))
        .expect("the deploy's log file");
    (rows, std::fs::read_to_string(log).expect("log"))
}

fn styled_text(line: &str) -> String {
    styled(line, Style::new())
        .spans
        .iter()
        .map(|s| s.content.as_ref())
        .collect()
}

/// The terminal column where `needle` starts in a plain row.
fn column_of(row: &str, needle: &str) -> usize {
    let at = row.rfind(needle).expect("needle");
    row[..at].chars().map(|c| c.width().unwrap_or(0)).sum()
}

fn check(name: &str) {
    if !tmux_available() {
        return;
    }
    let want = terminal_rows(name);
    assert!(!want.is_empty(), "the terminal showed nothing for {name}");
    let (got, log) = console_rows(name);
    let show = |rows: &[Cells]| rows.iter().map(text).collect::<Vec<_>>().join("\n");
    assert_eq!(
        show(&got),
        show(&want),
        "{name}: the deploy log's text differs from the terminal's"
    );
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "{name}: colours differ on row {i} ({:?})", text(w));
    }
    // The log file: its two header lines, the settled lines, the outcome.
    let body: Vec<&str> = log.lines().skip(2).collect();
    let plain: Vec<String> = want.iter().map(text).collect();
    assert_eq!(
        body[..body.len() - 1],
        plain[..],
        "{name}: the log file holds each settled line once"
    );
}

#[test]
fn vite_reporter() {
    check("vite");
}

#[test]
fn ora_spinner() {
    check("ora");
}

#[test]
fn log_update() {
    check("log_update");
}

#[test]
fn pnpm_progress() {
    check("pnpm");
}

#[test]
fn docker_buildx_progress() {
    check("buildx");
}

#[test]
fn cargo_progress_bar() {
    check("cargo");
}

#[test]
fn carriage_return_bar() {
    check("cr_bar");
}

#[test]
fn sgr_forms_and_cursor_moves() {
    check("sgr_forms");
}
