//! What the error-rate and the metric gates' charts share: a line series, the deploys as
//! vertical marks, and the time axis's labels.

use ratatui::style::Color;
use ratatui::symbols::Marker;
use ratatui::widgets::{Dataset, GraphType};

use super::theme;
use crate::app::Model;

/// A line in braille dots, in one of the palette's colours.
pub fn line(data: &[(f64, f64)], colour: Color) -> Dataset<'_> {
    Dataset::default()
        .marker(Marker::Braille)
        .graph_type(GraphType::Line)
        .style(theme::series(colour))
        .data(data)
}

/// A vertical line from `lo` to `hi` at each deploy from `x0` on.
pub fn deploys(m: &Model, x0: f64, lo: f64, hi: f64) -> Vec<Vec<(f64, f64)>> {
    m.incident
        .deploys
        .iter()
        .map(|d| d.timestamp() as f64)
        .filter(|t| *t >= x0)
        .map(|t| vec![(t, lo), (t, hi)])
        .collect()
}

/// `14:52`: an axis label in the zone the screen shows.
pub fn hhmm(m: &Model, t: f64) -> String {
    let dt = chrono::DateTime::<chrono::Utc>::from_timestamp(t as i64, 0).unwrap_or_default();
    crate::format::stamp(m.utc, dt)
        .chars()
        .skip(11)
        .take(5)
        .collect()
}
