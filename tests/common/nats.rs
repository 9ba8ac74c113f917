//! A real `nats-server` with JetStream (Debian's package) on 127.0.0.1, its store in a temp
//! folder; stopped and started again on the same port and store for a partition.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Nats {
    pub port: u16,
    pub url: String,
    child: Option<Child>,
    conf: PathBuf,
    pub dir: tempfile::TempDir,
}

/// Whether nats-server is installed; a test that needs it fails without it unless
/// `WARROOM_SKIP_NATS` is set.
pub fn available() -> bool {
    let there = Command::new(server())
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        there || std::env::var("WARROOM_SKIP_NATS").is_ok(),
        "nats-server is needed for the NATS seats' tests (the README's test command installs Debian's nats-server); set WARROOM_SKIP_NATS=1 to skip them"
    );
    there
}

fn server() -> &'static str {
    if std::path::Path::new("/usr/sbin/nats-server").exists() {
        "/usr/sbin/nats-server"
    } else {
        "nats-server"
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

impl Nats {
    /// A server with JetStream and no users.
    pub fn start() -> Nats {
        Nats::with_config("")
    }

    /// A server with JetStream and `extra` added to its configuration (accounts, say).
    pub fn with_config(extra: &str) -> Nats {
        let dir = tempfile::tempdir().expect("tmp");
        let port = free_port();
        let conf = dir.path().join("nats.conf");
        std::fs::write(
            &conf,
            format!(
                "listen: 127.0.0.1:{port}\njetstream {{ store_dir: {:?} }}\n{extra}\n",
                dir.path().join("store").display().to_string()
            ),
        )
        .expect("conf");
        let mut n = Nats {
            port,
            url: format!("nats://127.0.0.1:{port}"),
            child: None,
            conf,
            dir,
        };
        n.up();
        n
    }

    /// Starts the server (again, on the same port and store) and waits until it listens.
    pub fn up(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("server.log")).expect("log");
        let child = Command::new(server())
            .arg("-c")
            .arg(&self.conf)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("nats-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nats-server did not start: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the server (a partition, seen from every seat).
    pub fn down(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// The `[share]` part of a seat's warroom.toml for this server.
    pub fn share_toml(&self, org: &str, extra: &str) -> String {
        format!(
            "[share]\nbackend = \"nats\"\nurl = \"{}\"\norg = \"{org}\"\ntimeout = \"10s\"\n{extra}\n",
            self.url
        )
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.down();
    }
}
