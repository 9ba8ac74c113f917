//! Several seats on one incident, on one machine: a bare `origin`, and per seat its own clone,
//! git identity and `WARROOM_HOME`. Set up with the git command line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Team {
    pub dir: tempfile::TempDir,
    pub origin: PathBuf,
}

pub struct Seat {
    pub name: String,
    pub home: PathBuf,
    pub work: PathBuf,
}

pub fn git(cwd: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .args(args)
        .current_dir(cwd)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", cwd)
        .output()
        .expect("git");
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

impl Team {
    /// A bare origin holding one commit on main.
    pub fn new() -> Team {
        let dir = tempfile::tempdir().expect("tmp");
        let origin = dir.path().join("origin.git");
        git(
            dir.path(),
            &["init", "-q", "--bare", "-b", "main", "origin.git"],
        );
        let seed = dir.path().join("seed");
        git(dir.path(), &["clone", "-q", "origin.git", "seed"]);
        git(
            &seed,
            &[
                "-c",
                "user.name=Seed",
                "-c",
                "user.email=seed@example.com",
                "commit",
                "-q",
                "--allow-empty",
                "-m",
                "init",
            ],
        );
        git(&seed, &["push", "-q", "origin", "HEAD:main"]);
        Team { dir, origin }
    }

    /// A person's seat: a clone of origin with their git identity, and a home of their own.
    pub fn seat(&self, name: &str) -> Seat {
        let root = self.dir.path().join(name.to_lowercase());
        std::fs::create_dir_all(&root).expect("seat dir");
        git(
            &root,
            &[
                "clone",
                "-q",
                self.origin.to_str().expect("path"),
                "service",
            ],
        );
        let work = root.join("service");
        git(&work, &["config", "user.name", name]);
        git(
            &work,
            &[
                "config",
                "user.email",
                &format!("{}@example.com", name.to_lowercase()),
            ],
        );
        let home = root.join("home");
        std::fs::create_dir_all(&home).expect("home");
        Seat {
            name: name.to_string(),
            home,
            work,
        }
    }

    /// `git for-each-ref` on origin, under `refs/warroom/`.
    pub fn remote_refs(&self) -> Vec<String> {
        git(
            &self.origin,
            &["for-each-ref", "--format=%(refname)", "refs/warroom/"],
        )
        .lines()
        .map(String::from)
        .collect()
    }
}

impl Seat {
    pub fn run(&self, args: &[&str]) -> Output {
        super::warroom_in(&self.home, &self.work, args)
    }

    /// Runs and expects success.
    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "{} {args:?}: {}{}",
            self.name,
            super::stdout(&o),
            super::stderr(&o)
        );
        super::stdout(&o)
    }

    pub fn json(&self, ticket: &str) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["export", ticket, "--format", "json"])).expect("json")
    }

    /// This seat's console on `ticket`, in a tmux pane of its own (server `name`).
    pub fn console(&self, name: &str, ticket: &str) -> super::tmux::Tmux {
        let tmux = super::tmux::Tmux::new(name);
        tmux.start_command(170, 48, "sh");
        tmux.cmd(&["set-option", "-g", "remain-on-exit", "on"]);
        tmux.line(&format!(
            "export WARROOM_HOME='{}' XDG_CONFIG_HOME='{}/xdg' TERM=xterm-256color; cd '{}'; clear; '{}' resume {ticket}",
            self.home.display(),
            self.home.display(),
            self.work.display(),
            super::bin().display()
        ));
        tmux
    }

    /// This seat's id, as its share file says.
    pub fn seat_id(&self, ticket: &str) -> String {
        let share: serde_json::Value = serde_json::from_slice(
            &std::fs::read(self.home.join("incidents").join(ticket).join("share.json"))
                .expect("share.json"),
        )
        .expect("share json");
        share["seat"].as_str().expect("seat").to_string()
    }
}
