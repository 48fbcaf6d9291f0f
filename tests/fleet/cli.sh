#!/usr/bin/env bash
# trimeter-fleet's command line as ../shared/SIMULATOR.md writes it: bad
# input is refused with exit 2, one stderr line and nothing touched; meter i
# has serial N + i and the address ADDR + i (or port PORT + i); the JSON
# summary; a killed fleet (a power cut of every meter) resumes.
# Usage: cli.sh path/to/trimeter-fleet source-dir
set -euo pipefail
FLEET=$1 SRC=$2
TMP=$(mktemp -d /tmp/trimeter-fleet-cli.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT
fails=0 checks=0
ok() { checks=$((checks + 1)); echo "ok   $*"; }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL $*"; }
steady="$TMP/steady.json"
cat > "$steady" <<'JSON'
{"start": "2026-02-10T06:00:00+02:00", "segments": [{"duration": "1h", "phases": {"u": 230, "i": 10}}]}
JSON

# expect_refused NAME "needle1|needle2" -- args...
expect_refused() {
    local name=$1 needles=$2; shift 3
    local before=absent after=absent
    [ -e "$TMP/st/fleet.eeprom" ] && before=$(sha256sum < "$TMP/st/fleet.eeprom")
    set +e
    "$FLEET" "$@" --fast --summary-every 0 --state-dir "$TMP/st" >"$TMP/out" 2>"$TMP/err" </dev/null
    local rc=$?
    set -e
    [ -e "$TMP/st/fleet.eeprom" ] && after=$(sha256sum < "$TMP/st/fleet.eeprom")
    local why=""
    [ "$rc" -eq 2 ] || why="$why exit $rc (want 2);"
    [ "$(wc -l < "$TMP/err")" -eq 1 ] || why="$why $(wc -l < "$TMP/err") stderr lines;"
    [ -s "$TMP/out" ] && why="$why stdout not empty;"
    [ "$before" = "$after" ] || why="$why state created or changed;"
    local IFS='|'
    for n in $needles; do grep -qF -- "$n" "$TMP/err" || why="$why stderr lacks '$n';"; done
    if [ -z "$why" ]; then ok "$name: $(cat "$TMP/err")"; else bad "$name:$why $(cat "$TMP/err")"; fi
}

"$FLEET" --help > "$TMP/help"
for o in --meters --scenario --vary --serial-base --dlms --dlms-ports --state-dir --fast --until --json-summary; do
    grep -qF -- "$o" "$TMP/help" || bad "--help lacks $o"
done
ok "--help lists the contract's options"

expect_refused "unknown option" "unknown option|--colour" -- --colour red
expect_refused "no meters" "--meters|out of range" -- --meters 0
expect_refused "meters not a number" "--meters|not an unsigned integer" -- --meters many
expect_refused "bad address" "--dlms|not an IPv4 address" -- --meters 2 --dlms 300.1.1.1:4059
expect_refused "address without port" "--dlms|ADDR:PORT" -- --meters 2 --dlms 127.2.0.1
expect_refused "port range past 65535" "--dlms-ports|pass 65535" -- --meters 100 --dlms-ports 127.0.0.1:65500
expect_refused "serials past 8 digits" "--serial-base|8 digits" -- --meters 20 --serial-base 99999990
expect_refused "samples meter out of the fleet" "--samples|does not exist" -- --meters 3 --samples 5
expect_refused "bad --until" "--until|bad duration" -- --meters 1 --until soon
echo '{"feeder_size": 10, "weather": "fine"}' > "$TMP/plan.json"
expect_refused "fleet file: unknown key" "plan.json|weather|unknown key" -- --meters 2 --fleet "$TMP/plan.json"
echo '{"events": [{"at": "1m", "type": "sag", "duration": "2s", "pct": 60, "meters": "50-99"}]}' > "$TMP/plan.json"
expect_refused "fleet file: meters beyond the fleet" "plan.json|events[0]|do not exist" -- --meters 10 --fleet "$TMP/plan.json"
echo '{"segments": [{"duration": "1h", "phases": {"u": -1}}]}' > "$TMP/tmpl.json"
expect_refused "template: value out of range" "tmpl.json|segments[0].phases.u" -- --meters 2 --scenario "$TMP/tmpl.json"
echo '{"segments": [{"duration": "1h"}], "events": [{"at": "1m", "type": "neutral_loss"}]}' > "$TMP/tmpl.json"
expect_refused "template: event a fleet cannot run" "tmpl.json|events[0]|not supported by trimeter-fleet" -- --meters 2 --scenario "$TMP/tmpl.json"
[ -e "$TMP/st" ] && bad "a refused run created the state directory" || ok "no refused run created the state"

# ---- serials, addresses, ports ------------------------------------------------
"$FLEET" --meters 300 --scenario "$steady" --serial-base 12000000 --dlms 127.2.0.200:0 --until 0s \
    --summary-every 0 --registers-out "$TMP/regs" 2>"$TMP/err"
python3 - "$TMP/regs" <<'PY' && ok "meter i: serial N + i, address ADDR + i across octets (299 of 127.2.0.200 at 127.2.1.243)" || bad "serials/addresses"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 300
for d in lines:
    i = d["meter"]
    assert d["serial"] == "%08d" % (12000000 + i), d
    a = 0x7F0200C8 + i
    host = ".".join(str((a >> s) & 255) for s in (24, 16, 8, 0))
    assert d["address"].split(":")[0] == host, d
assert lines[299]["address"].startswith("127.2.1.243:")
PY
done_ports=no
for try in 1 2 3 4 5; do
    base=$((20000 + RANDOM % 40000))
    if "$FLEET" --meters 4 --scenario "$steady" --dlms-ports "127.0.0.1:$base" --until 0s --summary-every 0 \
        --registers-out "$TMP/regs" 2>"$TMP/err"; then
        python3 - "$TMP/regs" "$base" <<'PY' && ok "--dlms-ports: meter i at PORT + i" || bad "--dlms-ports addresses"
import json, sys
base = int(sys.argv[2])
for l in open(sys.argv[1]):
    d = json.loads(l)
    assert d["address"] == "127.0.0.1:%d" % (base + d["meter"]), d
PY
        done_ports=yes
        break
    fi
done
[ "$done_ports" = yes ] || bad "--dlms-ports: no free range found ($(cat "$TMP/err"))"

# ---- the JSON summary ---------------------------------------------------------------
"$FLEET" --meters 5 --scenario "$steady" --fast --until 10m --vary 1 --summary-every 0 --json-summary > "$TMP/sum.json"
python3 - "$TMP/sum.json" <<'PY' && ok "--json-summary: one object with the run's figures" || bad "--json-summary"
import json, sys
s = json.load(open(sys.argv[1]))
for k in ("meters", "on", "sim_seconds", "wall_seconds", "sim_real_ratio", "cpu_seconds", "memory", "disk_bytes",
          "sessions", "requests", "registers_kwh", "fed_kwh"):
    assert k in s, k
assert s["meters"] == 5 and s["on"] == 5 and s["sim_seconds"] == 600 and s["blocks"] == 3000
assert abs(s["registers_kwh"]["1.8.0"] - s["fed_kwh"]["1.8.0"]) < 1e-6 and s["registers_kwh"]["1.8.0"] > 0
PY

# ---- a killed fleet resumes (SIGKILL: a power cut of every meter) -----------------------
"$FLEET" --meters 20 --scenario "$steady" --fast --until 1000d --state-dir "$TMP/kill" --summary-every 0 \
    2>/dev/null &
pid=$!
pids+=($pid)
for _ in $(seq 1 100); do
    [ -e "$TMP/kill/fleet.eeprom" ] && break
    sleep 0.05
done
sleep 1.5
kill -9 $pid
wait $pid 2>/dev/null || true
"$FLEET" --meters 20 --scenario "$steady" --fast --until 1m --state-dir "$TMP/kill" --summary-every 0 \
    --json-summary --registers-out "$TMP/regs" > "$TMP/sum.json"
python3 - "$TMP/regs" "$TMP/sum.json" <<'PY' && ok "a killed fleet resumes: every meter with its serial, energy and clock" || bad "resume after kill -9"
import json, sys
s = json.load(open(sys.argv[2]))
assert s["resumed"] is True and s["start"] != "2026-02-10T06:00:00+02:00", s["start"]
for l in open(sys.argv[1]):
    d = json.loads(l)
    assert d["serial"] == "%08d" % (10000000 + d["meter"])
    assert d["1.8.0"] > 0.04, d            # more than the minute of this run: the past is kept
    assert d["status"] & 3 == 0, d         # no NVM corruption or failure
    assert d["events"]["quality"] >= 1, d  # the cut is logged as an outage
    assert d["time"] == s["time"], (d["time"], s["time"])
PY

echo "$checks checks, $fails failed"
[ "$fails" -eq 0 ]
