#!/usr/bin/env bash
# ctest cm.smoke: boot trimeter-smoke.elf under QEMU (mps2-an385, semihosting,
# -icount for a deterministic virtual clock), send an IEC 62056-21 sign-on to
# the optical port (UART0, 7E1) and check what the image reports.
#
# Expected energy: the image prints the synthesiser's integer peaks, angles
# and the front end's LSBs; this script computes U*I*cos(phi)*t from them
# with awk's doubles — independent of the meter's fixed-point arithmetic.
# Tolerance 0.1 %: with an ideal synthetic signal the metrology's own error
# is far below that (the host accuracy suite bounds it); 0.1 % is a fifth of
# a class 0.5S meter's limit, so a real regression (scaling, a lost sample,
# a dropped block, overflow) cannot hide in it.
# Usage: check_smoke.sh QEMU ELF
set -u
qemu=$1 elf=$2
out=$(mktemp) req=$(mktemp)
trap 'rm -f "$out" "$req"' EXIT

# "/?!" CR LF, then the mode C option select ACK "050" CR LF (data readout
# at 9600 Bd), with even parity in bit 7 (7E1 on the wire). The readout is
# made line by line from the main loop as the UART's TX ring takes it.
printf '\257?!\215\n\006050\215\n' > "$req"

start=$(date +%s.%N)
timeout 60 "$qemu" -M mps2-an385 -display none -monitor none -serial stdio \
  -semihosting-config enable=on,target=native -icount shift=4,sleep=off \
  -kernel "$elf" < "$req" | tr '\200-\377' '\000-\177' > "$out"
status=${PIPESTATUS[0]}
end=$(date +%s.%N)
cat "$out"
echo "--- qemu exit status $status, wall $(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}') s"

awk -v status="$status" '
BEGIN { np = 0; etx = sprintf("%c", 3) }
# the readout telegram ends in ETX BCC without a line end: the report goes on after it
index($0, etx) { $0 = substr($0, index($0, etx) + 2) }
function fail(msg) { print "FAIL: " msg; bad = 1 }
function near(name, got, want, tol) {
    if (want == 0 || got == "" ) { fail(name " missing"); return }
    rel = (got - want) / want
    printf "%-12s got %-14s want %-16.6f rel %+.2e (tol %.0e)\n", name, got, want, rel, tol
    if (rel > tol || rel < -tol) fail(name " off by " rel)
}
/^load_u_peak / { up[np] = $2 }
/^load_i_peak / { ip[np] = $2 }
/^load_phi_deg / { phi[np] = $2; np++ }
/^u_lsb_pv / { ulsb = $2 * 1e-12 }
/^i_lsb_pa / { ilsb = $2 * 1e-12 }
/^[a-z_]+ -?[0-9]+$/ { v[$1] = $2 }
/^reg / { reg[$2] = $3 }
/^trimeter smoke: uart0 ok/ { uart = 1 }
/^\/[A-Z][A-Z][A-Z][0-9A-I]/ { iec = $0 }
/^watchdog: early warning/ { wdt = 1 }
/^smoke: FAIL/ { fail($0) }
END {
    if (status != 0) fail("exit status " status " (0 = left through the watchdog NMI)")
    if (!uart) fail("no banner from UART0")
    if (iec == "") fail("no IEC 62056-21 identification on the optical port")
    else print "iec ident   " iec
    if (!wdt) fail("watchdog early warning did not fire")
    if (np != 3) { fail("load lines missing"); exit 1 }
    pi = atan2(0, -1); p = 0
    for (k = 0; k < 3; k++) {
        c = cos(phi[k] * pi / 180)
        p += up[k] * ip[k] / 2 * c * ulsb * ilsb
        u[k] = up[k] / sqrt(2) * ulsb; i[k] = ip[k] / sqrt(2) * ilsb
    }
    secs = v["seconds"]
    if (secs < 5) fail("only " secs " seconds measured")
    near("A+ uWh", v["ap_uwh"], p * secs / 3600 * 1e6, 1e-3)
    near("1.7.0 kW", reg["1.7.0"], p / 1000, 2e-3)
    near("32.7.0 V", reg["32.7.0"], u[0], 2e-3)
    near("52.7.0 V", reg["52.7.0"], u[1], 2e-3)
    near("72.7.0 V", reg["72.7.0"], u[2], 2e-3)
    near("31.7.0 A", reg["31.7.0"], i[0], 2e-3)
    near("51.7.0 A", reg["51.7.0"], i[1], 2e-3)
    near("71.7.0 A", reg["71.7.0"], i[2], 2e-3)
    # The register reads the high-resolution value truncated to its
    # resolution (as many decimals as it shows, in kWh).
    d = index(reg["1.8.0"], ".") ? length(reg["1.8.0"]) - index(reg["1.8.0"], ".") : 0
    want = sprintf("%." d "f", int(v["ap_uwh"] / 10 ^ (9 - d)) / 10 ^ d)
    printf "1.8.0       register %s kWh, from %s uWh: %s\n", reg["1.8.0"], v["ap_uwh"], want
    if (reg["1.8.0"] != want) fail("1.8.0 register " reg["1.8.0"] " != " want)
    if (v["an_uwh"] != 0) fail("A- counted on a pure import load")
    # The per-sample path keeps up with the sample clock (-icount shift=4:
    # 62.5 MIPS, about a 72 MHz Cortex-M3): only the block-completing
    # sample (the once-a-second DSP work runs in the interrupt) may run late.
    # How late it runs: the bench (scripts/bench_cm.sh).
    if (v["adc_overruns"] > secs + 1) fail("adc_overruns " v["adc_overruns"] ": the per-sample path is too slow")
    if (v["power_fail_latched"] != 1) fail("power-fail warning did not reach the core")
    if (v["stack_used"] >= v["stack_size"]) fail("stack overflow")
    printf "stack       %d of %d bytes used\n", v["stack_used"], v["stack_size"]
    if (bad) exit 1
    print "smoke: PASS"
}' "$out" || exit 1

# The data readout on UART0: STX ... "!" CR LF ETX BCC, BCC right, 1.8.0 in it.
/usr/bin/python3 - "$out" <<'PY' || exit 1
import sys
d = open(sys.argv[1], "rb").read()
s = d.find(b"\x02", d.find(b"/TRM"))
e = d.find(b"!\r\n\x03", s)
if s < 0 or e < 0 or e + 4 >= len(d):
    sys.exit("FAIL: no IEC 62056-21 readout telegram on UART0")
bcc = 0
for b in d[s + 1:e + 4]:
    bcc ^= b
if bcc != d[e + 4] or b"\r\n1.8.0(" not in b"\r\n" + d[s + 1:e]:
    sys.exit("FAIL: readout telegram BCC %02x != %02x or no 1.8.0" % (bcc, d[e + 4]))
print("readout     %d bytes, BCC %02x ok" % (e + 5 - s, bcc))
PY
