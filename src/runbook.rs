//! What the console runs: the deploy, rollback and log-follow commands (from a platform
//! preset or the config), the checks (configured, or detected from the project), the smoke
//! tests and the log file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::{Config, Platform, SmokeConfig};

pub use crate::journal::event::PRODUCTION;

/// An environment before production (`[environments.NAME]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Environment {
    pub name: String,
    pub deploy: Option<String>,
    pub follow: Option<String>,
    pub rollback: Option<String>,
    pub tty: bool,
    pub smoke: Vec<SmokeConfig>,
    pub sentry_environment: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub name: String,
    pub command: String,
    pub tty: bool,
}

/// What must answer before a deploy counts as done.
#[derive(Debug, Clone, PartialEq)]
pub struct Ready {
    pub url: String,
    pub expect: Option<String>,
    pub timeout: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Runbook {
    pub platform: Option<Platform>,
    pub deploy: Option<String>,
    /// Where the deploy command comes from, for the confirmation.
    pub deploy_source: &'static str,
    /// What to do instead when the platform has no deploy command (Railway deploys on push).
    pub deploy_advice: Option<&'static str>,
    pub follow: Option<String>,
    /// The deploy and follow commands run on a pseudo-terminal.
    pub deploy_tty: bool,
    /// The readiness check after the deploy command, when configured.
    pub ready: Option<Ready>,
    pub rollback: Option<String>,
    pub rollback_advice: Option<&'static str>,
    pub rollback_tty: bool,
    pub checks: Vec<Check>,
    /// `Some("pnpm")` when the checks were detected rather than configured.
    pub checks_detected: Option<&'static str>,
    pub smoke: Vec<SmokeConfig>,
    /// The environments before production, by name.
    pub environments: Vec<Environment>,
    pub log_file: Option<PathBuf>,
    pub shell: String,
    pub grace: Duration,
    pub scrollback: usize,
}

struct Preset {
    deploy: Option<&'static str>,
    follow: Option<&'static str>,
    rollback: Option<&'static str>,
    deploy_advice: Option<&'static str>,
    rollback_advice: Option<&'static str>,
}

fn preset(p: Platform) -> Preset {
    match p {
        Platform::Vercel => Preset {
            deploy: Some("vercel --prod"),
            follow: Some("vercel logs --follow"),
            rollback: Some("vercel rollback"),
            deploy_advice: None,
            rollback_advice: None,
        },
        Platform::Netlify => Preset {
            deploy: Some("netlify deploy --prod"),
            follow: None,
            rollback: None,
            deploy_advice: None,
            rollback_advice: Some(
                "Netlify: Deploys → the previous deploy → Publish deploy (or set [rollback] command)",
            ),
        },
        Platform::Eb => Preset {
            deploy: Some("eb deploy {environment} --staged"),
            follow: Some("eb logs --follow"),
            rollback: None,
            deploy_advice: None,
            rollback_advice: Some(
                "Elastic Beanstalk: eb deploy {environment} --version <previous label> (set [rollback] command)",
            ),
        },
        // `--ci` streams the build and exits with it; plain `railway up` on a pipe prints the
        // build's URL and exits 0 before the build runs.
        Platform::Railway => Preset {
            deploy: Some("railway up --ci"),
            follow: Some("railway logs"),
            rollback: None,
            deploy_advice: None,
            rollback_advice: Some("Railway: redeploy the previous deployment from the dashboard"),
        },
        Platform::Command => Preset {
            deploy: None,
            follow: None,
            rollback: None,
            deploy_advice: None,
            rollback_advice: None,
        },
    }
}

const RAILWAY_UP: &str = "`railway up` without --ci returns before the build runs (on a pipe it prints the build's URL and exits 0): use `railway up --ci`, which waits for the build and fails with it";

/// Checks for a project with none configured: pnpm (`pnpm-lock.yaml`), npm (`package.json`),
/// Cargo (`Cargo.toml`).
pub fn detect_checks(dir: &Path) -> Option<(&'static str, Vec<Check>)> {
    let check = |name: &str, command: &str| Check {
        name: name.into(),
        command: command.into(),
        tty: false,
    };
    if dir.join("pnpm-lock.yaml").is_file() {
        Some((
            "pnpm",
            vec![
                check("test", "pnpm test"),
                check("typecheck", "pnpm tsc --noEmit"),
                check("build", "pnpm build"),
            ],
        ))
    } else if dir.join("package.json").is_file() {
        Some((
            "npm",
            vec![
                check("test", "npm test"),
                check("typecheck", "npx tsc --noEmit"),
                check("build", "npm run build"),
            ],
        ))
    } else if dir.join("Cargo.toml").is_file() {
        Some((
            "Cargo",
            vec![
                check("test", "cargo test"),
                check("typecheck", "cargo clippy --all-targets -- -D warnings"),
                check("build", "cargo build --release"),
            ],
        ))
    } else {
        None
    }
}

impl Runbook {
    pub fn from_config(cfg: &Config, cwd: &Path) -> Runbook {
        let d = &cfg.deploy;
        let env = d.environment.as_deref().unwrap_or("production");
        let fill = |s: &str| s.replace("{environment}", env);
        let p = d.platform.map(preset);
        let deploy = d
            .command
            .clone()
            .or_else(|| p.as_ref().and_then(|p| p.deploy).map(fill));
        let deploy_source = match (&d.command, d.platform) {
            (Some(_), _) => "[deploy] command",
            (None, Some(Platform::Vercel)) => "vercel preset",
            (None, Some(Platform::Netlify)) => "netlify preset",
            (None, Some(Platform::Eb)) => "Elastic Beanstalk preset",
            (None, Some(Platform::Railway)) => "railway preset",
            _ => "not configured",
        };
        let (checks, checks_detected) = if cfg.checks.is_empty() {
            match detect_checks(cwd) {
                Some((what, checks)) => (checks, Some(what)),
                None => (Vec::new(), None),
            }
        } else {
            let checks = cfg
                .checks
                .iter()
                .map(|c| Check {
                    name: c.name.clone(),
                    command: c.command.clone(),
                    tty: c.tty,
                })
                .collect();
            (checks, None)
        };
        let log_file = cfg.logs.file.as_ref().map(|f| {
            if f.is_absolute() {
                f.clone()
            } else {
                cwd.join(f)
            }
        });
        Runbook {
            platform: d.platform,
            deploy,
            deploy_source,
            deploy_advice: match &d.command {
                None => p.as_ref().and_then(|p| p.deploy_advice),
                Some(c) if c.contains("railway up") && !c.contains("--ci") => Some(RAILWAY_UP),
                Some(_) => None,
            },
            ready: d.ready_url.clone().map(|url| Ready {
                url,
                expect: d.ready_expect.clone(),
                timeout: d.ready_timeout.unwrap_or(Duration::from_secs(600)),
            }),
            follow: d
                .follow
                .clone()
                .or_else(|| p.as_ref().and_then(|p| p.follow).map(fill)),
            rollback: cfg
                .rollback
                .command
                .clone()
                .or_else(|| p.as_ref().and_then(|p| p.rollback).map(fill)),
            rollback_advice: p.as_ref().and_then(|p| p.rollback_advice),
            rollback_tty: cfg.rollback.tty,
            deploy_tty: d.tty,
            checks,
            checks_detected,
            smoke: cfg.smoke.clone(),
            environments: cfg
                .environments
                .iter()
                .map(|(name, e)| Environment {
                    name: name.get_ref().clone(),
                    deploy: e.deploy.clone(),
                    follow: e.follow.clone(),
                    rollback: e.rollback.clone(),
                    tty: e.tty,
                    smoke: e.smoke.clone(),
                    sentry_environment: e.sentry_environment.clone(),
                })
                .collect(),
            log_file,
            shell: cfg.commands.shell.clone(),
            grace: cfg.commands.grace,
            scrollback: cfg.commands.scrollback,
        }
    }

    /// A named environment before production.
    pub fn environment(&self, name: &str) -> Option<&Environment> {
        self.environments.iter().find(|e| e.name == name)
    }

    /// The plan with nothing configured and nothing detected.
    pub fn empty() -> Runbook {
        Runbook::from_config(&Config::default(), Path::new("/nonexistent"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(toml: &str, dir: &Path) -> Runbook {
        Runbook::from_config(&Config::parse(toml, "t").expect("config"), dir)
    }

    #[test]
    fn presets_name_deploy_follow_and_rollback() {
        let none = Path::new("/nonexistent");
        let v = plan("[deploy]\nplatform = \"vercel\"\n", none);
        assert_eq!(v.deploy.as_deref(), Some("vercel --prod"));
        assert_eq!(v.rollback.as_deref(), Some("vercel rollback"));
        assert_eq!(v.follow.as_deref(), Some("vercel logs --follow"));
        let eb = plan(
            "[deploy]\nplatform = \"eb\"\nenvironment = \"prod-blue\"\n",
            none,
        );
        assert_eq!(eb.deploy.as_deref(), Some("eb deploy prod-blue --staged"));
        assert!(eb.rollback.is_none() && eb.rollback_advice.is_some());
        let rw = plan("[deploy]\nplatform = \"railway\"\n", none);
        assert_eq!(rw.deploy.as_deref(), Some("railway up --ci"));
        let bare = plan("[deploy]\ncommand = \"railway up\"\n", none);
        assert!(
            bare.deploy_advice
                .is_some_and(|a| a.contains("railway up --ci"))
        );
        assert_eq!(rw.follow.as_deref(), Some("railway logs"));
        let overridden = plan(
            "[deploy]\nplatform = \"vercel\"\ncommand = \"./deploy.sh\"\n[rollback]\ncommand = \"./undo.sh\"\n",
            none,
        );
        assert_eq!(overridden.deploy.as_deref(), Some("./deploy.sh"));
        assert_eq!(overridden.rollback.as_deref(), Some("./undo.sh"));
        assert!(Config::parse("[deploy]\nplatform = \"command\"\n", "t").is_err());
        assert!(
            Config::parse("[deploy]\nplatform = \"heroku\"\n", "t")
                .is_err_and(|e| e.line == Some(2))
        );
    }

    #[test]
    fn checks_are_detected_when_none_are_configured() {
        let dir = tempfile::tempdir().expect("tmp");
        assert!(plan("", dir.path()).checks.is_empty());
        std::fs::write(dir.path().join("Cargo.toml"), "").expect("write");
        let p = plan("", dir.path());
        assert_eq!(p.checks_detected, Some("Cargo"));
        assert_eq!(p.checks[0].command, "cargo test");
        std::fs::write(dir.path().join("pnpm-lock.yaml"), "").expect("write");
        assert_eq!(plan("", dir.path()).checks[1].command, "pnpm tsc --noEmit");
        let configured = plan(
            "[[checks]]\nname = \"unit\"\ncommand = \"make test\"\n",
            dir.path(),
        );
        assert_eq!(
            (configured.checks.len(), configured.checks_detected),
            (1, None)
        );
    }

    #[test]
    fn smoke_tests_need_a_url_or_a_command() {
        let e = Config::parse("[[smoke]]\nname = \"login\"\nexpect_status = 401\n", "t")
            .expect_err("neither");
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("needs url"));
        assert!(Config::parse("[[smoke]]\nname = \"x\"\nurl = \"not a url\"\n", "t").is_err());
        let ok = Config::parse(
            "[[smoke]]\nname = \"login\"\nurl = \"https://api.example.com/auth\"\nmethod = \"POST\"\nexpect_status = 401\nheaders = { Content-Type = \"application/json\" }\n",
            "t",
        )
        .expect("ok");
        assert_eq!(ok.smoke[0].expect_status, 401);
        assert_eq!(ok.smoke[0].timeout, Duration::from_secs(10));
    }
}
