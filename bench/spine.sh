#!/usr/bin/env bash
# The spine's figures, each beside a peer measured in the same run:
#   idle cost for 60 s in a 200x50 pty (beside `top -d 1`, in the same minute),
#   time to the first full screen (beside `top`),
#   long records (issue 19): 10k, 100k and 1M events, first screen with and without a
#   checkpoint, console RSS, and the peak RSS of `export --format json` and `timeline`,
#   and the frame benchmark (`cargo bench --bench frame`, the newest and the oldest of 1M).
# Then bench/guard.py compares the figures with bench/spine.expected and fails loudly when one
# is more than 25 % off, so a stale line in BENCHMARKS.md is noticed.
# Usage: bench/spine.sh   (IDLE_SECONDS=60 by default; GUARD=0 skips the comparison)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
cargo build --release --quiet
BIN=$ROOT/target/release/warroom
HOME_DIR=$(mktemp -d)
FIGS=$(mktemp)
trap 'rm -rf "$HOME_DIR" "$FIGS"' EXIT
export WARROOM_HOME=$HOME_DIR XDG_CONFIG_HOME=$HOME_DIR/xdg
cd "$HOME_DIR"
"$BIN" open BENCH-1 --priority P0 --title "Idle bench" --no-console >/dev/null

# Runs a measure, shows its line, and keeps it under NAME for the guard.
fig() {
  local name=$1 out
  shift
  out=$("$@")
  echo "$out"
  echo "$name $out" >>"$FIGS"
}
PTY="python3 $ROOT/bench/ptyrun.py"

echo "== idle (same minute)"
$PTY idle --seconds "${IDLE_SECONDS:-60}" -- "$BIN" resume BENCH-1 >"$FIGS.a" &
$PTY idle --seconds "${IDLE_SECONDS:-60}" -- top -d 1 >"$FIGS.b" &
wait
cat "$FIGS.b" "$FIGS.a"
echo "idle_top $(cat "$FIGS.b")" >>"$FIGS"
echo "idle $(cat "$FIGS.a")" >>"$FIGS"
rm -f "$FIGS.a" "$FIGS.b"

echo "== first full screen"
fig ttfs_empty $PTY ttfs 20 BENCH-1 -- "$BIN" resume BENCH-1
fig ttfs_top $PTY ttfs 20 "load average" -- top -d 1

echo "== long records: first screen without and with a checkpoint, RSS"
for n in 10000 100000 1000000; do
  k=$((n / 1000))k
  T=BENCH-${k^^}
  CP=$HOME_DIR/incidents/$T/journal.checkpoint
  python3 "$ROOT/bench/gen_journal.py" "$HOME_DIR" "$T" "$n"
  echo "-- $n events ($(du -h "$HOME_DIR/incidents/$T/journal.jsonl" | cut -f1) of journal)"
  fig "ttfs_${k}_none" $PTY ttfs 3 "$T" --fresh "$CP" -- "$BIN" resume "$T"
  fig "rss_${k}_none" $PTY rss "$T" --fresh "$CP" -- "$BIN" resume "$T"
  # The open above folded the whole journal and left a checkpoint (from 20,000 events on).
  fig "rss_${k}" $PTY rss "$T" -- "$BIN" resume "$T"
  fig "ttfs_${k}" $PTY ttfs 5 "$T" -- "$BIN" resume "$T"
done

echo "== long records: exports of 1,000,000 events"
fig export_json_1000k $PTY peak -- "$BIN" export BENCH-1000K --format json
fig export_timeline_1000k $PTY peak -- "$BIN" export BENCH-1000K --format timeline
fig export_pir_1000k $PTY peak -- "$BIN" export BENCH-1000K --format pir

echo "== frame"
cd "$ROOT"
cargo bench --quiet --bench frame 2>/dev/null | grep -v '^$' | tee "$FIGS.frame"
sed 's/^/frame /' "$FIGS.frame" >>"$FIGS"
rm -f "$FIGS.frame"

if [ "${GUARD:-1}" != 0 ]; then
  echo "== guard: every figure within 25 % of bench/spine.expected"
  python3 "$ROOT/bench/guard.py" "$ROOT/bench/spine.expected" "$FIGS"
fi
