//! The line discipline against the parser run on everything, and against what terminals do.

use super::*;

fn run(chunks: &[&[u8]]) -> Vec<String> {
    let mut t = Terminal::default();
    let mut out = Vec::new();
    for c in chunks {
        out.extend(t.feed(c).map(|s| s.text));
    }
    out.extend(t.finish().map(|s| s.text));
    out
}

#[test]
fn a_spinner_redrawn_in_place_is_one_line_and_the_next_line_its_own() {
    let mut bytes = Vec::new();
    for i in 0..1000 {
        bytes.extend_from_slice(format!("\x1b[2K\x1b[1G⠋ building {i}").as_bytes());
    }
    bytes.extend_from_slice(b"\x1b[2K\x1b[1G\xe2\x9c\x93 120 modules transformed.\n");
    assert_eq!(run(&[&bytes]), ["✓ 120 modules transformed."]);
}

#[test]
fn multi_line_redraws_go_up_and_erase() {
    // log-update: each frame erases the previous one line by line, from the bottom.
    let frame = |n: u32| format!("task a {n}\ntask b {n}\n");
    let mut s = frame(1);
    s += &format!("\x1b[2K\x1b[1A\x1b[2K\x1b[1A\x1b[2K\x1b[G{}", frame(2));
    s += "done\n";
    assert_eq!(run(&[s.as_bytes()]), ["task a 2", "task b 2", "done"]);
}

#[test]
fn carriage_return_backspace_tabs_and_erase_forms() {
    assert_eq!(run(&[b"50%\r100%\n"]), ["100%"]);
    assert_eq!(run(&[b"abcdef\x08\x08XY\n"]), ["abcdXY"]);
    assert_eq!(run(&[b"a\tb\n"]), ["a       b"]);
    assert_eq!(run(&[b"abcdef\x1b[3D\x1b[K\n"]), ["abc"]);
    assert_eq!(run(&[b"abcdef\x1b[3D\x1b[1K\n"]), ["    ef"]);
    assert_eq!(run(&[b"abc\x1b[10Gx\n"]), ["abc      x"]);
    assert_eq!(run(&[b"one\ntwo\nthree\x1b[2A\x1b[J\n"]), ["one"]);
    assert_eq!(run(&[b"ab\x1b7cd\x1b8X\n"]), ["abXd"]);
}

#[test]
fn nothing_reaches_above_the_live_region() {
    let mut bytes = Vec::new();
    for i in 0..(LIVE_ROWS + 10) {
        bytes.extend_from_slice(format!("line {i}\n").as_bytes());
    }
    bytes.extend_from_slice(b"\x1b[500A\x1b[2Kgone");
    let out = run(&[&bytes]);
    assert_eq!(out.len(), LIVE_ROWS + 10);
    assert_eq!(out[10], "line 10");
    // 60 lines and the cursor's empty row: the region holds line 11 to the cursor.
    assert_eq!(out[11], "gone", "the top of the region is line 11");
}

#[test]
fn sequences_split_between_reads_are_read_whole() {
    let bytes = "\x1b[31mred\x1b[0m plain ✓\n".as_bytes();
    let whole = run(&[bytes]);
    for cut in 1..bytes.len() {
        assert_eq!(run(&[&bytes[..cut], &bytes[cut..]]), whole, "cut at {cut}");
    }
    assert_eq!(whole, ["\x1b[0;31mred\x1b[0m plain ✓"]);
}

#[test]
fn colour_carries_over_lines_and_wide_characters_take_two_columns() {
    assert_eq!(
        run(&[b"\x1b[32mok\nstill\x1b[0m\n"]),
        ["\x1b[0;32mok\x1b[0m", "\x1b[0;32mstill\x1b[0m"]
    );
    assert_eq!(run(&["日本\x1b[3Gx\n".as_bytes()]), ["日x"]);
    assert_eq!(run(&["⚠\u{fe0f} warn\n".as_bytes()]), ["⚠\u{fe0f} warn"]);
}

proptest::proptest! {
    /// Plain lines skip the parser; the result is the same as the parser reading it all,
    /// however the bytes are cut into reads.
    #[test]
    fn the_shortcut_changes_nothing(
        pieces in proptest::collection::vec(0usize..FRAGMENTS.len(), 0..60),
        cuts in proptest::collection::vec(1usize..40, 1..20),
    ) {
        let bytes: Vec<u8> = pieces.iter().flat_map(|i| FRAGMENTS[*i].bytes()).collect();
        let read = |no_shortcut: bool| {
            let mut t = Terminal { no_shortcut, ..Terminal::default() };
            let mut out = Vec::new();
            let mut rest = &bytes[..];
            for c in cuts.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let (a, b) = rest.split_at((*c).min(rest.len()));
                out.extend(t.feed(a));
                rest = b;
            }
            out.extend(t.finish());
            out
        };
        proptest::prop_assert_eq!(read(false), read(true));
    }
}

const FRAGMENTS: &[&str] = &[
    "plain text",
    "\n",
    "\r",
    "\x1b[2K",
    "\x1b[1G",
    "\x1b[1A",
    "\x1b[31m",
    "\x1b[0m",
    "\x1b[38:2::1:2:3m",
    "\x1b]0;title\x07",
    "\x1b]8;;http://x\x1b\\",
    "\x1bP+q\x1b\\",
    "\x1b7",
    "\x1b8",
    "\x1b(B",
    "\x1b",
    "\x1b[",
    "✓ ünïcode",
    "\t",
    "\x08",
    "\x1b[J",
    "\x1b[K",
    "\x1b[3D",
];

#[test]
fn hostile_sequences_stay_inert() {
    let out =
        run(&[b"before\x1b[2J\x1b[H\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\x07\x1b[10Aafter\n"]);
    // The clear is the command's own screen, replaced; titles and the clipboard go nowhere.
    assert_eq!(out, ["after"]);
}

#[test]
fn a_row_wraps_at_the_width_and_settles_as_one_line_in_bounded_parts() {
    let mut t = Terminal::sized(10, 5);
    let mut out = Vec::new();
    out.extend(t.feed(b"0123456789abcdefghij-tail\nnext\n"));
    assert_eq!(t.live(), ["0123456789abcdefghij-tail", "next"]);
    assert_eq!(
        rows_at(&t.live()[0], 10),
        ["0123456789", "abcdefghij", "-tail"]
    );
    out.extend(t.feed(b"one\ntwo\nthree\n"));
    assert_eq!(out[0].text, "0123456789abcdefghij-tail");
    assert!(!out[0].wrapped);
    // An endless row settles in parts, each marked as going on.
    let mut t = Terminal::sized(8, 2);
    let mut out = Vec::new();
    out.extend(t.feed(&vec![b'x'; 8 * 600]));
    out.extend(t.finish());
    assert_eq!(out.len(), 2);
    assert!(out[0].wrapped && out[0].text.len() == 8 * 512);
    assert_eq!(out[1].text.len(), 8 * 88);
}

#[test]
fn a_frame_redrawn_from_the_top_replaces_the_last_one() {
    // gh run watch: home, erase below, the frame.
    let mut bytes = b"\x1b[2J".to_vec();
    for i in 0..20 {
        bytes.extend_from_slice(format!("\x1b[0;0H\x1b[JRefreshing\n\nrun {i}\n").as_bytes());
    }
    bytes.extend_from_slice(b"\ndone\n");
    let mut t = Terminal::sized(40, 10);
    let mut out = Vec::new();
    out.extend(t.feed(&bytes).map(|s| s.text));
    out.extend(t.finish().map(|s| s.text));
    assert_eq!(out, ["Refreshing", "", "run 19", "", "done"]);
}

#[test]
fn the_alternate_screen_is_left_as_it_was_found() {
    let bytes = b"before\n\x1b[?1049h\x1b[Hframe 1\x1b[Hframe 2\x1b[?1049lafter\n";
    let mut t = Terminal::sized(40, 10);
    let mut out = Vec::new();
    out.extend(t.feed(bytes).map(|s| s.text));
    out.extend(t.finish().map(|s| s.text));
    assert_eq!(out, ["before", "after"]);
}

#[test]
fn cursor_up_stops_at_the_top_of_the_screen() {
    // compose redrawing more rows than the screen has: the rows that scrolled off stay.
    let mut t = Terminal::sized(20, 3);
    let mut out = Vec::new();
    out.extend(t.feed(b"a\nb\nc\nd\n\x1b[9A\x1b[0GX\n").map(|s| s.text));
    out.extend(t.finish().map(|s| s.text));
    assert_eq!(out, ["a", "b", "X", "d"]);
}
