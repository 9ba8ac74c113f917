//! A real Unleash (the `unleash-server` npm package, installed by `test.sh`) on PostgreSQL, both
//! on 127.0.0.1 in a temporary folder, with an admin token and a client token made at start.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ADMIN_TOKEN: &str = "*:*.warroom-admin-token-for-tests";
pub const CLIENT_TOKEN: &str = "default:production.warroom-client-token-for-tests";

pub struct Unleash {
    pub url: String,
    unleash: Child,
    postgres: Child,
    _dir: tempfile::TempDir,
}

/// Where `test.sh` installed `unleash-server` (its `node_modules` is inside).
fn install_dir() -> PathBuf {
    std::env::var_os("WARROOM_UNLEASH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/unleash-server"))
}

fn pg_bin(name: &str) -> PathBuf {
    let dir = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's server is needed for the Unleash tests (test.sh installs it)")
        .flatten()
        .map(|e| e.path())
        .max()
        .expect("a PostgreSQL version");
    dir.join("bin").join(name)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

/// PostgreSQL refuses to run as root: as root, it runs as the `postgres` user.
fn as_postgres(cmd: &mut Command, dir: &Path) {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !root {
        return;
    }
    let id = |flag: &str| -> u32 {
        let o = Command::new("id")
            .args([flag, "postgres"])
            .output()
            .expect("id postgres");
        String::from_utf8_lossy(&o.stdout)
            .trim()
            .parse()
            .expect("the postgres user")
    };
    let (uid, gid) = (id("-u"), id("-g"));
    Command::new("chown")
        .args(["-R", &format!("{uid}:{gid}")])
        .arg(dir)
        .status()
        .expect("chown");
    cmd.uid(uid).gid(gid);
}

fn wait_port(port: u16, what: &str, limit: Duration) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < limit, "{what} did not start in {limit:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Unleash {
    pub fn start() -> Unleash {
        let modules = install_dir().join("node_modules/unleash-server");
        assert!(
            modules.exists(),
            "unleash-server is not installed in {} (test.sh installs it with npm)",
            install_dir().display()
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("pg");
        std::fs::create_dir(&data).expect("pg dir");
        let mut init = Command::new(pg_bin("initdb"));
        init.args(["-D"])
            .arg(&data)
            .args(["-U", "postgres", "-A", "trust"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        as_postgres(&mut init, dir.path());
        assert!(init.status().expect("initdb").success(), "initdb failed");
        let pg_port = free_port();
        let mut pg = Command::new(pg_bin("postgres"));
        pg.arg("-D")
            .arg(&data)
            .args(["-p", &pg_port.to_string(), "-k"])
            .arg(dir.path())
            .args(["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        as_postgres(&mut pg, dir.path());
        let postgres = pg.spawn().expect("postgres");
        wait_port(pg_port, "PostgreSQL", Duration::from_secs(30));

        let port = free_port();
        let node_modules = install_dir().join("node_modules");
        let script = dir.path().join("start.js");
        std::fs::write(
            &script,
            format!(
                "module.paths.unshift({node_modules:?}); require('unleash-server').start({{\
                   db: {{ host: '127.0.0.1', port: {pg_port}, user: 'postgres', password: '', database: 'postgres', ssl: false }},\
                   server: {{ port: {port}, host: '127.0.0.1' }},\
                   logLevel: 'error',\
                 }}).then(() => console.log('UNLEASH READY'));"
            ),
        )
        .expect("script");
        let log = dir.path().join("unleash.log");
        let mut unleash = Command::new("node")
            .arg(&script)
            .env("INIT_ADMIN_API_TOKENS", ADMIN_TOKEN)
            .env("INIT_CLIENT_API_TOKENS", CLIENT_TOKEN)
            .env("SCARF_ANALYTICS", "false")
            .env("CHECK_VERSION", "false")
            .env("UNLEASH_TELEMETRY_DISABLED", "true")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("node");
        let out = unleash.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if line.contains("UNLEASH READY") {
                    let _ = tx.send(());
                }
            }
        });
        if rx.recv_timeout(Duration::from_secs(120)).is_err() {
            panic!(
                "Unleash did not start: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        Unleash {
            url: format!("http://127.0.0.1:{port}"),
            unleash,
            postgres,
            _dir: dir,
        }
    }

    /// A request with this token: its status and body.
    fn request(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, String) {
        let url = format!("{}{path}", self.url);
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("rt");
        rt.block_on(async move {
            let mut req = reqwest::Client::new()
                .request(method, url)
                .header("Authorization", token);
            if let Some(b) = body {
                req = req.json(&b);
            }
            let r = req.send().await.expect("request");
            (r.status().as_u16(), r.text().await.unwrap_or_default())
        })
    }

    /// Creates a flag in the default project, on in production.
    pub fn create_flag(&self, name: &str) {
        let (s, b) = self.request(
            "POST",
            "/api/admin/projects/default/features",
            ADMIN_TOKEN,
            Some(serde_json::json!({ "name": name, "type": "kill-switch" })),
        );
        assert!((200..300).contains(&s), "create {name}: {s} {b}");
        let on = format!("/api/admin/projects/default/features/{name}/environments/production/on");
        let (s, b) = self.request("POST", &on, ADMIN_TOKEN, None);
        assert!((200..300).contains(&s), "turn {name} on: {s} {b}");
    }

    /// What the client API (what the service's SDK reads) says of the flag in production.
    pub fn client_enabled(&self, name: &str) -> bool {
        let (s, b) = self.request(
            "GET",
            &format!("/api/client/features/{name}"),
            CLIENT_TOKEN,
            None,
        );
        assert_eq!(s, 200, "client api: {b}");
        let v: serde_json::Value = serde_json::from_str(&b).expect("json");
        v["enabled"].as_bool().expect("enabled")
    }

    /// The change with nothing around it, as a baseline: the POST that sets the state (to what
    /// it already has, so nothing moves) and the GET that reads it, timed.
    pub fn bare_change(&self, on: bool) -> Duration {
        let path = "/api/admin/projects/default/features/new-checkout";
        let start = Instant::now();
        let (s, _) = self.request(
            "POST",
            &format!(
                "{path}/environments/production/{}",
                if on { "on" } else { "off" }
            ),
            ADMIN_TOKEN,
            None,
        );
        let (g, _) = self.request("GET", path, ADMIN_TOKEN, None);
        assert!((200..300).contains(&s) && g == 200);
        start.elapsed()
    }

    /// Stops answering (the server is killed; its database stays).
    pub fn stop(&mut self) {
        let _ = self.unleash.kill();
        let _ = self.unleash.wait();
    }
}

impl Drop for Unleash {
    fn drop(&mut self) {
        let _ = self.unleash.kill();
        let _ = self.unleash.wait();
        let _ = Command::new("kill")
            .args(["-INT", &self.postgres.id().to_string()])
            .status();
        let _ = self.postgres.wait();
    }
}
