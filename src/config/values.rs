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

/// `[share] url`: one NATS server or a list of them, each `nats://`, `tls://`, `ws://` or
/// `wss://` (or a bare `host:port`), never with a user or password in it (those would be shown).
pub(super) fn nats_urls<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    let urls = match OneOrMany::deserialize(d)? {
        OneOrMany::One(u) => vec![u],
        OneOrMany::Many(u) => u,
    };
    if urls.is_empty() {
        return Err(serde::de::Error::custom(
            "no server: give one URL (nats://host:4222) or a list of them",
        ));
    }
    for u in &urls {
        let rest = match u.split_once("://") {
            Some((scheme, rest)) if ["nats", "tls", "ws", "wss"].contains(&scheme) => rest,
            Some((scheme, _)) => {
                return Err(serde::de::Error::custom(format!(
                    "{scheme}:// is not a NATS URL: use nats://, tls://, ws:// or wss://"
                )));
            }
            None => u.as_str(),
        };
        if rest.split('/').next().unwrap_or_default().contains('@') {
            return Err(serde::de::Error::custom(
                "a URL with a user or token in it would be shown: put it in credentials, nkey or the token's variable (token_env)",
            ));
        }
        if rest.is_empty() || rest.contains(char::is_whitespace) {
            return Err(serde::de::Error::custom(format!(
                "{u:?} is not a server's address (write nats://host:4222)"
            )));
        }
    }
    Ok(urls)
}

/// `[share] org`: a NATS subject token and part of stream names (letters, digits, `-`, `_`).
pub(super) fn nats_org<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    if s.is_empty()
        || s.len() > 32
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(serde::de::Error::custom(format!(
            "{s:?} cannot name an organisation on NATS: use 1 to 32 letters, digits, '-' or '_'"
        )));
    }
    Ok(s)
}

/// `[share] replicas`: JetStream keeps a stream on 1 to 5 servers of a cluster.
pub(super) fn nats_replicas<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    let n = i64::deserialize(d)?;
    if !(1..=5).contains(&n) {
        return Err(serde::de::Error::custom(format!(
            "{n} replicas: JetStream keeps a stream on 1 to 5 servers"
        )));
    }
    Ok(n as usize)
}
