//! The git command line, for what libgit2 does not do: a fetch that asks the remote for one
//! prefix of refs only (protocol v2's `ref-prefix`), a shallow fetch, a push the remote's own
//! `receive-pack` stores, and ssh connections kept open between polls (OpenSSH's
//! `ControlMaster`).

use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::{Git, PushError};

/// How long an idle ssh connection to the remote stays open for the next poll.
const SSH_PERSIST: &str = "120";

/// `git -C <checkout>` with no terminal to ask on, protocol v2, and the ssh connection reused
/// when the remote is reached over OpenSSH.
pub fn command(git: &Git) -> Command {
    let mut cmd = Command::new("git");
    cmd.arg("-C")
        .arg(git.workdir())
        .args(["-c", "protocol.version=2"])
        .stdin(Stdio::null())
        .env("GIT_TERMINAL_PROMPT", "0");
    if let Some(ssh) = reused_ssh(git) {
        cmd.env("GIT_SSH_COMMAND", ssh);
    }
    cmd
}

/// The ssh command with a shared connection, when the remote's URL is ssh and the command is
/// OpenSSH's (`GIT_SSH_COMMAND`, `core.sshCommand`, or plain `ssh`); `None` otherwise, and when
/// `GIT_SSH` names a program of its own.
fn reused_ssh(git: &Git) -> Option<String> {
    let remote = git.repo.find_remote(&git.cfg.remote).ok()?;
    let url = remote.url().ok()?;
    if !is_ssh(url) || std::env::var_os("GIT_SSH").is_some() {
        return None;
    }
    let configured = std::env::var("GIT_SSH_COMMAND")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| git.repo.config().ok()?.get_string("core.sshCommand").ok())
        .unwrap_or_else(|| "ssh".to_string());
    let program = configured.split_whitespace().next()?;
    if program.rsplit('/').next() != Some("ssh") {
        return None;
    }
    let dir = control_dir()?;
    // The connection's master forwards only the variables its own command line sends: a
    // master opened by a push (protocol v0, no `GIT_PROTOCOL`) would hold every later fetch
    // to v0.
    Some(format!(
        "{configured} -o SendEnv=GIT_PROTOCOL -o ControlMaster=auto -o ControlPersist={SSH_PERSIST} -o ControlPath={}/%C",
        dir.display()
    ))
}

/// Whether the remote is reached over a network (ssh, https, git): there the bytes and the
/// round trips of a poll count, and the git command line's prefix fetch saves them. A remote on
/// this machine is read faster in process.
pub fn over_network(git: &Git) -> bool {
    let Ok(remote) = git.repo.find_remote(&git.cfg.remote) else {
        return false;
    };
    let Ok(url) = remote.url() else { return false };
    is_ssh(url)
        || ["https://", "http://", "git://"]
            .iter()
            .any(|s| url.starts_with(s))
}

/// `ssh://…`, `git+ssh://…` or scp-like `user@host:path`.
fn is_ssh(url: &str) -> bool {
    if let Some((scheme, _)) = url.split_once("://") {
        return scheme == "ssh" || scheme == "git+ssh" || scheme == "ssh+git";
    }
    // scp-like: a colon before any slash, and not a Windows drive.
    match (url.find(':'), url.find('/')) {
        (Some(c), Some(s)) => c < s && c > 1,
        (Some(c), None) => c > 1,
        _ => false,
    }
}

/// A folder of this user's only, short enough for a socket path (`%C` adds 41 bytes; a socket's
/// path is at most 107): `$XDG_RUNTIME_DIR/warroom-ssh`, else `/tmp/warroom-ssh-UID`.
fn control_dir() -> Option<PathBuf> {
    let uid = nix::unistd::getuid();
    std::env::var_os("XDG_RUNTIME_DIR")
        .filter(|d| !d.is_empty())
        .map(|d| PathBuf::from(d).join("warroom-ssh"))
        .into_iter()
        .chain([PathBuf::from(format!("/tmp/warroom-ssh-{uid}"))])
        .find(|dir| dir.as_os_str().len() + 41 <= 107 && private_dir(dir, uid))
}

/// Makes `dir` if need be; whether it is this user's and no one else can enter it.
fn private_dir(dir: &std::path::Path, uid: nix::unistd::Uid) -> bool {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
    let _ = std::fs::DirBuilder::new().mode(0o700).create(dir);
    std::fs::symlink_metadata(dir).is_ok_and(|meta| {
        meta.is_dir() && meta.uid() == uid.as_raw() && meta.permissions().mode() & 0o077 == 0
    })
}

/// Pushes `refspecs` with `git push`, never forced: the remote's own `receive-pack` takes the
/// objects (a small push is kept as loose objects and packed by its `gc --auto`), and ssh
/// rides the open connection. `None` when git cannot be run here.
pub fn push(git: &Git, refspecs: &[String]) -> Option<Result<(), PushError>> {
    let mut cmd = command(git);
    cmd.args(["push", "--porcelain", "--quiet", &git.cfg.remote])
        .args(refspecs);
    let out = match cmd.output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => return Some(Err(PushError::Unreachable(format!("git: {e}")))),
    };
    if out.status.success() {
        return Some(Ok(()));
    }
    let said = String::from_utf8_lossy(&out.stdout);
    // `!<TAB>from:to<TAB>[rejected] (why)`: the remote was reached and refused.
    let refused: Vec<String> = said
        .lines()
        .filter_map(|l| l.strip_prefix('!'))
        .map(|l| {
            let mut fields = l.trim().split('\t');
            let to = fields
                .next()
                .and_then(|spec| spec.rsplit(':').next())
                .unwrap_or_default();
            let why = fields.next().unwrap_or_default();
            format!("{to}: {}", why.trim_start_matches('[').replacen(']', "", 1))
        })
        .collect();
    let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
    Some(Err(if refused.is_empty() {
        PushError::Unreachable(if err.is_empty() {
            format!("git push exited with {}", out.status)
        } else {
            err
        })
    } else {
        PushError::Rejected(refused.join("; "))
    }))
}

/// Runs a git command; its error output when it fails.
pub fn run(mut cmd: Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("git: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        Err(if err.is_empty() {
            format!("git exited with {}", out.status)
        } else {
            err
        })
    }
}

#[cfg(test)]
mod tests {
    use super::is_ssh;

    #[test]
    fn ssh_urls_are_told_from_the_others() {
        for url in [
            "ssh://git@github.com/acme/api.git",
            "git@github.com:acme/api.git",
            "git+ssh://host/repo",
            "host:repo",
        ] {
            assert!(is_ssh(url), "{url}");
        }
        for url in [
            "https://github.com/acme/api.git",
            "/srv/git/api.git",
            "file:///srv/git/api.git",
            "../origin.git",
            "C:/repos/api",
        ] {
            assert!(!is_ssh(url), "{url}");
        }
    }
}
