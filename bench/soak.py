#!/usr/bin/env python3
"""Soak: the console open for MINUTES with the clock ticking, Sentry polled every 5 s (a local
Sentry-shaped server) and a log file growing by 1,000 lines/s, under a 200x50 pty. Samples RSS
and CPU every 30 s; reports RSS growth from minute 5 (or a fifth of the run) to the end, and CPU
per interval. Usage: soak.py MINUTES"""
import os, pty, fcntl, struct, termios, select, subprocess, sys, tempfile, time, signal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WARROOM = os.path.join(ROOT, "target/release/warroom")
minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 30

tmp = tempfile.mkdtemp(prefix="warroom-soak-")
server = subprocess.Popen([sys.executable, os.path.join(ROOT, "bench/fake_sentry.py")], stdout=subprocess.PIPE, text=True)
port = server.stdout.readline().strip()
log = os.path.join(tmp, "app.log")
open(log, "w").close()
cfg = os.path.join(tmp, "warroom.toml")
open(cfg, "w").write(f'[logs]\nfile = "{log}"\n[sentry]\nbase_url = "http://127.0.0.1:{port}"\norg = "acme"\nproject = "2"\npoll_interval = "5s"\n')
env = {**os.environ, "WARROOM_HOME": os.path.join(tmp, "home"), "XDG_CONFIG_HOME": os.path.join(tmp, "xdg"),
       "WARROOM_CONFIG": cfg, "SENTRY_AUTH_TOKEN": "soak-token-0123456789", "TERM": "xterm-256color"}
subprocess.run([WARROOM, "open", "SOAK-1", "--priority", "P1", "--title", "Soak", "--no-console"], env=env, check=True, stdout=subprocess.DEVNULL)

pid, fd = pty.fork()
if pid == 0:
    os.chdir(tmp)
    os.execvpe(WARROOM, [WARROOM, "resume", "SOAK-1"], env)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))

def cpu():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
def rss_kb():
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("VmRSS"):
            return int(l.split()[1])
    return -1

out = open(log, "a", buffering=1 << 16)
start = time.time()
end = start + minutes * 60
n = 0
samples = []
next_sample = start + 30
last_cpu = cpu()
while time.time() < end:
    due = int((time.time() - start) * 1000)
    while n < due:
        out.write(f"2026-11-26T14:00:00Z INFO web[{n % 7}] GET /api/account 200 {n % 90}ms request={n:09d}\n")
        n += 1
    out.flush()
    r, _, _ = select.select([fd], [], [], 0.05)
    if r:
        try:
            os.read(fd, 1 << 16)
        except OSError:
            break
    if time.time() >= next_sample:
        c = cpu()
        samples.append((time.time() - start, rss_kb(), (c - last_cpu) / 30 * 100))
        last_cpu = c
        next_sample += 30
os.kill(pid, signal.SIGKILL)
os.waitpid(pid, 0)
server.kill()
mark = 5 * 60 if minutes >= 10 else minutes * 60 / 5
base = next(s for s in samples if s[0] >= mark)
last = samples[-1]
growth = (last[1] - base[1]) / base[1] * 100
cpus = [s[2] for s in samples]
print(f"soak {minutes:g} min: {n} log lines ({n / (last[0]):.0f}/s), polls every 5 s")
print(f"RSS at {base[0] / 60:.1f} min {base[1] / 1024:.1f} MB, at {last[0] / 60:.1f} min {last[1] / 1024:.1f} MB: growth {growth:+.2f}% -> {'met' if growth <= 5 else 'MISSED'} (<= 5%)")
print(f"CPU per 30 s: min {min(cpus):.2f}% median {sorted(cpus)[len(cpus) // 2]:.2f}% max {max(cpus):.2f}% of one core")
print("samples (s, RSS MB, CPU %): " + ", ".join(f"({s[0]:.0f}, {s[1] / 1024:.1f}, {s[2]:.2f})" for s in samples))
