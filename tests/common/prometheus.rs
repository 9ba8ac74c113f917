//! A real Prometheus server (Debian's `prometheus`) on 127.0.0.1, scraping every second an
//! exporter the test sets the values of.

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the exporter serves: metric line (`name{labels}`) → value.
pub type Values = Arc<Mutex<BTreeMap<String, f64>>>;

/// Counters that grow at a rate: line → (count when the rate was set, per second, since).
type Counters = Arc<Mutex<BTreeMap<String, (f64, f64, Instant)>>>;

pub struct Prometheus {
    pub url: String,
    pub values: Values,
    counters: Counters,
    child: Child,
    _dir: tempfile::TempDir,
}

/// Whether Prometheus is installed; a test that needs it fails without it unless
/// `WARROOM_SKIP_PROMETHEUS` is set.
pub fn available() -> bool {
    let there = Command::new("prometheus")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        there || std::env::var("WARROOM_SKIP_PROMETHEUS").is_ok(),
        "Prometheus is needed for the metric gates' tests (the README's test command installs Debian's prometheus); set WARROOM_SKIP_PROMETHEUS=1 to skip them"
    );
    there
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

impl Prometheus {
    /// Starts the exporter with these values, and Prometheus scraping it every second.
    pub fn start(initial: &[(&str, f64)]) -> Prometheus {
        let values: Values = Arc::new(Mutex::new(
            initial.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        ));
        let served = values.clone();
        let counters: Counters = Arc::default();
        let growing = counters.clone();
        let exporter = super::serve(axum::Router::new().route(
            "/metrics",
            axum::routing::get(move || {
                let v = served.lock().expect("values").clone();
                let c: Vec<String> = growing
                    .lock()
                    .expect("counters")
                    .iter()
                    .map(|(line, (base, rate, since))| {
                        format!("{line} {}\n", base + rate * since.elapsed().as_secs_f64())
                    })
                    .collect();
                async move {
                    // One TYPE line a metric: a second one fails the whole scrape.
                    let mut body = String::new();
                    let mut typed = std::collections::BTreeSet::new();
                    for (line, value) in v {
                        let name = line.split('{').next().unwrap_or_default().to_string();
                        if typed.insert(name.clone()) {
                            body.push_str(&format!("# TYPE {name} gauge\n"));
                        }
                        body.push_str(&format!("{line} {value}\n"));
                    }
                    // Counters untyped: a histogram's buckets need no TYPE line to be read.
                    body.extend(c);
                    ([("content-type", "text/plain; version=0.0.4")], body)
                }
            }),
        ));
        let dir = tempfile::tempdir().expect("tmp");
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: exporter\n    honor_labels: true\n    static_configs:\n      - targets: ['{exporter}']\n"
            ),
        )
        .expect("config");
        let port = free_port();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("log")).expect("log"))
            .spawn()
            .expect("prometheus");
        let url = format!("http://127.0.0.1:{port}");
        let p = Prometheus {
            url,
            values,
            counters,
            child,
            _dir: dir,
        };
        p.wait_ready();
        p
    }

    fn wait_ready(&self) {
        // Ready, and the exporter scraped once: target discovery hands its first targets to
        // the scrapers some seconds after the start.
        let start = Instant::now();
        while !get(&format!("{}/api/v1/query?query=up", self.url))
            .is_some_and(|b| b.contains(r#""1"]"#))
        {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "Prometheus did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn set(&self, line: &str, value: f64) {
        self.values
            .lock()
            .expect("values")
            .insert(line.to_string(), value);
    }

    /// A counter that grows by `per_second` from now on (from where it is).
    pub fn counter(&self, line: &str, per_second: f64) {
        let mut c = self.counters.lock().expect("counters");
        let now = c.get(line).map_or(0.0, |(base, rate, since)| {
            base + rate * since.elapsed().as_secs_f64()
        });
        c.insert(line.to_string(), (now, per_second, Instant::now()));
    }

    /// Stops answering: the server is killed.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The body of a GET that answers 200 (a plain TCP request: no client needed).
fn get(url: &str) -> Option<String> {
    use std::io::{Read, Write};
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut s = std::net::TcpStream::connect(host).ok()?;
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    s.write_all(format!("GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n").as_bytes())
        .ok()?;
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let ok = out.starts_with("HTTP/1.0 200") || out.starts_with("HTTP/1.1 200");
    ok.then(|| {
        out.split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default()
    })
}
