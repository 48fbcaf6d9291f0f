#!/usr/bin/env bash
# The virtual meter pushes on --han tcp:PORT, trimeter-han bridges to a
# mosquitto started here (127.0.0.1, a free port, stopped by its pid), and
# mosquitto_sub checks what Home Assistant would get: every discovery payload
# against the keys Home Assistant requires, total_increasing energy sensors,
# retained discovery, availability with its last will, and values equal to
# the meter's --json. Half way the broker is restarted (no persistence):
# the bridge must reconnect and announce everything again.
# usage: bridge_mqtt.sh TRIMETER-SIM TRIMETER-HAN
set -euo pipefail
SIM=$1 BRIDGE=$2
TMP=$(mktemp -d /tmp/trimeter-han-test.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
MQ=$(free_port) HAN=$(free_port)
# bad options: exit 2, one line on stderr; a password or key is never taken from the command line
echo 00010203 >"$TMP/short.key"
bad=0
for args in "" "--tcp nohostport" "--tcp 127.0.0.1:1 --serial /dev/null" "--tcp 127.0.0.1:1 --mqtt-password secret" \
            "--tcp 127.0.0.1:1 --mqtt-user u --mqtt-pass secret" "--tcp 127.0.0.1:1 --topic a/#" \
            "--serial /dev/null --baud 1234" "--tcp 127.0.0.1:1 stray" "--tcp 127.0.0.1:1 --tls-cert c" \
            "--tcp 127.0.0.1:1 --key 000102030405060708090A0B0C0D0E0F" "--tcp 127.0.0.1:1 --key-file $TMP/none" \
            "--tcp 127.0.0.1:1 --key-file $TMP/short.key"; do
  set +e; "$BRIDGE" $args >/dev/null 2>"$TMP/err" </dev/null; rc=$?; set -e
  if [ "$rc" -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ]; then echo "ok   exit 2 for [$args]: $(cat "$TMP/err")"
  else echo "FAIL [$args]: exit $rc, $(cat "$TMP/err")"; bad=1; fi
done
[ "$bad" -eq 0 ] || exit 1
cat >"$TMP/mq.conf" <<CONF
listener $MQ 127.0.0.1
allow_anonymous true
persistence false
CONF
start_broker() {
  mosquitto -c "$TMP/mq.conf" >>"$TMP/mq.log" 2>&1 &
  BROKER=$!
  pids+=("$BROKER")
  for _ in $(seq 50); do mosquitto_pub -p "$MQ" -t probe -n 2>/dev/null && return 0; sleep 0.1; done
  echo "FAIL broker did not start"; cat "$TMP/mq.log"; exit 1
}
start_broker

# 23:59:30 local, 31 s: 10-s lists at :40 :50 :00, the hourly list at
# 00:00:00; the JSON one second later (steady load: same instantaneous
# values; 1.8 kW: the energy registers do not step in that second).
cat >"$TMP/sc.json" <<'JSON'
{"start": "2026-03-28T23:59:30+02:00", "timezone": "EU",
 "config": {"serial": "31415926"},
 "segments": [{"duration": "1h", "phases": [
   {"u": 230.4, "i": 4.0, "phi": 20}, {"u": 231.2, "i": 2.5, "phi": -15}, {"u": 229.7, "i": 0.75, "phi": 0}]}]}
JSON
"$SIM" --headless --feed blocks --scenario "$TMP/sc.json" --han "tcp:$HAN" --until 31s --json \
  >"$TMP/sim.json" 2>"$TMP/sim.err" </dev/null &
SIMPID=$!
pids+=("$SIMPID")
for _ in $(seq 50); do grep -q "han port on tcp" "$TMP/sim.err" 2>/dev/null && break; sleep 0.1; done
mosquitto_sub -p "$MQ" -t '#' -v >"$TMP/sub1.log" 2>/dev/null &
pids+=($!)
"$BRIDGE" --tcp "127.0.0.1:$HAN" --mqtt "127.0.0.1:$MQ" --stale 600 >"$TMP/bridge.out" 2>"$TMP/bridge.err" &
BR=$!
pids+=("$BR")

# restart the broker after the first list (about 10 s in)
sleep 12
kill "$BROKER"; wait "$BROKER" 2>/dev/null || true
sleep 2
start_broker
mosquitto_sub -p "$MQ" -t '#' -v >"$TMP/sub2.log" 2>/dev/null &
pids+=($!)

wait "$SIMPID" || { echo "FAIL simulator exit $?"; cat "$TMP/sim.err"; exit 1; }
sleep 2
# what a Home Assistant that starts now sees: the retained messages
timeout 10 mosquitto_sub -p "$MQ" -t '#' -F '%r %t %p' -W 3 >"$TMP/retained.log" 2>/dev/null || true
kill -KILL "$BR"; wait "$BR" 2>/dev/null || true   # a crash: the broker sends the last will
sleep 1
timeout 10 mosquitto_sub -p "$MQ" -t 'trimeter/status' -C 1 -W 3 >"$TMP/will.log" 2>/dev/null || true

python3 - "$TMP" <<'PY'
import json, sys, os
from decimal import Decimal, ROUND_DOWN
tmp = sys.argv[1]
fails = []; checks = 0
def check(cond, what):
    global checks
    checks += 1
    print(("ok   " if cond else "FAIL ") + what)
    if not cond: fails.append(what)
meter = json.load(open(os.path.join(tmp, "sim.json")))
regs = meter["registers"]
retained = {}
for line in open(os.path.join(tmp, "retained.log"), errors="replace"):
    line = line.rstrip("\n")
    if not line: continue
    r, topic, payload = line.split(" ", 2)
    retained[topic] = (r, payload)
disc = {t: p for t, (r, p) in retained.items() if t.startswith("homeassistant/")}
values = {t: p for t, (r, p) in retained.items() if t.startswith("trimeter/") and t != "trimeter/status"}
print("retained: %d discovery, %d values" % (len(disc), len(values)))
serial = regs["96.1.0"]["value"]
check(serial == "31415926", "meter id is the scenario's serial (%s)" % serial)
# every sensor of the hourly list: ten instantaneous, four energies, the clock
want = {"active_power_import": ("1.7.0", 1000, "1"), "active_power_export": ("2.7.0", 1000, "1"),
        "reactive_power_import": ("3.7.0", 1000, "1"), "reactive_power_export": ("4.7.0", 1000, "1"),
        "current_l1": ("31.7.0", 1, "0.01"), "current_l2": ("51.7.0", 1, "0.01"), "current_l3": ("71.7.0", 1, "0.01"),
        "voltage_l1": ("32.7.0", 1, "1"), "voltage_l2": ("52.7.0", 1, "1"), "voltage_l3": ("72.7.0", 1, "1"),
        "active_energy_import": ("1.8.0", 1, "0.01"), "active_energy_export": ("2.8.0", 1, "0.01"),
        "reactive_energy_import": ("3.8.0", 1, "0.01"), "reactive_energy_export": ("4.8.0", 1, "0.01")}
node = "trimeter_han_" + serial
HA_CLASSES = {"power": "W", "reactive_power": "var", "current": "A", "voltage": "V", "energy": "kWh",
              "frequency": "Hz", "timestamp": None, "power_factor": None}
seen = set()
for topic, payload in sorted(disc.items()):
    r = retained[topic][0]
    parts = topic.split("/")
    try:
        d = json.loads(payload)
    except ValueError:
        check(False, "%s: payload is JSON" % topic); continue
    key = parts[3] if len(parts) == 5 else "?"
    seen.add(key)
    ok = (len(parts) == 5 and parts[0] == "homeassistant" and parts[1] == "sensor" and parts[2] == node
          and parts[4] == "config")
    check(ok, "%s: topic <prefix>/sensor/<node>/<object>/config" % topic)
    check(r == "1", "%s: retained" % key)
    # what Home Assistant's MQTT sensor requires / what it needs for entities in a device
    for k in ("name", "unique_id", "state_topic", "device", "availability_topic"):
        check(k in d, "%s: has %s" % (key, k))
    dev = d.get("device", {})
    check(isinstance(dev.get("identifiers"), list) and len(dev["identifiers"]) > 0, "%s: device identifiers" % key)
    for k in ("manufacturer", "model", "serial_number", "sw_version", "name"):
        check(isinstance(dev.get(k), str) and dev[k] != "", "%s: device %s" % (key, k))
    check(dev.get("serial_number") == serial, "%s: device serial_number = meter id" % key)
    check(d.get("unique_id") == "%s_%s" % (node, key), "%s: unique_id" % key)
    check(d.get("state_topic") == "trimeter/%s/%s" % (serial, key), "%s: state_topic" % key)
    dc = d.get("device_class")
    if dc is not None:
        check(dc in HA_CLASSES, "%s: device_class %s is a Home Assistant sensor class" % (key, dc))
        if HA_CLASSES.get(dc):
            check(d.get("unit_of_measurement") == HA_CLASSES[dc], "%s: unit %s" % (key, d.get("unit_of_measurement")))
    if key.endswith("_energy_import") or key.endswith("_energy_export"):
        check(d.get("state_class") == "total_increasing", "%s: state_class total_increasing" % key)
    if dc == "energy":
        check(d.get("state_class") == "total_increasing", "%s: energy sensor total_increasing" % key)
    if dc in ("power", "current", "voltage", "reactive_power"):
        check(d.get("state_class") == "measurement", "%s: state_class measurement" % key)
    check(d.get("availability_topic") == "trimeter/status", "%s: availability_topic" % key)
check(set(want) | {"meter_datetime"} == seen, "announced exactly the list's sensors: %s" % sorted(seen))
check(retained.get("trimeter/status", ("", ""))[1] == "online", "availability online while running")
for key, (obis, factor, res) in want.items():
    t = "trimeter/%s/%s" % (serial, key)
    got = values.get(t)
    if got is None:
        check(False, "%s: retained value" % key); continue
    exp = (Decimal(str(regs[obis]["value"])) * factor / Decimal(res)).to_integral_value(ROUND_DOWN) * Decimal(res)
    check(Decimal(got) == exp, "%s = %s, meter --json %s %s -> %s" % (key, got, obis, regs[obis]["value"], exp))
check(Decimal(values.get("trimeter/%s/active_energy_import" % serial, "0")) > 0, "energy import is not zero")
check(values.get("trimeter/%s/meter_datetime" % serial) == "2026-03-29T00:00:00+02:00",
      "meter clock of the hourly list: %s" % values.get("trimeter/%s/meter_datetime" % serial))
# the broker restart: after it, discovery again (the broker forgot it) and values
sub2 = open(os.path.join(tmp, "sub2.log"), errors="replace").read().splitlines()
check(any(l.startswith("homeassistant/") for l in sub2), "discovery announced again after the broker restart")
check(any(l.startswith("trimeter/%s/current_l1 " % serial) for l in sub2), "values after the broker restart")
will = open(os.path.join(tmp, "will.log")).read().strip()
check(will == "offline", "last will after the bridge was killed: %r" % will)
err = open(os.path.join(tmp, "bridge.err")).read()
check("connection lost" in err and err.count("mqtt: connected") >= 2, "bridge logged the loss and reconnected")
print("%d checks, %d failed" % (checks, len(fails)))
if fails:
    print(err)
sys.exit(1 if fails else 0)
PY

# Encrypted push (security suite 0): the meter with its HAN key, the bridge
# with the key in a file; values arrive, the same as without encryption.
echo "== encrypted push"
HAN2=$(free_port)
cat >"$TMP/sc2.json" <<'JSON'
{"start": "2026-03-28T23:59:55+02:00", "timezone": "EU",
 "config": {"serial": "16180339", "han_key": "5A5B5C5D5E5F60616263646566676869", "han_encrypt": 1},
 "segments": [{"duration": "1h", "phases": [
   {"u": 230.4, "i": 4.0, "phi": 20}, {"u": 231.2, "i": 2.5, "phi": -15}, {"u": 229.7, "i": 0.75, "phi": 0}]}]}
JSON
printf '# HAN key of meter 16180339 (the factory authentication key is the default)\n5a5b5c5d5e5f60616263646566676869\n' >"$TMP/han.key"
chmod 600 "$TMP/han.key"
"$SIM" --headless --feed blocks --scenario "$TMP/sc2.json" --han "tcp:$HAN2" --until 7s --json \
  >"$TMP/sim2.json" 2>"$TMP/sim2.err" </dev/null &
SIMPID=$!
pids+=("$SIMPID")
for _ in $(seq 50); do grep -q "han port on tcp" "$TMP/sim2.err" 2>/dev/null && break; sleep 0.1; done
mosquitto_sub -p "$MQ" -t 'trimeter/16180339/#' -v >"$TMP/sub3.log" 2>/dev/null &
pids+=($!)
"$BRIDGE" --tcp "127.0.0.1:$HAN2" --mqtt "127.0.0.1:$MQ" --key-file "$TMP/han.key" >"$TMP/bridge2.out" 2>"$TMP/bridge2.err" &
BR2=$!
pids+=("$BR2")
wait "$SIMPID" || { echo "FAIL simulator exit $?"; cat "$TMP/sim2.err"; exit 1; }
sleep 2
kill "$BR2"; wait "$BR2" 2>/dev/null || true
python3 - "$TMP" <<'PY'
import json, sys, os
from decimal import Decimal, ROUND_DOWN
tmp = sys.argv[1]
regs = json.load(open(os.path.join(tmp, "sim2.json")))["registers"]
got = {}
for line in open(os.path.join(tmp, "sub3.log"), errors="replace"):
    t, _, p = line.rstrip("\n").partition(" ")
    got[t.rsplit("/", 1)[-1]] = p
err = open(os.path.join(tmp, "bridge2.err")).read()
fails = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond: fails.append(what)
for key, obis, res in (("current_l1", "31.7.0", "0.01"), ("voltage_l2", "52.7.0", "1"), ("current_l3", "71.7.0", "0.01")):
    exp = (Decimal(str(regs[obis]["value"])) / Decimal(res)).to_integral_value(ROUND_DOWN) * Decimal(res)
    check(key in got and Decimal(got[key]) == exp, "encrypted: %s = %s, meter %s" % (key, got.get(key), regs[obis]["value"]))
check("active_energy_import" in got, "encrypted: the hourly list's energy arrived")
check("encrypted notification" not in err and "check sequence" not in err, "encrypted: no problem logged (%s)" % err.strip().replace("\n", " | "))
sys.exit(1 if fails else 0)
PY
