#!/usr/bin/env bash
# Runs every test on a fresh machine: installs what the tests need (tmux, pgrep, sshd with the
# ssh tools for the ssh:// seats test, libfaketime for the skewed clocks, gpg for the seats that
# sign with openpgp, Prometheus for the metric gates) when missing, then the whole suite. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v pgrep >/dev/null 2>&1 || need+=(procps)
command -v ssh-agent >/dev/null 2>&1 || need+=(openssh-client)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
compgen -G '/usr/lib/*/faketime/libfaketime.so.1' >/dev/null || need+=(faketime)
command -v gpg >/dev/null 2>&1 || need+=(gnupg)
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing ${need[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "test.sh: please install ${need[*]} (needed by the end-to-end tests)" >&2
    exit 1
  fi
fi

cargo test --locked "$@"

# The long variant: a soak of WARROOM_SOAK_MINUTES (30 for the recorded figures).
if [ -n "${WARROOM_SOAK_MINUTES:-}" ]; then
  SOAK_MINUTES=$WARROOM_SOAK_MINUTES bench/soak.sh
fi
