//! A seat's batches signed with the key its person already signs git commits with (`gpg.format
//! = ssh`, `user.signingkey`), the way git signs them (`ssh-keygen -Y sign -n git`). Every batch
//! names its key (`Warroom-Signing-Key:`); the other seats trust the first key a seat's ref
//! names and refuse a later commit on that ref that the key did not sign.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use git2::Repository;

/// The trailer of a batch's message that names its seat's public key.
pub const KEY_TRAILER: &str = "Warroom-Signing-Key:";

/// The namespace git signs commits in; a signature made for anything else does not verify.
const NAMESPACE: &str = "git";

/// This seat's signing key, as git's configuration names it.
#[derive(Debug, Clone)]
pub struct Signer {
    /// What `ssh-keygen -f` is given: the private key, or the public key of one in the agent.
    key_file: PathBuf,
    /// `ssh-ed25519 AAAA…`, without the comment.
    pub public: String,
    /// Kept while the signer lives when the key was written literally (`key::…`).
    _literal: Option<std::sync::Arc<tempfile::NamedTempFile>>,
}

/// The signer of this repository's commits, when git is set up to sign with ssh; `None` when
/// it is not (the seat is then unsigned, and said to be).
pub fn signer(repo: &Repository) -> Result<Option<Signer>, String> {
    let config = repo.config().map_err(|e| e.message().to_string())?;
    if config.get_string("gpg.format").ok().as_deref() != Some("ssh") {
        return Ok(None);
    }
    let Ok(key) = config.get_string("user.signingkey") else {
        return Ok(None);
    };
    let key = key.trim();
    if let Some(literal) = key.strip_prefix("key::") {
        let mut f = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
        writeln!(f, "{literal}").map_err(|e| e.to_string())?;
        return Ok(Some(Signer {
            key_file: f.path().to_path_buf(),
            public: bare_key(literal),
            _literal: Some(std::sync::Arc::new(f)),
        }));
    }
    let path = match key.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default()
            .join(rest),
        None => PathBuf::from(key),
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("user.signingkey {}: {e}", path.display()))?;
    let public = if text.starts_with("-----BEGIN") {
        // A private key: its public half.
        run(
            Command::new("ssh-keygen").arg("-y").arg("-f").arg(&path),
            None,
        )
        .map_err(|e| format!("user.signingkey {}: {e}", path.display()))?
    } else {
        text
    };
    Ok(Some(Signer {
        key_file: path,
        public: bare_key(&public),
        _literal: None,
    }))
}

/// `type base64`: a public key without its comment.
fn bare_key(text: &str) -> String {
    text.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

fn run(cmd: &mut Command, input: Option<&[u8]>) -> Result<String, String> {
    let mut child = cmd
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("ssh-keygen: {e}"))?;
    if let (Some(data), Some(mut stdin)) = (input, child.stdin.take()) {
        stdin.write_all(data).map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

impl Signer {
    /// An armored signature of `payload` (a commit's content), as git writes in `gpgsig`.
    pub fn sign(&self, payload: &[u8]) -> Result<String, String> {
        run(
            Command::new("ssh-keygen")
                .args(["-Y", "sign", "-n", NAMESPACE, "-q", "-f"])
                .arg(&self.key_file),
            Some(payload),
        )
    }
}

/// Whether `signature` is `public`'s over `payload`, for the seat `seat`.
pub fn verify(public: &str, seat: &str, payload: &[u8], signature: &[u8]) -> Result<(), String> {
    let mut signers = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    writeln!(signers, "{seat} namespaces=\"{NAMESPACE}\" {public}").map_err(|e| e.to_string())?;
    let mut sig = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    sig.write_all(signature).map_err(|e| e.to_string())?;
    run(
        Command::new("ssh-keygen")
            .args(["-Y", "verify", "-n", NAMESPACE, "-I", seat, "-f"])
            .arg(signers.path())
            .arg("-s")
            .arg(sig.path()),
        Some(payload),
    )
    .map(|_| ())
    .map_err(|e| {
        e.lines()
            .last()
            .unwrap_or("the signature does not verify")
            .to_string()
    })
}

/// The key a batch's message names, if any.
pub fn announced(message: &str) -> Option<String> {
    message
        .lines()
        .find_map(|l| l.strip_prefix(KEY_TRAILER))
        .map(|k| bare_key(k.trim()))
        .filter(|k| !k.is_empty())
}

/// `SHA256:…` of a public key, as `ssh-keygen -l` shows it; the key itself when that fails.
pub fn fingerprint(public: &str) -> String {
    run(
        Command::new("ssh-keygen").args(["-l", "-f", "-"]),
        Some(public.as_bytes()),
    )
    .ok()
    .and_then(|l| l.split_whitespace().nth(1).map(String::from))
    .unwrap_or_else(|| public.to_string())
}
