#!/usr/bin/env bash
# Configure, build and test one CMake preset (used by ctest meta.* tests and
# the Makefile). Usage: scripts/nested-build.sh PRESET [ctest args...]
# A failed configure or build fails the script with the compiler's output.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=$1; shift
jobs=$(nproc 2>/dev/null || echo 2)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! cmake --preset "$preset" >"$log" 2>&1 || ! cmake --build --preset "$preset" -j "$jobs" >>"$log" 2>&1; then
  grep -v -E '^\[ *[0-9]+%\]|^gmake|^-- ' "$log" | tail -60
  echo "nested-build: preset $preset failed to build" >&2
  exit 1
fi
ctest --preset "$preset" -j "$jobs" "$@"
