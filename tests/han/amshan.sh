#!/usr/bin/env bash
# Interop: amshan (an independent HAN decoder in Python, toreamun/amshan),
# unmodified, decodes the frames the virtual meter pushes on --han tcp:PORT
# (the 10-second and the hourly list) to the meter's values (--json).
# amshan is not part of the tree: AMSHAN_DIR (default /work/ext/amshan) must
# hold a checkout, and /usr/bin/python3 needs python3-construct. Without
# them the test reports itself skipped (exit 77), never passed.
# usage: amshan.sh TRIMETER-SIM
set -euo pipefail
SIM=$1
AMSHAN_DIR=${AMSHAN_DIR:-/work/ext/amshan}
PY=/usr/bin/python3
if [ ! -f "$AMSHAN_DIR/han/kamstrup.py" ] || ! "$PY" -c 'import construct' 2>/dev/null; then
  echo "SKIP: amshan not found in $AMSHAN_DIR or python3-construct missing"
  exit 77
fi
TMP=$(mktemp -d /tmp/trimeter-amshan-test.XXXXXX)
SIMPID=
trap '[ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null; rm -rf "$TMP"' EXIT
HAN=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$TMP/sc.json" <<'JSON'
{"start": "2026-03-28T23:59:30+02:00", "timezone": "EU",
 "config": {"serial": "27182818"},
 "segments": [{"duration": "1h", "phases": [
   {"u": 233.6, "i": 7.31, "phi": 30}, {"u": 228.9, "i": 0.42, "phi": 60}, {"u": 230.2, "i": 12.05, "phi": 170}]}]}
JSON
"$SIM" --headless --feed blocks --scenario "$TMP/sc.json" --han "tcp:$HAN" --until 31s --json \
  >"$TMP/sim.json" 2>"$TMP/sim.err" </dev/null &
SIMPID=$!
for _ in $(seq 50); do grep -q "han port on tcp" "$TMP/sim.err" 2>/dev/null && break; sleep 0.1; done
python3 - "$HAN" "$TMP/han.bin" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
with open(sys.argv[2], "wb") as f:
    while True:
        b = s.recv(4096)
        if not b: break
        f.write(b)
PY
wait "$SIMPID"; SIMPID=
"$PY" - "$AMSHAN_DIR" "$TMP/han.bin" "$TMP/sim.json" <<'PY'
import sys, json
from decimal import Decimal, ROUND_DOWN
sys.path.insert(0, sys.argv[1])
from han import hdlc, autodecoder   # amshan, unmodified
data = open(sys.argv[2], "rb").read()
regs = json.load(open(sys.argv[3]))["registers"]
fails = []; checks = 0
def check(cond, what):
    global checks
    checks += 1
    print(("ok   " if cond else "FAIL ") + what)
    if not cond: fails.append(what)
frames = hdlc.HdlcFrameReader(False).read(data)
dec = autodecoder.AutoDecoder()
decoded = []
for f in frames:
    check(f.is_good_ffc and f.is_expected_length, "amshan: frame of %d bytes, FCS and length good" % len(f))
    d = dec.decode_message(f)
    check(d is not None, "amshan decodes it (%s)" % dec.previous_success_decoder)
    if d: decoded.append(d)
check(len(decoded) == 4, "three 10-second lists and one hourly list (%d)" % len(decoded))
hourly = [d for d in decoded if "active_power_import_total" in d]
check(len(hourly) == 1, "one hourly list with energy registers")
inst = {"active_power_import": ("1.7.0", 1000, "1"), "active_power_export": ("2.7.0", 1000, "1"),
        "reactive_power_import": ("3.7.0", 1000, "1"), "reactive_power_export": ("4.7.0", 1000, "1"),
        "current_l1": ("31.7.0", 1, "0.01"), "current_l2": ("51.7.0", 1, "0.01"), "current_l3": ("71.7.0", 1, "0.01"),
        "voltage_l1": ("32.7.0", 1, "1"), "voltage_l2": ("52.7.0", 1, "1"), "voltage_l3": ("72.7.0", 1, "1")}
energy = {"active_power_import_total": "1.8.0", "active_power_export_total": "2.8.0",
          "reactive_power_import_total": "3.8.0", "reactive_power_export_total": "4.8.0"}
def trunc(v, factor, res):
    return (Decimal(str(v)) * factor / Decimal(res)).to_integral_value(ROUND_DOWN) * Decimal(res)
for i, d in enumerate(decoded):
    check(d.get("meter_id") == regs["96.1.0"]["value"], "list %d: meter_id %s" % (i, d.get("meter_id")))
    check(d.get("meter_type") == regs["96.1.1"]["value"], "list %d: meter_type %s" % (i, d.get("meter_type")))
    for k, (obis, factor, res) in inst.items():
        got = Decimal(str(d[k])).quantize(Decimal(res))  # amshan multiplies by 10**-2 in binary floating point
        check(got == trunc(regs[obis]["value"], factor, res), "list %d: %s %s = meter %s %s" % (i, k, d[k], obis, regs[obis]["value"]))
for k, obis in energy.items():
    got = Decimal(str(hourly[0][k])) / 1000   # amshan: Wh
    check(got == Decimal(str(regs[obis]["value"])), "hourly: %s %s Wh = meter %s %s kWh" % (k, hourly[0][k], obis, regs[obis]["value"]))
check(Decimal(str(hourly[0]["active_power_export_total"])) > 0 and Decimal(str(hourly[0]["reactive_power_import_total"])) > 0,
      "hourly: the energies compared are not all zero")
check(str(hourly[0]["meter_datetime"]) == "2026-03-29 00:00:00+02:00", "hourly: meter clock %s" % hourly[0]["meter_datetime"])
print("%d checks, %d failed" % (checks, len(fails)))
sys.exit(1 if fails else 0)
PY
