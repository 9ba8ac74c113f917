//! The impact's window in words: from an `Impact start:` note when there is one, else "at
//! least" since detection; in UTC, with both dates when it crosses midnight.

use chrono::{DateTime, Utc};

use crate::format;

/// When the impact started, from a note `Impact start: 13:40` (or `Impact started at 13:40`;
/// UTC, the detection's day or the day before when later than detection) or
/// `Impact start: 2026-11-26T13:40:00Z`.
pub fn impact_start(text: &str, detected: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let lower = text.trim().to_ascii_lowercase();
    let rest = lower.strip_prefix("impact start")?;
    let rest = rest.strip_prefix("ed").unwrap_or(rest);
    let rest = rest.trim_start_matches([':', ' ', '-']);
    let rest = rest.strip_prefix("at ").unwrap_or(rest).trim();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_impact_start_is_read_in_each_form() {
        let detected = DateTime::parse_from_rfc3339("2026-11-26T14:23:00Z")
            .expect("t")
            .with_timezone(&Utc);
        let at = |h: u32, m: u32| {
            detected
                .date_naive()
                .and_hms_opt(h, m, 0)
                .expect("t")
                .and_utc()
        };
        for note in [
            "Impact start: 13:40",
            "impact started at 13:40",
            "Impact started: 13:40 UTC",
            "Impact start - 2026-11-26T13:40:00Z",
        ] {
            assert_eq!(impact_start(note, detected), Some(at(13, 40)), "{note}");
        }
        // Later than detection: the day before.
        assert_eq!(
            impact_start("Impact start: 23:50", detected),
            Some(at(23, 50) - chrono::Duration::days(1))
        );
        assert_eq!(impact_start("Impact: checkout fails", detected), None);
    }
}
