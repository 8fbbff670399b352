#!/usr/bin/env bash
# Installs Debian's chromium for the dashboard's browser tests when it is missing.
# (Playwright's own browser download cannot work offline; we drive the system chromium.)
# apt's output goes to a log that is printed only if the install fails.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
log="$(mktemp -t ensure-chromium.XXXXXX.log)"
echo "installing Debian chromium for the browser tests (one time, ~40 s)…" >&2
if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium; } >"$log" 2>&1; then
  echo "ensure-chromium: apt-get failed; last lines of $log:" >&2
  tail -n 40 "$log" >&2
  exit 1
fi
echo "installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)" >&2
rm -f "$log"
