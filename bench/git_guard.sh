#!/usr/bin/env bash
# The minimal-change guard (issues 5, 12) on a repository with 10k commits and 5k files and a
# 20-file hotfix into which main (30 newer commits) was merged, beside `git diff --shortstat
# main...HEAD` in the same run: the guard as the
# console refreshes it (in a running process, `cargo bench --bench git_guard`), and the
# `warroom git guard` command end to end (a whole process, like git's).
# Usage: bench/git_guard.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
cargo build --release --quiet
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 bench/gen_repo.py "$WORK/repo"
export WARROOM_HOME=$WORK/home XDG_CONFIG_HOME=$WORK/xdg
cd "$WORK/repo"
"$ROOT/target/release/warroom" open BENCH-1 --priority P1 --title guard --no-console >/dev/null
python3 - "$ROOT/target/release/warroom" <<'PY'
import statistics, subprocess, sys, time
warroom = sys.argv[1]
def median_ms(cmd, n=20):
    subprocess.run(cmd, check=True, capture_output=True)  # warm the page cache
    runs = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        runs.append((time.perf_counter() - t) * 1000)
    return statistics.median(runs)
git = median_ms(["git", "diff", "--shortstat", "main...HEAD"])
ours = median_ms([warroom, "git", "guard", "BENCH-1"])
out = subprocess.run([warroom, "git", "guard", "BENCH-1"], capture_output=True, text=True).stdout.splitlines()[0]
print(f"git diff --shortstat main...HEAD (a process): median {git:.2f} ms")
print(f"warroom git guard BENCH-1 (a process, recording the event): median {ours:.1f} ms = {ours / git:.1f}x ({out})")
open("git_ms", "w").write(str(git))
PY
cd "$ROOT"
LIVE=$(WARROOM_BENCH_REPO=$WORK/repo cargo bench --quiet --bench git_guard 2>/dev/null | grep -v '^$')
echo "$LIVE"
python3 - "$WORK/repo/git_ms" "$LIVE" <<'PY'
import re, sys
git = float(open(sys.argv[1]).read())
live = float(re.search(r"median ([0-9.]+) ms", sys.argv[2]).group(1))
print(f"ratio, guard in the console to git diff --shortstat: {live / git:.2f}x -> {'met' if live <= 2 * git else 'MISSED'} (<= 2x)")
PY
