//! The deploy log against a real terminal: each replay (the escape sequences of vite, ora,
//! log-update, pnpm, docker buildx and compose, cargo, railway's indicatif spinners, both
//! `gh run watch` refreshes, a `\r` bar, and the SGR forms) runs as the console's deploy
//! command, on a pipe and on a pseudo-terminal, and then in a plain tmux pane of the size the
//! console gave it (the deploy log pane's inside). Once the output has ended, the deploy log's
//! rows must equal the plain pane's last rows (its scrollback included), cell by cell with
//! their colours (both read back through `capture-pane -e`), and the run's log file must hold
//! the pane's lines (`capture-pane -J`, wrapped rows joined) as plain text, each once.
//!
//! The plain pane has tmux's `scroll-on-clear` off: a terminal keeps a cleared screen nowhere,
//! which is what xterm and most terminals do, and what a frame redrawn from the top means.

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

/// What a plain terminal of `cols` × `rows` shows: the script run in a bare tmux pane. Its
/// rows with their colours, the scrollback first; and its lines, wrapped rows joined.
fn terminal_rows(name: &str, (cols, rows): (u16, u16)) -> (Vec<Cells>, Vec<String>) {
    let dir = tempfile::tempdir().expect("tmp");
    let (go, done) = (dir.path().join("go"), dir.path().join("done"));
    let tmux = Tmux::new(&format!("oracle-{name}"));
    let command = format!(
        "while [ ! -e '{}' ]; do sleep 0.05; done; sh '{}'; touch '{}'; exec sleep 60",
        go.display(),
        replay(name).display(),
        done.display()
    );
    tmux.start_command(cols, rows, &command);
    tmux.cmd(&["set-option", "-w", "-t", "main", "scroll-on-clear", "off"]);
    std::fs::write(&go, "").expect("go");
    let capture = |extra: &[&str]| {
        let mut args = vec!["capture-pane", "-p", "-S", "-", "-t", "main"];
        args.extend_from_slice(extra);
        String::from_utf8_lossy(&tmux.cmd(&args).stdout).into_owned()
    };
    let start = Instant::now();
    let mut last = String::new();
    loop {
        let now = capture(&["-e"]);
        if done.exists() && now == last {
            break;
        }
        assert!(start.elapsed() < timeout(), "the oracle did not settle");
        last = now;
        std::thread::sleep(Duration::from_millis(150));
    }
    let mut lines: Vec<String> = capture(&["-J"])
        .lines()
        .flat_map(|l| logical(l, usize::from(cols)))
        .collect();
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    (rows_of(&last), lines)
}

/// A line of `capture-pane -J` as the log file writes it: the rows it was wrapped over run on,
/// except after a row that ends in padding (two spaces at the edge), where a tool ended it.
fn logical(joined: &str, cols: usize) -> Vec<String> {
    let mut rows: Vec<String> = vec![String::new()];
    let mut width = 0;
    for ch in joined.chars() {
        let w = ch.width().unwrap_or(0);
        if width + w > cols {
            rows.push(String::new());
            width = 0;
        }
        rows.last_mut().expect("a row").push(ch);
        width += w;
    }
    let mut lines = vec![String::new()];
    let last = rows.len() - 1;
    for (i, row) in rows.into_iter().enumerate() {
        let ended = i < last && row.ends_with("  ");
        lines.last_mut().expect("a line").push_str(&row);
        if ended {
            lines.push(String::new());
        }
    }
    lines.iter().map(|l| l.trim_end().to_string()).collect()
}

/// The console's deploy log after running the script as the deploy command (on a terminal when
/// `tty`), the run's log file, and the size the command was told its terminal is.
fn console_rows(name: &str, tty: bool) -> (Vec<Cells>, String, (u16, u16)) {
    let home = tempfile::tempdir().expect("tmp");
    let size = home.path().join("size");
    std::fs::write(
        home.path().join("warroom.toml"),
        format!(
            "[deploy]\ncommand = \"echo $COLUMNS $LINES > '{}'; '{}'\"\ntty = {tty}\n",
            size.display(),
            replay(name).display()
        ),
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
    let tmux = Tmux::new(&format!("console-{name}-{tty}"));
    tmux.start_sized(home.path(), 200, 70);
    tmux.line(&format!("{} resume REPLAY-1", bin().display()));
    tmux.wait_for("Checklist");
    tmux.keys(&["d"]);
    tmux.wait_for("y deploys");
    tmux.keys(&["y"]);
    let screen = settled_capture(&tmux, |s| styled_text(s).contains("✓ exit 0"));
    tmux.keys(&["q"]);
    let screen = rows_of(&screen);
    let plain: Vec<String> = screen.iter().map(text).collect();
    let title = plain
        .iter()
        .position(|l| l.contains("Deploy log"))
        .expect("the deploy log on screen");
    let left = column_of(&plain[title], "Deploy log") - 1;
    let right = screen[title]
        .iter()
        .rposition(|(c, _)| matches!(c, '┐' | '┓'))
        .expect("the pane's corner");
    // Below the pane's title: the run's header, or (once it scrolled away) the last run's
    // result, shown reversed.
    let header = plain.iter().position(|l| l.contains("━━ deploy ·"));
    let banner = |row: &Cells| {
        row.get(left)
            .is_some_and(|(_, s)| s.add_modifier.contains(ratatui::style::Modifier::REVERSED))
    };
    let first = header.map_or_else(
        || title + 1 + screen[title + 1..].iter().take_while(|r| banner(r)).count(),
        |h| h + 1,
    );
    let mut rows = Vec::new();
    for row in &screen[first..] {
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
    let told = std::fs::read_to_string(&size).expect("the size the command was told");
    let mut told = told
        .split_whitespace()
        .map(|n| n.parse::<u16>().expect("a number"));
    let size = (told.next().expect("cols"), told.next().expect("rows"));
    (rows, std::fs::read_to_string(log).expect("log"), size)
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
    for tty in [false, true] {
        let how = if tty { "on a terminal" } else { "on a pipe" };
        let (got, log, size) = console_rows(name, tty);
        let (want, lines) = terminal_rows(name, size);
        assert!(!want.is_empty(), "the terminal showed nothing for {name}");
        // The pane shows the newest rows; the plain pane's scrollback has the rest.
        let want = &want[want.len().saturating_sub(got.len())..];
        let show = |rows: &[Cells]| rows.iter().map(text).collect::<Vec<_>>().join("\n");
        assert_eq!(
            show(&got),
            show(want),
            "{name} {how} ({size:?}): the deploy log's text differs from the terminal's"
        );
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert_eq!(
                g,
                w,
                "{name} {how}: colours differ on row {i} ({:?})",
                text(w)
            );
        }
        // The log file: its two header lines, the settled lines, the outcome.
        let body: Vec<&str> = log.lines().skip(2).map(str::trim_end).collect();
        assert_eq!(
            body[..body.len() - 1],
            lines[..],
            "{name} {how}: the log file holds each of the terminal's lines once"
        );
    }
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

#[test]
fn railway_indicatif_spinners_padded_to_the_edge() {
    check("railway");
}

#[test]
fn docker_compose_frame_taller_than_the_screen() {
    check("compose");
}

#[test]
fn gh_run_watch_redraws_from_the_top() {
    check("gh_watch");
}

#[test]
fn gh_run_watch_in_the_alternate_screen() {
    check("gh_watch_alt");
}
