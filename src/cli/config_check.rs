//! `warroom config check`: the configuration as it resolves, each value with where it came
//! from (the default, the file and its line, the environment), secrets shown as `[redacted]`.

use std::collections::HashMap;

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
    let r = &loaded.config.rollbar;
    if loaded.config.errors.source == crate::config::ErrorSource::Rollbar {
        out.push(secret_from_env(
            "rollbar token",
            &r.token_env,
            r.token_command.is_some(),
        ));
    }
    let g = &loaded.config.github;
    out.push(secret_from_env(
        "github token",
        &g.token_env,
        g.token_command.is_some(),
    ));
    out.push(secret_from_env(
        "slack webhook",
        &loaded.config.slack.webhook_env,
        false,
    ));
    out.push(secret_from_env(
        "teams webhook",
        &loaded.config.teams.webhook_env,
        loaded.config.teams.webhook_command.is_some(),
    ));
    let t = &loaded.config.tickets;
    if let Some(kind) = t.provider()
        && kind != crate::config::TrackerKind::Github
    {
        out.push(secret_from_env(
            "tickets token",
            &t.token_var(),
            t.token_command.is_some(),
        ));
    }
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

/// Runs each metric gate's query once and prints what it returns (the one value it must be,
/// or why not); the number of gates without a usable answer.
pub fn try_gates(config: &crate::config::Config) -> anyhow::Result<usize> {
    if config.metrics.is_empty() {
        return Ok(0);
    }
    println!("\nMetric gates (each query run once):");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut failed = 0;
    for (i, cfg) in config.metrics.iter().enumerate() {
        let name = cfg.name.get_ref();
        let answer = match crate::metrics::Gate::new(i, cfg, &config.sentry) {
            Err(what) => Err((what, Vec::new())),
            Ok((mut gate, secrets)) => rt
                .block_on(gate.source.latest(cfg.judge))
                .map_err(|e| (e.to_string(), secrets)),
        };
        match answer {
            Ok((at, v)) => {
                let view = crate::app::metrics::Gate::new(cfg);
                let when = chrono::DateTime::<chrono::Utc>::from_timestamp(at, 0)
                    .map(|t| crate::format::stamp(true, t))
                    .unwrap_or_default();
                println!(
                    "  ✓ {name} ({}): {} at {when}; expect {}",
                    cfg.source.name(),
                    view.show(v),
                    cfg.expect
                );
            }
            Err((why, secrets)) => {
                failed += 1;
                let redactor = Redactor::from_env(&config.redact.env).with_values(secrets);
                println!(
                    "  ✗ {name} ({}): {}",
                    cfg.source.name(),
                    redactor.redact(&why)
                );
            }
        }
    }
    Ok(failed)
}

/// Reads each feature flag once and prints its state (or why it cannot be read); the number
/// that could not be read.
pub fn try_flags(config: &crate::config::Config) -> anyhow::Result<usize> {
    if config.flags.is_empty() {
        return Ok(0);
    }
    println!("\nFeature flags (each read once, nothing changed):");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut failed = 0;
    for cfg in &config.flags {
        let name = cfg.name.get_ref();
        let (answer, secrets) = match crate::flags::Flag::new(cfg) {
            Err(what) => (Err(what), Vec::new()),
            Ok((flag, secrets)) => (rt.block_on(flag.read()), secrets),
        };
        let redactor = Redactor::from_env(&config.redact.env).with_values(secrets);
        match answer {
            Ok(on) => println!(
                "  ✓ {name}: {} in {}",
                crate::flags::word(on),
                redactor.redact(&cfg.place())
            ),
            Err(why) => {
                failed += 1;
                println!("  ✗ {name}: {}", redactor.redact(&why));
            }
        }
    }
    Ok(failed)
}

/// Reads PagerDuty's service and who is on call, and the status page's components, once each;
/// the number that gave no usable answer.
pub fn try_outward(config: &crate::config::Config) -> anyhow::Result<usize> {
    let (pd, sp) = (&config.pagerduty, &config.statuspage);
    if pd.service().is_none() && sp.page().is_none() {
        return Ok(0);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut secrets: Vec<String> = [pd.token(), pd.routing_key(), sp.key()]
        .into_iter()
        .flatten()
        .collect();
    secrets.retain(|s| !s.is_empty());
    let redactor = Redactor::from_env(&config.redact.env).with_values(secrets);
    let mut failed = 0;
    let mut say = |r: Result<String, String>| match r {
        Ok(line) => println!("  ✓ {}", redactor.redact(&line)),
        Err(line) => {
            failed += 1;
            println!("  ✗ {}", redactor.redact(&line));
        }
    };
    if let Some(service) = pd.service() {
        println!("\nPagerDuty (read once, nothing changed):");
        say(match pd.token() {
            None => Err(format!(
                "no token: export {} (a REST API key)",
                pd.token_env
            )),
            Some(token) => rt.block_on(async {
                let client = crate::pagerduty::Client::new(pd, token)?;
                let s = client.service(service).await.map_err(|e| e.to_string())?;
                let on_call = client
                    .oncalls(&s.escalation_policy.id)
                    .await
                    .map_err(|e| e.to_string())?;
                let people: Vec<String> = on_call
                    .iter()
                    .filter_map(|o| {
                        Some(format!(
                            "{} (L{})",
                            o.user.as_ref()?.name(),
                            o.escalation_level
                        ))
                    })
                    .collect();
                Ok(format!(
                    "service {service} ({}): on call now {}",
                    s.name,
                    if people.is_empty() {
                        "no one".into()
                    } else {
                        people.join(", ")
                    }
                ))
            }),
        });
        say(match pd.routing_key() {
            Some(_) => Ok("routing key set: open --page can page".into()),
            None => Err(format!(
                "no routing key: export {} for open --page (P → 1)",
                pd.routing_key_env
            )),
        });
    }
    if let Some(page) = sp.page() {
        println!("\nStatuspage (read once, nothing changed):");
        say(match sp.key() {
            None => Err(format!(
                "no key: export {} (an API key of the page)",
                sp.key_env
            )),
            Some(key) => rt.block_on(async {
                let client = crate::statuspage::Client::new(sp, key)?;
                let found = client.components().await?;
                let missing: Vec<&str> = sp
                    .components
                    .iter()
                    .filter(|c| !found.iter().any(|(id, _, _)| *id == c.id))
                    .map(|c| c.id.as_str())
                    .collect();
                if !missing.is_empty() {
                    return Err(format!(
                        "page {page} has no component {} ([[statuspage.components]])",
                        missing.join(", ")
                    ));
                }
                Ok(format!(
                    "page {page}: {} component(s); {} configured",
                    found.len(),
                    sp.components.len()
                ))
            }),
        });
    }
    Ok(failed)
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

/// Dotted keys the file sets (`checks[0].name` for arrays of tables) and their lines, read
/// with toml's own span-keeping parser.
fn key_lines(text: &str) -> HashMap<String, usize> {
    fn walk(prefix: &str, table: &toml::de::DeTable, text: &str, out: &mut HashMap<String, usize>) {
        for (key, value) in table {
            let k = quoted_key(key.get_ref());
            let key_path = if prefix.is_empty() {
                k
            } else {
                format!("{prefix}.{k}")
            };
            match value.get_ref() {
                toml::de::DeValue::Table(t) => walk(&key_path, t, text, out),
                toml::de::DeValue::Array(items)
                    if items
                        .iter()
                        .any(|i| matches!(i.get_ref(), toml::de::DeValue::Table(_))) =>
                {
                    for (i, item) in items.iter().enumerate() {
                        if let toml::de::DeValue::Table(t) = item.get_ref() {
                            walk(&format!("{key_path}[{i}]"), t, text, out);
                        }
                    }
                }
                // A value: the line of its key.
                _ => {
                    out.entry(key_path)
                        .or_insert(crate::config::line_of(text, key.span().start));
                }
            }
        }
    }
    let mut out = HashMap::new();
    if let Ok(table) = toml::de::DeTable::parse(text) {
        walk("", table.get_ref(), text, &mut out);
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
