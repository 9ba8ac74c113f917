//! Tokens, read where the configuration says: environment variables in turn, then a command's
//! output (`gh auth token`, a password manager). Never from the screen or the record.

/// The first of `vars` that is set and not empty, else what `command` prints; `what` names the
/// setting in the log when the command fails.
pub fn token_from(vars: &[&str], command: Option<&str>, what: &str) -> Option<String> {
    for var in vars {
        if let Some(t) = std::env::var(var)
            .ok()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
        {
            return Some(t);
        }
    }
    let cmd = command?;
    match std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stderr(std::process::Stdio::null())
        .output()
    {
        Ok(o) if o.status.success() => {
            Some(String::from_utf8_lossy(&o.stdout).trim().to_string()).filter(|t| !t.is_empty())
        }
        Ok(o) => {
            tracing::warn!("{what} token_command exited with {}", o.status);
            None
        }
        Err(e) => {
            tracing::warn!("{what} token_command could not run: {e}");
            None
        }
    }
}
