#!/usr/bin/env bash
# The deploy log's figures (issue 3): a 400k lines/s flood for 10 s, beside the generator
# writing to /dev/null and beside lnav following the same lines. Installs lnav when missing.
# Usage: bench/deploy_log.sh [--rate N] [--seconds S]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v lnav >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq lnav >/dev/null
fi
cargo build --release --quiet --bin warroom --example flood
python3 bench/flood.py "$@"
