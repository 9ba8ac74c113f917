#!/usr/bin/env bash
# Runs every test on a fresh machine: installs what the tests need (tmux, pgrep, sshd with the
# ssh tools for the ssh:// seats test, libfaketime for the skewed clocks, gpg for the seats that
# sign with openpgp, Prometheus for the metric gates, PostgreSQL and Node.js for a real Unleash,
# nats-server with JetStream and openssl for the NATS seats) when missing, then Unleash itself from npm, then the whole suite. Extra arguments go to
# `cargo test`.
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
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || need+=(postgresql)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
{ command -v nats-server || [ -x /usr/sbin/nats-server ]; } >/dev/null 2>&1 || need+=(nats-server)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
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

# The feature flags' tests run a real Unleash: the npm package, in target/ beside the build.
UNLEASH_VERSION=7.4.1
export WARROOM_UNLEASH_DIR="$PWD/target/unleash-server"
if [ "$(cat "$WARROOM_UNLEASH_DIR/.version" 2>/dev/null)" != "$UNLEASH_VERSION" ]; then
  echo "test.sh: installing unleash-server $UNLEASH_VERSION with npm" >&2
  mkdir -p "$WARROOM_UNLEASH_DIR"
  (cd "$WARROOM_UNLEASH_DIR" \
    && echo '{"name":"warroom-test-unleash","private":true}' > package.json \
    && npm install --no-audit --no-fund --loglevel=error "unleash-server@$UNLEASH_VERSION" >/dev/null \
    && echo "$UNLEASH_VERSION" > .version)
fi

cargo test --locked "$@"

# The long variant: a soak of WARROOM_SOAK_MINUTES (30 for the recorded figures).
if [ -n "${WARROOM_SOAK_MINUTES:-}" ]; then
  SOAK_MINUTES=$WARROOM_SOAK_MINUTES bench/soak.sh
fi
