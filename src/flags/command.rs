//! Any other system: shell commands that turn the flag on and off, and one that prints its state.

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Command {
    pub on: String,
    pub off: String,
    pub status: String,
    pub timeout: Duration,
}

impl Command {
    async fn run(&self, which: &str, cmd: &str) -> Result<String, String> {
        let child = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .output();
        let out = tokio::time::timeout(self.timeout, child)
            .await
            .map_err(|_| {
                format!(
                    "the {which} command took longer than {}",
                    crate::format::duration(self.timeout)
                )
            })?
            .map_err(|e| format!("the {which} command could not run: {e}"))?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let last = err
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            return Err(format!(
                "the {which} command failed ({}){}{}",
                out.status,
                if last.is_empty() { "" } else { ": " },
                last.trim()
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    pub async fn read(&self) -> Result<bool, String> {
        let out = self.run("status", &self.status).await?;
        let word = out.trim().to_ascii_lowercase();
        match word.as_str() {
            "on" | "true" | "enabled" | "1" | "yes" => Ok(true),
            "off" | "false" | "disabled" | "0" | "no" => Ok(false),
            _ => Err(format!(
                "the status command printed {:?}: print on or off (true/false, enabled/disabled)",
                out.trim().chars().take(60).collect::<String>()
            )),
        }
    }

    pub async fn set(&self, on: bool) -> Result<(), String> {
        let cmd = if on { &self.on } else { &self.off };
        self.run(super::word(on), cmd).await.map(|_| ())
    }
}
