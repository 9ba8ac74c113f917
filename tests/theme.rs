//! The colour-blind palette drawn on the whole screen (its own test binary: the palette is
//! chosen once per process, as the console does before its first frame).

mod common;

use common::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use warroom::app::{Msg, update};
use warroom::journal::{Draft, ReadBatch, kinds};
use warroom::ui;
use warroom::ui::theme::Palette;

#[test]
fn the_colour_blind_palette_has_no_red_against_green() {
    ui::theme::use_palette(Palette::COLOR_BLIND);
    let mut m = model("P0", t(62));
    let events = vec![
        Draft::new(kinds::CHECK_FINISHED, "test passed")
            .field("name", "test")
            .field("exit_code", 0)
            .stamp(t(40)),
        Draft::new(kinds::CHECK_FINISHED, "typecheck failed (exit 2)")
            .field("name", "typecheck")
            .field("exit_code", 2)
            .stamp(t(41)),
    ];
    update(
        &mut m,
        Msg::Journal(ReadBatch {
            events,
            warnings: Vec::new(),
        }),
    );
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    term.draw(|f| ui::view(&m, f)).expect("draw");
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
