#!/usr/bin/env bash
# The household scenario, one simulated day: valid JSON with every contract
# key, and reference energies (and, with the exact blocks feed, the energy
# registers) equal to a hand calculation from the scenario file.
# Usage: household.sh path/to/trimeter-sim source-dir
SIM=$1 SRC=$2
. "$(dirname "$0")/lib.sh"
"$SIM" --scenario "$SRC/scenarios/household.json" --fast --until 1d --feed blocks --json > "$TMP/day.json"
if /usr/bin/python3 -m json.tool "$TMP/day.json" > /dev/null; then ok "json.tool parses the report"; else bad "json.tool"; fi
if /usr/bin/python3 "$(dirname "$0")/check_json.py" "$TMP/day.json" "$SRC/scenarios/household.json" 86400 --exact; then
  ok "household day: contract keys, reference = hand calculation, registers exact"
else
  bad "household day"
fi
t=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["time"])' "$TMP/day.json")
[ "$t" = "2026-03-30T01:00:00+03:00" ] && ok "time after a day across the DST switch: $t" || bad "time $t"
# two days: the segments repeat
"$SIM" --scenario "$SRC/scenarios/household.json" --fast --until 2d --json > "$TMP/two.json"
if /usr/bin/python3 "$(dirname "$0")/check_json.py" "$TMP/two.json" "$SRC/scenarios/household.json" 172800 --exact; then
  ok "two days (auto feed = blocks beyond 24 h): segments repeat"
else
  bad "two days"
fi
f=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["feed"])' "$TMP/two.json")
[ "$f" = blocks ] && ok "auto feed beyond 24 h is blocks" || bad "auto feed beyond 24 h is $f"
# every example scenario runs to its end and matches its hand calculation
for s in lab_point power_factor harmonics; do
  secs=$(python3 -c 'import json,re,sys; print(sum(int(n)*{"d":86400,"h":3600,"m":60,"s":1}[u] for seg in json.load(open(sys.argv[1]))["segments"] for n,u in re.findall(r"(\d+)([dhms])", seg["duration"])))' "$SRC/scenarios/$s.json")
  "$SIM" --scenario "$SRC/scenarios/$s.json" --fast --feed blocks --json > "$TMP/$s.json"
  if /usr/bin/python3 "$(dirname "$0")/check_json.py" "$TMP/$s.json" "$SRC/scenarios/$s.json" "$secs" --exact > "$TMP/$s.log"; then
    ok "scenarios/$s.json: reference and registers = hand calculation"
  else
    cat "$TMP/$s.log"; bad "scenarios/$s.json"
  fi
done
finish
