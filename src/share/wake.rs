//! A remote on this machine (a path or `file://`) is watched: when a seat's ref of the incident
//! moves there, the share thread polls at once instead of at its next interval. The interval's
//! poll stays, for what a watch misses (a network file system).

use std::path::{Path, PathBuf};

use notify::{RecursiveMode, Watcher};

use crate::git::{Git, cli};

/// The watch on the remote's refs; it stops when dropped.
pub struct Wake {
    _watcher: notify::RecommendedWatcher,
}

/// Watches the remote's refs of `ticket` and calls `wake` when one of them changes, with the
/// seat's name under `refs/warroom/TICKET/` (`None` for `packed-refs`, which may hold any of
/// them); `None` when the remote is reached over a network or its folder cannot be watched.
pub fn watch(
    git: &Git,
    ticket: &str,
    wake: impl Fn(Option<String>) + Send + 'static,
) -> Option<Wake> {
    if cli::over_network(git) {
        return None;
    }
    let remote = git.repo.find_remote(&git.cfg.remote).ok()?;
    let dir = git_dir(&git.workdir(), remote.url().ok()?)?;
    let refs = dir.join("refs");
    let prefix = refs.join("warroom").join(ticket);
    let packed = dir.join("packed-refs");
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let Ok(ev) = res else { return };
        if !(ev.kind.is_modify() || ev.kind.is_create() || ev.kind.is_remove()) {
            return;
        }
        for p in ev
            .paths
            .iter()
            .filter(|p| p.extension().is_none_or(|e| e != "lock"))
        {
            if *p == packed {
                return wake(None);
            }
            if let Ok(seat) = p.strip_prefix(&prefix) {
                return wake(Some(seat.to_string_lossy().into_owned()));
            }
        }
    })
    .ok()?;
    // The incident's folder may not exist yet: its parents are watched down from `refs`.
    watcher.watch(&refs, RecursiveMode::Recursive).ok()?;
    watcher.watch(&dir, RecursiveMode::NonRecursive).ok()?;
    Some(Wake { _watcher: watcher })
}

/// The git folder of a remote given as a path or a `file://` URL, relative paths read from the
/// checkout.
fn git_dir(workdir: &Path, url: &str) -> Option<PathBuf> {
    let path = match url.strip_prefix("file://") {
        Some(p) => PathBuf::from(p),
        None if url.contains("://") => return None,
        None => PathBuf::from(url),
    };
    let path = if path.is_relative() {
        workdir.join(path)
    } else {
        path
    };
    let dotgit = path.join(".git");
    let dir = if dotgit.is_dir() { dotgit } else { path };
    dir.join("refs").is_dir().then_some(dir)
}

#[cfg(test)]
mod tests {
    use super::git_dir;

    #[test]
    fn a_remote_s_git_folder_is_found_from_its_url() {
        let tmp = tempfile::tempdir().expect("tmp");
        let bare = tmp.path().join("origin.git");
        std::fs::create_dir_all(bare.join("refs")).expect("bare");
        let work = tmp.path().join("work");
        std::fs::create_dir_all(work.join(".git/refs")).expect("work");
        let url = format!("file://{}", bare.display());
        assert_eq!(git_dir(&work, &url), Some(bare.clone()));
        assert_eq!(
            git_dir(&work, bare.to_str().expect("path")),
            Some(bare.clone())
        );
        assert_eq!(
            git_dir(&work, "../origin.git"),
            Some(work.join("../origin.git"))
        );
        assert_eq!(
            git_dir(&bare, work.to_str().expect("path")),
            Some(work.join(".git"))
        );
        assert_eq!(git_dir(&work, "ssh://host/repo"), None);
        assert_eq!(git_dir(&work, "/nowhere/at/all"), None);
    }
}
