//! `warroom demo`: a complete P0 incident on a throwaway service, so every key works for real
//! without an account, a network or the user's repositories: git on a local repository with a
//! bare origin, real scripts for the checks and the deploy, a local "production" with a
//! Sentry-compatible API for the real poller, and real exports on close.

pub mod repo;
pub mod script;
pub mod server;

use std::path::{Path, PathBuf};

use chrono::Utc;

use crate::journal::event::rfc3339_string;
use crate::journal::{Draft, JournalWriter, Store, kinds};

pub const TICKET: &str = "DEMO-1337";
pub const TITLE: &str = "Auth bypass on expired tokens";

/// What `demo` set up: where things are, for the console and the user.
pub struct Demo {
    pub dir: PathBuf,
    pub repo: PathBuf,
    pub store: Store,
    pub config: PathBuf,
}

fn config_text(base: &str, dir: &Path, script: bool) -> String {
    let seconds = if script { 6 } else { 20 };
    let window = if script {
        format!("{}s", WINDOW_SCRIPTED.as_secs())
    } else {
        "2m".to_string()
    };
    format!(
        r#"# The demo's warroom.toml: what a real service's would look like.
[deploy]
command = "DEMO_DEPLOY_SECONDS={seconds} ./scripts/deploy.sh"

[rollback]
command = "./scripts/rollback.sh"

[[checks]]
name = "test"
command = "./scripts/test.sh"

[[checks]]
name = "typecheck"
command = "./scripts/typecheck.sh"

[[checks]]
name = "build"
command = "./scripts/build.sh"

[[smoke]]
name = "expired token rejected"
url = "{base}/auth/login"
method = "POST"
headers = {{ Content-Type = "application/json" }}
body = '{{"token": "expired_token"}}'
expect_status = 401
verifies_fix = true

[[smoke]]
name = "health"
url = "{base}/health"
expect_body = "ok"

[logs]
file = "{log}"

# Compressed like the rest of the demo: a real service watches 15–30 minutes.
[monitoring]
window = "{window}"

[sentry]
base_url = "{base}"
org = "acme"
project = "2"
environment = "production"
poll_interval = "5s"
window = "40m"
baseline = "10m"
token_command = "echo demo-token-for-the-local-server"

# The login's p95, from the service's Prometheus (the same local server): slow while tokens
# are checked the long way, back down once the fix is out.
[[metrics]]
name = "Login p95 latency"
source = "prometheus"
url = "{base}"
query = 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{{route="/auth/login"}}[1m])))'
expect = "drop"
unit = "s"
item = "latency-stable"
interval = "2s"
before = "1m"
judge = "10s"
"#,
        log = dir.join("production.log").display()
    )
}

/// The monitoring window of the scripted demo, which the script waits out before it says
/// "verified resolved".
pub const WINDOW_SCRIPTED: std::time::Duration = std::time::Duration::from_secs(20);

/// Builds the demo's world in `dir` and opens its incident.
pub fn set_up(dir: &Path, script: bool) -> Result<Demo, String> {
    let now = Utc::now();
    let detected = now - chrono::Duration::minutes(25);
    let repo = repo::build(dir, now.timestamp())?;
    let store = Store::new(dir.join("home"));
    let opened = Draft::new(
        kinds::INCIDENT_OPENED,
        format!("Incident opened: P0 {TITLE}"),
    )
    .field("ticket", TICKET)
    .field("title", TITLE)
    .field("priority", "P0")
    .field("detected_at", rfc3339_string(detected))
    .field("demo", true)
    .stamp(now - chrono::Duration::minutes(22));
    let writer: JournalWriter = store.create(TICKET, &opened).map_err(|e| e.to_string())?;
    let seed = [
        (
            19,
            Draft::new(kinds::MILESTONE, "On-call engineer alerted")
                .field("milestone", "on_call_alerted"),
        ),
        (
            16,
            Draft::new(
                kinds::NOTE,
                "Impact: users whose session expired can still call /api/account and /api/invoices",
            ),
        ),
        (12, Draft::new(kinds::STATUS_UPDATE, "Status update posted")),
        (
            7,
            Draft::new(
                kinds::NOTE,
                "Root cause: verifyToken() checks exp only when the token has an iat; the SSO bridge mints tokens without one",
            ),
        ),
        (
            6,
            Draft::new(kinds::MILESTONE, "Root cause identified")
                .field("milestone", "root_cause_identified"),
        ),
        (
            5,
            Draft::new(
                kinds::NOTE,
                "Fix: reject a token whose exp is missing or past, whatever its iat",
            ),
        ),
    ];
    let seed = seed.into_iter().chain([(
        0,
        Draft::new(
            kinds::NOTE,
            format!(
                "Checkout: {} — commit a fix there from another shell",
                repo.display()
            ),
        ),
    )]);
    for (ago, d) in seed {
        writer
            .append_event(&d.stamp(now - chrono::Duration::minutes(ago)))
            .map_err(|e| e.to_string())?;
    }
    let world = server::World {
        journal: store.journal_path(TICKET),
        detected,
    };
    let base = server::start(world.clone())?;
    server::write_app_log(dir.join("production.log"), world);
    let config = dir.join("warroom.toml");
    std::fs::write(&config, config_text(&base, dir, script)).map_err(|e| e.to_string())?;
    Ok(Demo {
        dir: dir.to_path_buf(),
        repo,
        store,
        config,
    })
}
