#!/usr/bin/env bash
# Instructions per sample set on the Cortex-M3 build, counted under QEMU
# (-icount shift=0: one guest instruction = 1 ns of virtual time, read from
# the 25 MHz dual timer). Cycles on silicon = instructions x CPI; the table
# uses CPI 1.3 for a Cortex-M3 at 72 MHz with zero-wait-state flash (an
# estimate: 64-bit multiply-accumulates take 3-7 cycles, branches 2-4).
# Builds the cortex-m preset if its bench image is missing.
# Usage: scripts/bench_cm.sh [BUILD_DIR]   (default build-cortex-m; `make bench` calls it)
set -euo pipefail
cd "$(dirname "$0")/.."
bdir=${1:-build-cortex-m}
elf=$bdir/ports/cortex-m/trimeter-bench.elf
if [ ! -f "$elf" ]; then
  cmake --preset cortex-m -B "$bdir" >/dev/null
  cmake --build "$bdir" -j 2 --target trimeter-bench >/dev/null
fi
out=$(timeout 120 qemu-system-arm -M mps2-an385 -display none -monitor none -serial null \
  -semihosting-config enable=on,target=native -icount shift=0,sleep=off -kernel "$elf")
awk -v mhz=72 -v cpi=1.3 -v fs=4000 '
/^bench / { v[$2] = $3 }
END {
    if (v["sample_insns_x100"] == "") { print "bench_cm: no result"; exit 1 }
    per = v["sample_insns_x100"] / 100; period_us = 1e6 / fs
    us = cpi / mhz
    print "Cortex-M3 sample path (trimeter-bench.elf, QEMU mps2-an385, -icount shift=0)"
    printf "%-40s %12s %10s %s\n", "item", "instructions", "us @" mhz "MHz", "(CPI " cpi ", estimate)"
    printf "%-40s %12.1f %10.1f %5.1f %% of the %.0f us sample period\n", "meter_sample, mean per sample set", per, per * us, 100 * per * us / period_us, period_us
    pl = v["sample_plain_insns_x100"] / 100
    printf "%-40s %12.1f %10.1f\n", "meter_sample, the other 3999 sets", pl, pl * us
    w = v["sample_worst_call_insns"]
    printf "%-40s %12d %10.0f %5.1f sample periods\n", "meter_sample, worst call (block end)", w, w * us, w * us / period_us
    printf "%-40s %12d %10.0f\n", "meter_poll with a new block", v["poll_block_insns"], v["poll_block_insns"] * us
    printf "%-40s %12d %10.1f\n", "meter_poll, nothing pending", v["poll_idle_insns"], v["poll_idle_insns"] * us
    if (v["sample_mean_insns_x100"] != "") {
        m = v["sample_mean_insns_x100"] / 100; mp = v["poll_mean_insns"]
        printf "%-40s %12.1f %10.1f\n", "meter_sample, mean over all passes", m, m * us
        printf "%-40s %12d %10.0f\n", "meter_poll with a block, mean", mp, mp * us
        mm = v["poll_mid_mean_insns"] + 0
        if (v["poll_mid_insns"] != "") {
            printf "%-40s %12d %10.0f\n", "meter_poll mid-block (frame analysis)", v["poll_mid_insns"], v["poll_mid_insns"] * us
            printf "%-40s %12d %10.0f\n", "meter_poll mid-block, mean", mm, mm * us
        }
        a = m + (mp + mm) / fs
        printf "%-40s %12.1f %10.1f %5.1f %% CPU\n", "per sample set, block work amortised", a, a * us, 100 * a * fs * cpi / (mhz * 1e6)
    }
    printf "%-40s %12.1f\n", "(loop overhead subtracted, per set)", v["loop_overhead_insns_x100"] / 100
    printf "%-40s %11.1f %%\n", "CPU load of metrology at " fs " Hz", 100 * per * fs * cpi / (mhz * 1e6)
}' <<< "$out"
