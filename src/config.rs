//! `warroom.toml`: defaults, then the user's file. Unknown or mistyped keys are errors that
//! name the key and the line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use toml::Spanned;

use crate::checklist::{Checklist, find_repo_checklist};
use crate::clock::Policy;
use crate::keys::{Action, KeySpec, Keymap};
use crate::priority::Priority;

pub const EXAMPLE_CONFIG: &str = include_str!("../config.example.toml");
pub const CONFIG_FILE: &str = "warroom.toml";

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// A checklist file replacing the built-in one (relative to this file).
    pub checklist: Option<PathBuf>,
    /// A folder of templates replacing the built-in ones by name (pir.md.j2, slack.md.j2, …).
    pub templates_dir: Option<PathBuf>,
    pub slack: SlackConfig,
    pub sla: PerPriority,
    pub cadence: CadencePerPriority,
    pub monitoring: MonitoringConfig,
    pub ui: UiConfig,
    pub theme: ThemeConfig,
    pub deploy: DeployConfig,
    pub rollback: RollbackConfig,
    pub checks: Vec<CheckConfig>,
    pub smoke: Vec<SmokeConfig>,
    pub logs: LogsConfig,
    pub commands: CommandsConfig,
    pub redact: RedactConfig,
    pub sentry: SentryConfig,
    pub git: GitConfig,
    #[serde(serialize_with = "show_keys")]
    pub keys: BTreeMap<Spanned<String>, Spanned<String>>,
    /// The defaults with `[keys]` applied.
    #[serde(skip)]
    pub keymap: Keymap,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PerPriority {
    #[serde(
        rename = "P0",
        deserialize_with = "positive_duration",
        serialize_with = "show_optional_duration"
    )]
    pub p0: Option<Duration>,
    #[serde(
        rename = "P1",
        deserialize_with = "positive_duration",
        serialize_with = "show_optional_duration"
    )]
    pub p1: Option<Duration>,
    #[serde(
        rename = "P2",
        deserialize_with = "positive_duration",
        serialize_with = "show_optional_duration"
    )]
    pub p2: Option<Duration>,
    #[serde(
        rename = "P3",
        deserialize_with = "positive_duration",
        serialize_with = "show_optional_duration"
    )]
    pub p3: Option<Duration>,
}

/// Like [`PerPriority`], but `"off"` turns the reminder off.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CadencePerPriority {
    #[serde(
        rename = "P0",
        deserialize_with = "duration_or_off",
        serialize_with = "show_duration_or_off"
    )]
    pub p0: Option<Option<Duration>>,
    #[serde(
        rename = "P1",
        deserialize_with = "duration_or_off",
        serialize_with = "show_duration_or_off"
    )]
    pub p1: Option<Option<Duration>>,
    #[serde(
        rename = "P2",
        deserialize_with = "duration_or_off",
        serialize_with = "show_duration_or_off"
    )]
    pub p2: Option<Option<Duration>>,
    #[serde(
        rename = "P3",
        deserialize_with = "duration_or_off",
        serialize_with = "show_duration_or_off"
    )]
    pub p3: Option<Option<Duration>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MonitoringConfig {
    #[serde(deserialize_with = "duration", serialize_with = "show_duration")]
    pub window: Duration,
}

impl Default for MonitoringConfig {
    fn default() -> Self {
        MonitoringConfig {
            window: Duration::from_secs(30 * 60),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    /// Start with times in UTC instead of local time.
    pub utc: bool,
    /// Ring the terminal bell once when a status update falls due.
    pub bell: bool,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            utc: false,
            bell: true,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ThemeConfig {
    /// Draw digits, the chart, gauges and borders in plain ASCII (default: when `TERM` is a
    /// terminal that cannot show them: dumb, linux, vt100, vt102, vt220, ansi).
    pub ascii: Option<bool>,
    /// `standard`, or `colorblind` (Okabe and Ito's colours: no red against green).
    pub palette: Option<String>,
    /// A colour for any role of the palette: a name (`red`), an index (`208`) or `#rrggbb`.
    #[serde(serialize_with = "show_keys")]
    pub colors: BTreeMap<Spanned<String>, Spanned<String>>,
}

/// The roles `[theme.colors]` can set.
pub const COLOR_ROLES: [&str; 16] = [
    "good",
    "warn",
    "error",
    "info",
    "accent",
    "dim",
    "milestone",
    "waived",
    "p0",
    "p1",
    "p2",
    "p3",
    "errors",
    "baseline",
    "deploy",
    "detected",
];

impl ThemeConfig {
    pub fn ascii_for(&self, term: Option<&str>) -> bool {
        self.ascii.unwrap_or_else(|| {
            matches!(
                term.unwrap_or_default(),
                "dumb" | "linux" | "vt100" | "vt102" | "vt220" | "ansi"
            )
        })
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlackConfig {
    /// The environment variable holding the incoming-webhook URL (a secret).
    pub webhook_env: String,
}

impl Default for SlackConfig {
    fn default() -> Self {
        SlackConfig {
            webhook_env: "SLACK_WEBHOOK_URL".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Vercel,
    Netlify,
    /// AWS Elastic Beanstalk.
    Eb,
    /// Deploys on push; the console follows its logs.
    Railway,
    /// `command` is the deploy.
    Command,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeployConfig {
    pub platform: Option<Platform>,
    /// Run through the shell; overrides the platform's deploy command.
    pub command: Option<String>,
    /// The Elastic Beanstalk environment (default `production`).
    pub environment: Option<String>,
    /// A command that follows the platform's logs; overrides the preset's.
    pub follow: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RollbackConfig {
    /// Overrides the platform's rollback command.
    pub command: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    /// `test`, `typecheck` and `build` tick the matching checklist items when they pass.
    pub name: String,
    pub command: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SmokeConfig {
    pub name: Spanned<String>,
    /// An HTTP request…
    pub url: Option<String>,
    #[serde(default = "default_method")]
    pub method: String,
    /// Header values may use `${VAR}` to read a secret from the environment.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    #[serde(default = "default_status")]
    pub expect_status: u16,
    /// Text the response body must contain.
    pub expect_body: Option<String>,
    #[serde(
        default = "default_smoke_timeout",
        deserialize_with = "duration",
        serialize_with = "show_duration"
    )]
    pub timeout: Duration,
    /// …or a command that must exit 0.
    pub command: Option<String>,
}

fn default_method() -> String {
    "GET".into()
}
fn default_status() -> u16 {
    200
}
fn default_smoke_timeout() -> Duration {
    Duration::from_secs(10)
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogsConfig {
    /// A log file to follow in the deploy log pane (survives truncation and rotation).
    pub file: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommandsConfig {
    /// The shell that runs every command (`sh -c "…"`).
    pub shell: String,
    /// After SIGTERM, how long a cancelled command gets before SIGKILL.
    #[serde(deserialize_with = "duration", serialize_with = "show_duration")]
    pub grace: Duration,
    /// Lines the deploy log pane keeps; every line is also in the run's log file.
    pub scrollback: usize,
}

impl Default for CommandsConfig {
    fn default() -> Self {
        CommandsConfig {
            shell: "sh".into(),
            grace: Duration::from_secs(5),
            scrollback: 10_000,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedactConfig {
    /// More environment variables whose values are secret (names with TOKEN, SECRET,
    /// PASSWORD, KEY, WEBHOOK, CREDENTIAL, AUTH or DSN are already).
    pub env: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SentryConfig {
    /// `https://sentry.io`, `https://us.sentry.io`, `https://de.sentry.io` or self-hosted.
    pub base_url: String,
    pub org: Option<String>,
    /// Numeric id or slug.
    pub project: Option<String>,
    pub environment: Option<String>,
    pub query: String,
    #[serde(deserialize_with = "at_least_5s", serialize_with = "show_duration")]
    pub poll_interval: Duration,
    /// How much of the error rate the chart shows.
    #[serde(deserialize_with = "duration", serialize_with = "show_duration")]
    pub window: Duration,
    /// How long before detection counts as normal.
    #[serde(deserialize_with = "duration", serialize_with = "show_duration")]
    pub baseline: Duration,
    /// The environment variable holding the token.
    pub token_env: String,
    /// A command printing the token (e.g. from a password manager), used when the variable is unset.
    pub token_command: Option<String>,
    /// A token in this file: refused unless only its owner can read it.
    #[serde(serialize_with = "show_secret")]
    pub token: Option<String>,
    #[serde(deserialize_with = "duration", serialize_with = "show_duration")]
    pub timeout: Duration,
    /// Complete buckets after the deploy that must all be back to normal for the verdict.
    pub verdict_buckets: usize,
    /// Errors per minute at or below which the rate counts as normal, whatever the baseline.
    pub floor: f64,
    /// Register each deploy the console runs with Sentry.
    pub register_deploy: bool,
    /// The release to register the deploy under (default: the hotfix tag, once created).
    pub release: Option<String>,
}

impl Default for SentryConfig {
    fn default() -> Self {
        SentryConfig {
            base_url: "https://sentry.io".into(),
            org: None,
            project: None,
            environment: None,
            query: "event.type:error".into(),
            poll_interval: Duration::from_secs(30),
            window: Duration::from_secs(2 * 3600),
            baseline: Duration::from_secs(3600),
            token_env: "SENTRY_AUTH_TOKEN".into(),
            token_command: None,
            token: None,
            timeout: Duration::from_secs(10),
            verdict_buckets: 5,
            floor: 1.0,
            register_deploy: false,
            release: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct GitConfig {
    /// The repository (default: the one holding the current directory).
    pub repo: Option<PathBuf>,
    pub base_branch: String,
    pub remote: String,
    /// `{ticket}` and `{slug}` (from the title: lowercase, hyphens, at most 40 characters).
    pub hotfix_pattern: String,
    pub backport_branches: Vec<String>,
    /// `{branch}` and `{ticket}`.
    pub backport_pattern: String,
    /// `{version}`.
    pub tag_pattern: String,
    /// Dependency manifests and lock files the guard flags (file names; `*` matches any run).
    pub manifests: Vec<String>,
    /// The guard flags a change over this many lines…
    pub max_lines: usize,
    /// …or this many files.
    pub max_files: usize,
    /// Push tags and backport branches from the console's `g` menu.
    pub push: bool,
}

impl Default for GitConfig {
    fn default() -> Self {
        GitConfig {
            repo: None,
            base_branch: "main".into(),
            remote: "origin".into(),
            hotfix_pattern: "hotfix/{ticket}-{slug}".into(),
            backport_branches: vec!["release-candidate".into(), "develop".into()],
            backport_pattern: "backport/{branch}/hotfix-{ticket}".into(),
            tag_pattern: "v{version}".into(),
            manifests: [
                "Cargo.toml",
                "Cargo.lock",
                "package.json",
                "package-lock.json",
                "pnpm-lock.yaml",
                "yarn.lock",
                "go.mod",
                "go.sum",
                "requirements*.txt",
                "poetry.lock",
                "pyproject.toml",
                "Pipfile",
                "Pipfile.lock",
                "Gemfile",
                "Gemfile.lock",
                "composer.json",
                "composer.lock",
                "pom.xml",
                "build.gradle",
                "build.gradle.kts",
                "gradle.lockfile",
                "mix.exs",
                "mix.lock",
            ]
            .map(String::from)
            .to_vec(),
            max_lines: 200,
            max_files: 10,
            push: false,
        }
    }
}

fn at_least_5s<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    let v = parse_duration(&s).map_err(serde::de::Error::custom)?;
    if v < Duration::from_secs(5) {
        return Err(serde::de::Error::custom(format!(
            "{s:?} is too often: poll Sentry no faster than every 5s"
        )));
    }
    Ok(v)
}

fn show_duration<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&humantime::format_duration(*d).to_string())
}

fn show_optional_duration<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => show_duration(d, s),
        None => s.serialize_none(),
    }
}

fn show_duration_or_off<S: Serializer>(
    d: &Option<Option<Duration>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match d {
        Some(Some(d)) => show_duration(d, s),
        Some(None) => s.serialize_str("off"),
        None => s.serialize_none(),
    }
}

fn show_secret<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(_) => s.serialize_str(crate::output::redact::REDACTED),
        None => s.serialize_none(),
    }
}

fn show_keys<S: Serializer>(
    keys: &BTreeMap<Spanned<String>, Spanned<String>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(keys.iter().map(|(k, v)| (k.get_ref(), v.get_ref())))
}

/// A duration in the config (`30s`, `5m`, `2h`); a wrong one is answered with examples.
fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    humantime::parse_duration(s.trim()).map_err(|e| {
        serde::de::Error::custom(format!(
            "{s:?} is not a duration ({e}); write it like 30s, 5m or 2h"
        ))
    })
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s.trim())
        .map_err(|e| format!("{s:?} is not a duration ({e}); write it like 30s, 5m or 2h"))?;
    if d.is_zero() {
        return Err(format!("{s:?} must be longer than zero"));
    }
    Ok(d)
}

fn positive_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    let s = String::deserialize(d)?;
    parse_duration(&s)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

fn duration_or_off<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<Duration>>, D::Error> {
    let s = String::deserialize(d)?;
    if matches!(s.trim(), "off" | "none") {
        return Ok(Some(None));
    }
    parse_duration(&s)
        .map(|d| Some(Some(d)))
        .map_err(serde::de::Error::custom)
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{}: {message}", source_name, line.map(|l| format!(": line {l}")).unwrap_or_default())]
pub struct ConfigError {
    pub source_name: String,
    pub line: Option<usize>,
    pub message: String,
}

/// The 1-based line of a byte offset in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl Config {
    pub fn parse(text: &str, source_name: &str) -> Result<Config, ConfigError> {
        let cfg: Config = toml::from_str(text).map_err(|e| ConfigError {
            source_name: source_name.to_string(),
            line: e.span().map(|s| line_of(text, s.start)),
            message: e.message().trim().to_string(),
        })?;
        let mut cfg = cfg;
        cfg.keymap = cfg.keymap(text, source_name)?;
        cfg.check_commands(text, source_name)?;
        cfg.check_theme(text, source_name)?;
        Ok(cfg)
    }

    /// Each `[theme]` choice names a known palette, role and colour.
    fn check_theme(&self, text: &str, source_name: &str) -> Result<(), ConfigError> {
        let err = |span: std::ops::Range<usize>, message: String| ConfigError {
            source_name: source_name.to_string(),
            line: Some(line_of(text, span.start)),
            message,
        };
        if let Some(p) = &self.theme.palette
            && !matches!(p.as_str(), "standard" | "colorblind")
        {
            let at = text.find("palette").unwrap_or(0);
            return Err(err(
                at..at,
                format!("[theme] palette {p:?}: expected \"standard\" or \"colorblind\""),
            ));
        }
        for (role, colour) in &self.theme.colors {
            if !COLOR_ROLES.contains(&role.get_ref().as_str()) {
                return Err(err(
                    role.span(),
                    format!(
                        "unknown colour role `{}` in [theme.colors]; expected one of {}",
                        role.get_ref(),
                        COLOR_ROLES.join(", ")
                    ),
                ));
            }
            if colour.get_ref().parse::<ratatui::style::Color>().is_err() {
                return Err(err(
                    colour.span(),
                    format!(
                        "[theme.colors] {}: {:?} is not a colour; write a name (red), an index (208) or #rrggbb",
                        role.get_ref(),
                        colour.get_ref()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The key bindings, with each `[keys]` entry checked.
    fn keymap(&self, text: &str, source_name: &str) -> Result<Keymap, ConfigError> {
        let mut map = Keymap::default();
        for (name, key) in &self.keys {
            let err = |span: std::ops::Range<usize>, message: String| ConfigError {
                source_name: source_name.to_string(),
                line: Some(line_of(text, span.start)),
                message,
            };
            let action = Action::ALL
                .iter()
                .find(|a| a.name() == name.get_ref())
                .ok_or_else(|| {
                    let names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
                    err(
                        name.span(),
                        format!(
                            "unknown action `{}` in [keys]; expected one of {}",
                            name.get_ref(),
                            names.join(", ")
                        ),
                    )
                })?;
            let spec: KeySpec = key
                .get_ref()
                .parse()
                .map_err(|m| err(key.span(), format!("[keys] {}: {m}", name.get_ref())))?;
            map.bind(*action, spec);
        }
        Ok(map)
    }

    /// What serde cannot say: a smoke test needs a URL or a command, and so on.
    fn check_commands(&self, text: &str, source_name: &str) -> Result<(), ConfigError> {
        let err = |line: Option<usize>, message: String| ConfigError {
            source_name: source_name.to_string(),
            line,
            message,
        };
        if self.deploy.platform == Some(Platform::Command) && self.deploy.command.is_none() {
            return Err(err(
                None,
                "[deploy] platform = \"command\" needs command = \"…\"".into(),
            ));
        }
        for s in &self.smoke {
            let line = Some(line_of(text, s.name.span().start));
            match (&s.url, &s.command) {
                (None, None) => {
                    return Err(err(
                        line,
                        format!(
                            "[[smoke]] {:?} needs url = \"…\" or command = \"…\"",
                            s.name.get_ref()
                        ),
                    ));
                }
                (Some(_), Some(_)) => {
                    return Err(err(
                        line,
                        format!(
                            "[[smoke]] {:?} has both url and command; keep one",
                            s.name.get_ref()
                        ),
                    ));
                }
                (Some(url), None) => {
                    if reqwest::Url::parse(url).is_err() {
                        return Err(err(
                            line,
                            format!("[[smoke]] {:?}: url {url:?} is not a URL", s.name.get_ref()),
                        ));
                    }
                    if reqwest::Method::from_bytes(s.method.as_bytes()).is_err() {
                        return Err(err(
                            line,
                            format!(
                                "[[smoke]] {:?}: method {:?} is not an HTTP method",
                                s.name.get_ref(),
                                s.method
                            ),
                        ));
                    }
                }
                (None, Some(_)) => {}
            }
        }
        if !self.git.tag_pattern.contains("{version}") {
            return Err(err(None, "[git] tag_pattern must contain {version}".into()));
        }
        if !self.git.hotfix_pattern.contains("{ticket}") {
            return Err(err(
                None,
                "[git] hotfix_pattern must contain {ticket}".into(),
            ));
        }
        if self.sentry.verdict_buckets == 0 {
            return Err(err(
                None,
                "[sentry] verdict_buckets must be at least 1".into(),
            ));
        }
        if reqwest::Url::parse(&self.sentry.base_url).is_err() {
            return Err(err(
                None,
                format!("[sentry] base_url {:?} is not a URL", self.sentry.base_url),
            ));
        }
        if self.commands.scrollback == 0 {
            return Err(err(None, "[commands] scrollback must be at least 1".into()));
        }
        Ok(())
    }

    pub fn policy(&self) -> Policy {
        let mut p = Policy::default();
        let targets = [self.sla.p0, self.sla.p1, self.sla.p2, self.sla.p3];
        let cadence = [
            self.cadence.p0,
            self.cadence.p1,
            self.cadence.p2,
            self.cadence.p3,
        ];
        for prio in Priority::ALL {
            let i = prio as usize;
            if let Some(t) = targets[i] {
                p.targets[i] = t;
            }
            if let Some(c) = cadence[i] {
                p.cadence[i] = c;
            }
        }
        p.monitoring = self.monitoring.window;
        p
    }
}

/// A file holding a token must be readable by its owner only.
fn refuse_readable_by_others(path: &Path) -> Result<(), ConfigError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map(|m| m.permissions().mode())
        .unwrap_or(0o600);
    if mode & 0o077 != 0 {
        return Err(ConfigError {
            source_name: path.display().to_string(),
            line: None,
            message: format!(
                "holds a Sentry token but others can read it (mode {:o}): run `chmod 600 {}`, or move the token to $SENTRY_AUTH_TOKEN",
                mode & 0o777,
                path.display()
            ),
        });
    }
    Ok(())
}

/// The config as loaded: where it came from and what it resolved to.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    /// `templates_dir`, resolved against the config file's folder.
    pub templates_dir: Option<PathBuf>,
    pub path: Option<PathBuf>,
    pub keymap: Keymap,
    pub checklist: Arc<Checklist>,
    pub checklist_source: String,
}

/// Which file to read: `--config`, then `WARROOM_CONFIG`, then the platform config
/// directory, then `./warroom.toml`. An explicitly named file must exist.
pub fn locate(flag: Option<&Path>, cwd: &Path) -> Result<Option<PathBuf>, ConfigError> {
    let explicit = flag.map(Path::to_path_buf).or_else(|| {
        std::env::var_os("WARROOM_CONFIG")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    if let Some(p) = explicit {
        if !p.is_file() {
            return Err(ConfigError {
                source_name: p.display().to_string(),
                line: None,
                message: "no such config file".into(),
            });
        }
        return Ok(Some(p));
    }
    let platform =
        directories::ProjectDirs::from("", "", "warroom").map(|d| d.config_dir().join(CONFIG_FILE));
    Ok(platform
        .into_iter()
        .chain([cwd.join(CONFIG_FILE)])
        .find(|p| p.is_file()))
}

pub fn load(flag: Option<&Path>, cwd: &Path) -> Result<Loaded, ConfigError> {
    let path = locate(flag, cwd)?;
    let config = match &path {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| ConfigError {
                source_name: p.display().to_string(),
                line: None,
                message: format!("cannot be read: {e}"),
            })?;
            let cfg = Config::parse(&text, &p.display().to_string())?;
            if cfg.sentry.token.is_some() {
                refuse_readable_by_others(p)?;
            }
            cfg
        }
        None => Config::default(),
    };
    let keymap = config.keymap.clone();
    let checklist_path = match &config.checklist {
        Some(c) => {
            let base = path.as_deref().and_then(Path::parent).unwrap_or(cwd);
            Some(base.join(c))
        }
        None => find_repo_checklist(cwd),
    };
    let to_err = |e: crate::checklist::ChecklistError| ConfigError {
        source_name: e.source_name,
        line: None,
        message: e.message,
    };
    let (checklist, checklist_source) = match checklist_path {
        Some(p) => (
            Checklist::load(&p).map_err(to_err)?,
            p.display().to_string(),
        ),
        None => (
            Checklist::builtin().map_err(to_err)?,
            "built in".to_string(),
        ),
    };
    let templates_dir = config.templates_dir.as_ref().map(|t| {
        let base = path.as_deref().and_then(Path::parent).unwrap_or(cwd);
        base.join(t)
    });
    Ok(Loaded {
        templates_dir,
        config,
        path,
        keymap,
        checklist: Arc::new(checklist),
        checklist_source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_example_parses() {
        let c = Config::parse(EXAMPLE_CONFIG, "config.example.toml").expect("example");
        assert_eq!(c.policy(), Policy::default());
    }

    #[test]
    fn unknown_keys_name_the_key_and_line() {
        let e = Config::parse("[ui]\nutc = true\ncolour = 1\n", "w.toml").expect_err("unknown");
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("colour"), "{e}");
        assert!(e.to_string().starts_with("w.toml: line 3:"), "{e}");
    }

    #[test]
    fn mistyped_values_name_the_line() {
        let e = Config::parse("\n[sla]\nP0 = \"2 hours-ish\"\n", "w.toml").expect_err("bad");
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("30s, 5m or 2h"), "{e}");
        let e = Config::parse("[ui]\nbell = \"yes\"\n", "w.toml").expect_err("bad");
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn keys_are_checked() {
        let e = Config::parse("[keys]\nquit = \"ctrl-q\"\ndeplyo = \"D\"\n", "w.toml")
            .expect_err("bad");
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("deplyo"), "{e}");
        let e = Config::parse("[keys]\nquit = \"spce\"\n", "w.toml").expect_err("bad");
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn overrides_reach_the_policy() {
        let c = Config::parse("[sla]\nP2 = \"8h\"\n[cadence]\nP0 = \"off\"\nP3 = \"1d\"\n[monitoring]\nwindow = \"15m\"\n", "w")
            .expect("ok");
        let p = c.policy();
        assert_eq!(p.target(Priority::P2), Duration::from_secs(8 * 3600));
        assert_eq!(p.cadence(Priority::P0), None);
        assert_eq!(p.cadence(Priority::P3), Some(Duration::from_secs(86_400)));
        assert_eq!(p.monitoring, Duration::from_secs(900));
    }

    #[test]
    fn sentry_settings_are_checked() {
        let c = Config::parse(
            "[sentry]\norg = \"acme\"\nproject = \"2\"\npoll_interval = \"1m\"\n",
            "w",
        )
        .expect("ok");
        assert_eq!(c.sentry.poll_interval, Duration::from_secs(60));
        assert_eq!(c.sentry.window, Duration::from_secs(7200));
        let e = Config::parse("[sentry]\npoll_interval = \"2s\"\n", "w").expect_err("too fast");
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("no faster than every 5s"), "{e}");
    }

    #[test]
    fn a_token_in_a_readable_file_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("warroom.toml");
        std::fs::write(&path, "[sentry]\ntoken = \"sntryu_abc\"\n").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let e = load(Some(&path), dir.path()).expect_err("refused");
        assert!(e.message.contains("chmod 600"), "{e}");
        assert!(!e.to_string().contains("sntryu_abc"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        assert!(load(Some(&path), dir.path()).is_ok());
    }

    #[test]
    fn explicit_config_must_exist() {
        let dir = tempfile::tempdir().expect("tmp");
        let e = locate(Some(&dir.path().join("nope.toml")), dir.path()).expect_err("missing");
        assert!(e.to_string().contains("nope.toml"));
    }
}
