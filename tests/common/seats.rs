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
        self.in_tmux(name, &format!("resume {ticket}"))
    }

    /// `warroom ARGS` as this seat, in a tmux pane of its own (server `name`).
    pub fn in_tmux(&self, name: &str, args: &str) -> super::tmux::Tmux {
        let tmux = super::tmux::Tmux::new(name);
        tmux.start_command(170, 48, "sh");
        tmux.cmd(&["set-option", "-g", "remain-on-exit", "on"]);
        tmux.line(&format!(
            "export WARROOM_HOME='{}' XDG_CONFIG_HOME='{}/xdg' TERM=xterm-256color; cd '{}'; clear; '{}' {args}",
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

/// The scenarios both backends run (`tests/seats.rs` through git, `tests/seats_nats.rs`
/// through NATS), each followed there by what its own oracle says of the remote.
pub mod both {
    use super::Seat;
    use serde_json::Value;

    fn texts(v: &Value) -> Vec<String> {
        v["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| e["text"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Every seat writes `per_seat` notes at once, syncing every 100 through `cfg`'s backend,
    /// then "NAME done" from its shell; every seat exports the same record, which is returned.
    pub fn writing_at_once_converges(
        seats: &[Seat],
        ticket: &str,
        cfg: &warroom::config::ShareConfig,
        per_seat: usize,
    ) -> Value {
        use warroom::journal::{Draft, Share, Store};
        std::thread::scope(|s| {
            for seat in seats {
                s.spawn(move || {
                    let store = Store::new(&seat.home);
                    let writer = store.writer(ticket).expect("writer");
                    let dir = store.incident_dir(ticket);
                    let share = Share::load(&dir).expect("load").expect("shared");
                    for i in 0..per_seat {
                        writer
                            .append(Draft::new("note", format!("{} {i}", seat.name)))
                            .expect("append");
                        if i % 100 == 99 {
                            let setup = warroom::share::worker::ShareSetup {
                                git: Default::default(),
                                cfg: cfg.clone(),
                                cwd: seat.work.clone(),
                                dir: dir.clone(),
                                ticket: ticket.into(),
                                share: share.clone(),
                            };
                            let (status, _) = warroom::share::worker::sync_once(
                                setup,
                                std::time::Duration::from_secs(30),
                                true,
                            )
                            .expect("in time")
                            .expect("synced");
                            assert!(status.online && status.rejected.is_none(), "{status:?}");
                        }
                    }
                });
            }
        });
        // Every seat takes the others' last batches (its own export pulls first).
        for s in seats {
            s.ok(&["note", ticket, &format!("{} done", s.name)]);
        }
        let exports: Vec<Value> = seats.iter().map(|s| s.json(ticket)).collect();
        for pair in exports.windows(2) {
            assert_eq!(pair[0], pair[1]);
        }
        // The one order: each event's logical clock, then seat; the times the facts are folded at
        // never go back.
        let evs = exports[0]["events"].as_array().expect("events");
        let keys: Vec<((i64, i64), String)> = evs
            .iter()
            .map(|e| {
                // Written before the incident was shared: its time is its clock.
                let at = chrono::DateTime::parse_from_rfc3339(e["at"].as_str().unwrap_or(""))
                    .map(|t| t.timestamp_millis())
                    .unwrap_or(0);
                (
                    (
                        e["hlc"][0].as_i64().unwrap_or(at),
                        e["hlc"][1].as_i64().unwrap_or(0),
                    ),
                    e["seat"].as_str().unwrap_or("").into(),
                )
            })
            .collect();
        let clocked = evs.iter().filter(|e| e["hlc"].is_array()).count();
        assert!(
            clocked >= seats.len() * per_seat,
            "the seats' events carry their clock: {clocked}"
        );
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        let times: Vec<&str> = evs.iter().map(|e| e["at"].as_str().unwrap_or("")).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
        exports[0].clone()
    }

    /// The remote goes `away`; each of the first two seats writes, saying it waits; it comes
    /// `back`, one more note, and both seats hold every event once, the same record.
    pub fn the_remote_away_and_back(
        seats: &[Seat],
        ticket: &str,
        away: impl FnOnce(),
        back: impl FnOnce(),
        said: &[&str],
    ) {
        let (alice, bob) = (&seats[0], &seats[1]);
        away();
        let o = alice.run(&["note", ticket, "written offline"]);
        assert!(o.status.success());
        let err = super::super::stderr(&o);
        assert!(said.iter().any(|s| err.contains(s)), "{err}");
        let o = bob.run(&["note", ticket, "bob offline too"]);
        assert!(o.status.success());
        back();
        alice.ok(&["note", ticket, "back"]);
        // Bob's export pushes what waited on his seat once it has taken Alice's; then
        // Alice's has all.
        let jb = bob.json(ticket);
        let ja = alice.json(ticket);
        assert_eq!(ja, jb);
        let all = texts(&ja);
        for t in ["written offline", "bob offline too", "back"] {
            assert_eq!(all.iter().filter(|x| *x == t).count(), 1, "{t}: {all:?}");
        }
    }
}
