#!/usr/bin/env bash
# Runs every benchmark of the release build; each prints its own table.
set -euo pipefail
cd "$(dirname "$0")/.."
found=0
for b in build-release/bench/bench_*; do
  [ -x "$b" ] || continue
  found=1
  echo "== $(basename "$b")"
  "$b"
  echo
done
[ "$found" = 1 ] || echo "bench: no benchmarks built"
