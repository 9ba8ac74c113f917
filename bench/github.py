#!/usr/bin/env python3
"""The PR follower's figures (issue 18), with bench/fake_github.py:
  the console's CPU and terminal bytes for a minute while it follows a PR whose state does not
  change (every poll a 304), beside the same console with no PR to follow, in the same minute;
  and how long a change on GitHub (an approval) takes to reach the screen, with a 5 s poll.
Usage: github.py BIN HOME PORT   (IDLE_SECONDS=60 by default)"""
import json, os, subprocess, sys, time, urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import ptyrun  # noqa: E402

BIN, HOME, PORT = sys.argv[1], sys.argv[2], sys.argv[3]
API = f"http://127.0.0.1:{PORT}"


def counts():
    return json.load(urllib.request.urlopen(f"{API}/__counts"))


def tmux(*args):
    return subprocess.run(["tmux", "-L", "warroom-bench", *args], capture_output=True, text=True).stdout


def latency(runs=5):
    """An approval posted to the server, until its line is on the screen (tmux's view of it)."""
    tmux("-f", "/dev/null", "new-session", "-d", "-s", "b", "-x", "200", "-y", "50",
         f"env WARROOM_HOME={HOME} {BIN} resume BENCH-PR")
    try:
        deadline = time.time() + 20
        while "BENCH-PR" not in tmux("capture-pane", "-p", "-t", "b") and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(6)  # the first state is known; from here on only changes count
        waits = []
        for i in range(runs):
            who = f"reviewer{i}"
            urllib.request.urlopen(urllib.request.Request(f"{API}/__review/{who}", method="POST"))
            t = time.perf_counter()
            while f"approved by {who}" not in tmux("capture-pane", "-p", "-t", "b"):
                if time.perf_counter() - t > 20:
                    break
                time.sleep(0.02)
            else:
                waits.append((time.perf_counter() - t) * 1000)
            time.sleep((1.3 * (i + 1)) % 5)  # land at different points of the poll interval
    finally:
        tmux("kill-server")
    print(f"latency change->screen (poll 5 s) runs={runs} seen={len(waits)} "
          f"max_ms={max(waits):.0f} median_ms={sorted(waits)[len(waits) // 2]:.0f} "
          f"all_ms={[round(w) for w in waits]}")


if __name__ == "__main__":
    before = counts()
    seconds = os.environ.get("IDLE_SECONDS", "60")
    procs = [subprocess.Popen([sys.executable, ptyrun.__file__, "idle", "--seconds", seconds, "--",
                               BIN, "resume", which], stdout=subprocess.PIPE, text=True)
             for which in ("BENCH-PR", "BENCH-NOPR")]
    outs = [p.communicate()[0].strip() for p in procs]
    after = counts()
    print(f"following a PR:   {outs[0]}")
    print(f"no PR to follow:  {outs[1]}")
    print(f"requests during the idle minute: 304={after['304'] - before['304']} 200={after['200'] - before['200']}")
    latency()
