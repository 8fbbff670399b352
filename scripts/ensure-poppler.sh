#!/usr/bin/env bash
# Installs Debian's poppler-utils (pdftotext, pdftoppm) when missing: the invoice PDF tests read
# the PDF's text with pdftotext. apt's output goes to a log that is printed only if it fails.
set -euo pipefail
if command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
log="$(mktemp -t ensure-poppler.XXXXXX.log)"
echo "installing Debian poppler-utils for the invoice PDF tests (one time)…" >&2
install() { DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq poppler-utils; }
# apt-get update only when the package lists cannot serve the install as they are.
if ! { install || { $SUDO apt-get update -qq && install; }; } >"$log" 2>&1; then
  echo "ensure-poppler: apt-get failed; last lines of $log:" >&2
  tail -n 40 "$log" >&2
  exit 1
fi
echo "installed $(pdftotext -v 2>&1 | head -n 1)" >&2
rm -f "$log"
