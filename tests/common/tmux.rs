//! Driving the real binary in tmux: one server per test (its own socket), waits with a
//! timeout (`WARROOM_E2E_TIMEOUT`, default 15 s), the pane's terminal modes.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::stderr;

pub fn timeout() -> Duration {
    let secs = std::env::var("WARROOM_E2E_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    Duration::from_secs(secs)
}

pub fn tmux_available() -> bool {
    if Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return true;
    }
    assert!(
        std::env::var("WARROOM_SKIP_TMUX").is_ok(),
        "tmux is needed for the end-to-end tests (the README's test command installs it); set WARROOM_SKIP_TMUX=1 to skip them"
    );
    false
}

/// One tmux server per test (its own socket), killed on drop.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn new(name: &str) -> Tmux {
        Tmux {
            socket: format!("warroom-e2e-{name}-{}", std::process::id()),
        }
    }

    pub fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux")
    }

    /// Starts a shell in a 120×40 window, with this home.
    pub fn start(&self, home: &Path) {
        self.start_sized(home, 120, 40);
    }

    pub fn start_sized(&self, home: &Path, cols: u16, rows: u16) {
        self.start_command(cols, rows, "sh");
        self.cmd(&["set-option", "-g", "remain-on-exit", "on"]);
        self.line(&format!(
            "export WARROOM_HOME='{}' XDG_CONFIG_HOME='{}/xdg' TERM=xterm-256color; cd '{}'; clear",
            home.display(),
            home.display(),
            home.display()
        ));
    }

    /// A window of this size running `command` (no config of the machine's tmux).
    pub fn start_command(&self, cols: u16, rows: u16, command: &str) {
        let (cols, rows) = (cols.to_string(), rows.to_string());
        let o = self.cmd(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            &cols,
            "-y",
            &rows,
            command,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }

    pub fn line(&self, text: &str) {
        self.cmd(&["send-keys", "-t", "main", "-l", text]);
        self.cmd(&["send-keys", "-t", "main", "Enter"]);
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.cmd(&["send-keys", "-t", "main", k]);
        }
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "main"]).stdout)
            .into_owned()
    }

    /// The screen with its colours, as tmux keeps it (`capture-pane -e`).
    pub fn screen_with_colours(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-e", "-t", "main"]).stdout)
            .into_owned()
    }

    pub fn wait_for(&self, needle: &str) -> String {
        self.wait_for_within(needle, Duration::ZERO)
    }

    /// As [`Tmux::wait_for`], for something that takes `longer` by design (polls to come).
    pub fn wait_for_within(&self, needle: &str, longer: Duration) -> String {
        let (start, limit) = (Instant::now(), timeout() + longer);
        loop {
            let s = self.screen();
            if s.contains(needle) {
                return s;
            }
            assert!(
                start.elapsed() < limit,
                "waited {limit:?} for {needle:?}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `needle` has left the screen and the console process has exited, so that
    /// what is typed next reaches the shell.
    pub fn wait_gone(&self, needle: &str) {
        let start = Instant::now();
        let shell = self.pane_pid();
        loop {
            let children = Command::new("pgrep")
                .args(["-P", &shell])
                .output()
                .expect("pgrep")
                .stdout;
            if !self.screen().contains(needle) && children.is_empty() {
                return;
            }
            assert!(
                start.elapsed() < timeout(),
                "{needle:?} still on screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn pane_pid(&self) -> String {
        String::from_utf8_lossy(
            &self
                .cmd(&["display-message", "-p", "-t", "main", "#{pane_pid}"])
                .stdout,
        )
        .trim()
        .to_string()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

/// The pane's terminal modes, read from its tty: `icanon` and `echo` are on in a usable shell,
/// off (`-icanon -echo`) in raw mode.
pub fn tty_modes(tmux: &Tmux) -> String {
    let tty = String::from_utf8_lossy(
        &tmux
            .cmd(&["display-message", "-p", "-t", "main", "#{pane_tty}"])
            .stdout,
    )
    .trim()
    .to_string();
    let out = Command::new("stty")
        .args(["-a", "-F", &tty])
        .output()
        .expect("stty");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.split_whitespace()
        .filter(|w| matches!(*w, "icanon" | "-icanon" | "echo" | "-echo"))
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn console_pid(tmux: &Tmux) -> String {
    let shell = tmux.pane_pid();
    let o = Command::new("pgrep")
        .args(["-P", &shell])
        .output()
        .expect("pgrep");
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .next()
        .expect("console pid")
        .trim()
        .to_string()
}

pub fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p))
        } else {
            out.push(p)
        }
    }
    out
}
