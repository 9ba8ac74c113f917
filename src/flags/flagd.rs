//! flagd's flag file: the flag's `state` (`ENABLED` / `DISABLED`) rewritten atomically (a new
//! file renamed over the old one), so the daemon watching it never reads half a file.

use std::path::PathBuf;

use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Flagd {
    pub file: PathBuf,
    pub key: String,
}

impl Flagd {
    fn load(&self) -> Result<Value, String> {
        let text = std::fs::read_to_string(&self.file)
            .map_err(|e| format!("flagd: cannot read {}: {e}", self.file.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| format!("flagd: {} is not JSON: {e}", self.file.display()))
    }

    fn flag<'a>(&self, doc: &'a Value) -> Result<&'a Value, String> {
        doc.get("flags")
            .and_then(|f| f.get(&self.key))
            .ok_or_else(|| format!("flagd: {} has no flag {:?}", self.file.display(), self.key))
    }

    pub fn read(&self) -> Result<bool, String> {
        let doc = self.load()?;
        match self.flag(&doc)?.get("state").and_then(Value::as_str) {
            Some("ENABLED") => Ok(true),
            Some("DISABLED") => Ok(false),
            other => Err(format!(
                "flagd: the flag {:?} has state {other:?}, not ENABLED or DISABLED",
                self.key
            )),
        }
    }

    pub fn set(&self, on: bool) -> Result<(), String> {
        let mut doc = self.load()?;
        self.flag(&doc)?;
        doc["flags"][&self.key]["state"] = Value::from(if on { "ENABLED" } else { "DISABLED" });
        let mut text = serde_json::to_string_pretty(&doc).map_err(|e| format!("flagd: {e}"))?;
        text.push('\n');
        crate::fsutil::write_atomic(&self.file, text.as_bytes())
            .map_err(|e| format!("flagd: cannot write {}: {e}", self.file.display()))
    }
}
