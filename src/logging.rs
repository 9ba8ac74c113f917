//! Tracing to `$WARROOM_HOME/warroom.log`, never to the terminal the console draws on.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;

/// Starts file logging; the guard flushes on drop, so keep it alive in the caller.
/// `WARROOM_LOG` sets the filter (default `info`).
pub fn init(home: &Path) -> Option<WorkerGuard> {
    std::fs::create_dir_all(home).ok()?;
    let appender = tracing_appender::rolling::never(home, "warroom.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("WARROOM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}
