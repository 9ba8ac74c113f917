#!/usr/bin/env python3
"""Many seats' figures (issue 17), on one machine with a local bare remote:
  - idle: a shared console's CPU and terminal bytes for a minute, beside the same binary on an
    incident that is not shared and `top -d 1`, in the same minute;
  - latency: a note typed on Alice's console until it is on Bob's screen, 100 times, with the
    default 2 s poll and with a 0.5 s poll;
  - latency-ssh: the same at the default poll over ssh:// to an sshd this script starts on
    127.0.0.1 (keys it makes, an agent, `AcceptEnv GIT_PROTOCOL` as GitHub's and GitLab's);
    each seat keeps its own ssh connections (its own XDG_RUNTIME_DIR).
  - two-writers: Alice's and Bob's consoles on a shared record of 140,000 events (70,000 of
    each seat's, interleaved); the CPU of Alice's console for a minute with nothing written,
    then for a minute while each seat writes a note a second from its shell (WRITERS_SECONDS).
With BASE=/path/to/an/earlier/warroom, each latency is measured with it too, in the same run.
  - converge: three consoles, each seat writing 1,000 notes at once from its command line;
    the time from the last write until all three screens count every event.
Usage: seats.py BIN [idle|latency|latency-ssh|latency-nats|converge|converge-nats|watchers …]   (IDLE_SECONDS=60, RUNS=100)"""
import json, os, random, re, shutil, socket, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(__file__))
import ptyrun  # noqa: E402

BIN = sys.argv[1]
ROOT = tempfile.mkdtemp(prefix="warroom-seats-")
T = "BENCH-SEATS"
KILL = []


def git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def sshd(base):
    """An sshd on 127.0.0.1 and an agent holding the user's key; what a seat needs to reach it."""
    keys = f"{base}/keys"
    os.makedirs(keys)
    for name in ("host", "user"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", f"{keys}/{name}"], check=True)
    shutil.copy(f"{keys}/user.pub", f"{keys}/authorized_keys")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with open(f"{keys}/sshd_config", "w") as f:
        f.write(f"Port {port}\nListenAddress 127.0.0.1\nHostKey {keys}/host\n"
                f"AuthorizedKeysFile {keys}/authorized_keys\nPasswordAuthentication no\n"
                "KbdInteractiveAuthentication no\nPubkeyAuthentication yes\nStrictModes no\n"
                f"UsePAM no\nPidFile {keys}/sshd.pid\nAcceptEnv GIT_PROTOCOL\n")
    os.makedirs("/run/sshd", exist_ok=True)
    sshd_bin = next(p for p in ("/usr/sbin/sshd", "/usr/bin/sshd") if os.path.exists(p))
    KILL.append(subprocess.Popen([sshd_bin, "-D", "-e", "-f", f"{keys}/sshd_config"], stderr=subprocess.DEVNULL))
    agent = f"{keys}/agent.sock"
    KILL.append(subprocess.Popen(["ssh-agent", "-D", "-a", agent], stdout=subprocess.DEVNULL))
    while not os.path.exists(agent):
        time.sleep(0.02)
    subprocess.run(["ssh-add", f"{keys}/user"], env=dict(os.environ, SSH_AUTH_SOCK=agent),
                   check=True, stderr=subprocess.DEVNULL)
    kind, key = open(f"{keys}/host.pub").read().split()[:2]
    with open(f"{keys}/known_hosts", "w") as f:
        f.write(f"[127.0.0.1]:{port} {kind} {key}\n")
    # The remote's account runs git-shell, as a git host's does: no login shell's start-up
    # (this machine's ~/.bashrc) in every session.
    user = "warroom-git"
    if subprocess.run(["id", user], capture_output=True).returncode != 0:
        # "*": no password, and not locked (sshd refuses a locked account without PAM).
        subprocess.run(["useradd", "-m", "-p", "*", "-s", shutil.which("git-shell"), user], check=True)
    subprocess.run(["chown", "-R", user, f"{base}/origin.git"], check=True)
    for d in (ROOT, base):
        os.chmod(d, 0o755)
    ssh = (f"ssh -o UserKnownHostsFile={keys}/known_hosts -o BatchMode=yes "
           f"-o IdentityFile={keys}/user -o IdentitiesOnly=yes")
    return f"ssh://{user}@127.0.0.1:{port}{base}/origin.git", ssh, agent


def team(names, config=None, ssh=False):
    base = tempfile.mkdtemp(dir=ROOT)
    git(base, "init", "-q", "--bare", "-b", "main", "origin.git")
    git(base, "clone", "-q", "origin.git", "seed")
    git(f"{base}/seed", "-c", "user.name=Seed", "-c", "user.email=s@x", "commit", "-q", "--allow-empty", "-m", "init")
    git(f"{base}/seed", "push", "-q", "origin", "HEAD:main")
    for n in names:
        os.makedirs(f"{base}/{n.lower()}")
        git(f"{base}/{n.lower()}", "clone", "-q", f"{base}/origin.git", "service")
    reach = sshd(base) if ssh else None
    seats = []
    for n in names:
        d = f"{base}/{n.lower()}"
        git(f"{d}/service", "config", "user.name", n)
        git(f"{d}/service", "config", "user.email", f"{n.lower()}@example.com")
        env = dict(os.environ, WARROOM_HOME=f"{d}/home", XDG_CONFIG_HOME=f"{d}/xdg", TERM="xterm-256color")
        env.pop("WARROOM_CONFIG", None)
        if reach:
            url, command, agent = reach
            git(f"{d}/service", "remote", "set-url", "origin", url)
            git(f"{d}/service", "config", "core.sshCommand", command)
            run_dir = tempfile.mkdtemp(prefix="wr", dir="/tmp")  # short: ssh's socket path
            # libgit2 reads known_hosts from $HOME (OpenSSH from the account's home).
            os.makedirs(f"{d}/unix/.ssh")
            shutil.copy(f"{base}/keys/known_hosts", f"{d}/unix/.ssh/known_hosts")
            env.update(SSH_AUTH_SOCK=agent, XDG_RUNTIME_DIR=run_dir, HOME=f"{d}/unix")
        if config:
            with open(f"{d}/warroom.toml", "w") as f:
                f.write(config)
            env["WARROOM_CONFIG"] = f"{d}/warroom.toml"
        seats.append({"name": n, "cwd": f"{d}/service", "env": env})
    run(seats[0], "open", T, "--priority", "P1", "--title", "Seats bench", "--no-console", "--share")
    for s in seats[1:]:
        run(s, "join", T, "--no-console")
    return base, seats


def run(seat, *args):
    return subprocess.run([seat.get("bin", BIN), *args], cwd=seat["cwd"], env=seat["env"], check=True,
                          capture_output=True, text=True).stdout


def tmux(server, *args):
    return subprocess.run(["tmux", "-L", server, *args], capture_output=True, text=True).stdout


def console(seat, server):
    envs = " ".join(f"{k}='{v}'" for k, v in seat["env"].items()
                    if k in ("WARROOM_HOME", "XDG_CONFIG_HOME", "WARROOM_CONFIG", "TERM",
                             "SSH_AUTH_SOCK", "XDG_RUNTIME_DIR", "HOME"))
    tmux(server, "-f", "/dev/null", "new-session", "-d", "-s", "m", "-x", "200", "-y", "50",
         f"cd '{seat['cwd']}' && env {envs} {seat.get('bin', BIN)} resume {T}")
    wait(server, "shared ·")


def screen(server):
    return tmux(server, "capture-pane", "-p", "-t", "m")


def wait(server, needle, limit=30, step=0.01):
    t = time.perf_counter()
    while needle not in screen(server):
        if time.perf_counter() - t > limit:
            raise SystemExit(f"{server}: waited {limit}s for {needle!r}:\n{screen(server)}")
        time.sleep(step)
    return time.perf_counter() - t


def idle():
    seconds = os.environ.get("IDLE_SECONDS", "60")
    _, seats = team(["Alice", "Bob"])
    alone = dict(seats[0])
    run(alone, "open", "BENCH-ALONE", "--priority", "P1", "--title", "Not shared", "--no-console")
    procs = []
    for seat, args in ((seats[0], [BIN, "resume", T]), (alone, [BIN, "resume", "BENCH-ALONE"]),
                       (seats[0], ["top", "-d", "1"])):
        procs.append(subprocess.Popen([sys.executable, ptyrun.__file__, "idle", "--seconds", seconds, "--", *args],
                                      cwd=seat["cwd"], env=seat["env"], stdout=subprocess.PIPE, text=True))
    outs = [p.communicate()[0].strip() for p in procs]
    print(f"shared console (poll 2 s):  {outs[0]}")
    print(f"same binary, not shared:    {outs[1]}")
    print(f"top -d 1:                   {outs[2]}")


def latency(poll_interval, ssh=False, binary=None, config=None, label=None):
    if config is None and poll_interval:
        config = f'[share]\npoll_interval = "{poll_interval}"\n'
    _, seats = team(["Alice", "Bob"], config, ssh)
    for s in seats:
        s["bin"] = binary or BIN
    runs = int(os.environ.get("RUNS", "100"))
    interval = 0.5 if poll_interval == "500ms" else 2.0
    console(seats[0], "seat-a")
    console(seats[1], "seat-b")
    waits = []
    try:
        for i in range(runs):
            text = f"latency probe {i:03d}"
            tmux("seat-a", "send-keys", "-t", "m", "n")
            tmux("seat-a", "send-keys", "-t", "m", "-l", text)
            t = time.perf_counter()
            tmux("seat-a", "send-keys", "-t", "m", "Enter")
            # Looked for every 2 ms: the probe's own delay stays well under the margins measured.
            wait("seat-b", text, step=0.002)
            waits.append(time.perf_counter() - t)
            # Land anywhere in the poll's cycle: a fixed gap would keep the same phase.
            time.sleep(random.uniform(0, interval))
    finally:
        tmux("seat-a", "kill-server")
        tmux("seat-b", "kill-server")
    waits.sort()
    p95 = waits[int(len(waits) * 0.95) - 1]
    label = label or "poll " + (poll_interval or "2s (default)") + (" over ssh" if ssh else "")
    who = f" [{binary}]" if binary else ""
    print(f"latency typed on Alice -> on Bob's screen, {label}{who}: runs={len(waits)} "
          f"p50_ms={statistics.median(waits) * 1000:.0f} p95_ms={p95 * 1000:.0f} max_ms={waits[-1] * 1000:.0f}")
    return p95


def nats_config():
    url = nats_server()
    return f'[share]\nbackend = "nats"\nurl = "{url}"\norg = "bench"\n'


def converge_nats():
    """Three consoles through NATS, and through the local git remote in the same run."""
    converge(nats_config(), " through NATS")
    converge(None, " through the local git remote (the baseline)")


def watchers():
    """WATCHERS (20) consoles of one incident through NATS, idle for IDLE_SECONDS: each console's
    CPU and the server's, beside the same binary on an incident that is not shared, in the same
    minute."""
    n = int(os.environ.get("WATCHERS", "20"))
    seconds = os.environ.get("IDLE_SECONDS", "60")
    config = nats_config()
    server = KILL[-1]
    names = [f"Watcher{i:02d}" for i in range(n)]
    _, seats = team(names, config)
    alone = dict(seats[0])
    run(alone, "open", "BENCH-ALONE", "--priority", "P1", "--title", "Not shared", "--no-console")
    procs = []
    for seat in seats:
        procs.append(subprocess.Popen([sys.executable, ptyrun.__file__, "idle", "--seconds", seconds, "--", BIN, "resume", T],
                                      cwd=seat["cwd"], env=seat["env"], stdout=subprocess.PIPE, text=True))
    procs.append(subprocess.Popen([sys.executable, ptyrun.__file__, "idle", "--seconds", seconds, "--", BIN, "resume", "BENCH-ALONE"],
                                  cwd=alone["cwd"], env=alone["env"], stdout=subprocess.PIPE, text=True))
    # The server's CPU over the same minute (after the consoles' first screens).
    time.sleep(3)
    c0, t0 = cpu_seconds(server.pid), time.time()
    outs = [p.communicate()[0].strip() for p in procs]
    c1, t1 = cpu_seconds(server.pid), time.time()
    pcts = [float(re.search(r"cpu_pct=([\d.]+)", o).group(1)) for o in outs[:-1]]
    print(f"{n} consoles of one incident through NATS, idle {seconds}s: cpu_pct mean={statistics.mean(pcts):.3f} "
          f"max={max(pcts):.3f}")
    print(f"same binary, not shared:    {outs[-1]}")
    print(f"nats-server with {n} watchers: cpu_pct={(c1 - c0) / (t1 - t0) * 100:.3f} over {t1 - t0:.0f}s")


def nats_server():
    """A nats-server with JetStream on 127.0.0.1, its store in the bench's folder; its URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = tempfile.mkdtemp(dir=ROOT)
    server = shutil.which("nats-server") or "/usr/sbin/nats-server"
    KILL.append(subprocess.Popen([server, "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", store],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    for _ in range(500):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return f"nats://127.0.0.1:{port}"
        time.sleep(0.02)
    raise SystemExit("nats-server did not start")


def latency_nats():
    """Seat to seat through NATS JetStream, and through the local git remote (watched) in the
    same run as the baseline."""
    url = nats_server()
    config = f'[share]\nbackend = "nats"\nurl = "{url}"\norg = "bench"\n'
    nats = latency(None, config=config, label="through NATS JetStream")
    git_p95 = latency(None, label="through the local git remote (watched), the baseline")
    print(f"ratio NATS p95 / git p95 = {nats / git_p95:.2f}")


def cpu_seconds(pid, children=False):
    """The process's CPU; with `children`, also that of the children it waited for (its git)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    used = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if children else 0)
    return used / os.sysconf("SC_CLK_TCK")


def console_pid(server):
    shell = tmux(server, "list-panes", "-t", "m", "-F", "#{pane_pid}").strip()
    out = subprocess.run(["pgrep", "-f", f"resume {T}"], capture_output=True, text=True).stdout.split()
    for pid in [shell, *out]:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            with open(f"/proc/{pid}/status") as f:
                ppid = re.search(r"PPid:\s+(\d+)", f.read()).group(1)
        except OSError:
            continue
        if b"warroom" in os.path.basename(argv[0]) and (pid == shell or ppid == shell):
            return pid
    raise SystemExit(f"{server}: no console process under pane {shell}")


def two_writers(binary=None):
    per = int(os.environ.get("EVENTS", "140000")) // 2
    seconds = float(os.environ.get("WRITERS_SECONDS", "60"))
    _, seats = team(["Alice", "Bob"])
    for s in seats:
        s["bin"] = binary or BIN
    t0 = time.time() - 3600
    for k, s in enumerate(seats):
        home = s["env"]["WARROOM_HOME"]
        with open(f"{home}/incidents/{T}/journal.jsonl", "a") as f:
            for i in range(per):
                at = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t0 + i * 0.02 + k * 0.01))
                ms = int(((t0 + i * 0.02 + k * 0.01) % 1) * 1000)
                f.write(json.dumps({"at": f"{at}.{ms:03d}Z", "kind": "note",
                                    "text": f"{s['name']} {i}: the token cache on web-{i % 7}"}) + "\n")
    for s in seats:  # each seat's backlog pushed, the other's taken
        run(s, "note", T, f"{s['name']} is here")
    for s in seats:
        run(s, "export", T, "--format", "json")
    servers = ["tw-alice", "tw-bob"]
    for s, srv in zip(seats, servers):
        console(s, srv)
    counted = lambda srv: int((re.search(r"Timeline · (\d+) events", screen(srv)) or [0, 0])[1])
    t = time.perf_counter()
    while counted(servers[0]) < 2 * per or counted(servers[0]) != counted(servers[1]):
        if time.perf_counter() - t > 300:
            raise SystemExit(f"the consoles never agreed: {counted(servers[0])} and {counted(servers[1])}")
        time.sleep(0.5)
    pid = console_pid(servers[0])
    time.sleep(5)
    try:
        c0 = cpu_seconds(pid)
        time.sleep(seconds)
        idle_pct = (cpu_seconds(pid) - c0) / seconds * 100
        writers = [subprocess.Popen(["sh", "-c", f"while :; do '{s['bin']}' note {T} \"{s['name']} writes\" >/dev/null 2>&1; sleep 1; done"],
                                    cwd=s["cwd"], env=s["env"]) for s in seats]
        time.sleep(3)
        c0, g0 = cpu_seconds(pid), cpu_seconds(pid, children=True)
        time.sleep(seconds)
        busy_pct = (cpu_seconds(pid) - c0) / seconds * 100
        with_git_pct = (cpu_seconds(pid, children=True) - g0) / seconds * 100
        for w in writers:
            w.kill()
        shown = re.search(r"Timeline · (\d+) events", screen(servers[0]))
    finally:
        for srv in servers:
            tmux(srv, "kill-server")
    who = f" [{binary}]" if binary else ""
    print(f"two writers at {2 * per} events, Alice's console{who}: {busy_pct:.2f} % of a core while each seat "
          f"writes a note a second ({seconds:.0f} s), {with_git_pct:.2f} % with the git it ran; "
          f"nothing written: {idle_pct:.2f} %; "
          f"the screen showed {shown.group(1) if shown else '?'} events")


def converge(config=None, label=""):
    _, seats = team(["Alice", "Bob", "Carol"], config)
    servers = [f"conv-{s['name'].lower()}" for s in seats]
    for s, srv in zip(seats, servers):
        console(s, srv)
    # The seats' first events (opened, joined) on every screen before the clock starts.
    def counts():
        return [int(re.search(r"Timeline · (\d+) events", screen(srv)).group(1)) for srv in servers]
    settle = time.perf_counter() + 30
    while len(set(counts())) > 1 and time.perf_counter() < settle:
        time.sleep(0.1)
    before = counts()[0]
    per = int(os.environ.get("EVENTS", "1000"))
    writers = [subprocess.Popen(["sh", "-c", f"for i in $(seq {per}); do '{BIN}' note {T} \"{s['name']} $i\" >/dev/null 2>&1; done"],
                                cwd=s["cwd"], env=s["env"]) for s in seats]
    t0 = time.perf_counter()
    for w in writers:
        w.wait()
    last = time.perf_counter()
    want = f"Timeline · {before + 3 * per} events"
    try:
        for srv in servers:
            wait(srv, want, limit=60)
        done = time.perf_counter()
    finally:
        for srv in servers:
            tmux(srv, "kill-server")
    print(f"converge 3 seats x {per} notes{label}: writing took {last - t0:.1f}s; all three screens show "
          f"{before + 3 * per} events {done - last:.2f}s after the last write")


if __name__ == "__main__":
    what = sys.argv[2:] or ["idle", "latency", "converge"]
    try:
        for w in what:
            if w == "idle":
                idle()
            elif w == "latency":
                for binary in [None] + ([os.environ["BASE"]] if os.environ.get("BASE") else []):
                    latency(None, binary=binary)
                    latency("500ms", binary=binary)
            elif w == "latency-ssh":
                for binary in [None] + ([os.environ["BASE"]] if os.environ.get("BASE") else []):
                    latency(None, ssh=True, binary=binary)
            elif w == "latency-nats":
                latency_nats()
            elif w == "converge":
                converge()
            elif w == "converge-nats":
                converge_nats()
            elif w == "watchers":
                watchers()
            elif w == "two-writers":
                for binary in [None] + ([os.environ["BASE"]] if os.environ.get("BASE") else []):
                    two_writers(binary)
    finally:
        for p in KILL:
            p.kill()
        shutil.rmtree(ROOT, ignore_errors=True)
