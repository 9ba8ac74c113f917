//! The colour-blind palette drawn on the whole screen.

mod common;

use common::*;
use ratatui::style::Color;
use warroom::ui::theme::Palette;

#[test]
fn the_colour_blind_palette_has_no_red_against_green() {
    let mut m = busy_model();
    m.palette = Palette::COLOR_BLIND;
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

#[test]
fn the_palette_is_the_models_so_two_consoles_in_one_process_draw_their_own() {
    let colours = |p: Palette| {
        let mut m = busy_model();
        m.palette = p;
        let term = render(&m, 120, 40);
        term.backend()
            .buffer()
            .content()
            .iter()
            .flat_map(|c| [format!("{:?}", c.fg), format!("{:?}", c.bg)])
            .collect::<std::collections::BTreeSet<String>>()
    };
    let standard = colours(Palette::STANDARD);
    let none = colours(Palette::NONE);
    let standard_again = colours(Palette::STANDARD);
    assert!(standard.iter().any(|c| c == "Red"), "{standard:?}");
    assert_eq!(none.into_iter().collect::<Vec<_>>(), ["Reset"]);
    assert_eq!(
        standard, standard_again,
        "drawing with one palette leaves none behind"
    );
}
