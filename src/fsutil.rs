//! Small file helpers.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The error with the path it is about, and what to do when that is clear: a read-only or
/// forbidden folder, a full disk.
pub fn named(path: &Path, e: std::io::Error) -> std::io::Error {
    use std::io::ErrorKind as K;
    let hint = match e.kind() {
        K::ReadOnlyFilesystem | K::PermissionDenied => {
            " — warroom needs to write there: set WARROOM_HOME to a folder you can write"
        }
        K::StorageFull | K::QuotaExceeded => " — the disk is full: free some space and try again",
        _ => "",
    };
    std::io::Error::new(e.kind(), format!("{}: {e}{hint}", path.display()))
}

/// Writes through a temporary file and a rename, so readers never see half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Streams into a temporary file beside `path` and renames it into place once `write` has
/// finished and the data is on disk; an error or a crash leaves `path` as it was.
pub fn write_atomic_with<E: From<std::io::Error>>(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<(), E>,
) -> Result<(), E> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir)?;
    let mut out = std::io::BufWriter::with_capacity(256 * 1024, tmp);
    write(&mut out)?;
    let tmp = out.into_inner().map_err(|e| e.into_error())?;
    tmp.as_file().sync_data()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A path from the configuration with a leading `~/` read as the home folder.
pub fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => path.to_path_buf(),
    }
}
