#!/usr/bin/env bash
# make accuracy: the whole ACCURACY.md matrix, longer runs (10 s of signal
# per point), ideal and ADC-model variants, from the release build; the
# real-conditions groups (temperature -40..70 degC with and without
# compensation, an hour at Imax, distorted loads, wiring variants) and the
# clock's seconds per day versus temperature read from the simulator's
# clock_error_s; writes docs/accuracy/ (results.csv, heat.csv, rtc.csv,
# README.md tables, PNG curves).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build-release}
secs=${ACC_SECONDS:-10}
out=docs/accuracy
mkdir -p "$out"
rm -f "$out/results.csv"
echo "variant,group,point,current_a,phi_deg,err_pct,qerr_pct,shift_pct,uerr_pct,ierr_pct,class_pct,target_pct,qclass_pct,ferr_hz,shift_class_pct,value,verdict,temp_c,comp,wiring" > "$out/results.csv"
rc=0
"$build/tests/accuracy/acc" --seconds "$secs" --csv "$out/results.csv" --heat-csv "$out/heat.csv" > "$out/run.txt" || rc=$?

# Other units: every physical parameter drawn from the unit number within
# its documented spread (docs/METROLOGY.md), calibrated by the same factory
# procedure; 2 s per point, the ADC variant; the worst compensated and
# uncompensated error per group and unit into units.csv.
echo "unit,group,points,worst_p_pct,worst_q_pct,failed,worst_p_uncompensated_pct" > "$out/units.csv"
for unit in $(seq 1 "${ACC_UNITS:-10}"); do
  "$build/tests/accuracy/acc" --variant adc --unit "$unit" --seconds 2 > "$out/unit.txt" || rc=$?
  awk -v u="$unit" '/^worst per group/ { on = 1; next } on && NF == 10 { printf "%s,%s,%s,%s,%s,%s,%s\n", u, $1, $2, $3, $4, $9, $10 }' \
    "$out/unit.txt" >> "$out/units.csv"
  grep -q "^0 point(s) failed" "$out/unit.txt" || { echo "accuracy: unit $unit failed points:"; grep FAIL "$out/unit.txt" || true; }
done
rm -f "$out/unit.txt"

# The clock: a day at each temperature for three units (serial numbers; the
# unit's crystal and sensor are drawn from it), blocks feed. clock_error_s is
# the compensated clock's error after the day; rtc_xtal_ppm the crystal's own
# rate at the end (x 0.0864 = what it alone would gain a day).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "serial,temp_c,clock_error_s_per_day,crystal_alone_s_per_day,trim_ppm" > "$out/rtc.csv"
for serial in 12345678 20260001 20260002; do
  for t in -40 -30 -25 -20 -10 0 10 23 30 40 50 60 70; do
    printf '{"start": "2026-03-02T00:00:00+02:00", "timezone": "none", "config": {"serial": "%s"},
      "segments": [{"duration": "1d", "temperature": %s, "phases": {"u": 230, "i": 5}}]}' "$serial" "$t" > "$tmp/day.json"
    "$build/trimeter-sim" --scenario "$tmp/day.json" --fast --feed blocks --seed 1 --json > "$tmp/day.out"
    /usr/bin/python3 - "$tmp/day.out" "$serial" "$t" >> "$out/rtc.csv" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("%s,%s,%.3f,%.3f,%.3f" % (sys.argv[2], sys.argv[3], d["clock_error_s"], d["rtc_xtal_ppm"] * 0.0864, d["rtc_trim_ppm"]))
PY
  done
done
if ! /usr/bin/python3 -c '
import csv, sys
bad = [r for r in csv.DictReader(open(sys.argv[1])) if abs(float(r["clock_error_s_per_day"])) > 0.5]
sys.exit(1 if bad else 0)' "$out/rtc.csv"; then
  echo "accuracy: the clock is off by more than 0.5 s/day somewhere, see $out/rtc.csv"
  rc=1
fi

ACC_SECONDS=$secs /usr/bin/python3 scripts/accuracy_plot.py "$out"
grep -A16 "worst per group (adc)" "$out/run.txt" || true
[ "$rc" = 0 ] && echo "accuracy: all points within class limits and targets" || echo "accuracy: FAILED points, see $out/run.txt"
exit "$rc"
