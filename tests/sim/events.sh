#!/usr/bin/env bash
# Scenario events in a run: an outage (reference energies stop, the meter
# powers up again at its end, core events during it are ignored with a
# message), and the loss of the neutral (the star point floats: phase
# voltages computed independently here; one goes above 253 V; restore).
# Usage: events.sh path/to/trimeter-sim source-dir
SIM=$1 SRC=$2
. "$(dirname "$0")/lib.sh"

# ---- outage ------------------------------------------------------------------
"$SIM" --scenario "$SRC/scenarios/outage.json" --fast --feed blocks --json > "$TMP/o.json" 2> "$TMP/o.err"
python3 - "$TMP/o.json" <<'PY' && ok "outage: reference without the 20 min, power-up at the end of the outage" || bad "outage"
import json, math, sys
d = json.load(open(sys.argv[1]))
phi = math.radians(25.84)
p, q = 3 * 230 * 10 * math.cos(phi), 3 * 230 * 10 * math.sin(phi)
hours = (120 - 20) / 60
assert abs(d["reference"]["1.8.0"] - p * hours / 1000) < 1e-9, d["reference"]
assert abs(d["reference"]["3.8.0"] - q * hours / 1000) < 1e-9, d["reference"]
assert d["reference"]["2.8.0"] == 0 and d["reference"]["4.8.0"] == 0
assert d["power"] == "on" and d["power_ups"] == 1 and d["sim_seconds"] == 7200, d
PY
scenario oe '{"segments": [{"duration": "10m", "phases": {"i": 5}}],
  "events": [{"at": "2m", "type": "outage", "duration": "3m"},
             {"at": "3m", "type": "config", "config": {"demand_period_min": 30}},
             {"at": "3m", "type": "button", "button": "display"},
             {"at": "9m", "type": "outage", "duration": "5m"}]}'
"$SIM" --scenario "$TMP/oe.json" --fast --json > "$TMP/oe.out" 2> "$TMP/oe.err"
if grep -q "events\[1\].*no supply, ignored" "$TMP/oe.err" && ! grep -q "events\[2\]" "$TMP/oe.err"; then
  ok "config during an outage is ignored with a message; a button works on battery"
else
  bad "events during an outage: $(cat "$TMP/oe.err")"
fi
python3 - "$TMP/oe.out" <<'PY' && ok "a run may end inside an outage (power off, 6 min of energy)" || bad "run ending in an outage"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["power"] == "off", d["power"]
assert abs(d["reference"]["1.8.0"] - 3 * 230 * 5 * 6 / 60 / 1000) < 1e-9, d["reference"]
PY

# ---- neutral loss ----------------------------------------------------------------
scenario nl '{"segments": [{"duration": "10m", "phases": [{"i": 10}, {"i": 2, "phi": 30}, {"i": 0}]}],
  "events": [{"at": "2m", "type": "neutral_loss"}]}'
"$SIM" --scenario "$TMP/nl.json" --fast --until 5m --feed blocks --json > "$TMP/nl.out"
python3 - "$TMP/nl.out" <<'PY' && ok "neutral loss: floating star point, voltages and reference as computed" || bad "neutral loss"
import cmath, json, math, sys
d = json.load(open(sys.argv[1]))
u = [230 * cmath.exp(1j * math.radians(a)) for a in (0, -120, 120)]
i = [10 * cmath.exp(1j * math.radians(0)), 2 * cmath.exp(1j * math.radians(-120 - 30)), 0]
ym = 1e-6
y = [i[k] / u[k] for k in range(3)]
un = sum(u[k] * (y[k] + ym) for k in range(3)) / sum(y[k] + ym for k in range(3))
v = [abs(u[k] - un) for k in range(3)]
pk = [(((u[k] - un) * (y[k] * (u[k] - un)).conjugate()).real) for k in range(3)]
regs = d["registers"]
got = [regs[c]["value"] for c in ("32.7.0", "52.7.0", "72.7.0")]
print("voltages computed", [round(x, 2) for x in v], "meter", got)
assert all(abs(got[k] - math.floor(v[k] * 10) / 10) < 0.11 for k in range(3)), (got, v)
assert max(got) > 253, got
p_before = 230 * 10 + 230 * 2 * math.cos(math.radians(30))
want = (p_before * 120 + sum(pk) * 180) / 3600 / 1000
assert abs(d["reference"]["1.8.0"] - want) < 1e-9, (d["reference"]["1.8.0"], want)
PY
scenario nr '{"segments": [{"duration": "10m", "phases": [{"i": 10}, {"i": 2}, {"i": 0}]}],
  "events": [{"at": "2m", "type": "neutral_loss"}, {"at": "4m", "type": "neutral_restore"}]}'
"$SIM" --scenario "$TMP/nr.json" --fast --until 5m --json > "$TMP/nr.out"
python3 - "$TMP/nr.out" <<'PY' && ok "neutral restored: 230 V again" || bad "neutral restore"
import json, sys
r = json.load(open(sys.argv[1]))["registers"]
assert all(abs(r[c]["value"] - 230.0) < 0.6 for c in ("32.7.0", "52.7.0", "72.7.0")), r
PY
# ---- config, clock_set, remote through the object table ----------------------------------
scenario cr '{"config": {"demand_period_min": 30},
  "segments": [{"duration": "5m", "phases": {"i": 5}}],
  "events": [{"at": "1m", "type": "config", "config": {"profile_period_min": 5}},
             {"at": "2m", "type": "clock_set", "time": "2026-07-01T12:00:00+02:00"},
             {"at": "3m", "type": "remote", "command": "disconnect"}]}'
"$SIM" --scenario "$TMP/cr.json" --fast --json > "$TMP/cr.out" 2> "$TMP/cr.err"
python3 - "$TMP/cr.out" <<'PY' && ok "config at power-up and by event, clock_set, remote disconnect" || bad "config/clock_set/remote: $(cat "$TMP/cr.err")"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["registers"]
assert r["0.8.0"]["value"] == 30 and r["0.8.4"]["value"] == 5, (r["0.8.0"], r["0.8.4"])
# clock set to 12:00 standard (13:00 summer time) at 2 min, 3 min before the end
assert d["time"] == "2026-07-01T13:03:00+03:00", d["time"]
assert r["0.9.1"]["value"] == "13:03:00" and r["0.9.2"]["value"] == "2026-07-01", (r["0.9.1"], r["0.9.2"])
assert d["relay"] == "open", d["relay"]
PY
scenario cbad '{"segments": [{"duration": "5m"}], "config": {"demand_period_min": "fifteen"}}'
expect_refused "a config value of the wrong type is refused before the run" "config.demand_period_min: must be a number" -- --scenario "$TMP/cbad.json"
# ---- pulse input ---------------------------------------------------------------------------
scenario pin '{"segments": [{"duration": "1m"}], "events": [{"at": "5s", "type": "pulse_in", "count": 50, "rate_hz": 25}]}'
for feed in blocks samples; do
  "$SIM" --scenario "$TMP/pin.json" --fast --feed $feed --json > "$TMP/pin.out"
  n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["registers"]["96.130.70"]["value"])' "$TMP/pin.out")
  [ "$n" = 50 ] && ok "pulse_in: 50 edges at 25 Hz counted ($feed feed)" || bad "pulse_in ($feed): counted $n"
done

scenario crange '{"segments": [{"duration": "5m"}], "config": {"demand_period_min": 7}}'
expect_refused "a config value the meter refuses is refused before the run" "config.demand_period_min: refused by the meter" -- --scenario "$TMP/crange.json"

# ---- clock_set 70 years ahead and back (issue 12 item 5): billing resumes ----
# The set forward ends one period (stamped 1 June, the first boundary
# passed); back in 2026 the 1 June boundary is not billed twice and the
# next period ends on 1 July (old firmware waited for 2096).
scenario cset '{"start": "2026-05-31T20:00:00+02:00", "segments": [{"duration": "1h", "phases": {"i": 10}}],
  "events": [{"at": "30m", "type": "clock_set", "time": "2096-05-31T20:30:00+02:00"},
             {"at": "40m", "type": "clock_set", "time": "2026-05-31T20:40:00+02:00"}]}'
"$SIM" --scenario "$TMP/cset.json" --fast --feed blocks --until 32d --json > "$TMP/cset.out" 2> "$TMP/cset.err"
python3 - "$TMP/cset.out" <<'PY' && ok "clock_set +70 years and back: billing resumes (1 June, 1 July), demand intact" || bad "clock_set +70 years and back: $(cat "$TMP/cset.err")"
import json, sys
d = json.load(open(sys.argv[1]))
b = [(x["period"], x["time"], x["registers"]["1.6.0"]["value"]) for x in d["billing"]]
print(d["time"], d["registers"]["0.1.0"], b)
assert d["registers"]["0.1.0"]["value"] == 2, d["registers"]["0.1.0"]
assert [t for _, t, _ in b] == ["2026-07-01T00:00:00+03:00", "2026-06-01T00:00:00+03:00"], b
assert abs(b[0][2] - 6.9) < 0.01, b   # a full month's maximum demand of the 6.9 kW load
assert d["time"].startswith("2026-07-02"), d["time"]
sets = [e for e in d["events"] if e["type"] == "clock_set"]
assert len(sets) == 2 and all(e["log"] == "metrological" for e in sets), sets
PY
finish
