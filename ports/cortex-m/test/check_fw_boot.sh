#!/usr/bin/env bash
# ctest cm.fw-boot: the PRODUCTION image (no semihosting: it never exits)
# boots under QEMU and its optical port answers an IEC 62056-21 sign-on
# (sent 7E1) with the meter's identification. QEMU is stopped by pid.
# Usage: check_fw_boot.sh QEMU ELF
set -u
qemu=$1 elf=$2
out=$(mktemp) req=$(mktemp)
trap 'rm -f "$out" "$req"' EXIT
printf '\257?!\215\n' > "$req" # "/?!" CR LF with even parity in bit 7

"$qemu" -M mps2-an385 -display none -monitor none -serial stdio \
  -icount shift=4,sleep=off -kernel "$elf" < "$req" > "$out" 2>&1 &
pid=$!
ident=""
for _ in $(seq 1 100); do
  sleep 0.1
  ident=$(tr '\200-\377' '\000-\177' < "$out" | grep -a -m1 -E '^/[A-Z]{3}[0-9A-I]')
  [ -n "$ident" ] && break
  kill -0 "$pid" 2>/dev/null || break
done
alive=0
kill -0 "$pid" 2>/dev/null && alive=1
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
if [ -z "$ident" ]; then
  echo "FAIL: no identification from trimeter-fw.elf within 10 s (QEMU running: $alive)"
  tr '\200-\377' '\000-\177' < "$out" | head -c 400
  exit 1
fi
if [ $alive = 0 ]; then
  echo "FAIL: QEMU exited on its own"; exit 1
fi
echo "production image answered: $ident"
