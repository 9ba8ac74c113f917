//! `warroom config check`: the configuration as it resolves, each value with where it came
//! from (the default, the file and its line, the environment), secrets shown as `[redacted]`.

use std::collections::{BTreeMap, HashMap};

use crate::config::Loaded;
use crate::output::Redactor;
use crate::output::redact::REDACTED;

/// One resolved setting.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub key: String,
    pub value: String,
    pub source: String,
}

/// Every setting of `loaded`, dotted keys in file order of sections, secrets redacted.
pub fn settings(loaded: &Loaded, file_text: Option<&str>, redactor: &Redactor) -> Vec<Setting> {
    let lines = file_text.map(key_lines).unwrap_or_default();
    let file = loaded
        .path
        .as_ref()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut flat = Vec::new();
    if let Ok(value) = toml::Value::try_from(&loaded.config) {
        flatten("", &value, &mut flat);
    }
    let mut out: Vec<Setting> = flat
        .into_iter()
        .map(|(key, value)| {
            let source = source_of(&key, &lines)
                .map(|line| format!("{file} line {line}"))
                .unwrap_or_else(|| "default".to_string());
            Setting {
                value: redactor.redact(&value).into_owned(),
                key,
                source,
            }
        })
        .collect();
    let s = &loaded.config.sentry;
    out.push(secret_from_env(
        "sentry token",
        &s.token_env,
        s.token.is_some() || s.token_command.is_some(),
    ));
    out.push(secret_from_env(
        "slack webhook",
        &loaded.config.slack.webhook_env,
        false,
    ));
    out
}

/// A secret the config names by its variable: set or not, never its value.
fn secret_from_env(what: &str, var: &str, other_source: bool) -> Setting {
    let set = std::env::var(var).is_ok_and(|v| !v.is_empty());
    Setting {
        key: what.to_string(),
        value: if set {
            REDACTED.to_string()
        } else if other_source {
            "(from the config)".to_string()
        } else {
            "(not set)".to_string()
        },
        source: format!("environment {var}"),
    }
}

/// The printed report: `key = value   source`, the sources aligned (a very long value pushes
/// only its own).
pub fn render(settings: &[Setting]) -> String {
    let width = settings
        .iter()
        .map(|s| s.key.chars().count() + s.value.chars().count() + 3)
        .filter(|w| *w <= 64)
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for s in settings {
        let pair = format!("{} = {}", s.key, s.value);
        let pad = width.saturating_sub(pair.chars().count());
        out.push_str(&format!("  {pair}{}   {}\n", " ".repeat(pad), s.source));
    }
    out
}

fn flatten(prefix: &str, value: &toml::Value, out: &mut Vec<(String, String)>) {
    let join = |key: &str| {
        if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        }
    };
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                flatten(&join(&quoted_key(k)), v, out);
            }
        }
        toml::Value::Array(items)
            if items.iter().all(toml::Value::is_table) && !items.is_empty() =>
        {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, out);
            }
        }
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

fn quoted_key(k: &str) -> String {
    if k.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        format!("{k:?}")
    }
}

/// The line of the file that sets `key`, or of the nearest table value that holds it.
fn source_of(key: &str, lines: &HashMap<String, usize>) -> Option<usize> {
    let mut k = key;
    loop {
        if let Some(l) = lines.get(k) {
            return Some(*l);
        }
        k = &k[..k.rfind('.')?];
    }
}

/// Dotted keys set by the file's text and their lines: `[section]`, `[[array]]` (numbered in
/// order), `key = …`.
fn key_lines(text: &str) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    let mut prefix = String::new();
    let mut arrays: BTreeMap<String, usize> = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('#') || t.is_empty() {
            continue;
        }
        if let Some(name) = t.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            let name = name.trim().to_string();
            let n = arrays.entry(name.clone()).or_insert(0);
            prefix = format!("{name}[{n}]");
            *n += 1;
            continue;
        }
        if let Some(name) = t.strip_prefix('[').and_then(|r| r.split(']').next()) {
            prefix = name.trim().to_string();
            continue;
        }
        if let Some((k, _)) = t.split_once('=') {
            let k = k.trim();
            let k = if k.starts_with('"') {
                k.to_string()
            } else {
                quoted_key(k)
            };
            let key = if prefix.is_empty() {
                k
            } else {
                format!("{prefix}.{k}")
            };
            out.entry(key).or_insert(i + 1);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_follow_sections_and_numbered_arrays() {
        let text = "[deploy]\ncommand = \"./d.sh\"\n\n[[checks]]\nname = \"test\"\ncommand = \"t\"\n[[checks]]\nname = \"build\"\n[sentry]\n# org\norg = \"acme\"\n";
        let l = key_lines(text);
        assert_eq!(l["deploy.command"], 2);
        assert_eq!(l["checks[0].name"], 5);
        assert_eq!(l["checks[1].name"], 8);
        assert_eq!(l["sentry.org"], 11);
        assert_eq!(source_of("deploy.command", &l), Some(2));
        assert_eq!(source_of("sentry.base_url", &l), None);
    }
}
