//! A seat's batches signed with the key its person already signs git commits with, the way git
//! signs them: `gpg.format = ssh` (`ssh-keygen -Y sign -n git`) or openpgp (`gpg -bsau KEY`,
//! when `user.signingkey` is set and the format is `openpgp` or unset). Every batch names its
//! public key (`Warroom-Signing-Key:`); the other seats trust the first key a seat's ref names
//! and refuse a later commit on that ref that the key did not sign.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use base64::Engine;
use git2::Repository;

/// The trailer of a batch's message that names its seat's public key.
pub const KEY_TRAILER: &str = "Warroom-Signing-Key:";

/// The namespace git signs commits in; a signature made for anything else does not verify.
const NAMESPACE: &str = "git";

/// How an openpgp key is named in the trailer: `openpgp <base64 of the exported key>`.
const OPENPGP: &str = "openpgp ";

/// This seat's signing key, as git's configuration names it.
#[derive(Debug, Clone)]
pub struct Signer {
    how: How,
    /// `ssh-ed25519 AAAA…` (without the comment), or `openpgp <base64>`.
    pub public: String,
}

#[derive(Debug, Clone)]
enum How {
    Ssh {
        /// What `ssh-keygen -f` is given: the private key, or the public key of one in the agent.
        key_file: PathBuf,
        /// Kept while the signer lives when the key was written literally (`key::…`).
        _literal: Option<std::sync::Arc<tempfile::NamedTempFile>>,
    },
    OpenPgp {
        program: String,
        key: String,
    },
}

/// The signer of this repository's commits, when git is set up to sign; `None` when it is not
/// (the seat is then unsigned, and said to be).
pub fn signer(repo: &Repository) -> Result<Option<Signer>, String> {
    let config = repo.config().map_err(|e| e.message().to_string())?;
    let Ok(key) = config.get_string("user.signingkey") else {
        return Ok(None);
    };
    let key = key.trim();
    match config.get_string("gpg.format").ok().as_deref() {
        Some("ssh") => ssh_signer(key).map(Some),
        None | Some("openpgp") => {
            let program = config
                .get_string("gpg.openpgp.program")
                .or_else(|_| config.get_string("gpg.program"))
                .unwrap_or_else(|_| "gpg".into());
            let exported = run(tool(&program).args(["--batch", "--export", key]), None)
                .map_err(|e| format!("user.signingkey {key}: {e}"))?;
            if exported.is_empty() {
                return Err(format!("user.signingkey {key}: gpg has no such key"));
            }
            Ok(Some(Signer {
                public: format!(
                    "{OPENPGP}{}",
                    base64::engine::general_purpose::STANDARD.encode(&exported)
                ),
                how: How::OpenPgp {
                    program,
                    key: key.to_string(),
                },
            }))
        }
        Some(_) => Ok(None),
    }
}

fn ssh_signer(key: &str) -> Result<Signer, String> {
    if let Some(literal) = key.strip_prefix("key::") {
        let mut f = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
        writeln!(f, "{literal}").map_err(|e| e.to_string())?;
        return Ok(Signer {
            how: How::Ssh {
                key_file: f.path().to_path_buf(),
                _literal: Some(std::sync::Arc::new(f)),
            },
            public: bare_key(literal),
        });
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
        text_of(run(tool("ssh-keygen").arg("-y").arg("-f").arg(&path), None))
            .map_err(|e| format!("user.signingkey {}: {e}", path.display()))?
    } else {
        text
    };
    Ok(Signer {
        how: How::Ssh {
            key_file: path,
            _literal: None,
        },
        public: bare_key(&public),
    })
}

/// `type base64`: a public key without its comment.
fn bare_key(text: &str) -> String {
    text.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A signing tool run with no terminal: in a session of its own (util-linux's `setsid`), so a
/// key that needs a passphrase fails with a message instead of asking on the console's screen.
fn tool(program: &str) -> Command {
    const SETSID: &str = "/usr/bin/setsid";
    let mut cmd = if std::path::Path::new(SETSID).exists() {
        let mut c = Command::new(SETSID);
        c.args(["-w", program]);
        c
    } else {
        Command::new(program)
    };
    cmd.env("SSH_ASKPASS_REQUIRE", "never");
    cmd
}

fn run(cmd: &mut Command, input: Option<&[u8]>) -> Result<Vec<u8>, String> {
    // The tool's own name in messages, not the `setsid` that runs it.
    let program = match cmd.get_program().to_string_lossy() {
        p if p.ends_with("setsid") => cmd
            .get_args()
            .nth(1)
            .map(|a| a.to_string_lossy().into_owned())
            .unwrap_or_else(|| p.into_owned()),
        p => p.into_owned(),
    };
    let mut child = cmd
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{program}: {e}"))?;
    if let (Some(data), Some(mut stdin)) = (input, child.stdin.take()) {
        stdin.write_all(data).map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

fn text_of(out: Result<Vec<u8>, String>) -> Result<String, String> {
    out.map(|b| String::from_utf8_lossy(&b).into_owned())
}

impl Signer {
    /// An armored signature of `payload` (a commit's content), as git writes in `gpgsig`.
    pub fn sign(&self, payload: &[u8]) -> Result<String, String> {
        text_of(match &self.how {
            How::Ssh { key_file, .. } => run(
                tool("ssh-keygen")
                    .args(["-Y", "sign", "-n", NAMESPACE, "-q", "-f"])
                    .arg(key_file),
                Some(payload),
            ),
            How::OpenPgp { program, key } => run(
                tool(program).args([
                    "--batch",
                    "--pinentry-mode",
                    "error",
                    "--armor",
                    "--detach-sign",
                    "-u",
                    key,
                ]),
                Some(payload),
            ),
        })
    }
}

/// Whether `signature` is `public`'s over `payload`, for the seat `seat`.
pub fn verify(public: &str, seat: &str, payload: &[u8], signature: &[u8]) -> Result<(), String> {
    let mut sig = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    sig.write_all(signature).map_err(|e| e.to_string())?;
    let last_line = |e: String| {
        e.lines()
            .last()
            .unwrap_or("the signature does not verify")
            .to_string()
    };
    if let Some(key) = public.strip_prefix(OPENPGP) {
        // A keyring of this key alone: a good signature is this key's.
        let home = tempfile::tempdir().map_err(|e| e.to_string())?;
        let key = base64::engine::general_purpose::STANDARD
            .decode(key)
            .map_err(|e| format!("the key it named is not one ({e})"))?;
        let gpg = |args: &[&str]| {
            let mut c = tool("gpg");
            c.arg("--homedir")
                .arg(home.path())
                .arg("--batch")
                .args(args);
            c
        };
        run(&mut gpg(&["--import"]), Some(&key)).map_err(last_line)?;
        let status = text_of(run(
            gpg(&["--status-fd", "1", "--verify"])
                .arg(sig.path())
                .arg("-"),
            Some(payload),
        ))
        .map_err(last_line)?;
        return if status.contains("[GNUPG:] GOODSIG") {
            Ok(())
        } else {
            Err("the signature does not verify".into())
        };
    }
    let mut signers = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    writeln!(signers, "{seat} namespaces=\"{NAMESPACE}\" {public}").map_err(|e| e.to_string())?;
    run(
        tool("ssh-keygen")
            .args(["-Y", "verify", "-n", NAMESPACE, "-I", seat, "-f"])
            .arg(signers.path())
            .arg("-s")
            .arg(sig.path()),
        Some(payload),
    )
    .map(|_| ())
    .map_err(last_line)
}

/// The key a batch's message names, if any.
pub fn announced(message: &str) -> Option<String> {
    message
        .lines()
        .find_map(|l| l.strip_prefix(KEY_TRAILER))
        .map(|k| bare_key(k.trim()))
        .filter(|k| !k.is_empty())
}

/// `SHA256:…` of an ssh key as `ssh-keygen -l` shows it, or an openpgp key's fingerprint; the
/// key itself when that fails.
pub fn fingerprint(public: &str) -> String {
    let shown = match public.strip_prefix(OPENPGP) {
        Some(key) => base64::engine::general_purpose::STANDARD
            .decode(key)
            .ok()
            .and_then(|k| {
                text_of(run(
                    tool("gpg").args(["--batch", "--with-colons", "--show-keys"]),
                    Some(&k),
                ))
                .ok()
            })
            .and_then(|t| {
                t.lines()
                    .find_map(|l| l.strip_prefix("fpr:"))
                    .and_then(|l| l.split(':').find(|f| !f.is_empty()))
                    .map(|f| format!("openpgp {f}"))
            }),
        None => text_of(run(
            tool("ssh-keygen").args(["-l", "-f", "-"]),
            Some(public.as_bytes()),
        ))
        .ok()
        .and_then(|l| l.split_whitespace().nth(1).map(String::from)),
    };
    shown.unwrap_or_else(|| public.to_string())
}
