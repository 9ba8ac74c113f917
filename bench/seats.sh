#!/usr/bin/env bash
# Many seats' figures (issue 17): one poll when nothing moved beside `git ls-remote`; a shared
# console's idle cost beside the same binary unshared and `top`, in the same minute; how long a
# note typed on one console takes to reach another's screen (100 notes, 2 s and 0.5 s polls);
# and three consoles converging after 1,000 notes from each seat.
# Usage: bench/seats.sh [idle|latency|latency-nats|converge|converge-nats|watchers …]   (IDLE_SECONDS=60 RUNS=100 EVENTS=1000 WATCHERS=20)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
if [ $# -eq 0 ] || [[ " $* " == *" poll "* ]]; then
  echo "== poll when nothing moved"
  cargo bench --quiet --locked --bench share_poll 2>/dev/null | grep -E "share_poll|ls-remote|ratio"
fi
args=()
for a in "$@"; do [ "$a" != poll ] && args+=("$a"); done
if [ $# -eq 0 ] || [ ${#args[@]} -gt 0 ]; then
  python3 bench/seats.py "$PWD/target/release/warroom" "${args[@]}"
fi
