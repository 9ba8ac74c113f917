#!/usr/bin/env bash
# The kill switch's figures (issue 28). `flag`: F, choose, y in the console (tmux) against a real
# Unleash on PostgreSQL, from the key to the record's stamp (taken after the read back), beside
# the bare API calls the change needs (POST, then GET) timed in the same run. `guard`: how long
# after the last bad poll the guard trips, against the 5 s poll interval, RUNS times.
# Usage: bench/flags.sh [flag|guard …]   (ROUNDS=20 RUNS=3; test.sh installs Unleash)
set -euo pipefail
cd "$(dirname "$0")/.."
export WARROOM_UNLEASH_DIR="$PWD/target/unleash-server"
what=("$@")
[ ${#what[@]} -eq 0 ] && what=(flag guard)
for w in "${what[@]}"; do
  case "$w" in
    flag)
      WARROOM_FLAG_ROUNDS=${ROUNDS:-20} cargo test --quiet --test flags_unleash f_in_the -- --nocapture 2>&1 \
        | grep -o 'flag key.*'
      ;;
    guard)
      for _ in $(seq "${RUNS:-3}"); do
        cargo test --quiet --test guard real_console_rolls_back_once -- --nocapture 2>&1 | grep -o 'guard tripped.*'
      done
      ;;
    *) echo "bench/flags.sh: flag or guard, not $w" >&2; exit 2 ;;
  esac
done
