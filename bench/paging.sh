#!/usr/bin/env bash
# The page's figures (issue 29): the console's idle cost while it follows an unchanged PagerDuty
# incident at the default 30 s poll, beside the same console with no page, for the same minutes;
# the same at a 1 s poll, where a poll's cost stands out of the noise; and how long an
# acknowledgement on PagerDuty takes to reach the screen with a 5 s poll.
# Usage: bench/paging.sh   (IDLE_SECONDS=120 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
cargo build --release --quiet
BIN=$ROOT/target/release/warroom
HOME_DIR=$(mktemp -d)
python3 bench/fake_pagerduty.py > "$HOME_DIR/port" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$HOME_DIR"' EXIT
for _ in $(seq 50); do [ -s "$HOME_DIR/port" ] && break; sleep 0.1; done
PORT=$(cat "$HOME_DIR/port")
cat > "$HOME_DIR/warroom.toml" <<TOML
[pagerduty]
service = "PSVC1"
from = "ic@example.com"
api_url = "http://127.0.0.1:$PORT"
TOML
sed 's/^from = .*/&\npoll_interval = "5s"/' "$HOME_DIR/warroom.toml" > "$HOME_DIR/fast.toml"
sed 's/^from = .*/&\npoll_interval = "1s"/' "$HOME_DIR/warroom.toml" > "$HOME_DIR/poll1.toml"
export WARROOM_HOME=$HOME_DIR XDG_CONFIG_HOME=$HOME_DIR/xdg WARROOM_CONFIG=$HOME_DIR/warroom.toml PAGERDUTY_TOKEN=bench-token-0123456789
cd "$HOME_DIR"
"$BIN" open BENCH-PD --priority P0 --title "Following the page" --no-console >/dev/null
"$BIN" event BENCH-PD pagerduty_linked "PagerDuty incident #1" -f incident=PBENCH1 -f number=1 -f url=https://acme.pagerduty.com/incidents/PBENCH1 >/dev/null
"$BIN" open BENCH-NOPD --priority P0 --title "No page" --no-console >/dev/null
echo "== idle while following (same minutes), then acknowledgement -> screen"
python3 "$ROOT/bench/paging.py" "$BIN" "$HOME_DIR" "$PORT"
