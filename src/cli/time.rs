//! `--detected-at`: a wall-clock time today, a local date and time, or RFC 3339.

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

pub fn parse_detected_at(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    let bad = || {
        format!(
            "--detected-at {s:?} is not a time: use 14:23, 14:23:05, \"2026-11-26 14:23\" or RFC 3339 (2026-11-26T14:23:00Z)"
        )
    };
    let t = if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        t.with_timezone(&Utc)
    } else if let Some(naive) = [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    {
        local(naive).ok_or_else(bad)?
    } else if let Some(time) = ["%H:%M:%S", "%H:%M"]
        .iter()
        .find_map(|f| NaiveTime::parse_from_str(s, f).ok())
    {
        // A bare time is today's, or yesterday's if that would be in the future.
        let today: NaiveDate = now.with_timezone(&Local).date_naive();
        let t = local(today.and_time(time)).ok_or_else(bad)?;
        if t > now {
            t - chrono::Duration::days(1)
        } else {
            t
        }
    } else {
        return Err(bad());
    };
    if t > now + chrono::Duration::minutes(1) {
        return Err(format!("--detected-at {s:?} is in the future"));
    }
    Ok(t)
}

fn local(naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-26T15:00:00Z")
            .expect("t")
            .with_timezone(&Utc)
    }

    #[test]
    fn accepts_rfc3339_and_rejects_the_future() {
        assert_eq!(
            parse_detected_at("2026-11-26T14:23:00Z", now()),
            Ok(Utc
                .with_ymd_and_hms(2026, 11, 26, 14, 23, 0)
                .single()
                .expect("t"))
        );
        assert!(
            parse_detected_at("2026-11-27T14:23:00Z", now()).is_err_and(|e| e.contains("future"))
        );
        assert!(parse_detected_at("yesterday-ish", now()).is_err_and(|e| e.contains("14:23")));
        assert!(parse_detected_at("25:99", now()).is_err());
    }

    #[test]
    fn a_bare_time_is_never_in_the_future() {
        let t = parse_detected_at("14:23", now()).expect("time");
        assert!(t <= now() && now() - t < chrono::Duration::days(1));
        assert_eq!(t.with_timezone(&Local).format("%H:%M").to_string(), "14:23");
    }
}
