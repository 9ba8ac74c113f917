#!/usr/bin/env python3
"""The page's figures (issue 29), with bench/fake_pagerduty.py:
  the console's CPU while it follows an unchanged PagerDuty incident (the default 30 s poll),
  beside the same console with no page to follow, for the same minutes; the same at a 1 s poll,
  where a poll's cost stands out of the noise (the cost a poll, then a thirtieth of it a second);
  and how long an acknowledgement on PagerDuty takes to reach the screen with a 5 s poll.
Usage: paging.py BIN HOME PORT   (IDLE_SECONDS=120 by default)"""
import json, os, subprocess, sys, time, urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import ptyrun  # noqa: E402

BIN, HOME, PORT = sys.argv[1], sys.argv[2], sys.argv[3]
API = f"http://127.0.0.1:{PORT}"


def post(path):
    urllib.request.urlopen(urllib.request.Request(f"{API}{path}", method="POST"))


def tmux(*args):
    return subprocess.run(["tmux", "-L", "warroom-bench-pd", *args], capture_output=True, text=True).stdout


def latency(runs=6):
    """An acknowledgement made on the server, until the header says it (tmux's view of it)."""
    tmux("-f", "/dev/null", "new-session", "-d", "-s", "b", "-x", "220", "-y", "50",
         f"env WARROOM_HOME={HOME} WARROOM_CONFIG={HOME}/fast.toml {BIN} resume BENCH-PD")
    try:
        deadline = time.time() + 20
        while "triggered, not acknowledged" not in tmux("capture-pane", "-p", "-t", "b"):
            if time.time() > deadline:
                sys.exit("the console never showed the incident:\n" + tmux("capture-pane", "-p", "-t", "b"))
            time.sleep(0.05)
        waits = []
        for i in range(runs):
            who = f"Responder{i}"
            post(f"/__ack/{who}")
            t = time.perf_counter()
            while f"acknowledged by {who}" not in tmux("capture-pane", "-p", "-t", "b"):
                if time.perf_counter() - t > 20:
                    break
                time.sleep(0.02)
            else:
                waits.append((time.perf_counter() - t) * 1000)
            post("/__trigger")
            while "triggered, not acknowledged" not in tmux("capture-pane", "-p", "-t", "b"):
                time.sleep(0.05)
            time.sleep((1.7 * (i + 1)) % 5)  # land at different points of the poll interval
    finally:
        tmux("kill-server")
    print(f"latency ack->screen (poll 5 s) runs={runs} seen={len(waits)} "
          f"max_ms={max(waits):.0f} median_ms={sorted(waits)[len(waits) // 2]:.0f} "
          f"all_ms={[round(w) for w in waits]}")


def idle(seconds, config):
    """Both consoles for the same seconds under `config`: their ptyrun lines, and the requests."""
    env = dict(os.environ, WARROOM_CONFIG=config)
    before = json.load(urllib.request.urlopen(f"{API}/__counts"))["200"]
    procs = [subprocess.Popen([sys.executable, ptyrun.__file__, "idle", "--seconds", seconds, "--",
                               BIN, "resume", which], stdout=subprocess.PIPE, text=True, env=env)
             for which in ("BENCH-PD", "BENCH-NOPD")]
    outs = [p.communicate()[0].strip() for p in procs]
    after = json.load(urllib.request.urlopen(f"{API}/__counts"))["200"]
    cpu = [float(o.split("cpu_pct=")[1].split()[0]) for o in outs]
    return outs, cpu, after - before


if __name__ == "__main__":
    seconds = os.environ.get("IDLE_SECONDS", "120")
    outs, cpu, requests = idle(seconds, f"{HOME}/warroom.toml")
    print(f"poll 30 s, following the page: {outs[0]}")
    print(f"poll 30 s, no page to follow:  {outs[1]}")
    print(f"poll 30 s: {requests} requests; difference {cpu[0] - cpu[1]:+.3f} % of a core")
    outs, cpu, requests = idle(seconds, f"{HOME}/poll1.toml")
    print(f"poll 1 s, following the page: {outs[0]}")
    print(f"poll 1 s, no page to follow:  {outs[1]}")
    polls = requests / 1.25  # on-call is read every fourth poll
    per_poll_ms = (cpu[0] - cpu[1]) / 100 * float(seconds) * 1000 / polls
    print(f"poll 1 s: {requests} requests; difference {cpu[0] - cpu[1]:+.3f} % of a core; "
          f"{per_poll_ms:.2f} ms of CPU a poll; at the default 30 s: {per_poll_ms / 30 / 10:.4f} % of a core")
    latency()
