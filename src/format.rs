//! Every duration, instant, count and rate the console and the documents write, written one way.

use std::time::Duration;

use chrono::{DateTime, Local, Utc};

/// `1 commit`, `2 commits`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A duration with at most two units: `1h24m`, `12m`, `45s`, `2d3h`.
pub fn duration(d: Duration) -> String {
    let s = d.as_secs();
    let (days, hours, mins, secs) = (s / 86_400, (s / 3600) % 24, (s / 60) % 60, s % 60);
    if days > 0 && hours > 0 {
        format!("{days}d{hours}h")
    } else if days > 0 {
        format!("{days}d")
    } else if hours > 0 && mins > 0 {
        format!("{hours}h{mins:02}m")
    } else if hours > 0 {
        format!("{hours}h")
    } else if mins > 0 {
        format!("{mins}m")
    } else {
        format!("{secs}s")
    }
}

/// A target as the workflow writes it: `2h`, `24h`, `48h`; [`duration`] when not whole hours.
pub fn target(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 && s.is_multiple_of(3600) {
        format!("{}h", s / 3600)
    } else {
        duration(d)
    }
}

/// A stopwatch: `1:23:45` or `12:05`.
pub fn stopwatch(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// Hours and minutes of a countdown: `1:05`, `47:59`.
pub fn hours_minutes(secs: u64) -> String {
    format!("{}:{:02}", secs / 3600, (secs / 60) % 60)
}

/// `2026-11-26 14:23:05`, in UTC or in local time as the user chose.
pub fn stamp(utc: bool, t: DateTime<Utc>) -> String {
    if utc {
        t.format("%Y-%m-%d %H:%M:%S").to_string()
    } else {
        t.with_timezone(&Local)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }
}

/// The time of day on the screen: `14:32`, in UTC or local time.
pub fn hm(utc: bool, t: DateTime<Utc>) -> String {
    if utc {
        utc_hm(t)
    } else {
        t.with_timezone(&Local).format("%H:%M").to_string()
    }
}

/// The zone [`stamp`] writes in: `UTC`, or the local offset (`+01:00`).
pub fn zone(utc: bool, now: DateTime<Utc>) -> String {
    if utc {
        "UTC".to_string()
    } else {
        now.with_timezone(&Local).format("%:z").to_string()
    }
}

/// `local +01:00`.
pub fn local_zone_name(now: DateTime<Utc>) -> String {
    format!("local {}", now.with_timezone(&Local).format("%:z"))
}

/// An instant in a document: `2026-11-26 14:23 UTC`.
pub fn utc_minute(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The date of an instant in UTC: `2026-11-26`.
pub fn utc_day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// The time of day in UTC: `14:23`.
pub fn utc_hm(t: DateTime<Utc>) -> String {
    t.format("%H:%M").to_string()
}

/// An instant for the command line's output: `2026-11-26 14:23:05` in UTC.
pub fn utc_second(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Everything but RFC 3986's unreserved characters, percent-encoded.
const COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A URL path segment or query value: `hotfix/ENG-1` → `hotfix%2FENG-1`.
pub fn url_component(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, COMPONENT).to_string()
}

/// Errors a minute: `12/min`, `0.4/min`.
pub fn rate(r: f64) -> String {
    if r >= 10.0 || r == 0.0 {
        format!("{r:.0}/min")
    } else {
        format!("{r:.1}/min")
    }
}

/// A change in percent: `+2100 %`, `−99 %`.
pub fn pct(p: f64) -> String {
    if p < 0.0 {
        format!("−{:.0} %", -p)
    } else {
        format!("+{p:.0} %")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_short_and_exact() {
        assert_eq!(duration(Duration::from_secs(45)), "45s");
        assert_eq!(duration(Duration::from_secs(12 * 60)), "12m");
        assert_eq!(duration(Duration::from_secs(3600 + 24 * 60)), "1h24m");
        assert_eq!(duration(Duration::from_secs(2 * 3600)), "2h");
        assert_eq!(duration(Duration::from_secs(2 * 86_400 + 3 * 3600)), "2d3h");
        assert_eq!(target(Duration::from_secs(48 * 3600)), "48h");
        assert_eq!(target(Duration::from_secs(90 * 60)), "1h30m");
    }

    #[test]
    fn clocks_counts_and_rates() {
        assert_eq!(stopwatch(3 * 3600 + 5), "3:00:05");
        assert_eq!(stopwatch(65), "01:05");
        assert_eq!(hours_minutes(47 * 3600 + 59 * 60 + 59), "47:59");
        assert_eq!(count(1, "commit", "commits"), "1 commit");
        assert_eq!(count(0, "commit", "commits"), "0 commits");
        assert_eq!(rate(0.0), "0/min");
        assert_eq!(rate(0.44), "0.4/min");
        assert_eq!(rate(12.3), "12/min");
        assert_eq!(pct(-99.2), "−99 %");
        assert_eq!(pct(2100.0), "+2100 %");
    }

    #[test]
    fn instants_in_documents_are_utc() {
        let t = "2026-11-26T23:59:30Z"
            .parse::<DateTime<Utc>>()
            .expect("time");
        assert_eq!(utc_minute(t), "2026-11-26 23:59 UTC");
        assert_eq!(utc_day(t), "2026-11-26");
        assert_eq!(utc_hm(t), "23:59");
        assert_eq!(utc_second(t), "2026-11-26 23:59:30");
        assert_eq!(stamp(true, t), "2026-11-26 23:59:30");
        assert_eq!(zone(true, t), "UTC");
    }

    #[test]
    fn url_components_keep_only_unreserved_characters() {
        assert_eq!(
            url_component("acme:hotfix/ENG-1 x~y.z_w"),
            "acme%3Ahotfix%2FENG-1%20x~y.z_w"
        );
        assert_eq!(url_component("v2.3.5+é"), "v2.3.5%2B%C3%A9");
    }
}
