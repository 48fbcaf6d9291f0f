#!/usr/bin/env bash
# ctest cm.xcheck: the same integer sample stream (tests/xcheck) through the
# host build of the core and through the Cortex-M3 build under QEMU; every
# field of every measurement block and the energy registers must be
# bit-identical.
#
# With --expect-difference SAMPLE COUNTS (ctest cm.xcheck.sensitivity) the
# host stream is perturbed by COUNTS on I1 at sample SAMPLE and the test
# passes only if the comparison reports the difference: proof that the
# check can fail.
# With --also HOST2 a second host build (-O0) must agree too: results
# that change with the optimiser point at undefined behaviour.
# Usage: check_xcheck.sh QEMU TARGET_ELF HOST_PROGRAM [--also HOST2] [--expect-difference SAMPLE COUNTS]
set -u
qemu=$1 elf=$2 host=$3
shift 3
expect_diff=0 perturb=() also=""
if [ "${1:-}" = --also ]; then
  also=$2
  shift 2
fi
if [ "${1:-}" = --expect-difference ]; then
  expect_diff=1
  perturb=(--perturb "$2" "$3")
fi
if [ -n "$also" ]; then
  a=$(mktemp)
  "$also" > "$a" && "$host" | cmp -s - "$a"
  same=$?
  rm -f "$a"
  if [ $same -ne 0 ]; then
    echo "FAIL: the host builds $(basename "$host") and $(basename "$also") disagree (undefined behaviour?)"
    exit 1
  fi
  echo "host -O2 and -O0 builds agree"
fi
tgt_out=$(mktemp) host_out=$(mktemp)
trap 'rm -f "$tgt_out" "$host_out"' EXIT

timeout 60 "$qemu" -M mps2-an385 -display none -monitor none -serial null \
  -semihosting-config enable=on,target=native -icount shift=0,sleep=off \
  -kernel "$elf" > "$tgt_out"
tst=$?
"$host" "${perturb[@]}" > "$host_out"
hst=$?
echo "target (QEMU) exit $tst, $(wc -l < "$tgt_out") lines; host exit $hst, $(wc -l < "$host_out") lines"
if [ $tst -ne 0 ] || [ $hst -ne 0 ]; then
  echo "FAIL: a run did not complete"; head -5 "$tgt_out" "$host_out"; exit 1
fi
# Both must have run the whole stream (the last line names the block count).
for f in "$tgt_out" "$host_out"; do
  if ! tail -1 "$f" | grep -qE '^end [1-9][0-9]* '; then
    echo "FAIL: $f ended early:"; tail -3 "$f"; exit 1
  fi
done
blocks=$(grep -c '^tot ' "$host_out")
if cmp -s "$tgt_out" "$host_out"; then
  if [ $expect_diff = 1 ]; then
    echo "FAIL: host stream perturbed (${perturb[*]}) but the outputs are identical: the check cannot see differences"
    exit 1
  fi
  echo "bit-identical: $blocks measurement blocks ($(grep -c '^ph ' "$host_out") phase records, registers) host == Cortex-M3"
  exit 0
fi
diff "$host_out" "$tgt_out" | head -20
if [ $expect_diff = 1 ]; then
  echo "difference detected as expected ($(diff "$host_out" "$tgt_out" | grep -c '^<') lines differ)"
  exit 0
fi
echo "FAIL: host and Cortex-M3 results differ (< host, > target)"
exit 1
