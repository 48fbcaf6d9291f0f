#!/usr/bin/env bash
# make accuracy: the whole ACCURACY.md matrix, longer runs (10 s of signal
# per point), ideal and ADC-model variants, from the release build; writes
# docs/accuracy/ (results.csv, README.md table, PNG error curves).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build-release}
secs=${ACC_SECONDS:-10}
out=docs/accuracy
mkdir -p "$out"
rm -f "$out/results.csv"
echo "variant,group,point,current_a,phi_deg,err_pct,qerr_pct,shift_pct,uerr_pct,ierr_pct,class_pct,target_pct,qclass_pct,ferr_hz,shift_class_pct,value,verdict" > "$out/results.csv"
rc=0
"$build/tests/accuracy/acc" --seconds "$secs" --csv "$out/results.csv" > "$out/run.txt" || rc=$?
ACC_SECONDS=$secs /usr/bin/python3 scripts/accuracy_plot.py "$out"
grep -A8 "worst per group" "$out/run.txt" || true
[ "$rc" = 0 ] && echo "accuracy: all points within class limits and targets" || echo "accuracy: FAILED points, see $out/run.txt"
exit "$rc"
