#!/usr/bin/env python3
"""Metric gates' figures (issue 27), against a real Prometheus (scraping every second an
exporter this script serves) on 127.0.0.1:
  - idle: consoles under a 200x50 pty in the same minutes: BASE (an earlier warroom, no gates),
    BIN with no gates, and BIN with four gates polled every 30 s; CPU as % of one core.
  - poll: BIN with four gates polled every second beside BIN with none, in the same minute: the
    CPU one poll costs, and what it comes to at a 30 s interval.
  - latency: a value changed in the exporter, from the moment Prometheus answers it to the
    moment the console's screen (tmux) shows it, with the gate polled every 5 s; RUNS times.
Usage: metrics.py BIN BASE [idle|poll|latency …]   (IDLE_SECONDS=120 POLL_SECONDS=60 RUNS=20)"""
import http.server, json, os, random, socket, subprocess, sys, tempfile, threading, time, urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import urllib.parse  # noqa: E402
import ptyrun  # noqa: E402

BIN, BASE = sys.argv[1], sys.argv[2]
WHAT = sys.argv[3:] or ["idle", "poll", "latency"]
ROOT = tempfile.mkdtemp(prefix="warroom-metrics-")
VALUES = {'api_latency_seconds{job="api"}': 0.2, 'db_query_seconds{job="db"}': 0.05,
          'third_party_errors_ratio{job="api"}': 0.001, 'checkout_rate{job="api"}': 40.0}
KILL = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Exporter(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        lines = []
        for k, v in sorted(VALUES.items()):
            lines.append(f"# TYPE {k.split('{')[0]} gauge\n{k} {v}\n")
        body = "".join(lines).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


def prometheus():
    port = free_port()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Exporter)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    cfg = f"{ROOT}/prometheus.yml"
    with open(cfg, "w") as f:
        f.write("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: exporter\n"
                f"    honor_labels: true\n    static_configs:\n      - targets: ['127.0.0.1:{srv.server_address[1]}']\n")
    KILL.append(subprocess.Popen(["prometheus", f"--config.file={cfg}", f"--storage.tsdb.path={ROOT}/tsdb",
                                  f"--web.listen-address=127.0.0.1:{port}"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    url = f"http://127.0.0.1:{port}"
    while query(url, "up") != 1.0:
        time.sleep(0.2)
    return url


def query(url, q):
    try:
        with urllib.request.urlopen(f"{url}/api/v1/query?" + urllib.parse.urlencode({"query": q}), timeout=2) as r:
            res = json.load(r)["data"]["result"]
            return float(res[0]["value"][1]) if res else None
    except Exception:
        return None


def home(name, gates, url, interval):
    h = f"{ROOT}/{name}"
    os.makedirs(h)
    text = ""
    for i, line in enumerate(list(VALUES)[:gates]):
        text += (f'[[metrics]]\nname = "gate {i}"\nsource = "prometheus"\nurl = "{url}"\n'
                 f"query = '{line}'\ninterval = \"{interval}\"\nunit = \"s\"\n\n")
    open(f"{h}/warroom.toml", "w").write(text)
    env = dict(os.environ, WARROOM_HOME=h)
    subprocess.run([BIN, "open", "BENCH-27", "--priority", "P1", "--title", "Slow checkout", "--no-console"],
                   cwd=h, env=env, check=True, capture_output=True)
    return h, env


def cpu_of(runs, seconds):
    """Starts each (name, bin, home, env) under a pty at once; CPU % of one core over `seconds`."""
    procs = []
    for name, binary, h, env in runs:
        os.chdir(h)
        os.environ.update(env)
        pid, fd = ptyrun.spawn([binary, "resume", "BENCH-27"])
        procs.append((name, pid, fd))
    def drain(until):
        # Read every pty so that no console blocks on a full terminal.
        while time.time() < until:
            ready, _, _ = ptyrun.select.select([fd for _, _, fd in procs], [], [], 0.2)
            for fd in ready:
                try:
                    os.read(fd, 65536)
                except OSError:
                    pass

    drain(time.time() + 5)
    c0 = {n: ptyrun.cpu_s(p) for n, p, _ in procs}
    t0 = time.time()
    drain(t0 + seconds)
    out = {n: (ptyrun.cpu_s(p) - c0[n]) / (time.time() - t0) * 100 for n, p, _ in procs}
    for _, p, _ in procs:
        ptyrun.stop(p)
    return out


def idle(url):
    seconds = float(os.environ.get("IDLE_SECONDS", 120))
    base = home("idle-base", 0, url, "30s")
    none = home("idle-none", 0, url, "30s")
    four = home("idle-four", 4, url, "30s")
    cpu = cpu_of([("base", BASE, *base), ("none", BIN, *none), ("four", BIN, *four)], seconds)
    print(f"idle seconds={seconds:.0f} base_pct={cpu['base']:.3f} no_gates_pct={cpu['none']:.3f} "
          f"four_gates_30s_pct={cpu['four']:.3f} four_minus_base_pp={cpu['four'] - cpu['base']:+.3f}")


def poll(url):
    seconds = float(os.environ.get("POLL_SECONDS", 60))
    none = home("poll-none", 0, url, "1s")
    four = home("poll-four", 4, url, "1s")
    cpu = cpu_of([("none", BIN, *none), ("four", BIN, *four)], seconds)
    per_poll_ms = (cpu["four"] - cpu["none"]) / 100 * 1000 / 4
    at_30s = per_poll_ms / 1000 / 30 * 100
    print(f"poll seconds={seconds:.0f} no_gates_pct={cpu['none']:.3f} four_gates_1s_pct={cpu['four']:.3f} "
          f"per_poll_cpu_ms={per_poll_ms:.3f} one_gate_at_30s_pct={at_30s:.4f} budget_pct=0.02 "
          f"ratio={at_30s / 0.02:.2f}")


def tmux(*args):
    return subprocess.run(["tmux", "-L", "warroom-bench-metrics", *args], capture_output=True, text=True).stdout


def latency(url):
    runs = int(os.environ.get("RUNS", 20))
    h, env = home("latency", 1, url, "5s")
    line = list(VALUES)[0]
    tmux("kill-server")
    tmux("new-session", "-d", "-x", "160", "-y", "45", "-c", h, "-e", f"WARROOM_HOME={h}",
         f"{BIN} resume BENCH-27")
    while "gate 0" not in tmux("capture-pane", "-p"):
        time.sleep(0.1)
    got = []
    for i in range(runs):
        # A change lands anywhere in the poll's interval.
        time.sleep(random.uniform(0, 5))
        v = round(0.301 + i * 0.007, 3)
        VALUES[line] = v
        while query(url, line) != v:
            time.sleep(0.01)
        t0 = time.time()
        while f"now {v:.3f} s" not in tmux("capture-pane", "-p"):
            time.sleep(0.02)
            if time.time() - t0 > 30:
                break
        got.append(time.time() - t0)
    tmux("kill-server")
    got.sort()
    p95 = got[min(len(got) - 1, int(len(got) * 0.95))]
    print(f"latency runs={runs} interval_s=5 bound_s=6 median_s={got[len(got) // 2]:.2f} "
          f"p95_s={p95:.2f} max_s={got[-1]:.2f} ratio_max_to_bound={got[-1] / 6:.2f}")


try:
    url = prometheus()
    for w in WHAT:
        {"idle": idle, "poll": poll, "latency": latency}[w](url)
finally:
    for p in KILL:
        p.kill()
