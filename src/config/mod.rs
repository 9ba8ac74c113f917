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

mod errors;
mod flags;
mod load;
mod metrics;
mod outward;
pub mod palette;
pub mod secret;
mod share;
mod tickets;
mod values;

pub use errors::*;
pub use flags::*;
pub use load::*;
pub use metrics::*;
pub use outward::*;
pub use share::*;
pub use tickets::*;
use values::*;

pub const EXAMPLE_CONFIG: &str = include_str!("../../config.example.toml");
pub const CONFIG_FILE: &str = "warroom.toml";

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// A checklist file replacing the built-in one (relative to this file).
    pub checklist: Option<PathBuf>,
    /// A folder of templates replacing the built-in ones by name (pir.md.j2, slack.md.j2, …).
    pub templates_dir: Option<PathBuf>,
    pub slack: SlackConfig,
    pub teams: TeamsConfig,
    pub sla: PerPriority,
    pub cadence: CadencePerPriority,
    pub monitoring: MonitoringConfig,
    pub ui: UiConfig,
    pub theme: ThemeConfig,
    pub deploy: DeployConfig,
    pub rollback: RollbackConfig,
    pub checks: Vec<CheckConfig>,
    pub smoke: Vec<SmokeConfig>,
    /// Environments before production (`[environments.staging]`); production is `[deploy]`,
    /// `[[smoke]]`, `[rollback]` and `[sentry] environment`.
    #[serde(serialize_with = "show_environments")]
    pub environments: BTreeMap<Spanned<String>, EnvironmentConfig>,
    pub logs: LogsConfig,
    pub commands: CommandsConfig,
    pub redact: RedactConfig,
    /// Where the error rate comes from: Sentry (the default) or Rollbar.
    pub errors: ErrorsConfig,
    pub sentry: SentryConfig,
    pub rollbar: RollbarConfig,
    /// Gates on the deploy beyond the error rate (`[[metrics]]`).
    pub metrics: Vec<MetricConfig>,
    /// The feature flags the console can turn off and on (`[[flags]]`).
    pub flags: Vec<FlagConfig>,
    /// What the console does by itself when a deploy makes things worse.
    pub guard: GuardConfig,
    pub git: GitConfig,
    pub github: GithubConfig,
    /// The page: PagerDuty's incident, its acknowledgement and who is on call.
    pub pagerduty: PagerdutyConfig,
    /// The public status page on Atlassian Statuspage.
    pub statuspage: StatuspageConfig,
    /// The incident's ticket in Linear, Jira or GitHub Issues.
    pub tickets: TicketsConfig,
    pub share: ShareConfig,
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

/// Microsoft Teams: a Workflows webhook ("Post to a channel when a webhook request is
/// received") that takes the same posts as Slack, as an Adaptive Card.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TeamsConfig {
    /// The environment variable holding the webhook URL (a secret).
    pub webhook_env: String,
    /// Else a command that prints it (a password manager).
    pub webhook_command: Option<String>,
}

impl Default for TeamsConfig {
    fn default() -> Self {
        TeamsConfig {
            webhook_env: "TEAMS_WEBHOOK_URL".into(),
            webhook_command: None,
        }
    }
}

impl TeamsConfig {
    pub fn webhook(&self) -> Option<String> {
        secret::token_from(
            &[&self.webhook_env],
            self.webhook_command.as_deref(),
            "[teams] webhook",
        )
    }
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
    /// When set, the fix counts as deployed only once this URL answers 2xx (with
    /// `ready_expect` in its body): a deploy command that returns before the service runs the
    /// new version cannot stop the SLA clock.
    pub ready_url: Option<String>,
    /// Text the answer must hold; `{commit}` is the deployed commit's short id, `{tag}` the
    /// newest release tag.
    pub ready_expect: Option<String>,
    /// How long to wait for it after the command finished (default 10m).
    #[serde(
        deserialize_with = "positive_duration",
        serialize_with = "show_optional_duration"
    )]
    pub ready_timeout: Option<Duration>,
    /// Run the deploy and follow commands on a pseudo-terminal of the pane's size, for tools
    /// that draw (or behave) differently on one.
    pub tty: bool,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RollbackConfig {
    /// Overrides the platform's rollback command.
    pub command: Option<String>,
    /// Run it on a pseudo-terminal of the pane's size.
    pub tty: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    /// `test`, `typecheck` and `build` tick the matching checklist items when they pass.
    pub name: String,
    pub command: String,
    /// Run it on a pseudo-terminal of the pane's size.
    #[serde(default)]
    pub tty: bool,
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
    /// This test exercises the fix itself (the bug's own request), not only the service's
    /// health: only such tests tick "Fix verified in production".
    #[serde(default)]
    pub verifies_fix: bool,
}

/// An environment the fix goes through before production: its own deploy, smoke tests and
/// Sentry environment.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct EnvironmentConfig {
    /// The deploy command, run through the shell (`vercel`, `./deploy.sh staging`).
    pub deploy: Option<String>,
    /// A command that follows this environment's logs while nothing else runs.
    pub follow: Option<String>,
    pub rollback: Option<String>,
    /// Run its commands on a pseudo-terminal of the pane's size.
    pub tty: bool,
    /// The Sentry environment asked for new issues after its smoke tests pass.
    pub sentry_environment: Option<String>,
    pub smoke: Vec<SmokeConfig>,
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

/// The hotfix pull request on GitHub (github.com or GitHub Enterprise).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct GithubConfig {
    /// The REST API's base (default: from the remote's host: `https://api.github.com`, or
    /// `https://HOST/api/v3` for GitHub Enterprise).
    pub api_url: Option<String>,
    /// `OWNER/NAME` on GitHub, when the remote's URL does not say it (a mirror, a proxy).
    pub repository: Option<String>,
    /// The variable holding the token; `GH_TOKEN` is tried after it.
    pub token_env: String,
    /// A command printing the token (`gh auth token`), used when no variable is set.
    pub token_command: Option<String>,
    /// Labels every hotfix PR gets, besides its priority (`P0`…).
    pub labels: Vec<String>,
    /// Create a missing label on the repository (else it is left off, and said).
    pub create_labels: bool,
    /// How often the PR is polled while the incident is open.
    #[serde(deserialize_with = "at_least_5s", serialize_with = "show_duration")]
    pub poll_interval: Duration,
    #[serde(deserialize_with = "duration", serialize_with = "show_duration")]
    pub timeout: Duration,
}

impl Default for GithubConfig {
    fn default() -> Self {
        GithubConfig {
            api_url: None,
            repository: None,
            token_env: "GITHUB_TOKEN".into(),
            token_command: None,
            labels: vec!["hotfix".into()],
            create_labels: true,
            poll_interval: Duration::from_secs(30),
            timeout: Duration::from_secs(10),
        }
    }
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

#[cfg(test)]
mod tests;
