//! The error-rate chart for the post-incident review: the series behind the last verdict, the
//! baseline, and the deploys, as a small self-contained SVG.

use serde_json::Value;

use crate::incident::Incident;
use crate::journal::Event;

const W: f64 = 720.0;
const H: f64 = 240.0;
const PAD: f64 = 40.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The chart of the verdict `ev` (the last error-rate event that recorded its series).
pub fn error_rate_svg(inc: &Incident, ev: &Event) -> Option<String> {
    let points: Vec<(f64, f64)> = ev
        .fields
        .get("series")?
        .as_array()?
        .iter()
        .filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
        .collect();
    if points.len() < 2 {
        return None;
    }
    let (x0, x1) = (points[0].0, points[points.len() - 1].0);
    let baseline = ev.fields.get("baseline_per_min").and_then(Value::as_f64);
    let ymax = points
        .iter()
        .map(|p| p.1)
        .chain(baseline)
        .fold(1.0f64, f64::max)
        * 1.1;
    let x = |t: f64| PAD + (t - x0) / (x1 - x0).max(1.0) * (W - 2.0 * PAD);
    let y = |v: f64| H - PAD - v / ymax * (H - 2.0 * PAD);
    let line: Vec<String> = points
        .iter()
        .map(|(t, v)| format!("{:.1},{:.1}", x(*t), y(*v)))
        .collect();
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"11\">\n\
         <rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>\n\
         <text x=\"{PAD}\" y=\"20\" font-size=\"13\">{} — errors per minute</text>\n\
         <line x1=\"{PAD}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#999\"/>\n\
         <line x1=\"{PAD}\" y1=\"{PAD}\" x2=\"{PAD}\" y2=\"{b}\" stroke=\"#999\"/>\n\
         <text x=\"4\" y=\"{top}\">{ymax:.0}</text><text x=\"4\" y=\"{b}\">0</text>\n",
        esc(&format!("{} {}", inc.ticket, inc.title)),
        b = H - PAD,
        r = W - PAD,
        top = PAD + 4.0,
    );
    if let Some(b) = baseline {
        svg.push_str(&format!(
            "<line x1=\"{PAD}\" y1=\"{yb:.1}\" x2=\"{r}\" y2=\"{yb:.1}\" stroke=\"#2a2\" stroke-dasharray=\"4 3\"/><text x=\"{tx}\" y=\"{ty:.1}\" fill=\"#2a2\">baseline {b:.1}/min</text>\n",
            yb = y(b),
            r = W - PAD,
            tx = W - PAD - 110.0,
            ty = y(b) - 4.0
        ));
    }
    for d in &inc.deploys {
        let t = d.timestamp() as f64;
        if t >= x0 && t <= x1 {
            svg.push_str(&format!(
                "<line x1=\"{xd:.1}\" y1=\"{PAD}\" x2=\"{xd:.1}\" y2=\"{b}\" stroke=\"#17a\" stroke-width=\"2\"/><text x=\"{tx:.1}\" y=\"{ty}\" fill=\"#17a\">deploy {}</text>\n",
                d.format("%H:%M UTC"),
                xd = x(t),
                b = H - PAD,
                tx = x(t) + 4.0,
                ty = PAD + 12.0
            ));
        }
    }
    svg.push_str(&format!(
        "<polyline fill=\"none\" stroke=\"#c22\" stroke-width=\"1.5\" points=\"{}\"/>\n",
        line.join(" ")
    ));
    let label = |t: f64| {
        chrono::DateTime::<chrono::Utc>::from_timestamp(t as i64, 0)
            .map(crate::format::utc_hm)
            .unwrap_or_default()
    };
    svg.push_str(&format!(
        "<text x=\"{PAD}\" y=\"{ly}\">{}</text><text x=\"{rx}\" y=\"{ly}\" text-anchor=\"end\">{} UTC</text>\n<text x=\"{PAD}\" y=\"{vy}\">{}</text>\n</svg>\n",
        label(x0),
        label(x1),
        esc(&ev.text),
        ly = H - PAD + 14.0,
        rx = W - PAD,
        vy = H - 8.0
    ));
    Some(svg)
}
