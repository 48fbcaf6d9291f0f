#!/usr/bin/env bash
# Configure, build and test one CMake preset (used by ctest meta.* tests and
# the Makefile). Usage: scripts/nested-build.sh PRESET [ctest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
preset=$1; shift
jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$jobs" 2>&1 | grep -v -E '^\[ *[0-9]+%\]|^Consolidate|^-- ' || true
test "${PIPESTATUS[0]}" -eq 0
ctest --preset "$preset" -j "$jobs" "$@"
