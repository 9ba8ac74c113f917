//! A real `nats-server` with JetStream (Debian's package) on 127.0.0.1, its store in a temp
//! folder; stopped and started again on the same port and store for a partition.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures::StreamExt;

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
        Nats::configured(extra, Some(""))
    }

    /// A server without JetStream of its own (a leaf node that uses its hub's).
    pub fn without_jetstream(extra: &str) -> Nats {
        Nats::configured(extra, None)
    }

    /// A server whose JetStream is the domain `domain`.
    pub fn with_domain(domain: &str, extra: &str) -> Nats {
        Nats::configured(extra, Some(domain))
    }

    fn configured(extra: &str, jetstream: Option<&str>) -> Nats {
        let dir = tempfile::tempdir().expect("tmp");
        let port = free_port();
        let conf = dir.path().join("nats.conf");
        let js = match jetstream {
            Some(domain) => format!(
                "jetstream {{ store_dir: {:?}{} }}",
                dir.path().join("store").display().to_string(),
                if domain.is_empty() {
                    String::new()
                } else {
                    format!(", domain: {domain}")
                }
            ),
            None => String::new(),
        };
        std::fs::write(&conf, format!("listen: 127.0.0.1:{port}\n{js}\n{extra}\n")).expect("conf");
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

/// Three servers in one JetStream cluster, each with its own port and store.
pub fn cluster() -> Vec<Nats> {
    let routes: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let list = routes
        .iter()
        .map(|p| format!("nats-route://127.0.0.1:{p}"))
        .collect::<Vec<_>>()
        .join(", ");
    let nodes: Vec<Nats> = routes
        .iter()
        .enumerate()
        .map(|(i, p)| {
            Nats::with_config(&format!(
                "server_name: n{i}\ncluster {{ name: wr, listen: 127.0.0.1:{p}, routes: [{list}] }}"
            ))
        })
        .collect();
    // JetStream answers once the cluster has elected its leader.
    let urls: Vec<String> = nodes.iter().map(|n| n.url.clone()).collect();
    block_on(async {
        let js = js(&urls).await;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let made = js
                .get_or_create_stream(async_nats::jetstream::stream::Config {
                    name: "READY".into(),
                    subjects: vec!["ready".into()],
                    num_replicas: 3,
                    ..Default::default()
                })
                .await;
            if made.is_ok() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the cluster did not become ready: {made:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    nodes
}

/// A TCP proxy to `127.0.0.1:target` that can be cut (every connection closed, new ones
/// refused) and joined again: a network link between two servers.
pub struct Proxy {
    pub port: u16,
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
    open: std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
}

impl Proxy {
    pub fn start(target: u16) -> Proxy {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let cut = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let open = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (c, o) = (cut.clone(), open.clone());
        std::thread::spawn(move || {
            for inbound in listener.incoming() {
                let Ok(inbound) = inbound else { continue };
                if c.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let Ok(outbound) = std::net::TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                let pairs = [
                    (
                        inbound.try_clone().expect("clone"),
                        outbound.try_clone().expect("clone"),
                    ),
                    (
                        outbound.try_clone().expect("clone"),
                        inbound.try_clone().expect("clone"),
                    ),
                ];
                o.lock().expect("open").extend([inbound, outbound]);
                for (mut from, mut to) in pairs {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        Proxy { port, cut, open }
    }

    pub fn cut(&self) {
        self.cut.store(true, std::sync::atomic::Ordering::SeqCst);
        for s in self.open.lock().expect("open").drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }

    pub fn rejoin(&self) {
        self.cut.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Waits until JetStream's `domain` answers through the server at `url` (a leaf node's link
/// is up).
pub fn reaches_jetstream(url: &str, domain: &str) {
    block_on(async {
        let client = async_nats::connect(url).await.expect("connect");
        let mut js = async_nats::jetstream::with_domain(client, domain);
        js.set_timeout(Duration::from_millis(500));
        let deadline = Instant::now() + Duration::from_secs(30);
        while js.stream_names().next().await.is_some_and(|r| r.is_err()) {
            assert!(
                Instant::now() < deadline,
                "JetStream never answered through {url}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
}

/// A CA and a certificate for 127.0.0.1 signed by it, made with the openssl command line in
/// `dir`: (ca.pem, server.pem, server.key).
pub fn tls_files(dir: &std::path::Path) -> (PathBuf, PathBuf, PathBuf) {
    let run = |args: &[&str]| {
        let o = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl");
        assert!(
            o.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=warroom test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ]);
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").expect("ext");
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "san.ext",
        "-out",
        "server.pem",
    ]);
    (
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    )
}

/// Runs `work` to its end on a runtime of its own.
pub fn block_on<F: std::future::Future>(work: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt")
        .block_on(work)
}

/// JetStream through the servers at `urls`, with the client.
pub async fn js(urls: &[String]) -> async_nats::jetstream::Context {
    let addrs: Vec<async_nats::ServerAddr> = urls.iter().map(|u| u.parse().expect("url")).collect();
    async_nats::jetstream::new(async_nats::connect(addrs).await.expect("connect"))
}
