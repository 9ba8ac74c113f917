//! `NO_COLOR`: not one colour on the screen, and still every state readable.

mod common;

use common::*;
use ratatui::style::{Color, Modifier};
use warroom::app::update;
use warroom::ui::theme::Palette;

#[test]
fn no_colour_anywhere_and_the_selection_still_shows() {
    for k in [None, Some('p'), Some('g'), Some('m'), Some('e')] {
        let mut m = model("P0", t(62));
        m.palette = Palette::NONE;
        if let Some(k) = k {
            update(&mut m, key(k));
        }
        for (w, h) in [(200, 50), (120, 40), (80, 24), (60, 20)] {
            let term = render(&m, w, h);
            let buf = term.backend().buffer();
            for cell in buf.content() {
                assert!(
                    cell.fg == Color::Reset && cell.bg == Color::Reset,
                    "{k:?} at {w}x{h}: {cell:?}"
                );
            }
            let marked: Vec<u16> = (0..h)
                .filter(|y| (0..w).any(|x| buf[(x, *y)].symbol() == "▶"))
                .collect();
            assert!(!marked.is_empty(), "{k:?} at {w}x{h}: no ▶");
            let reversed = marked
                .iter()
                .any(|y| (0..w).any(|x| buf[(x, *y)].modifier.contains(Modifier::REVERSED)));
            assert!(
                reversed,
                "{k:?} at {w}x{h}: the selected row is also reversed"
            );
            if k.is_none() {
                insta::assert_snapshot!(format!("no_color_{w}x{h}"), term.backend());
            }
        }
    }
}
