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
# Cortex-M3 instruction counts of the sample path (QEMU; cm's scripts/bench_cm.sh).
if command -v qemu-system-arm >/dev/null && command -v arm-none-eabi-gcc >/dev/null; then
  echo "== bench_cm (Cortex-M3 under QEMU)"
  scripts/bench_cm.sh || echo "bench_cm: failed"
fi
