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

#[test]
fn two_seats_share_over_ssh_with_the_agent_s_key() {
    let Some(sshd) = sshd_available() else { return };
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
             StrictModes no\nUsePAM no\nPidFile {k}/sshd.pid\n",
            k = keys.display()
        ),
    )
    .expect("config");
    // sshd wants its privilege separation folder when it runs as root.
    let _ = std::fs::create_dir_all("/run/sshd");
    let _server = Killed(
        Command::new(&sshd)
            .args(["-D", "-e", "-f"])
            .arg(&config)
            .stderr(Stdio::null())
            .spawn()
            .expect("sshd"),
    );
    let sock = keys.join("agent.sock");
    let _agent = Killed(
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
    std::fs::write(
        home.join(".ssh/known_hosts"),
        format!("[127.0.0.1]:{port} {kind} {key}\n"),
    )
    .expect("known_hosts");
    let user = run(Command::new("id").arg("-un")).trim().to_string();
    let url = format!("ssh://{user}@127.0.0.1:{port}{}", team.origin.display());
    let seats: Vec<_> = ["Alice", "Bob"].iter().map(|n| team.seat(n)).collect();
    for s in &seats {
        git(&s.work, &["remote", "set-url", "origin", &url]);
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
    ok(&seats[1], &["note", T, "bob, over ssh"]);
    let json = ok(&seats[0], &["export", T, "--format", "json"]);
    assert!(json.contains("\"text\": \"bob, over ssh\""), "{json}");
    // The git command line sees both seats' refs on the server.
    let refs = git(
        &team.origin,
        &["for-each-ref", "--format=%(refname)", "refs/warroom/"],
    );
    assert_eq!(refs.lines().count(), 2, "{refs}");
}
