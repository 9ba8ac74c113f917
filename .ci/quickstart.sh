#!/usr/bin/env bash
# The README on a fresh machine: install as it says, then its quick start against the installed
# binary — the scripted demo in a terminal (tmux), and a first incident from the shell.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(mktemp -d)
trap 'tmux -L warroom-ci kill-server 2>/dev/null || true; rm -rf "$root"' EXIT
cargo install --locked --quiet --path . --root "$root"
bin="$root/bin/warroom"
export WARROOM_HOME="$root/home" XDG_CONFIG_HOME="$root/xdg"
size=$(stat -c %s "$bin")
echo "quickstart: installed $bin ($size bytes)"
[ "$size" -le $((20 * 1024 * 1024)) ] || { echo "quickstart: the binary is over 20 MB" >&2; exit 1; }

# warroom demo --script, in a terminal of its own.
tmux -L warroom-ci -f /dev/null new-session -d -x 160 -y 48 \
  "TERM=xterm-256color '$bin' demo --script --dir '$root/demo'; echo \$? > '$root/demo.rc'"
for _ in $(seq 1 600); do [ -e "$root/demo.rc" ] && break; sleep 0.5; done
[ "$(cat "$root/demo.rc" 2>/dev/null)" = 0 ] || { echo "quickstart: the scripted demo failed" >&2; exit 1; }
echo "quickstart: the scripted demo ran to its end"

# Your first real incident, steps 1, 2 and 5 from a shell.
work="$root/service"
mkdir -p "$work"
cd "$work"
"$bin" config default > warroom.toml
"$bin" config check
"$bin" open CI-1 --priority P0 --title "Auth bypass on expired tokens" --detected-at 14:23 --no-console
"$bin" note CI-1 "rollback ready"
"$bin" close CI-1
ls "$WARROOM_HOME/incidents/CI-1/exports/" | grep -q . || { echo "quickstart: no documents" >&2; exit 1; }
echo "quickstart: the first incident opened, noted and closed; its documents are written"
