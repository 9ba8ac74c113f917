#!/usr/bin/env python3
"""Measure a terminal program under a pseudo-terminal (200x50), no real terminal needed.

  ptyrun.py idle [--seconds 60] -- CMD...      CPU (% of one core, /proc/PID/stat) and bytes/s
                                            written to the terminal while nothing happens
  ptyrun.py ttfs N SENTINEL -- CMD...          ms until SENTINEL first appears (median/min/max of N)
  ptyrun.py rss SENTINEL -- CMD...             ms until SENTINEL appears, then peak and current RSS
  ptyrun.py peak -- CMD...                     runs CMD to its end (stdout to /dev/null): wall ms
                                            and peak RSS
  --fresh FILE (before --, with ttfs and rss)  removes FILE before each run (a checkpoint, say)

Adapted from shared/tools (idle.py, ttfs.py)."""
import fcntl, os, pty, select, statistics, struct, sys, termios, time

COLS, ROWS = 200, 50


def spawn(cmd):
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.execvp(cmd[0], cmd)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    return pid, fd


def stop(pid):
    try:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    except OSError:
        pass


def cpu_s(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def status_kb(pid, key):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key):
            return int(line.split()[1])
    return -1


def read_until(fd, sentinel, t0, limit=15):
    buf = b""
    while time.perf_counter() - t0 < limit:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                buf = (buf + os.read(fd, 65536))[-65536:]
            except OSError:
                return None
            if sentinel in buf:
                return (time.perf_counter() - t0) * 1000
    return None


def idle(args):
    seconds = 60.0
    if args[0] == "--seconds":
        seconds, args = float(args[1]), args[2:]
    cmd = args[1:] if args[0] == "--" else args
    pid, fd = spawn(cmd)
    total = 0

    def pump(until):
        nonlocal total
        while time.time() < until:
            r, _, _ = select.select([fd], [], [], max(0, min(0.2, until - time.time())))
            if r:
                try:
                    total += len(os.read(fd, 65536))
                except OSError:
                    return

    pump(time.time() + 3)
    c0, b0, t0 = cpu_s(pid), total, time.time()
    pump(t0 + seconds)
    c1, b1, t1 = cpu_s(pid), total, time.time()
    stop(pid)
    print(f"idle cmd={' '.join(cmd)!r} seconds={t1-t0:.0f} cpu_pct={(c1-c0)/(t1-t0)*100:.3f} "
          f"bytes_per_s={(b1-b0)/(t1-t0):.1f}")


def fresh(args):
    """The file --fresh names, removed now and handed back to remove before each run."""
    head = args[:args.index("--")]
    path = head[head.index("--fresh") + 1] if "--fresh" in head else None
    if path and os.path.exists(path):
        os.remove(path)
    return path


def ttfs(args):
    n, sentinel = int(args[0]), args[1].encode()
    cmd = args[args.index("--") + 1:]
    res = []
    for _ in range(n):
        fresh(args)
        t0 = time.perf_counter()
        pid, fd = spawn(cmd)
        ms = read_until(fd, sentinel, t0)
        stop(pid)
        if ms is not None:
            res.append(ms)
    if not res:
        print(f"ttfs cmd={' '.join(cmd)!r}: sentinel never seen")
        sys.exit(1)
    print(f"ttfs cmd={' '.join(cmd)!r} runs={len(res)} median_ms={statistics.median(res):.1f} "
          f"min_ms={min(res):.1f} max_ms={max(res):.1f}")


def rss(args):
    sentinel = args[0].encode()
    cmd = args[args.index("--") + 1:]
    fresh(args)
    t0 = time.perf_counter()
    pid, fd = spawn(cmd)
    ms = read_until(fd, sentinel, t0, limit=60)
    time.sleep(1.5)
    while select.select([fd], [], [], 0)[0]:
        os.read(fd, 65536)
    hwm, cur = status_kb(pid, "VmHWM"), status_kb(pid, "VmRSS")
    stop(pid)
    print(f"rss cmd={' '.join(cmd)!r} first_screen_ms={ms if ms is None else round(ms, 1)} "
          f"peak_rss_mb={hwm/1024:.1f} rss_mb={cur/1024:.1f}")


def peak(args):
    cmd = args[args.index("--") + 1:]
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.execvp(cmd[0], cmd)
    _, status, usage = os.wait4(pid, 0)
    ms = (time.perf_counter() - t0) * 1000
    print(f"peak cmd={' '.join(cmd)!r} exit={os.waitstatus_to_exitcode(status)} "
          f"wall_ms={ms:.1f} peak_rss_mb={usage.ru_maxrss/1024:.1f}")


if __name__ == "__main__":
    {"idle": idle, "ttfs": ttfs, "rss": rss, "peak": peak}[sys.argv[1]](sys.argv[2:])
