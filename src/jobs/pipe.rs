//! The command's output pipe, read on a thread of its own.

use std::time::Duration;

use tokio::sync::mpsc;

/// A read shorter than this means the command writes in small pieces (a spinner, a prompt):
/// the pipe is read again after [`PACE`], so many small writes cost one wake-up. A flood
/// fills every read and is never paced.
const PACE_BELOW: usize = 4096;
const PACE: Duration = Duration::from_millis(50);
/// After a read that did not fill half the buffer: output arrives slower than it is read.
const GATHER: Duration = Duration::from_millis(2);
const READ_SIZE: usize = 256 * 1024;
const PIPE_SIZE: i32 = 1024 * 1024;

/// Reads the command's output on a thread of its own with blocking reads, so a command's writes cost the
/// console's loop nothing until there is a chunk to show. A read that did not fill the buffer
/// means the command writes slower than it is read: the thread waits a moment ([`GATHER`], or
/// [`PACE`] for small pieces such as a spinner's frames) so that the next read takes many
/// writes at once; the pipe is enlarged so the command does not wait meanwhile. The thread ends
/// with the pipe (every writer gone) or when the step stops listening.
pub(super) fn read_pipe(fd: std::os::fd::OwnedFd, tx: mpsc::Sender<Vec<u8>>) {
    use nix::fcntl::{FcntlArg, fcntl};
    use std::io::Read;
    let spawned = std::thread::Builder::new()
        .name("pipe reader".into())
        .spawn(move || {
            let _ = fcntl(&fd, FcntlArg::F_SETPIPE_SZ(PIPE_SIZE));
            let mut pipe = std::fs::File::from(fd);
            let mut buf = vec![0u8; READ_SIZE];
            loop {
                match pipe.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if tx.blocking_send(buf[..n].to_vec()).is_err() {
                            break;
                        }
                        if n < PACE_BELOW {
                            std::thread::sleep(PACE);
                        } else if n < READ_SIZE / 2 {
                            std::thread::sleep(GATHER);
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start a thread to read the command's output: {e}");
    }
}
