#!/usr/bin/env bash
# Metric gates' figures (issue 27) against a real Prometheus: the idle console with four gates
# beside an earlier binary without them, the CPU of one poll, and how soon a change in
# Prometheus is on screen. BASE names the earlier binary (default: built from BASE_REV).
# Usage: bench/metrics.sh [idle|poll|latency …]   (IDLE_SECONDS=120 POLL_SECONDS=60 RUNS=20)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
base=${BASE:-}
if [ -z "$base" ]; then
  rev=${BASE_REV:-c545b22}
  dir=$(mktemp -d)
  git worktree add --quiet --detach "$dir" "$rev"
  (cd "$dir" && CARGO_TARGET_DIR="$PWD/../base-target" cargo build --release --quiet)
  base="$dir/../base-target/release/warroom"
fi
python3 bench/metrics.py "$PWD/target/release/warroom" "$base" "$@"
