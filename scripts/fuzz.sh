#!/usr/bin/env bash
# Run every libFuzzer harness of a fuzz build for a while (`make fuzz`).
# Usage: scripts/fuzz.sh BUILD_DIR [SECONDS_EACH]   (default 60 s)
#
# Each harness fuzz/fuzz_<name>.c runs with its committed corpus
# fuzz/corpus/<name>/ as seed (read only); new interesting inputs go to
# BUILD_DIR/fuzz-corpus/<name>/ and crashes to BUILD_DIR/fuzz-artifacts/.
# Merge new inputs into the committed corpus by hand when they are worth it:
#   BUILD_DIR/fuzz/fuzz_<name> -merge=1 fuzz/corpus/<name> BUILD_DIR/fuzz-corpus/<name>
# Exit status: 0 when every harness ran its time without a finding, 1 when
# one crashed, leaked or timed out (its artifact is named on stderr), 2 on
# bad usage or a missing harness.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-}
secs=${2:-60}
if [ -z "$build" ] || ! [[ "$secs" =~ ^[0-9]+$ ]] || [ "$secs" -lt 1 ]; then
  echo "usage: scripts/fuzz.sh BUILD_DIR [SECONDS_EACH]" >&2
  exit 2
fi
case "$build" in /*) ;; *) build="$here/$build" ;; esac

harnesses=()
for src in "$here"/fuzz/fuzz_*.c; do
  harnesses+=("$(basename "$src" .c)")
done
if [ ${#harnesses[@]} -eq 0 ]; then
  echo "fuzz: no harnesses under fuzz/" >&2
  exit 2
fi

mkdir -p "$build/fuzz-artifacts"
status=0
printf '%-22s %8s %10s %8s %8s  %s\n' harness seconds execs cov corpus result
for h in "${harnesses[@]}"; do
  name=${h#fuzz_}
  bin="$build/fuzz/$h"
  if [ ! -x "$bin" ]; then
    echo "fuzz: $bin missing (build the fuzz preset first: make fuzz)" >&2
    exit 2
  fi
  new="$build/fuzz-corpus/$name"
  mkdir -p "$new"
  seeds=()
  [ -d "$here/fuzz/corpus/$name" ] && seeds+=("$here/fuzz/corpus/$name")
  log="$build/fuzz-artifacts/$name.log"
  # -detect_leaks stays on (LeakSanitizer); a single input may take 10 s at most
  nice -n 10 "$bin" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$build/fuzz-artifacts/$name-" "$new" "${seeds[@]}" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  units=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  if [ $rc -eq 0 ]; then
    result=ok
  else
    result="FAILED (exit $rc)"
    status=1
    art=$(grep -o "Test unit written to .*" "$log" | tail -1 | sed 's/Test unit written to //')
    echo "fuzz: $h failed; log $log${art:+, input $art}" >&2
    grep -E '^==[0-9]+==ERROR|^SUMMARY' "$log" | head -5 >&2
  fi
  printf '%-22s %8s %10s %8s %8s  %s\n' "$h" "$secs" "${execs:-?}" "${cov:-?}" "${units:-?}" "$result"
done
exit $status
