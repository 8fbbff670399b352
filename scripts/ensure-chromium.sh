#!/usr/bin/env bash
# Installs Debian's chromium for the dashboard's browser tests when it is missing.
# (Playwright's own browser download cannot work offline; we drive the system chromium.)
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
echo "installing Debian chromium for the browser tests (one time)…" >&2
$SUDO apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >&2
