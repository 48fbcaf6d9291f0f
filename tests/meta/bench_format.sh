#!/usr/bin/env bash
# A timed benchmark figure is reproducible only with its spread, its build
# and the machine's load (issue 12 item 15): bench_year (one simulated day
# here) must print the build, the load average before and after, and each
# timed figure as min / median / max of at least three runs; the docs that
# quote timed figures say they are medians and name the build.
# Usage: bench_format.sh path/to/bench_year source-dir
set -euo pipefail
bench=$1 src=$2
out=$(BENCH_RUNS=3 "$bench" 1)
echo "$out"
fail=0
for want in "build: " "load average before" "load average after" "min / median / max of 3 runs"; do
  grep -qF "$want" <<<"$out" || { echo "FAIL: bench_year output lacks '$want'"; fail=1; }
done
line=$(grep "^CPU time for 1 year" <<<"$out" || true)
python3 - "$line" <<'PY' || fail=1
import re, sys
nums = [float(x) for x in re.findall(r"(\d+\.\d+)", sys.argv[1])]
if len(nums) != 3 or not nums[0] <= nums[1] <= nums[2]:
    print("FAIL: CPU time line is not min / median / max:", sys.argv[1])
    sys.exit(1)
PY
for doc in docs/BILLING.md docs/METROLOGY.md; do
  for want in "median" "release build"; do
    grep -q "$want" "$src/$doc" || { echo "FAIL: $doc quotes timed figures without '$want'"; fail=1; }
  done
done
[ $fail -eq 0 ] && echo "bench format: ok"
exit $fail
