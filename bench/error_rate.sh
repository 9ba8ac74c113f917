#!/usr/bin/env bash
# The error-rate pane's figures (issue 4): parsing a 10,000-bucket response and the series'
# bound (`cargo bench --bench sentry_parse`), and the console's idle cost while it polls a
# local Sentry-shaped server every 5 s, beside `top -d 1` in the same minute.
# Usage: bench/error_rate.sh   (IDLE_SECONDS=60 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
cargo build --release --quiet
echo "== parse"
cargo bench --quiet --bench sentry_parse 2>/dev/null | grep -v '^$'

HOME_DIR=$(mktemp -d)
python3 bench/fake_sentry.py > "$HOME_DIR/port" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$HOME_DIR"' EXIT
for _ in $(seq 50); do [ -s "$HOME_DIR/port" ] && break; sleep 0.1; done
cat > "$HOME_DIR/warroom.toml" <<TOML
[sentry]
base_url = "http://127.0.0.1:$(cat "$HOME_DIR/port")"
org = "acme"
project = "2"
poll_interval = "5s"
TOML
export WARROOM_HOME=$HOME_DIR XDG_CONFIG_HOME=$HOME_DIR/xdg WARROOM_CONFIG=$HOME_DIR/warroom.toml SENTRY_AUTH_TOKEN=bench-token-0123456789
"$ROOT/target/release/warroom" open BENCH-SENTRY --priority P0 --title "Idle with polling" --detected-at "$(date -u -d '-30 min' +%Y-%m-%dT%H:%M:%SZ)" --no-console >/dev/null
echo "== idle while polling every 5 s (same minute)"
cd "$HOME_DIR"
python3 "$ROOT/bench/ptyrun.py" idle --seconds "${IDLE_SECONDS:-60}" -- "$ROOT/target/release/warroom" resume BENCH-SENTRY &
OURS=$!
python3 "$ROOT/bench/ptyrun.py" idle --seconds "${IDLE_SECONDS:-60}" -- top -d 1 &
PEER=$!
wait $OURS $PEER
