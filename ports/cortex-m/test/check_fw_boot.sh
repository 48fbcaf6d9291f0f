#!/usr/bin/env bash
# ctest cm.fw-boot: the PRODUCTION image (no semihosting: it never exits)
# boots under QEMU and its optical port answers an IEC 62056-21 sign-on
# (sent 7E1) with the meter's identification; in a second boot a KMP master
# (8N1) that repeats its GetType request is answered: the port listens at
# 300 7E1, the first frame's start byte is a parity error, the core switches
# the port to 9600 8N1 and the repeated request is served (CRC checked).
# QEMU is stopped by pid.
# Usage: check_fw_boot.sh QEMU ELF
set -u
qemu=$1 elf=$2
out=$(mktemp) req=$(mktemp)
trap 'rm -f "$out" "$req"' EXIT
# Boot the image with the bytes of $req arriving on UART0; UART0 to $out.
boot_fw() {
  : > "$out"
  "$qemu" -M mps2-an385 -display none -monitor none -serial stdio \
    -icount shift=4,sleep=off -kernel "$elf" < "$req" > "$out" 2>&1 &
  pid=$!
}
printf '\257?!\215\n' > "$req" # "/?!" CR LF with even parity in bit 7
boot_fw
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

# KMP GetType (80 3F 01 05 8A 0D) twice, as a master retries without answer.
printf '\200\077\001\005\212\015\200\077\001\005\212\015' > "$req"
boot_fw
kmp=""
for _ in $(seq 1 100); do
  sleep 0.1
  kmp=$(/usr/bin/python3 - "$out" <<'PY'
import binascii, sys
data = open(sys.argv[1], "rb").read()
i = data.find(b"\x40\x3f\x01")
j = data.find(b"\x0d", i + 1) if i >= 0 else -1
if i >= 0 and j > i:
    body, k = b"", i + 1
    while k < j:
        if data[k] == 0x1B:
            body += bytes([data[k + 1] ^ 0xFF]); k += 2
        else:
            body += bytes([data[k]]); k += 1
    if binascii.crc_hqx(body, 0) == 0:
        print(body[2:-2].hex())
PY
)
  [ -n "$kmp" ] && break
  kill -0 "$pid" 2>/dev/null || break
done
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
if [ "$kmp" != "03820101" ]; then
  echo "FAIL: no KMP GetType answer (type 0382, A1) after the framing switch; got '$kmp'"
  od -A x -t x1 "$out" | head -8
  exit 1
fi
echo "production image answered KMP GetType at 9600 8N1: $kmp"
