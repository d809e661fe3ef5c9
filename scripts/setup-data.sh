#!/bin/sh
# Build vlprompt's data cache (VLPROMPT_CACHE, default ~/.cache/vlprompt) from the pinned npm packages and
# Debian's dataset-fashion-mnist. Safe to re-run: what is already built is reused.
#   scripts/setup-data.sh [--force] [dataset|corpus ...]
set -eu
cd "$(dirname "$0")/.."
[ -d node_modules/@iconify-json/noto ] || npm ci
# apt-get download needs package lists; fetch them once if none are there and we may.
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && ! ls /var/lib/apt/lists/*Packages* >/dev/null 2>&1; then
  apt-get update -qq || echo "apt-get update failed: Fashion-MNIST will be skipped" >&2
fi
exec npx tsx --conditions=source packages/core/src/data/tools/prepare-cache.ts "$@"
