//! The deploy log's line discipline beside a full terminal emulator (the `vt100` crate, a grid
//! of 50×200 cells with a scrollback) on the same bytes, in the same run: a plain flood, a
//! coloured flood, and a spinner. `cargo bench --bench terminal`

use std::hint::black_box;
use std::time::Instant;

use warroom::output::terminal::Terminal;

fn plain(lines: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..lines {
        out.extend_from_slice(
            format!("2026-11-27T02:00:00.000Z INFO deploy[web] step {i:>8}: uploaded chunk {i} of the build output, 64 KiB\n").as_bytes(),
        );
    }
    out
}

fn coloured(lines: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..lines {
        out.extend_from_slice(
            format!("\x1b[1m\x1b[32m   Compiling\x1b[0m crate-{i} v1.0.{i} (\x1b[36m/src/crates/crate-{i}\x1b[0m) \x1b[38;5;208mwarn\x1b[0m\n").as_bytes(),
        );
    }
    out
}

fn spinner(frames: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..frames {
        out.extend_from_slice(
            format!("\x1b[2K\x1b[1G\x1b[36m⠋\x1b[39m Deploying acme/web ({i})").as_bytes(),
        );
    }
    out.extend_from_slice(b"\n");
    out
}

/// Nanoseconds per unit, the best of five runs, feeding 64 KiB reads as the runner does.
fn per_unit(bytes: &[u8], units: usize, mut feed: impl FnMut(&[u8])) -> f64 {
    (0..5)
        .map(|_| {
            let t = Instant::now();
            for chunk in bytes.chunks(64 * 1024) {
                feed(chunk);
            }
            t.elapsed().as_nanos() as f64 / units as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn ours(bytes: &[u8], units: usize) -> f64 {
    let mut term = Terminal::default();
    let mut settled = 0usize;
    let ns = per_unit(bytes, units, |c| {
        settled += term.feed(c).map(|row| row.text.len()).sum::<usize>();
    });
    black_box(settled);
    ns
}

fn emulator(bytes: &[u8], units: usize) -> f64 {
    let size = |n: u16| std::num::NonZeroU16::new(n).expect("non-zero");
    let mut parser = vt100::Parser::new(size(50), size(200), 1000);
    let ns = per_unit(bytes, units, |c| parser.process(c));
    black_box(parser.screen().contents().len());
    ns
}

fn main() {
    let n = 200_000;
    let cases = [
        ("plain flood, per line", plain(n), n),
        ("coloured flood, per line", coloured(n), n),
        ("spinner, per frame", spinner(n), n),
    ];
    for (name, bytes, units) in cases {
        let a = ours(&bytes, units);
        let b = emulator(&bytes, units);
        println!(
            "{name}: line discipline {a:.0} ns, vt100 grid {b:.0} ns = {:.2}x the line discipline",
            b / a
        );
    }
}
