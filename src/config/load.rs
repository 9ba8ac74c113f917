//! Finding, reading and checking the configuration: every error names the key and the line.

use super::*;

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
        check_smoke(&self.smoke, "[[smoke]]", text, &err)?;
        for (name, env) in &self.environments {
            let line = Some(line_of(text, name.span().start));
            let name = name.get_ref();
            if name == crate::journal::event::PRODUCTION {
                return Err(err(
                    line,
                    "[environments.production]: production is [deploy], [[smoke]], [rollback] and [sentry] environment; name the other environments (staging, canary, …)".into(),
                ));
            }
            if env.deploy.is_none() && env.follow.is_none() {
                return Err(err(
                    line,
                    format!(
                        "[environments.{name}] needs deploy = \"…\" (the command that deploys to it)"
                    ),
                ));
            }
            check_smoke(
                &env.smoke,
                &format!("[[environments.{name}.smoke]]"),
                text,
                &err,
            )?;
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
pub(super) fn refuse_readable_by_others(path: &Path) -> Result<(), ConfigError> {
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
    let (mut config, text) = match &path {
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
            (cfg, text)
        }
        None => (Config::default(), String::new()),
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
    let source_name = path.as_deref().map(|p| p.display().to_string());
    config.check_metrics(
        &checklist,
        &text,
        source_name.as_deref().unwrap_or(CONFIG_FILE),
    )?;
    config.check_flags(&text, source_name.as_deref().unwrap_or(CONFIG_FILE))?;
    config.check_outward(&text, source_name.as_deref().unwrap_or(CONFIG_FILE))?;
    config.check_tickets(&text, source_name.as_deref().unwrap_or(CONFIG_FILE))?;
    let base = path.as_deref().and_then(Path::parent).unwrap_or(cwd);
    let templates_dir = config.templates_dir.as_ref().map(|t| base.join(t));
    for f in &mut config.flags {
        f.file = f.file.take().map(|p| base.join(p));
    }
    Ok(Loaded {
        templates_dir,
        config,
        path,
        keymap,
        checklist: Arc::new(checklist),
        checklist_source,
    })
}

/// A smoke test needs a URL or a command (not both), a URL that parses and a real method.
fn check_smoke(
    smoke: &[SmokeConfig],
    table: &str,
    text: &str,
    err: &dyn Fn(Option<usize>, String) -> ConfigError,
) -> Result<(), ConfigError> {
    for s in smoke {
        let line = Some(line_of(text, s.name.span().start));
        let name = s.name.get_ref();
        match (&s.url, &s.command) {
            (None, None) => {
                return Err(err(
                    line,
                    format!("{table} {name:?} needs url = \"…\" or command = \"…\""),
                ));
            }
            (Some(_), Some(_)) => {
                return Err(err(
                    line,
                    format!("{table} {name:?} has both url and command; keep one"),
                ));
            }
            (Some(url), None) => {
                if reqwest::Url::parse(url).is_err() {
                    return Err(err(
                        line,
                        format!("{table} {name:?}: url {url:?} is not a URL"),
                    ));
                }
                if reqwest::Method::from_bytes(s.method.as_bytes()).is_err() {
                    return Err(err(
                        line,
                        format!(
                            "{table} {name:?}: method {:?} is not an HTTP method",
                            s.method
                        ),
                    ));
                }
            }
            (None, Some(_)) => {}
        }
    }
    Ok(())
}
