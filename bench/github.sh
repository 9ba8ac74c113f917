#!/usr/bin/env bash
# The PR follower's figures (issue 18): the console's idle cost while it follows an unchanged PR
# (conditional requests, every answer a 304) beside the same console with no PR, in the same
# minute; how long an approval on GitHub takes to reach the screen with a 5 s poll; and the
# binary's size (the follower uses the HTTP client warroom already has).
# Usage: bench/github.sh   (IDLE_SECONDS=60 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
cargo build --release --quiet
BIN=$ROOT/target/release/warroom
HOME_DIR=$(mktemp -d)
python3 bench/fake_github.py > "$HOME_DIR/port" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$HOME_DIR"' EXIT
for _ in $(seq 50); do [ -s "$HOME_DIR/port" ] && break; sleep 0.1; done
cat > "$HOME_DIR/warroom.toml" <<TOML
[github]
api_url = "http://127.0.0.1:$(cat "$HOME_DIR/port")"
repository = "acme/api"
poll_interval = "5s"
TOML
export WARROOM_HOME=$HOME_DIR XDG_CONFIG_HOME=$HOME_DIR/xdg WARROOM_CONFIG=$HOME_DIR/warroom.toml GITHUB_TOKEN=bench-token-0123456789
cd "$HOME_DIR"
"$BIN" open BENCH-PR --priority P0 --title "Following a PR" --no-console >/dev/null
"$BIN" event BENCH-PR pr_opened "Opened PR #7" -f number=7 -f url=https://github.com/acme/api/pull/7 >/dev/null
"$BIN" open BENCH-NOPR --priority P0 --title "No PR" --no-console >/dev/null
echo "== binary"
echo "warroom release binary: $(stat -c %s "$BIN") bytes"
echo "== idle while following (same minute), then change -> screen"
python3 "$ROOT/bench/github.py" "$BIN" "$HOME_DIR" "$(cat "$HOME_DIR/port")"
