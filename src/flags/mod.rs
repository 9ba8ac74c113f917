//! The feature flags: each one's state read from the system that serves it, and a change made
//! there and read back. A change counts only when the read after it says so.

use chrono::{DateTime, Utc};

use crate::config::{FlagConfig, FlagProvider};

mod command;
mod flagd;
mod flagsmith;
mod launchdarkly;
mod unleash;

/// What a flag's provider answered.
#[derive(Debug, Clone)]
pub enum FlagMsg {
    /// Its state as read now (`true` is on).
    State {
        name: String,
        state: Result<bool, String>,
        at: DateTime<Utc>,
    },
    /// A change asked for: what was read before, and the state read back after it (or why
    /// it was not made or not confirmed).
    Changed {
        name: String,
        to: bool,
        result: Result<Change, String>,
        /// The guard asked for it (not a person).
        by_guard: bool,
        at: DateTime<Utc>,
    },
}

/// A change made and read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// The state read before the change (`None`: it could not be read).
    pub from: Option<bool>,
    /// The state read back after it.
    pub read_back: bool,
}

/// One flag and how to reach it.
#[derive(Debug, Clone)]
pub struct Flag {
    pub name: String,
    pub provider: FlagProvider,
    client: Client,
}

#[derive(Debug, Clone)]
enum Client {
    Unleash(unleash::Unleash),
    LaunchDarkly(launchdarkly::LaunchDarkly),
    Flagsmith(flagsmith::Flagsmith),
    Flagd(flagd::Flagd),
    Command(command::Command),
}

/// `on` or `off`.
pub fn word(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

impl Flag {
    /// The flag's client and its secrets (to redact everywhere), or why it cannot be reached.
    pub fn new(cfg: &FlagConfig) -> Result<(Flag, Vec<String>), String> {
        let name = cfg.name.get_ref().clone();
        let token = || {
            let vars: Vec<&str> = cfg.token_var().into_iter().collect();
            crate::config::secret::token_from(
                &vars,
                cfg.token_command.as_deref(),
                &format!("[[flags]] {name}"),
            )
            .ok_or_else(|| {
                format!(
                    "{name}: no {} token: export {} (or set token_command)",
                    cfg.provider.name(),
                    cfg.token_var().unwrap_or("a token")
                )
            })
        };
        let http = || crate::http::api_client(cfg.timeout);
        let (client, secrets) = match cfg.provider {
            FlagProvider::Unleash => {
                let t = token()?;
                let url = cfg.url.clone().unwrap_or_default();
                (
                    Client::Unleash(unleash::Unleash::new(http()?, &url, cfg, t.clone())),
                    vec![t],
                )
            }
            FlagProvider::Launchdarkly => {
                let t = token()?;
                let url = cfg
                    .url
                    .clone()
                    .unwrap_or_else(|| "https://app.launchdarkly.com".into());
                (
                    Client::LaunchDarkly(launchdarkly::LaunchDarkly::new(
                        http()?,
                        &url,
                        cfg,
                        t.clone(),
                    )),
                    vec![t],
                )
            }
            FlagProvider::Flagsmith => {
                let t = token()?;
                let url = cfg
                    .url
                    .clone()
                    .unwrap_or_else(|| "https://api.flagsmith.com".into());
                (
                    Client::Flagsmith(flagsmith::Flagsmith::new(http()?, &url, cfg, t.clone())),
                    vec![t],
                )
            }
            FlagProvider::Flagd => (
                Client::Flagd(flagd::Flagd {
                    file: cfg.file.clone().unwrap_or_default(),
                    key: cfg.key().to_string(),
                }),
                Vec::new(),
            ),
            FlagProvider::Command => (
                Client::Command(command::Command {
                    on: cfg.on.clone().unwrap_or_default(),
                    off: cfg.off.clone().unwrap_or_default(),
                    status: cfg.status.clone().unwrap_or_default(),
                    timeout: cfg.timeout,
                }),
                Vec::new(),
            ),
        };
        Ok((
            Flag {
                name,
                provider: cfg.provider,
                client,
            },
            secrets,
        ))
    }

    /// Its state now: `true` is on.
    pub async fn read(&self) -> Result<bool, String> {
        match &self.client {
            Client::Unleash(c) => c.read().await,
            Client::LaunchDarkly(c) => c.read().await,
            Client::Flagsmith(c) => c.read().await,
            Client::Flagd(c) => blocking(c.clone(), |f| f.read()).await,
            Client::Command(c) => c.read().await,
        }
    }

    /// Turns it on or off (`comment` goes where the provider keeps one), then reads it back:
    /// a change whose read disagrees is an error, so nothing unconfirmed is recorded.
    pub async fn set(&self, on: bool, comment: &str) -> Result<Change, String> {
        let from = self.read().await.ok();
        match &self.client {
            Client::Unleash(c) => c.set(on).await?,
            Client::LaunchDarkly(c) => c.set(on, comment).await?,
            Client::Flagsmith(c) => c.set(on).await?,
            Client::Flagd(c) => blocking(c.clone(), move |f| f.set(on)).await?,
            Client::Command(c) => c.set(on).await?,
        }
        let read_back = self
            .read()
            .await
            .map_err(|e| format!("turned {} but not read back: {e}", word(on)))?;
        if read_back != on {
            return Err(format!(
                "asked to turn it {}, but {} still says {}",
                word(on),
                self.provider.name(),
                word(read_back)
            ));
        }
        Ok(Change { from, read_back })
    }
}

/// flagd's file read or written off the async workers.
async fn blocking<T: Send + 'static>(
    f: flagd::Flagd,
    op: impl FnOnce(&flagd::Flagd) -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(move || op(&f))
        .await
        .map_err(|e| format!("flagd: {e}"))?
}

/// `base` with these path segments added, each percent-encoded.
fn endpoint(base: &str, segments: &[&str]) -> String {
    match reqwest::Url::parse(base) {
        Ok(mut u) => {
            if let Ok(mut path) = u.path_segments_mut() {
                path.pop_if_empty().extend(segments);
            }
            u.to_string()
        }
        // Checked when the config loads; a base that does not parse fails at the request.
        Err(_) => format!("{base}/{}", segments.join("/")),
    }
}

/// An answer that is not a success: its status and what the server said, in a line.
async fn refused(what: &str, r: reqwest::Response) -> String {
    let status = r.status();
    let body = r.text().await.unwrap_or_default();
    let said = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            ["message", "detail", "error"]
                .iter()
                .find_map(|k| v.get(k).and_then(|m| m.as_str()).map(String::from))
        })
        .unwrap_or_else(|| body.chars().take(200).collect());
    let hint = match status.as_u16() {
        401 | 403 => " (the token is refused: it needs write access to flags)",
        404 => " (no such flag, project or environment)",
        _ => "",
    };
    format!("{what}: {status}{hint}: {}", said.trim())
}

/// Sends a request; any transport fault or non-success answer is a sentence.
async fn send(what: &str, req: reqwest::RequestBuilder) -> Result<reqwest::Response, String> {
    let r = req
        .send()
        .await
        .map_err(|e| format!("{what}: {}", crate::http::cause(&e)))?;
    if r.status().is_success() {
        Ok(r)
    } else {
        Err(refused(what, r).await)
    }
}

async fn json<T: serde::de::DeserializeOwned>(
    what: &str,
    r: reqwest::Response,
) -> Result<T, String> {
    r.json::<T>()
        .await
        .map_err(|e| format!("{what}: the answer is not what was expected: {e}"))
}
