//! `[[flags]]`: the feature flags that turn a fix (or the feature it repairs) off in seconds,
//! each bound to the system that serves it; and `[guard]`, what the console does by itself when
//! a deploy makes things worse.

use super::*;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FlagConfig {
    /// How the console names it (`F`, `warroom flag`, the record).
    pub name: Spanned<String>,
    pub provider: FlagProvider,
    /// Unleash: the server (`http://unleash:4242`); LaunchDarkly: the API (default
    /// `https://app.launchdarkly.com`); Flagsmith: the API (default `https://api.flagsmith.com`).
    pub url: Option<String>,
    /// Unleash and LaunchDarkly: the project's key.
    #[serde(default = "default_project")]
    pub project: String,
    /// Unleash and LaunchDarkly: the environment's key; Flagsmith, flagd and command: its name
    /// for the record.
    #[serde(default = "production")]
    pub environment: String,
    /// Flagsmith: the environment's key (the client-side key its SDKs use).
    pub environment_key: Option<String>,
    /// The flag's key in the provider (default: `name`).
    pub key: Option<String>,
    pub token_env: Option<String>,
    pub token_command: Option<String>,
    /// flagd: the flag file the daemon watches.
    pub file: Option<PathBuf>,
    /// command: shell commands that turn it on, off, and print its state (`on`/`off`,
    /// `true`/`false`, `enabled`/`disabled`).
    pub on: Option<String>,
    pub off: Option<String>,
    pub status: Option<String>,
    #[serde(
        deserialize_with = "duration",
        serialize_with = "show_duration",
        default = "ten_seconds"
    )]
    pub timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FlagProvider {
    Unleash,
    Launchdarkly,
    Flagsmith,
    Flagd,
    Command,
}

impl FlagProvider {
    pub fn name(self) -> &'static str {
        match self {
            FlagProvider::Unleash => "Unleash",
            FlagProvider::Launchdarkly => "LaunchDarkly",
            FlagProvider::Flagsmith => "Flagsmith",
            FlagProvider::Flagd => "flagd",
            FlagProvider::Command => "command",
        }
    }
}

impl FlagConfig {
    pub fn key(&self) -> &str {
        self.key.as_deref().unwrap_or(self.name.get_ref())
    }

    /// The token's variable: the one set, else the provider's usual one.
    pub fn token_var(&self) -> Option<&str> {
        match (&self.token_env, self.provider) {
            (Some(v), _) => Some(v),
            (None, FlagProvider::Unleash) => Some("UNLEASH_ADMIN_TOKEN"),
            (None, FlagProvider::Launchdarkly) => Some("LD_API_KEY"),
            (None, FlagProvider::Flagsmith) => Some("FLAGSMITH_API_KEY"),
            (None, _) => None,
        }
    }

    /// Where the change is made, in words: `Unleash default/production`.
    pub fn place(&self) -> String {
        match self.provider {
            FlagProvider::Unleash | FlagProvider::Launchdarkly => format!(
                "{} {}/{}",
                self.provider.name(),
                self.project,
                self.environment
            ),
            FlagProvider::Flagd => format!(
                "flagd {}",
                self.file.as_deref().unwrap_or(Path::new("")).display()
            ),
            _ => format!("{} {}", self.provider.name(), self.environment),
        }
    }
}

/// What the guard does when a deploy makes things worse.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum GuardAction {
    #[default]
    Off,
    /// Show the evidence and the rollback for `y`.
    Propose,
    /// Count down, then run the rollback command unless vetoed.
    Rollback,
    /// Count down, then turn this flag off unless vetoed.
    Flag(String),
}

impl std::fmt::Display for GuardAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GuardAction::Off => f.write_str("off"),
            GuardAction::Propose => f.write_str("propose"),
            GuardAction::Rollback => f.write_str("rollback"),
            GuardAction::Flag(n) => write!(f, "flag:{n}"),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct GuardConfig {
    #[serde(
        deserialize_with = "guard_action",
        serialize_with = "show_guard_action"
    )]
    pub after_deploy: Spanned<GuardAction>,
    /// How long after a deploy the guard watches.
    #[serde(deserialize_with = "duration", serialize_with = "show_duration")]
    pub window: Duration,
    /// Consecutive bad verdicts of one signal before it acts.
    #[serde(deserialize_with = "at_least_one")]
    pub bad_polls: u32,
    /// The countdown before an armed guard acts.
    #[serde(deserialize_with = "duration", serialize_with = "show_duration")]
    pub veto: Duration,
}

impl Default for GuardConfig {
    fn default() -> GuardConfig {
        GuardConfig {
            after_deploy: Spanned::new(0..0, GuardAction::Off),
            window: Duration::from_secs(30 * 60),
            bad_polls: 3,
            veto: Duration::from_secs(60),
        }
    }
}

fn default_project() -> String {
    "default".into()
}
fn production() -> String {
    "production".into()
}
fn ten_seconds() -> Duration {
    Duration::from_secs(10)
}

fn at_least_one<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    match u32::deserialize(d)? {
        0 => Err(serde::de::Error::custom(
            "bad_polls = 0 would act on no evidence: write 1 or more",
        )),
        n => Ok(n),
    }
}

fn guard_action<'de, D: Deserializer<'de>>(d: D) -> Result<Spanned<GuardAction>, D::Error> {
    let s = Spanned::<String>::deserialize(d)?;
    let span = s.span();
    let a = match s.get_ref().trim() {
        "off" => GuardAction::Off,
        "propose" => GuardAction::Propose,
        "rollback" => GuardAction::Rollback,
        other => match other.strip_prefix("flag:") {
            Some(n) if !n.trim().is_empty() => GuardAction::Flag(n.trim().to_string()),
            _ => {
                return Err(serde::de::Error::custom(format!(
                    "after_deploy {other:?}: write off, propose, rollback or flag:<name of a [[flags]]>"
                )));
            }
        },
    };
    Ok(Spanned::new(span, a))
}

fn show_guard_action<S: Serializer>(a: &Spanned<GuardAction>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&a.get_ref().to_string())
}

impl Config {
    /// Each flag has a unique name and what its provider needs; the guard's flag is one of them.
    pub(super) fn check_flags(&self, text: &str, source_name: &str) -> Result<(), ConfigError> {
        let err = |span: std::ops::Range<usize>, message: String| ConfigError {
            source_name: source_name.to_string(),
            line: (!text.is_empty()).then(|| line_of(text, span.start)),
            message,
        };
        let mut seen = std::collections::HashSet::new();
        for f in &self.flags {
            let name = f.name.get_ref();
            if name.trim().is_empty() {
                return Err(err(f.name.span(), "[[flags]] name is empty".into()));
            }
            if !seen.insert(name.as_str()) {
                return Err(err(
                    f.name.span(),
                    format!("[[flags]] {name:?} is named twice; give each flag its own name"),
                ));
            }
            let missing = match f.provider {
                FlagProvider::Unleash if f.url.is_none() => Some("url = \"http://unleash:4242\""),
                FlagProvider::Flagsmith if f.environment_key.is_none() => {
                    Some("environment_key = \"…\" (the environment's client-side key)")
                }
                FlagProvider::Flagd if f.file.is_none() => Some("file = \"/etc/flagd/flags.json\""),
                FlagProvider::Command if f.on.is_none() || f.off.is_none() => {
                    Some("on = \"…\" and off = \"…\" (and status = \"…\" to read it back)")
                }
                FlagProvider::Command if f.status.is_none() => {
                    Some("status = \"…\": a change is recorded only when it is read back")
                }
                _ => None,
            };
            if let Some(what) = missing {
                return Err(err(
                    f.name.span(),
                    format!(
                        "[[flags]] {name:?}: a {} flag needs {what}",
                        f.provider.name()
                    ),
                ));
            }
            if let Some(url) = &f.url
                && reqwest::Url::parse(url).is_err()
            {
                return Err(err(
                    f.name.span(),
                    format!("[[flags]] {name:?}: url {url:?} is not a URL"),
                ));
            }
        }
        let guard = &self.guard.after_deploy;
        if let GuardAction::Flag(n) = guard.get_ref()
            && !seen.contains(n.as_str())
        {
            return Err(err(
                guard.span(),
                format!("[guard] after_deploy: no [[flags]] is named {n:?}"),
            ));
        }
        Ok(())
    }
}
