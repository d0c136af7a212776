#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium when it is absent, so the HTML report's browser test
# (tests/Report.Tests) can render the report. Idempotent: does nothing when /usr/bin/chromium exists.
# CI runs as root; elsewhere sudo is used when available.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "install-chromium: /usr/bin/chromium already present ($(/usr/bin/chromium --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "install-chromium: /usr/bin/chromium is missing and this user cannot install packages (not root, no sudo)" >&2
  exit 1
fi

echo "install-chromium: /usr/bin/chromium missing; installing Debian package 'chromium'"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium

if [ ! -x /usr/bin/chromium ]; then
  echo "install-chromium: apt-get finished but /usr/bin/chromium is still missing" >&2
  exit 1
fi
echo "install-chromium: installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
