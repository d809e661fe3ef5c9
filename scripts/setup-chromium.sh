#!/usr/bin/env bash
# Installs Debian's chromium for the report.html rendering test (packages/core/src/experiment/report-html.chromium.test.ts).
# Idempotent: does nothing when chromium is already on PATH. Needs root and Debian's package archive.
# Exit 0 when chromium is available afterwards, 1 otherwise (the test then skips and says why).
set -uo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-chromium: cannot install chromium (needs root and apt-get)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 || apt-get install -y -qq chromium >/dev/null 2>&1
command -v chromium >/dev/null 2>&1
