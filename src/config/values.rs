//! How durations, secrets and key lists are read from and shown in `warroom.toml`.

use super::*;

pub(super) fn at_least_5s<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    let v = parse_duration(&s).map_err(serde::de::Error::custom)?;
    if v < Duration::from_secs(5) {
        return Err(serde::de::Error::custom(format!(
            "{s:?} is too often: poll Sentry no faster than every 5s"
        )));
    }
    Ok(v)
}

/// A duration as the config writes it: `24h`, `5m`, `30s` (never `1day`).
pub(super) fn show_duration<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&written(*d))
}

pub(super) fn written(d: Duration) -> String {
    let secs = d.as_secs();
    match (d.subsec_nanos(), secs) {
        (0, 0) => "0s".into(),
        (0, s) if s.is_multiple_of(3600) => format!("{}h", s / 3600),
        (0, s) if s.is_multiple_of(60) => format!("{}m", s / 60),
        (0, s) => format!("{s}s"),
        _ => humantime::format_duration(d).to_string(),
    }
}

pub(super) fn show_optional_duration<S: Serializer>(
    d: &Option<Duration>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => show_duration(d, s),
        None => s.serialize_none(),
    }
}

pub(super) fn show_duration_or_off<S: Serializer>(
    d: &Option<Option<Duration>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match d {
        Some(Some(d)) => show_duration(d, s),
        Some(None) => s.serialize_str("off"),
        None => s.serialize_none(),
    }
}

pub(super) fn show_secret<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(_) => s.serialize_str(crate::output::redact::REDACTED),
        None => s.serialize_none(),
    }
}

pub(super) fn show_keys<S: Serializer>(
    keys: &BTreeMap<Spanned<String>, Spanned<String>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(keys.iter().map(|(k, v)| (k.get_ref(), v.get_ref())))
}

pub(super) fn show_environments<S: Serializer>(
    envs: &BTreeMap<Spanned<String>, super::EnvironmentConfig>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(envs.iter().map(|(k, v)| (k.get_ref(), v)))
}

/// A duration in the config (`30s`, `5m`, `2h`); a wrong one is answered with examples.
pub(super) fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    humantime::parse_duration(s.trim()).map_err(|e| {
        serde::de::Error::custom(format!(
            "{s:?} is not a duration ({e}); write it like 30s, 5m or 2h"
        ))
    })
}

pub(super) fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s.trim())
        .map_err(|e| format!("{s:?} is not a duration ({e}); write it like 30s, 5m or 2h"))?;
    if d.is_zero() {
        return Err(format!("{s:?} must be longer than zero"));
    }
    Ok(d)
}

pub(super) fn positive_duration<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Duration>, D::Error> {
    let s = String::deserialize(d)?;
    parse_duration(&s)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

pub(super) fn duration_or_off<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<Duration>>, D::Error> {
    let s = String::deserialize(d)?;
    if matches!(s.trim(), "off" | "none") {
        return Ok(Some(None));
    }
    parse_duration(&s)
        .map(|d| Some(Some(d)))
        .map_err(serde::de::Error::custom)
}
