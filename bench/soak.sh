#!/usr/bin/env bash
# Soak (issue 8): the console for SOAK_MINUTES (default 30) with the clock, Sentry polled every
# 5 s and 1,000 log lines/s; RSS growth from minute 5 to the end must stay within 5 %.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
python3 bench/soak.py "${SOAK_MINUTES:-30}"
