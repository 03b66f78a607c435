#!/usr/bin/env bash
# Make sure Debian's chromium is at /usr/bin/chromium for the browser tests (playwright drives it).
# Installs it from Debian's packages when missing and we are root; never downloads a browser otherwise.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [[ -x "$CHROMIUM" ]]; then
  exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
  echo "chromium.sh: $CHROMIUM is missing and we are not root; install it with: sudo apt-get install -y chromium" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium.sh: $CHROMIUM is missing and apt-get is not available to install it" >&2
  exit 1
fi

echo "chromium.sh: installing chromium from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq chromium >&2

if [[ ! -x "$CHROMIUM" ]]; then
  echo "chromium.sh: apt-get installed chromium but $CHROMIUM is still missing" >&2
  exit 1
fi
echo "chromium.sh: $("$CHROMIUM" --version 2>/dev/null || echo chromium) installed" >&2
