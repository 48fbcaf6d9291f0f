#!/usr/bin/env bash
# Real-time modes: without a terminal the simulator runs headless in real
# time; --fast wins over real time; SIGTERM ends a run cleanly; with a
# terminal (a pty from script(1)) it is the interactive meter: it draws its
# screen, takes keys, keeps its state in $XDG_STATE_HOME/trimeter/ and quits
# on q.
# Usage: realtime.sh path/to/trimeter-sim source-dir
SIM=$1 SRC=$2
. "$(dirname "$0")/lib.sh"
lab="$SRC/scenarios/lab_point.json"
secs() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sim_seconds"])' "$1"; }

# no terminal, no --fast: headless real time (3 simulated seconds take >= ~3 s)
t0=$(date +%s%N)
"$SIM" --scenario "$lab" --until 3s --json < /dev/null > "$TMP/h.json"
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
if [ "$(secs "$TMP/h.json")" = 3 ] && [ $ms -ge 2500 ]; then
  ok "no terminal: headless real time (3 s simulated in $ms ms)"
else
  bad "headless: $(secs "$TMP/h.json") s simulated in $ms ms"
fi

# --fast wins over --headless (an hour would otherwise take an hour)
timeout 60 "$SIM" --scenario "$lab" --headless --fast --until 1h --feed blocks --json > "$TMP/f.json" < /dev/null
[ "$(secs "$TMP/f.json")" = 3600 ] && ok "--fast wins over --headless" || bad "--fast --headless"

# SIGTERM: clean end, exit 0, the report of what ran
"$SIM" --scenario "$lab" --headless --until 1h --json --state "$TMP/term.eeprom" > "$TMP/t.json" 2> "$TMP/t.err" < /dev/null &
pid=$!
sleep 1.5
kill -TERM $pid
set +e
wait $pid
rc=$?
set -e
s=$(secs "$TMP/t.json" 2>/dev/null || echo none)
if [ $rc -eq 0 ] && [ "$s" != none ] && [ "$s" -ge 1 ] && [ "$s" -le 5 ]; then
  ok "SIGTERM ends a headless run cleanly (exit 0, $s s simulated)"
else
  bad "SIGTERM: exit $rc, simulated $s, stderr $(cat "$TMP/t.err")"
fi

# the same state file is locked while a simulator uses it
"$SIM" --scenario "$lab" --headless --until 1h --state "$TMP/lock.eeprom" < /dev/null > /dev/null &
pid=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -e "$TMP/lock.eeprom" ] && break; sleep 0.2; done
sleep 0.3
set +e
"$SIM" --scenario "$lab" --fast --until 1m --state "$TMP/lock.eeprom" > /dev/null 2> "$TMP/lock.err"
rc=$?
set -e
kill -TERM $pid
wait $pid || true
if [ $rc -eq 1 ] && grep -q "in use" "$TMP/lock.err"; then ok "a state file in use is refused: $(cat "$TMP/lock.err")"; else bad "lock: exit $rc $(cat "$TMP/lock.err")"; fi

# interactive on a pty: screen, keys, default state path, q quits
if command -v script > /dev/null; then
  mkdir -p "$TMP/xdg"
  set +e
  (sleep 1.5; printf 'c'; sleep 0.6; printf 'q') |
    XDG_STATE_HOME="$TMP/xdg" timeout 30 script -qec "'$SIM' --scenario '$lab'" /dev/null > "$TMP/tty.out" 2>&1
  rc=$?
  set -e
  if [ $rc -eq 0 ]; then ok "interactive: q quits with exit 0"; else bad "interactive: exit $rc"; fi
  grep -q "trimeter virtual meter" "$TMP/tty.out" && ok "interactive: screen drawn" || bad "interactive: no screen"
  grep -q "COVER-OPEN" "$TMP/tty.out" && ok "interactive: key c opens the cover" || bad "interactive: key c"
  grep -q "Voltage L1" "$TMP/tty.out" && ok "interactive: registers shown" || bad "interactive: registers"
  if [ "$(stat -c %s "$TMP/xdg/trimeter/meter.eeprom" 2>/dev/null)" = 524288 ]; then
    ok "interactive: state in \$XDG_STATE_HOME/trimeter/meter.eeprom"
  else
    bad "interactive: no state file in \$XDG_STATE_HOME/trimeter"
  fi
else
  bad "script(1) missing (bsdutils)"
fi
finish
