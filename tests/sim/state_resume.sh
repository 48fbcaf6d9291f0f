#!/usr/bin/env bash
# --state: the EEPROM image file is created erased at the EEPROM's size, and a
# resumed meter keeps its registers, also across an outage and a kill -9
# (a power cut without warning). The register checks need a store that
# writes the EEPROM: while the image stays erased (placeholder store) this
# test reports SKIPPED (exit 77), never passed.
# Usage: state_resume.sh path/to/trimeter-sim source-dir
SIM=$1 SRC=$2
. "$(dirname "$0")/lib.sh"
lab="$SRC/scenarios/lab_point.json"
st="$TMP/m.eeprom"
hires() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["registers"]["1.8.0"]["hires"])' "$1"; }

"$SIM" --scenario "$lab" --fast --feed blocks --state "$st" --json > "$TMP/a.json"
[ "$(stat -c %s "$st")" = 524288 ] && ok "state file created at 512 KiB" || bad "state file size $(stat -c %s "$st")"
ls "$TMP" | grep -q 'm.eeprom.' && bad "temporary file left behind" || ok "no temporary file left behind"
if cmp -s "$st" <(head -c 524288 /dev/zero | tr '\0' '\377'); then
  echo "SKIP: the EEPROM image is still erased after a run: the store keeps nothing yet (placeholder)"
  exit 77
fi
"$SIM" --scenario "$lab" --fast --feed blocks --state "$st" --json > "$TMP/b.json"
a=$(hires "$TMP/a.json"); b=$(hires "$TMP/b.json")
python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); sys.exit(0 if b >= 2*a - 0.01 else 1)" "$a" "$b" &&
  ok "resumed run continues the registers ($a -> $b kWh)" || bad "resume: $a -> $b kWh"
python3 - "$TMP/a.json" "$TMP/b.json" <<'PY' && ok "resumed run continues the time line where the meter left off" || bad "resume time line"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
print(a["sim_time"], "->", b["reference_since"], "->", b["sim_time"])
assert b["reference_since"] == a["sim_time"] == a["time"]
assert b["sim_seconds"] == 3600 and b["sim_time"] == "2026-06-01T15:00:00+03:00"
PY

# a cover opened before the resume point is still open at the resumed power-up
rm -f "$st"
scenario cov '{"segments": [{"duration": "1h", "phases": {"i": 5}}], "events": [{"at": "10m", "type": "cover_open"}]}'
"$SIM" --scenario "$TMP/cov.json" --fast --until 20m --state "$st" > /dev/null
"$SIM" --scenario "$TMP/cov.json" --fast --until 20m --state "$st" --json > "$TMP/cov.out"
python3 - "$TMP/cov.out" <<'PY' && ok "levels left by earlier events (cover open) hold at the resumed power-up" || bad "cover state across a resume"
import json, sys
d = json.load(open(sys.argv[1]))
t = [(e["time"], e["type"]) for e in d["events"] if e["log"] == "tamper"]
print(t)
assert t == [("2026-01-01T00:10:00+02:00", "cover_open")], t
assert "COVER" in d["display"]["symbols"]
PY

rm -f "$st"
"$SIM" --scenario "$SRC/scenarios/outage.json" --fast --feed blocks --state "$st" --json > "$TMP/o.json"
python3 - "$TMP/o.json" <<'PY' && ok "registers survive an outage (early warning: nothing lost)" || bad "registers after an outage"
import json, sys
d = json.load(open(sys.argv[1]))
h, ref = d["registers"]["1.8.0"]["hires"], d["reference"]["1.8.0"]
print("1.8.0", h, "reference", ref)
assert ref - 0.01 <= h <= ref + 1e-9
# the event logs are persisted too: the power-up after the outage is logged at 06:50 standard time
ups = [e["time"] for e in d["events"] if e["type"] == "power_up"]
assert "2026-02-10T06:50:00+02:00" in ups, d["events"]
PY

rm -f "$st"
"$SIM" --scenario "$lab" --fast --feed blocks --until 3650d --state "$st" > /dev/null &
pid=$!
sleep 1
kill -KILL $pid
wait $pid 2>/dev/null || true
"$SIM" --scenario "$lab" --fast --until 0s --state "$st" --json > "$TMP/k.json"
python3 -c "import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))['registers']['1.8.0']['hires'] > 0 else 1)" "$TMP/k.json" &&
  ok "kill -9 (power cut without warning): registers kept ($(hires "$TMP/k.json") kWh)" || bad "kill -9 lost the registers"

# ---- damaged images (issue 12 item 7): never start from zero, never in silence ----
# both legal snapshot copies erased (docs/STORE.md memory map: legal A
# 0x00400-0x163ff, legal B 0x69c00-0x7fbff), the rest intact
rm -f "$st"
scenario bill '{"start": "2026-05-31T20:00:00+02:00", "segments": [{"duration": "1h", "phases": {"i": 10}}]}'
"$SIM" --scenario "$TMP/bill.json" --fast --feed blocks --until 6h --state "$st" --json > "$TMP/l1.json"
python3 - "$st" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
for lo, hi in ((0x400, 0x16400), (0x69c00, 0x7fc00)):
    b[lo:hi] = b"\xff" * (hi - lo)
open(sys.argv[1], "wb").write(b)
PY
set +e
"$SIM" --scenario "$TMP/bill.json" --fast --feed blocks --until 1h --state "$st" --json > "$TMP/l2.json" 2> "$TMP/l2.err"
rc=$?
set -e
python3 - "$TMP/l1.json" "$TMP/l2.json" <<'PY' && ok "both legal copies erased: registers from the billing snapshot and the profile, marked restored, reported" || bad "both legal copies erased"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
ra, rb = a["registers"], b["registers"]
print("before", ra["1.8.0"]["value"], ra["0.1.0"]["value"], a["time"], "after", rb["1.8.0"]["value"], rb["0.1.0"]["value"], b["time"], "status", b["status"])
assert b["status"] & 0x80 and b["status"] & 0x01, b["status"]        # restored, NVM corrupt
assert rb["0.1.0"]["value"] == ra["0.1.0"]["value"] == 1
assert rb["1.8.0"]["value"] >= a["billing"][0]["registers"]["1.8.0"]["value"]
assert rb["1.8.0"]["value"] >= ra["1.8.0"]["value"] - 6.9            # at most the last profile hour lost
assert b["time"] == "2026-06-01T04:00:00+03:00", b["time"]         # the time line goes on, not from the start
assert any(e["type"] == "registers_restored" for e in b["events"])
assert "ERROR" in b["display"]["symbols"]
PY
[ $rc -eq 0 ] && grep -q "damaged.*restored" "$TMP/l2.err" && ok "... and says so on stderr: $(cat "$TMP/l2.err")" || bad "erased legal copies: rc $rc, stderr $(cat "$TMP/l2.err")"
# a zeroed image is formatted, but not in silence
head -c 524288 /dev/zero > "$st"
set +e
"$SIM" --scenario "$lab" --fast --feed blocks --until 1m --state "$st" --json > "$TMP/z.json" 2> "$TMP/z.err"
rc=$?
set -e
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d['status'] & 1 and any(e['type'] == 'nvm_corrupt' for e in d['events']) else 1)" "$TMP/z.json" &&
  grep -q "not a trimeter image" "$TMP/z.err" && ok "zeroed image: formatted and reported ($(cat "$TMP/z.err"))" || bad "zeroed image: rc $rc $(cat "$TMP/z.err")"
finish
