#!/usr/bin/env bash
# Bad input of every class is refused with exit 2, one stderr line naming
# the file and the JSON path, and no state file created or changed.
# Usage: cli.sh path/to/trimeter-sim source-dir
SIM=$1 SRC=$2
. "$(dirname "$0")/lib.sh"

S=$TMP  # scenario files live here
good='"segments": [{"duration": "1h", "phases": {"u": 230, "i": 5}}]'

# ---- scenario: unknown keys at every level -------------------------------
scenario top "{$good, \"colour\": \"red\"}"
expect_refused "unknown key, top level" "$S/top.json|colour|unknown key" -- --scenario "$S/top.json"
scenario seg '{"segments": [{"duration": "1h", "volume": 11}]}'
expect_refused "unknown key, segment" "$S/seg.json|segments[0].volume" -- --scenario "$S/seg.json"
scenario ph '{"segments": [{"duration": "1h"}, {"duration": "1h", "phases": [{}, {"u": 230, "v": 1}, {}]}]}'
expect_refused "unknown key, phase" "$S/ph.json|segments[1].phases[1].v" -- --scenario "$S/ph.json"
scenario harm '{"segments": [{"duration": "1h", "phases": {"i_harmonics": [{"n": 3, "pct": 5, "ph": 0}]}}]}'
expect_refused "unknown key, harmonic" "segments[0].phases.i_harmonics[0].ph" -- --scenario "$S/harm.json"
scenario ev "{$good, \"events\": [{\"at\": \"1m\", \"type\": \"cover_open\", \"hold_s\": 1}]}"
expect_refused "unknown key, event" "$S/ev.json|events[0].hold_s" -- --scenario "$S/ev.json"
scenario cfg "{$good, \"config\": {\"flux_capacitor_gw\": 1.21}}"
expect_refused "unknown config key (never exists)" "$S/cfg.json|config.flux_capacitor_gw|not supported by this firmware" -- --scenario "$S/cfg.json"
scenario evcfg "{$good, \"events\": [{\"at\": \"1m\", \"type\": \"config\", \"config\": {\"flux_capacitor_gw\": 1}}]}"
expect_refused "unknown config key in an event" "events[0].config.flux_capacitor_gw|not supported by this firmware" -- --scenario "$S/evcfg.json"
scenario dup '{"segments": [{"duration": "1h", "duration": "2h"}]}'
expect_refused "duplicate key" "segments[0].duration|duplicate" -- --scenario "$S/dup.json"

# ---- wrong types ---------------------------------------------------------------
scenario type1 '{"segments": [{"duration": "1h", "phases": {"u": "230"}}]}'
expect_refused "string for a number" "segments[0].phases.u|must be a number" -- --scenario "$S/type1.json"
scenario type2 '{"segments": {"duration": "1h"}}'
expect_refused "object for the segments array" "segments|array" -- --scenario "$S/type2.json"
scenario type3 '{"segments": [{"duration": 3600}]}'
expect_refused "number for a duration" "segments[0].duration|must be a string" -- --scenario "$S/type3.json"
scenario type4 '[1, 2]'
expect_refused "top level not an object" "type4.json|must be a JSON object" -- --scenario "$S/type4.json"
scenario phases2 '{"segments": [{"duration": "1h", "phases": [{}, {}]}]}'
expect_refused "two phases" "segments[0].phases|one phase" -- --scenario "$S/phases2.json"

# ---- out of range ----------------------------------------------------------------
scenario r1 '{"segments": [{"duration": "1h", "phases": [{}, {"u": -5}, {}]}]}'
expect_refused "negative voltage" "segments[0].phases[1].u|out of range" -- --scenario "$S/r1.json"
scenario r2 '{"segments": [{"duration": "1h", "phases": {"i": 250}}]}'
expect_refused "current above 200 A" "segments[0].phases.i|out of range" -- --scenario "$S/r2.json"
scenario r3 '{"segments": [{"duration": "1h"}, {"duration": "1h", "frequency": 80}]}'
expect_refused "frequency 80 Hz" "segments[1].frequency|out of range" -- --scenario "$S/r3.json"
scenario r4 '{"segments": [{"duration": "1h", "phases": {"u_harmonics": [{"n": 41, "pct": 1}]}}]}'
expect_refused "harmonic order 41" "segments[0].phases.u_harmonics[0].n|2..40" -- --scenario "$S/r4.json"
scenario r5 '{"segments": [{"duration": "1h", "phases": {"i_harmonics": [{"n": 3, "pct": -1}]}}]}'
expect_refused "negative harmonic pct" "segments[0].phases.i_harmonics[0].pct" -- --scenario "$S/r5.json"
scenario r6 '{"segments": [{"duration": "1h", "phases": {"i_harmonics": [{"n": 3.5, "pct": 1}]}}]}'
expect_refused "fractional harmonic order" "i_harmonics[0].n|whole number" -- --scenario "$S/r6.json"
scenario r7 '{"segments": [{"duration": "1h", "phases": {"firing_angle": 90}}]}'
expect_refused "firing angle without phase_fired" "segments[0].phases.firing_angle|phase_fired" -- --scenario "$S/r7.json"
scenario r8 '{"segments": [{"duration": "1h", "phases": {"shape": "square"}}]}'
expect_refused "unknown shape" "segments[0].phases.shape|square" -- --scenario "$S/r8.json"

# ---- durations and times --------------------------------------------------------------
scenario d1 '{"segments": [{"duration": "1h30"}]}'
expect_refused "duration without unit" "segments[0].duration|1h30" -- --scenario "$S/d1.json"
scenario d2 '{"segments": [{"duration": "0s"}]}'
expect_refused "zero duration" "segments[0].duration|longer than 0s" -- --scenario "$S/d2.json"
scenario d3 "{$good, \"events\": [{\"at\": \"30m1h\", \"type\": \"cover_open\"}]}"
expect_refused "units out of order" "events[0].at|order" -- --scenario "$S/d3.json"
scenario t1 "{$good, \"start\": \"2026-03-29T00:00:00\"}"
expect_refused "start without offset" "$S/t1.json|start|offset" -- --scenario "$S/t1.json"
scenario t2 "{$good, \"events\": [{\"at\": \"1m\", \"type\": \"clock_set\", \"time\": \"2026-02-30T00:00:00+02:00\"}]}"
expect_refused "impossible date" "events[0].time|2026-02-30" -- --scenario "$S/t2.json"
scenario t3 "{$good, \"start\": \"2106-03-01T00:00:00+02:00\"}"
expect_refused "start beyond the clock range" "$S/t3.json|start|clock range" -- --scenario "$S/t3.json"
scenario t4 "{$good, \"start\": \"1999-12-31T00:00:00Z\"}"
expect_refused "start before the clock range" "$S/t4.json|start|clock range" -- --scenario "$S/t4.json"
scenario t5 "{$good, \"events\": [{\"at\": \"1m\", \"type\": \"clock_set\", \"time\": \"2100-01-01T00:00:00Z\"}]}"
expect_refused "clock_set beyond the clock range" "$S/t5.json|events[0].time|clock range" -- --scenario "$S/t5.json"
scenario tz "{$good, \"timezone\": \"US\"}"
expect_refused "unknown timezone" "timezone|US" -- --scenario "$S/tz.json"

# ---- events ---------------------------------------------------------------------------
scenario e1 "{$good, \"events\": [{\"at\": \"1m\", \"type\": \"earthquake\"}]}"
expect_refused "unknown event type" "$S/e1.json|events[0].type|earthquake" -- --scenario "$S/e1.json"
scenario e2 "{$good, \"events\": [{\"at\": \"1m\", \"type\": \"cover_open\"}, {\"at\": \"2m\", \"type\": \"button\"}]}"
expect_refused "button without its button" "events[1].button|missing" -- --scenario "$S/e2.json"
scenario e3 "{$good, \"events\": [{\"at\": \"1m\", \"type\": \"outage\"}]}"
expect_refused "outage without duration" "events[0].duration|missing" -- --scenario "$S/e3.json"
scenario e4 "{$good, \"events\": [{\"at\": \"10m\", \"type\": \"outage\", \"duration\": \"5m\"}, {\"at\": \"12m\", \"type\": \"outage\", \"duration\": \"1m\"}]}"
expect_refused "overlapping outages" "events[1]|outage" -- --scenario "$S/e4.json"
scenario e5 "{$good, \"events\": [{\"at\": \"1m\", \"type\": \"remote\", \"command\": \"self_destruct\"}]}"
expect_refused "unknown remote command" "events[0].command|self_destruct" -- --scenario "$S/e5.json"
scenario e6 "{$good, \"events\": [{\"at\": \"1m\", \"type\": \"remote\", \"command\": \"billing_reset\", \"kwh\": 5}]}"
expect_refused "kwh without topup" "events[0].kwh|topup" -- --scenario "$S/e6.json"
scenario e7 "{$good, \"events\": [{\"at\": \"1m\", \"type\": \"button\", \"button\": \"red\"}]}"
expect_refused "unknown button" "events[0].button|red" -- --scenario "$S/e7.json"

# ---- files and syntax -------------------------------------------------------------------
printf '{"segments": [{"duration": "1h"}],\n' > "$S/syntax.json"
expect_refused "JSON syntax error" "$S/syntax.json|line 2|not valid JSON" -- --scenario "$S/syntax.json"
expect_refused "missing scenario file" "$S/nope.json|cannot open" -- --scenario "$S/nope.json"
: > "$S/empty.json"
expect_refused "empty scenario file" "$S/empty.json|not valid JSON" -- --scenario "$S/empty.json"

# ---- command line ----------------------------------------------------------------------------
expect_refused "unknown option" "command line|--bogus" -- --bogus
expect_refused "positional argument" "command line|household.json" -- household.json
expect_refused "bad feed" "command line|--feed|turbo" -- --feed turbo
expect_refused "bad --until" "command line|--until|5x" -- --until 5x
expect_refused "--until time without offset" "command line|--until|offset" -- --until 2026-03-29T00:00:00
expect_refused "bad seed" "command line|--seed|-1" -- --seed -1
expect_refused "option without its value" "command line|--scenario needs a value" -- --scenario
# refusals after an option allocated something (a replay file, a port):
# nothing may leak (the sanitize build runs this suite under LeakSanitizer)
expect_refused "missing replay file" "command line|--replay|$TMP/nope.wav" -- --replay "$TMP/nope.wav"
python3 -c "
import wave
w = wave.open('$TMP/ch4.wav', 'wb'); w.setnchannels(4); w.setsampwidth(2); w.setframerate(8000); w.writeframes(bytes(80)); w.close()"
expect_refused "replay file with 4 channels" "command line|--replay|4 channels" -- --replay "$TMP/ch4.wav"
expect_refused "bad --replay-scale" "command line|--replay-scale|VOLTS,AMPS" -- --replay-scale 230
expect_refused "bad option after --optical" "command line|--bogus" -- --optical tcp:47999 --bogus
expect_refused "bad option after --replay-scale" "command line|--bogus" -- --replay-scale 400,50 --bogus

# ---- state file ------------------------------------------------------------------------------
head -c 1000 /dev/zero > "$TMP/state.eeprom"
expect_refused "wrong-size state file (unchanged)" "$TMP/state.eeprom|wrong size|1000" -- --scenario "$SRC/scenarios/lab_point.json"
rm -f "$TMP/state.eeprom"
set +e
"$SIM" --scenario "$SRC/scenarios/lab_point.json" --fast --until 1m --state "$TMP/no/such/dir/x.eeprom" >/dev/null 2>"$TMP/err"
rc=$?
set -e
if [ $rc -eq 2 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -qF "$TMP/no/such/dir/x.eeprom" "$TMP/err" && [ ! -e "$TMP/no" ]; then
  ok "state file in a missing directory: $(cat "$TMP/err")"
else
  bad "state file in a missing directory: rc $rc, $(cat "$TMP/err")"
fi
# a valid state file stays byte-identical when the scenario is bad
"$SIM" --scenario "$SRC/scenarios/lab_point.json" --fast --until 1m --state "$TMP/state.eeprom" >/dev/null
[ -e "$TMP/state.eeprom" ] && ok "state file created by a good run" || bad "no state file after a good run"
expect_refused "bad scenario leaves an existing state file alone" "$S/r1.json|segments[0].phases[1].u" -- --scenario "$S/r1.json"
expect_refused "bad scenario with a port and a replay scale (nothing leaks)" "$S/r1.json|segments[0].phases[1].u" -- --scenario "$S/r1.json" --optical tcp:47998 --replay-scale 400,50
rm -f "$TMP/state.eeprom"

# ---- things that succeed -------------------------------------------------------------------------
if "$SIM" --help | grep -q -- "--until" ; then ok "--help"; else bad "--help"; fi
set +e
out=$("$SIM" --scenario "$SRC/scenarios/lab_point.json" --fast --until 2020-01-01T00:00:00Z --json 2>"$TMP/err")
rc=$?
set -e
secs=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sim_seconds"])' 2>/dev/null || echo "?")
if [ $rc -eq 0 ] && [ "$secs" = 0 ]; then ok "--until in the past ends at once (exit 0, 0 s simulated)"; else bad "--until in the past: rc $rc, sim_seconds $secs"; fi
python3 -c "
import wave
w = wave.open('$TMP/empty.wav', 'wb'); w.setnchannels(6); w.setsampwidth(2); w.setframerate(4000); w.close()"
set +e
out=$("$SIM" --replay "$TMP/empty.wav" --fast --json 2>"$TMP/err")
rc=$?
set -e
secs=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sim_seconds"])' 2>/dev/null || echo "?")
if [ $rc -eq 0 ] && [ "$secs" = 0 ]; then ok "a replay file without frames ends at once (0 s simulated)"; else bad "empty replay file: rc $rc, sim_seconds $secs, $(cat "$TMP/err")"; fi
out=$("$SIM" --scenario "$SRC/scenarios/lab_point.json" --fast --until=2026-06-01T12:10:00+02:00 --json --feed=blocks)
secs=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sim_seconds"])')
[ "$secs" = 600 ] && ok "--until ISO time (option=value form): 600 s" || bad "--until ISO time: $secs s"

# ---- the factory serial number (SIMULATOR.md: config key `serial`, default 12345678) ----
sn=$("$SIM" --scenario "$SRC/scenarios/lab_point.json" --fast --until 1m --json --feed blocks |
     python3 -c 'import json,sys; print(json.load(sys.stdin)["registers"]["0.0.0"]["value"])')
[ "$sn" = 12345678 ] && ok "factory serial number 12345678" || bad "factory serial number: $sn"
scenario sn "{$good, \"config\": {\"serial\": \"00004711\"}}"
rm -f "$TMP/sn.eeprom"
sn=$("$SIM" --scenario "$S/sn.json" --fast --until 1m --json --feed blocks --state "$TMP/sn.eeprom" |
     python3 -c 'import json,sys; print(json.load(sys.stdin)["registers"]["0.0.0"]["value"])')
[ "$sn" = 00004711 ] && ok "serial number from the scenario's config" || bad "config serial: $sn"
sn=$("$SIM" --scenario "$SRC/scenarios/lab_point.json" --fast --until 1m --json --feed blocks --state "$TMP/sn.eeprom" |
     python3 -c 'import json,sys; print(json.load(sys.stdin)["registers"]["0.0.0"]["value"])')
[ "$sn" = 00004711 ] && ok "a resumed meter keeps its serial number" || bad "resumed serial: $sn"
scenario sn2 "{$good, \"config\": {\"serial\": \"00004712\"}}"
set +e
"$SIM" --scenario "$S/sn2.json" --fast --until 1m --state "$TMP/sn.eeprom" >/dev/null 2>"$TMP/err"
rc=$?
set -e
if [ $rc -ne 0 ] && grep -q "serial.*factory.*sealed.*00004711" "$TMP/err"; then
  ok "another serial number for a resumed meter is refused: $(cat "$TMP/err")"
else
  bad "serial change on resume: rc $rc, $(cat "$TMP/err")"
fi
scenario sn3 "{$good, \"config\": {\"serial\": \"12-34\"}}"
expect_refused "serial number not digits" "$S/sn3.json|config.serial|decimal digits" -- --scenario "$S/sn3.json"

finish
