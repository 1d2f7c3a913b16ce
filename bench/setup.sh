#!/usr/bin/env bash
# The bench's native references: COIN-OR CLP from Debian (`clp`). The bench
# runs without it and says so; this installs it where apt is available.
set -euo pipefail
if command -v clp >/dev/null 2>&1; then
  echo "bench/setup: clp present: $(clp -quit </dev/null | head -1)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "bench/setup: no apt-get here; install COIN-OR CLP by other means (the bench skips it meanwhile)" >&2
  exit 1
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get install -y coinor-clp
