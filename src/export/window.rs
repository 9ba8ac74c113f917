//! The impact's window in words: from an `Impact start:` note when there is one, else "at
//! least" since detection; in UTC, with both dates when it crosses midnight.

use chrono::{DateTime, Utc};

use crate::format;

/// When the impact started, from a note `Impact start: 13:40` (UTC, the detection's day or the
/// day before when later than detection) or `Impact start: 2026-11-26T13:40:00Z`.
pub fn impact_start(text: &str, detected: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let lower = text.trim().to_ascii_lowercase();
    let rest = lower
        .strip_prefix("impact start")
        .or_else(|| lower.strip_prefix("impact started"))?
        .trim_start_matches([':', ' ', '-'])
        .trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(&rest.to_ascii_uppercase()) {
        return Some(t.with_timezone(&Utc));
    }
    let hm = rest.trim_end_matches("utc").trim();
    let time = chrono::NaiveTime::parse_from_str(hm, "%H:%M").ok()?;
    let same_day = detected.date_naive().and_time(time).and_utc();
    Some(if same_day > detected {
        same_day - chrono::Duration::days(1)
    } else {
        same_day
    })
}

/// The impact in words: from its known start, or "at least" since detection.
pub fn impact_span(
    start: Option<DateTime<Utc>>,
    detected: DateTime<Utc>,
    to: Option<DateTime<Utc>>,
) -> String {
    if let Some(s) = start {
        return span(s, to);
    }
    let (hm, day) = (format::utc_hm(detected), format::utc_day(detected));
    match to {
        None => format!("since at least {hm} UTC on {day} (when it was detected)"),
        Some(to) if format::utc_day(to) == day => format!(
            "from at least {hm} UTC (when it was detected) until {} UTC on {day}",
            format::utc_hm(to)
        ),
        Some(to) => format!(
            "from at least {hm} UTC on {day} (when it was detected) until {} UTC on {}",
            format::utc_hm(to),
            format::utc_day(to)
        ),
    }
}

/// A range of time in words, in UTC; both dates when it crosses midnight.
pub fn span(from: DateTime<Utc>, to: Option<DateTime<Utc>>) -> String {
    match to {
        None => format!(
            "since {} UTC on {}",
            format::utc_hm(from),
            format::utc_day(from)
        ),
        Some(to) if format::utc_day(from) == format::utc_day(to) => {
            format!(
                "between {} and {} UTC on {}",
                format::utc_hm(from),
                format::utc_hm(to),
                format::utc_day(from)
            )
        }
        Some(to) => format!(
            "between {} UTC on {} and {} UTC on {}",
            format::utc_hm(from),
            format::utc_day(from),
            format::utc_hm(to),
            format::utc_day(to)
        ),
    }
}
