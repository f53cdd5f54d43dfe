#!/usr/bin/env bash
# Installs the real services that the evm-codecache tests start: redis-server (Debian) and
# anvil (npm @foundry-rs/anvil-linux-amd64, into node_modules/). Idempotent; run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  else
    sudo "$@"
  fi
}

if ! command -v redis-server >/dev/null 2>&1; then
  echo "setup: installing redis-server"
  as_root apt-get update
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y --no-install-recommends redis-server
fi

anvil=node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
if [ ! -x "$anvil" ]; then
  echo "setup: installing anvil"
  npm install --no-save --no-audit --no-fund @foundry-rs/anvil-linux-amd64@1.7
fi

redis-server --version
"$anvil" --version
