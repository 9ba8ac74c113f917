#!/usr/bin/env python3
"""The deploy-log flood (issue 3), measured beside peers in the same run.

1. The generator (examples/flood.rs) writing to /dev/null: its own speed, the baseline.
2. warroom running it as the deploy: warroom's CPU per line, the generator's speed beside
   the baseline, every line in the run's log file, the marker's delay to the screen, key-press
   latency during the flood ('?' until the help shows), frames per second, peak RSS.
3. The same lines appended to a file and followed by lnav and by warroom ([logs] file).
4. A spinner as the deploy (issue 13): one line redrawn with erase-line and cursor-to-column-1
   1,000 times a second for 10 s: warroom's CPU as a share of one core, its RSS at the start and
   the end, and the lines of the run's log file.

Usage: bench/flood.py [--rate 400000] [--seconds 10]   (from bench/deploy_log.sh)"""
import argparse, shutil, fcntl, glob, os, pty, re, select, signal, statistics, struct, subprocess
import sys, tempfile, termios, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WARROOM = os.path.join(ROOT, "target/release/warroom")
FLOOD = os.path.join(ROOT, "target/release/examples/flood")


def cpu_s(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def hwm_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return -1


class Term:
    """A program under a 200x50 pty, with what it printed searchable as it arrives."""

    def __init__(self, cmd, env, cwd):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.chdir(cwd)
            os.environ.update(env)
            os.environ["TERM"] = "xterm-256color"
            os.execvp(cmd[0], cmd)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
        self.tail = b""

    def pump(self, timeout):
        """Reads what is there (waiting up to timeout); returns the new bytes."""
        new = b""
        r, _, _ = select.select([self.fd], [], [], timeout)
        while r:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            new += chunk
            r, _, _ = select.select([self.fd], [], [], 0)
        self.tail = (self.tail + new)[-(1 << 16):]
        return new

    def wait_for(self, needle, limit=20):
        t0 = time.time()
        window = b""
        while time.time() - t0 < limit:
            window = (window + self.pump(0.01))[-(1 << 16):]
            if needle in window:
                return time.time()
        raise SystemExit(f"never saw {needle!r}; last output: {self.tail[-400:]!r}")

    def send(self, data):
        os.write(self.fd, data)

    def stop(self, sig=signal.SIGKILL):
        try:
            os.kill(self.pid, sig)
            t0 = time.time()
            while time.time() - t0 < 5:
                self.pump(0.05)
                pid, _ = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    return
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except OSError:
            pass


def marker_info(path):
    return dict(kv.split("=", 1) for kv in open(path).read().split())


def baseline(rate, seconds, tmp):
    m = os.path.join(tmp, "baseline.marker")
    subprocess.run([FLOOD, "--rate", str(rate), "--seconds", str(seconds), "--marker-file", m],
                   stdout=subprocess.DEVNULL, check=True)
    info = marker_info(m)
    r = int(info["lines"]) / float(info["seconds"])
    print(f"generator -> /dev/null: {int(info['lines'])} lines in {float(info['seconds']):.3f}s = {r:.0f} lines/s")
    return r


def warroom_env(home, config):
    return {"WARROOM_HOME": home, "XDG_CONFIG_HOME": os.path.join(home, "xdg"), "WARROOM_CONFIG": config,
            "WARROOM_LOG": "info"}


def deploy_console(tmp, name, ticket, command, tty=False):
    """A console under a pty whose deploy is `command` (on a terminal of its own when `tty`),
    with the deploy dialog open."""
    home = os.path.join(tmp, name)
    os.makedirs(home)
    cfg = os.path.join(home, "warroom.toml")
    open(cfg, "w").write(f'[deploy]\ncommand = "{command}"\ntty = {"true" if tty else "false"}\n')
    env = warroom_env(home, cfg)
    subprocess.run([WARROOM, "open", ticket, "--priority", "P0", "--title", name, "--no-console"],
                   env={**os.environ, **env}, check=True, stdout=subprocess.DEVNULL)
    t = Term([WARROOM, "resume", ticket], env, home)
    t.wait_for(b"Checklist")
    t.send(b"d")
    t.wait_for(b"Deploy to production")
    return t, home


def deploy_flood(rate, seconds, base_rate, tmp):
    m = os.path.join(tmp, "deploy.marker")
    t, home = deploy_console(tmp, "deploy", "BENCH-FLOOD",
                             f"{FLOOD} --rate {rate} --seconds {seconds} --marker-file {m}")
    cpu0 = cpu_s(t.pid)
    t.send(b"y")
    started = time.time()
    keys, waiting, next_key = [], None, started + 0.5
    marker_seen = None
    window = b""
    while time.time() - started < seconds + 60:
        new = t.pump(0.002)
        window = (window + new)[-(1 << 16):]
        now = time.time()
        if waiting is None and now >= next_key and now < started + seconds - 1:
            t.send(b"?")
            waiting, window = now, b""
            continue
        if waiting is not None and b"Rebind keys" in window:
            keys.append((now - waiting) * 1000)
            t.send(b"\x1b")
            waiting, next_key, window = None, now + 0.2, b""
            continue
        if b"ZZMARKER" in window and marker_seen is None:
            marker_seen = now
        if marker_seen and b"deploy finished" in window:
            break
    cpu1 = cpu_s(t.pid)
    peak = hwm_mb(t.pid)
    t.stop(signal.SIGTERM)
    info = marker_info(m)
    lines = int(info["lines"])
    gen_rate = lines / float(info["seconds"])
    latency = (marker_seen - float(info["written_at"])) * 1000 if marker_seen else float("nan")
    logs = glob.glob(os.path.join(home, "incidents/BENCH-FLOOD/logs/*deploy*.log"))
    in_log = sum(1 for l in open(logs[0], errors="replace") if "INFO deploy[web] step" in l) if logs else 0
    frames = re.findall(r"at most (\d+) in one second", open(os.path.join(home, "warroom.log")).read())
    keys.sort()
    p99 = keys[min(len(keys) - 1, int(len(keys) * 0.99))] if keys else float("nan")
    print(f"warroom deploy flood: {lines} lines, warroom cpu {cpu1 - cpu0:.2f}s = {(cpu1 - cpu0) / lines * 1e6:.3f} us/line; "
          f"generator {gen_rate:.0f} lines/s = {gen_rate / base_rate * 100:.1f}% of /dev/null; "
          f"log file has {in_log}/{lines} lines; marker on screen {latency:.1f} ms after it was written; "
          f"key->screen over {len(keys)} presses median {statistics.median(keys) if keys else float('nan'):.1f} ms p99 {p99:.1f} ms max {max(keys) if keys else float('nan'):.1f} ms; "
          f"at most {frames[-1] if frames else '?'} frames in one second; peak RSS {peak:.1f} MB")
    return (cpu1 - cpu0) / lines


def file_flood(name, cmd, env, cwd, logfile, rate, seconds, tmp):
    open(logfile, "w").close()
    t = Term(cmd, env, cwd)
    settle = time.time() + 2
    while time.time() < settle:
        t.pump(0.05)
    cpu0 = cpu_s(t.pid)
    m = os.path.join(tmp, f"{name}.marker")
    gen = subprocess.Popen([FLOOD, "--rate", str(rate), "--seconds", str(seconds), "--out", logfile, "--marker-file", m])
    window, seen = b"", None
    while gen.poll() is None or seen is None:
        window = (window + t.pump(0.005))[-(1 << 16):]
        if b"ZZMARKER" in window:
            seen = time.time()
        if gen.poll() is not None and time.time() - os.path.getmtime(m) > 30:
            break
    cpu1 = cpu_s(t.pid)
    peak = hwm_mb(t.pid)
    t.stop()
    info = marker_info(m)
    lines = int(info["lines"])
    latency = (seen - float(info["written_at"])) * 1000 if seen else float("nan")
    print(f"{name} following a file: {lines} lines, cpu {cpu1 - cpu0:.2f}s = {(cpu1 - cpu0) / lines * 1e6:.3f} us/line; "
          f"marker on screen {latency:.1f} ms after it was written; peak RSS {peak:.1f} MB")
    return (cpu1 - cpu0) / lines


SPINNER = r"""
import sys, time
frames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
out = sys.stdout.buffer
t0 = time.time()
n = 0
while time.time() - t0 < SECONDS:
    out.write(f"\x1b[2K\x1b[1G\x1b[36m{frames[n % 10]}\x1b[39m Deploying acme/web ({n})".encode())
    out.flush()
    n += 1
    time.sleep(max(0, t0 + n / 1000 - time.time()))
out.write(f"\x1b[2K\x1b[1G✅  Production: https://web.example.app frames={n}\nZZSPIN\n".encode())
out.flush()
"""


def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return -1


def spinner(seconds, tmp, tty=False):
    how = "tty" if tty else "pipe"
    gen = os.path.join(tmp, "spin.py")
    open(gen, "w").write(SPINNER.replace("SECONDS", str(seconds)))
    t, home = deploy_console(tmp, f"spinner-{how}", "BENCH-SPIN", f"python3 {gen}", tty)
    t.send(b"y")
    settle = time.time() + 0.5
    while time.time() < settle:
        t.pump(0.05)
    t0, cpu0, rss0 = time.time(), cpu_s(t.pid), rss_mb(t.pid)
    t.wait_for(b"ZZSPIN", limit=seconds + 30)
    t1, cpu1, rss1 = time.time(), cpu_s(t.pid), rss_mb(t.pid)
    logs = glob.glob(os.path.join(home, "incidents/BENCH-SPIN/logs/*deploy*.log"))
    while logs and "exit" not in open(logs[0]).read() and time.time() - t1 < 10:
        t.pump(0.05)
    t.stop(signal.SIGTERM)
    body = [l for l in open(logs[0], errors="replace") if not l.startswith("# ")] if logs else []
    longest = max((len(l) for l in body), default=0)
    frames = re.search(r"frames=(\d+)", "".join(body))
    pct = (cpu1 - cpu0) / (t1 - t0) * 100
    print(f"warroom spinner deploy on a {how}: {frames.group(1) if frames else '?'} frames in {t1 - t0:.1f}s, warroom cpu {pct:.2f}% of a core; "
          f"RSS {rss0:.1f} MB at the start, {rss1:.1f} MB at the end; log file {len(body)} lines "
          f"(longest {longest} chars): {body!r}")
    return pct


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, default=400_000)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--only-spinner", action="store_true")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="warroom-flood-")
    try:
        run(a, tmp)
    finally:
        # 4 million lines of logs: ~700 MB a run.
        shutil.rmtree(tmp, ignore_errors=True)


def run(a, tmp):
    pipe = spinner(a.seconds, tmp)
    tty = spinner(a.seconds, tmp, tty=True)
    print(f"spinner on a terminal (tty = true): {tty:.2f}% of a core = {tty / pipe:.2f}x the same spinner on a pipe")
    if a.only_spinner:
        return
    base = baseline(a.rate, a.seconds, tmp)
    ours = deploy_flood(a.rate, a.seconds, base, tmp)
    logfile = os.path.join(tmp, "app.log")
    home = os.path.join(tmp, "file")
    os.makedirs(home)
    cfg = os.path.join(home, "warroom.toml")
    open(cfg, "w").write(f'[logs]\nfile = "{logfile}"\n')
    env = warroom_env(home, cfg)
    subprocess.run([WARROOM, "open", "BENCH-FILE", "--priority", "P1", "--title", "File flood", "--no-console"],
                   env={**os.environ, **env}, check=True, stdout=subprocess.DEVNULL)
    ours_file = file_flood("warroom", [WARROOM, "resume", "BENCH-FILE"], env, home, logfile, a.rate, a.seconds, tmp)
    lnav = file_flood("lnav", ["lnav", logfile], {"HOME": tmp}, tmp, logfile, a.rate, a.seconds, tmp)
    print(f"ratio to lnav on the same lines: deploy flood {ours / lnav:.3f}x, file flood {ours_file / lnav:.3f}x")


if __name__ == "__main__":
    main()
