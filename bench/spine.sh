#!/usr/bin/env bash
# The spine's figures (issue 2), each beside a peer measured in the same run:
#   idle cost for 60 s in a 200x50 pty (beside `top -d 1`, in the same minute),
#   time to the first full screen (beside `top`), resume of a 100k-event journal and its RSS,
#   and the frame benchmark (`cargo bench --bench frame`).
# Usage: bench/spine.sh   (IDLE_SECONDS=60 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN=$PWD/target/release/warroom
HOME_DIR=$(mktemp -d)
trap 'rm -rf "$HOME_DIR"' EXIT
export WARROOM_HOME=$HOME_DIR XDG_CONFIG_HOME=$HOME_DIR/xdg
cd "$HOME_DIR"
"$BIN" open BENCH-1 --priority P0 --title "Idle bench" --no-console >/dev/null

echo "== idle (same minute)"
python3 "$OLDPWD/bench/ptyrun.py" idle --seconds "${IDLE_SECONDS:-60}" -- "$BIN" resume BENCH-1 &
python3 "$OLDPWD/bench/ptyrun.py" idle --seconds "${IDLE_SECONDS:-60}" -- top -d 1 &
wait

echo "== first full screen"
python3 "$OLDPWD/bench/ptyrun.py" ttfs 20 BENCH-1 -- "$BIN" resume BENCH-1
python3 "$OLDPWD/bench/ptyrun.py" ttfs 20 "load average" -- top -d 1

echo "== resume of a 100k-event journal"
python3 "$OLDPWD/bench/gen_journal.py" "$HOME_DIR" BENCH-100K 100000
python3 "$OLDPWD/bench/ptyrun.py" rss BENCH-100K -- "$BIN" resume BENCH-100K
python3 "$OLDPWD/bench/ptyrun.py" ttfs 5 BENCH-100K -- "$BIN" resume BENCH-100K

echo "== frame"
cd "$OLDPWD" && cargo bench --quiet --bench frame 2>/dev/null | grep -v '^$'
