//! The real binary in a real terminal (tmux): what a person at the keyboard sees.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{bin, stderr, warroom};

fn timeout() -> Duration {
    let secs = std::env::var("WARROOM_E2E_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    Duration::from_secs(secs)
}

fn tmux_available() -> bool {
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
struct Tmux {
    socket: String,
}

impl Tmux {
    fn new(name: &str) -> Tmux {
        Tmux {
            socket: format!("warroom-e2e-{name}-{}", std::process::id()),
        }
    }

    fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux")
    }

    /// Starts a shell in a 120×40 window, with this home.
    fn start(&self, home: &Path) {
        let o = self.cmd(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            "120",
            "-y",
            "40",
            "sh",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        self.cmd(&["set-option", "-g", "remain-on-exit", "on"]);
        self.line(&format!(
            "export WARROOM_HOME='{}' XDG_CONFIG_HOME='{}/xdg' TERM=xterm-256color; cd '{}'; clear",
            home.display(),
            home.display(),
            home.display()
        ));
    }

    fn line(&self, text: &str) {
        self.cmd(&["send-keys", "-t", "main", "-l", text]);
        self.cmd(&["send-keys", "-t", "main", "Enter"]);
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.cmd(&["send-keys", "-t", "main", k]);
        }
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "main"]).stdout)
            .into_owned()
    }

    fn wait_for(&self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(needle) {
                return s;
            }
            assert!(
                start.elapsed() < timeout(),
                "waited {:?} for {needle:?}; screen:\n{s}",
                timeout()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn pane_pid(&self) -> String {
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

/// A shell line printing `STTY-<tag>: icanon echo` when the terminal is back in cooked mode;
/// the quotes keep the marker itself out of the echoed command line.
fn stty_probe(tag: &str) -> String {
    format!("echo STTY-'{tag}': $(stty -a | tr ' ' '\\n' | grep -xE -- '-?(icanon|echo)')")
}

fn open(home: &Path, ticket: &str) {
    let o = warroom(
        home,
        &[
            "open",
            ticket,
            "--priority",
            "P0",
            "--title",
            "Auth bypass on expired tokens",
            "--no-console",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

fn console_pid(tmux: &Tmux) -> String {
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

#[test]
fn tick_quit_resume_keeps_the_tick_and_restores_the_terminal() {
    if !tmux_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    open(home.path(), "ENG-100");
    let tmux = Tmux::new("tick");
    tmux.start(home.path());
    tmux.line(&format!("{} resume ENG-100", bin().display()));
    tmux.wait_for("[ ] On-call engineer alerted");
    tmux.keys(&["Space"]);
    tmux.wait_for("[x] On-call engineer alerted");
    tmux.keys(&["q"]);
    tmux.line(&stty_probe("QUIT"));
    let s = tmux.wait_for("STTY-QUIT:");
    assert!(s.contains("icanon echo"), "terminal left in raw mode:\n{s}");
    assert!(!s.contains("Checklist"), "alternate screen left:\n{s}");

    tmux.line(&format!("{} resume ENG-100", bin().display()));
    tmux.wait_for("[x] On-call engineer alerted");
    tmux.keys(&["q"]);
}

#[test]
fn a_note_from_another_shell_appears_live() {
    if !tmux_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    open(home.path(), "ENG-101");
    let tmux = Tmux::new("note");
    tmux.start(home.path());
    tmux.line(&format!("{} resume ENG-101", bin().display()));
    tmux.wait_for("Timeline");
    let sent = Instant::now();
    let o = warroom(
        home.path(),
        &["note", "ENG-101", "rollback ready on standby"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    tmux.wait_for("rollback ready on standby");
    assert!(
        sent.elapsed() < Duration::from_secs(1) + timeout() / 10,
        "took {:?}",
        sent.elapsed()
    );
    tmux.keys(&["q"]);
}

#[test]
fn kill_9_right_after_a_tick_loses_nothing() {
    if !tmux_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    open(home.path(), "ENG-102");
    let tmux = Tmux::new("kill");
    tmux.start(home.path());
    tmux.line(&format!("{} resume ENG-102", bin().display()));
    tmux.wait_for("[ ] On-call engineer alerted");
    tmux.keys(&["Space"]);
    tmux.wait_for("[x] On-call engineer alerted");
    let pid = console_pid(&tmux);
    assert!(
        Command::new("kill")
            .args(["-9", &pid])
            .status()
            .expect("kill")
            .success()
    );
    tmux.line("stty sane; clear");

    let tmux2 = Tmux::new("kill2");
    tmux2.start(home.path());
    tmux2.line(&format!("{} resume ENG-102", bin().display()));
    tmux2.wait_for("[x] On-call engineer alerted");
    tmux2.keys(&["q"]);
}

#[test]
fn sigterm_and_sighup_leave_the_terminal_usable() {
    if !tmux_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    open(home.path(), "ENG-103");
    let tmux = Tmux::new("signals");
    tmux.start(home.path());
    for signal in ["TERM", "HUP", "INT"] {
        tmux.line(&format!("{} resume ENG-103", bin().display()));
        tmux.wait_for("Checklist");
        let pid = console_pid(&tmux);
        assert!(
            Command::new("kill")
                .args([&format!("-{signal}"), &pid])
                .status()
                .expect("kill")
                .success()
        );
        tmux.line(&stty_probe(signal));
        let s = tmux.wait_for(&format!("STTY-{signal}:"));
        assert!(s.contains("icanon echo"), "SIG{signal} left raw mode:\n{s}");
        tmux.line("clear");
    }
}
