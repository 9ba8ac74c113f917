//! Two seats sharing over `ssh://`, to an `sshd` this test starts on 127.0.0.1 with keys it
//! makes; the seats authenticate through an `ssh-agent`, as a person's own credentials do.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::seats::{Team, git};

const T: &str = "SSH-1";

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sshd_available() -> Option<PathBuf> {
    let sshd = ["/usr/sbin/sshd", "/usr/bin/sshd"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    if sshd.is_none() {
        assert!(
            std::env::var("WARROOM_SKIP_SSH").is_ok(),
            "sshd is needed for the ssh:// test (test.sh installs openssh-server); set WARROOM_SKIP_SSH=1 to skip it"
        );
    }
    sshd
}

fn run(cmd: &mut Command) -> String {
    let o = cmd.output().expect("run");
    assert!(
        o.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

fn wait_for(path: &Path) {
    let t = Instant::now();
    while !path.exists() {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "{} never came",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// An sshd on 127.0.0.1 (taking `GIT_PROTOCOL`, as GitHub's and GitLab's do, so that git speaks
/// protocol v2 over it) with keys made here, an agent holding the user's key, and a home whose
/// known_hosts knows the server (at `port`, and at `also`: a proxy in front of it).
struct Server {
    team: Team,
    keys: PathBuf,
    port: u16,
    sock: PathBuf,
    home: PathBuf,
    _server: Killed,
    _agent: Killed,
}

fn server(also: Option<u16>) -> Option<Server> {
    let sshd = sshd_available()?;
    let team = Team::new();
    let keys = team.dir.path().join("keys");
    std::fs::create_dir_all(&keys).expect("keys");
    for name in ["host", "user"] {
        run(Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(keys.join(name)));
    }
    std::fs::copy(keys.join("user.pub"), keys.join("authorized_keys")).expect("authorized");
    let port = free_port();
    let config = keys.join("sshd_config");
    std::fs::write(
        &config,
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {k}/host\nAuthorizedKeysFile {k}/authorized_keys\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
             StrictModes no\nUsePAM no\nPidFile {k}/sshd.pid\nAcceptEnv GIT_PROTOCOL\n",
            k = keys.display()
        ),
    )
    .expect("config");
    // sshd wants its privilege separation folder when it runs as root.
    let _ = std::fs::create_dir_all("/run/sshd");
    let server = Killed(
        Command::new(&sshd)
            .args(["-D", "-e", "-f"])
            .arg(&config)
            .stderr(Stdio::null())
            .spawn()
            .expect("sshd"),
    );
    let sock = keys.join("agent.sock");
    let agent = Killed(
        Command::new("ssh-agent")
            .args(["-D", "-a"])
            .arg(&sock)
            .stdout(Stdio::null())
            .spawn()
            .expect("agent"),
    );
    wait_for(&sock);
    run(Command::new("ssh-add")
        .arg(keys.join("user"))
        .env("SSH_AUTH_SOCK", &sock)
        .stderr(Stdio::null()));
    // The seats know the server's host key, as a person's known_hosts does.
    let home = team.dir.path().join("unix-home");
    std::fs::create_dir_all(home.join(".ssh")).expect("home");
    let host_key = std::fs::read_to_string(keys.join("host.pub")).expect("host key");
    let mut parts = host_key.split_whitespace();
    let (kind, key) = (parts.next().expect("kind"), parts.next().expect("key"));
    let known: String = std::iter::once(port)
        .chain(also)
        .map(|p| format!("[127.0.0.1]:{p} {kind} {key}\n"))
        .collect();
    std::fs::write(home.join(".ssh/known_hosts"), known).expect("known_hosts");
    Some(Server {
        team,
        keys,
        port,
        sock,
        home,
        _server: server,
        _agent: agent,
    })
}

/// OpenSSH reads known_hosts from the account's home, not `$HOME`: the seats name theirs in
/// `core.sshCommand`, as a person with a custom file does.
fn ssh_command(srv: &Server) -> String {
    format!(
        "ssh -o UserKnownHostsFile={} -o BatchMode=yes -o IdentityFile={} -o IdentitiesOnly=yes",
        srv.home.join(".ssh/known_hosts").display(),
        srv.keys.join("user").display()
    )
}

#[test]
fn two_seats_share_over_ssh_with_the_agent_s_key() {
    let Some(srv) = server(None) else { return };
    let (team, port, sock, home) = (&srv.team, srv.port, &srv.sock, &srv.home);
    let user = run(Command::new("id").arg("-un")).trim().to_string();
    let url = format!("ssh://{user}@127.0.0.1:{port}{}", team.origin.display());
    let seats: Vec<_> = ["Alice", "Bob"].iter().map(|n| team.seat(n)).collect();
    for s in &seats {
        git(&s.work, &["remote", "set-url", "origin", &url]);
        git(&s.work, &["config", "core.sshCommand", &ssh_command(&srv)]);
    }
    let env = [
        ("SSH_AUTH_SOCK", sock.to_str().expect("sock")),
        ("HOME", home.to_str().expect("home")),
    ];
    let ok = |seat: &common::seats::Seat, args: &[&str]| {
        let o = common::warroom_env(&seat.home, &seat.work, args, &env);
        assert!(
            o.status.success(),
            "{args:?}: {}{}",
            common::stdout(&o),
            common::stderr(&o)
        );
        common::stdout(&o)
    };
    ok(
        &seats[0],
        &[
            "open",
            T,
            "--priority",
            "P0",
            "--title",
            "Over ssh",
            "--no-console",
            "--share",
        ],
    );
    ok(&seats[1], &["join", T, "--no-console"]);
    // A ref that is not a seat's (a blob) sits beside theirs on the server.
    let blob = git(&team.origin, &["hash-object", "-w", "--stdin"]);
    git(
        &team.origin,
        &[
            "update-ref",
            &format!("refs/warroom/{T}/mallory"),
            blob.trim(),
        ],
    );
    ok(&seats[1], &["note", T, "bob, over ssh"]);
    let json = ok(&seats[0], &["export", T, "--format", "json"]);
    assert!(json.contains("\"text\": \"bob, over ssh\""), "{json}");
    // The git command line sees both seats' refs on the server.
    let refs = git(
        &team.origin,
        &["for-each-ref", "--format=%(refname)", "refs/warroom/"],
    );
    assert_eq!(refs.lines().count(), 3, "{refs}");
    // Alice took Bob's events through the git command line's prefix fetch; the blob came with
    // it and was refused: no seen-ref of it is kept.
    let refs_of = |prefix: &str| {
        git(
            &seats[0].work,
            &["for-each-ref", "--format=%(refname)", prefix],
        )
    };
    let fetched = refs_of("refs/warroom-fetched/");
    assert_eq!(fetched.lines().count(), 3, "{fetched}");
    let seen = refs_of("refs/warroom-seen/");
    assert!(seen.contains("bob") && !seen.contains("mallory"), "{seen}");
}

/// A TCP proxy in front of sshd that counts the bytes both ways and the connections made.
struct Proxy {
    port: u16,
    bytes: std::sync::Arc<std::sync::atomic::AtomicU64>,
    connections: std::sync::Arc<std::sync::atomic::AtomicU64>,
    listener: Option<std::net::TcpListener>,
}

impl Proxy {
    fn bind() -> Proxy {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        Proxy {
            port: listener.local_addr().expect("addr").port(),
            bytes: Default::default(),
            connections: Default::default(),
            listener: Some(listener),
        }
    }

    fn forward_to(&mut self, port: u16) {
        use std::io::{Read, Write};
        use std::sync::atomic::Ordering;
        let listener = self.listener.take().expect("once");
        let (bytes, connections) = (self.bytes.clone(), self.connections.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                connections.fetch_add(1, Ordering::SeqCst);
                let Ok(server) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
                    continue;
                };
                for (mut from, mut to) in [
                    (
                        client.try_clone().expect("c"),
                        server.try_clone().expect("s"),
                    ),
                    (server, client),
                ] {
                    let bytes = bytes.clone();
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 16384];
                        while let Ok(n) = from.read(&mut buf) {
                            if n == 0 || to.write_all(&buf[..n]).is_err() {
                                break;
                            }
                            bytes.fetch_add(n as u64, Ordering::SeqCst);
                        }
                        let _ = to.shutdown(std::net::Shutdown::Write);
                    });
                }
            }
        });
    }

    fn counted(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering;
        (
            self.bytes.load(Ordering::SeqCst),
            self.connections.load(Ordering::SeqCst),
        )
    }
}

/// The remote of a service with 5,000 branches: an idle poll asks for the incident's refs only
/// and rides the connection kept open since the last one. Prints the figure BENCHMARKS.md
/// records, beside the whole ref list (what a poll downloaded before) measured in the same run.
#[test]
fn an_idle_poll_costs_the_incident_not_the_service() {
    let mut proxy = Proxy::bind();
    let Some(srv) = server(Some(proxy.port)) else {
        return;
    };
    proxy.forward_to(srv.port);
    let main = git(&srv.team.origin, &["rev-parse", "main"]);
    let mut create = std::process::Command::new("git")
        .args(["update-ref", "--stdin"])
        .current_dir(&srv.team.origin)
        .stdin(Stdio::piped())
        .spawn()
        .expect("update-ref");
    {
        use std::io::Write;
        let mut stdin = create.stdin.take().expect("stdin");
        for i in 0..5000 {
            writeln!(
                stdin,
                "create refs/heads/feature/branch-{i:04} {}",
                main.trim()
            )
            .expect("w");
        }
    }
    assert!(create.wait().expect("wait").success());

    let user = run(Command::new("id").arg("-un")).trim().to_string();
    let url = format!(
        "ssh://{user}@127.0.0.1:{}{}",
        proxy.port,
        srv.team.origin.display()
    );
    let alice = srv.team.seat("Alice");
    git(&alice.work, &["remote", "set-url", "origin", &url]);
    git(
        &alice.work,
        &["config", "core.sshCommand", &ssh_command(&srv)],
    );
    let env = [
        ("SSH_AUTH_SOCK", srv.sock.to_str().expect("sock")),
        ("HOME", srv.home.to_str().expect("home")),
    ];
    let o = common::warroom_env(
        &alice.home,
        &alice.work,
        &[
            "open",
            T,
            "--priority",
            "P1",
            "--title",
            "Idle",
            "--no-console",
            "--share",
        ],
        &env,
    );
    assert!(o.status.success(), "{}", common::stderr(&o));

    let shared = warroom::share::open_repo(
        &warroom::config::GitConfig::default(),
        &warroom::config::ShareConfig::default(),
        &alice.work,
    )
    .expect("repo");
    let refs = warroom::share::remote::fetch_incident(&shared, T).expect("first poll");
    assert_eq!(refs.len(), 1, "{refs:?}");
    let (before, connections) = proxy.counted();
    const POLLS: u64 = 10;
    for _ in 0..POLLS {
        warroom::share::remote::fetch_incident(&shared, T).expect("poll");
    }
    let (after, connections_after) = proxy.counted();
    let per_poll = (after - before) / POLLS;
    // What a poll cost before: the whole ref list, on a connection of its own.
    run(Command::new("git")
        .args(["ls-remote", "origin"])
        .current_dir(&alice.work));
    let (listed, _) = proxy.counted();
    let whole_list = listed - after;
    println!(
        "idle poll over ssh with 5000 branches: {per_poll} B/poll; whole ref list on its own connection: {whole_list} B ({:.4}x)",
        per_poll as f64 / whole_list as f64
    );
    assert_eq!(
        connections_after, connections,
        "the idle polls reused the open connection"
    );
    assert!(per_poll <= 2048, "{per_poll} bytes per idle poll");
    assert!(whole_list > 100 * per_poll, "{whole_list} vs {per_poll}");
}
