//! Tracing to `$WARROOM_HOME/warroom.log`, never to the terminal the console draws on.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;

/// Starts file logging; the guard flushes on drop, so keep it alive in the caller.
/// `WARROOM_LOG` sets the filter (default `info`). A log file that cannot be written is the
/// error, said so the console can start without it.
pub fn init(home: &Path) -> Result<Option<WorkerGuard>, String> {
    let path = home.join("warroom.log");
    let file = std::fs::create_dir_all(home)
        .and_then(|()| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
        })
        .map_err(|e| crate::fsutil::named(&path, e).to_string())?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = tracing_subscriber::EnvFilter::try_from_env("WARROOM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let installed = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .is_ok();
    Ok(installed.then_some(guard))
}
