//! The colour-blind palette drawn on the whole screen (its own test binary: the palette is
//! chosen once per process, as the console does before its first frame).

mod common;

use common::*;
use ratatui::style::Color;
use warroom::ui;
use warroom::ui::theme::Palette;

#[test]
fn the_colour_blind_palette_has_no_red_against_green() {
    ui::theme::use_palette(Palette::COLOR_BLIND);
    let m = busy_model();
    let term = render(&m, 120, 40);
    let buf = term.backend().buffer();
    let mut colours = std::collections::BTreeSet::new();
    for cell in buf.content() {
        for c in [cell.fg, cell.bg] {
            colours.insert(format!("{c:?}"));
            assert!(
                !matches!(
                    c,
                    Color::Red | Color::LightRed | Color::Green | Color::LightGreen
                ),
                "{c:?} drawn with the colour-blind palette"
            );
        }
    }
    assert!(
        colours.iter().any(|c| c.contains("Rgb(213, 94, 0)")),
        "the palette's error colour is used: {colours:?}"
    );
}
