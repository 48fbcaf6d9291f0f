#!/usr/bin/env bash
# Runs every benchmark of the release build; each prints its own table:
# the build, the load average before and after, timed figures as
# min / median / max of BENCH_RUNS runs (default 3). Run it on a quiet
# machine; docs quote the medians.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "bench: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), BENCH_RUNS=${BENCH_RUNS:-3}"
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
