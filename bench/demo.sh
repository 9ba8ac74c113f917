#!/usr/bin/env bash
# From `warroom demo` to a full screen with all five panes showing data (issue 7): time until
# the error-rate pane shows its first successful poll, the last pane to fill (the header, the
# checklist, the followed production log and the seeded timeline are there before it). A
# fresh demo folder each run; median of 10 under a 200x50 pty.
# Usage: bench/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
python3 bench/ptyrun.py ttfs 10 "ok · polled" -- sh -c "exec $PWD/target/release/warroom demo --dir \$(mktemp -d)"
