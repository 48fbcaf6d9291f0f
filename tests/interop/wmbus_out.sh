#!/usr/bin/env bash
# The wireless M-Bus radio through the simulator: `--wmbus FILE` in each
# mode and security setting (C1 and T1, Kamstrup ELL AES-CTR with compact
# frames, OMS modes 5 and 7, the OMNIPOWER layout), decoded by wmbus_decode.js
# with Node.js's own AES; the interval must hold (one telegram per 16 s of
# simulated time), the records must equal the --json report.
# Usage: wmbus_out.sh TRIMETER_SIM SOURCE_DIR
set -euo pipefail
sim=$1
src=$2
command -v node >/dev/null || { echo "wmbus: node not installed" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
key=2B7E151628AED2A6ABF7158809CF4F3C
run() { # name, extra config JSON
    cat > "$dir/$1.json" <<JSON
{"start": "2026-03-29T00:00:00+02:00", "timezone": "EU",
 "config": {"serial": "12345678"$2},
 "segments": [{"duration": "50s", "phases": [{"u": 230.0, "i": 20.0, "phi": 0}]},
              {"duration": "1h", "phases": [{"u": 230.0, "i": 0.0}]}]}
JSON
    "$sim" --scenario "$dir/$1.json" --fast --feed blocks --until 160s --state "$dir/$1.img" \
        --wmbus "$dir/$1.hex" --json > "$dir/$1.sim.json" 2> "$dir/$1.err" || { cat "$dir/$1.err" >&2; exit 1; }
    node "$src/tests/interop/wmbus_decode.js" "$dir/$1.hex" "$key" 12345678 > "$dir/$1.dec.json"
    node -e '
const d = require(process.argv[1]), s = require(process.argv[2]), name = process.argv[3];
let bad = 0;
const want = {telegrams: 11}; // 0, 16, ... 160 s
if (d.telegrams !== want.telegrams) { console.log("FAIL " + name + " telegrams " + d.telegrams); bad++; }
if (name === "c1" && !(d.compact > 0 && d.full > 0)) { console.log("FAIL c1: full and compact frames expected"); bad++; }
if ((name === "full" || name === "oms5" || name === "oms7") && d.compact !== 0) { console.log("FAIL " + name + ": compact frames"); bad++; }
for (const k of ["1.8.0", "2.8.0", "1.7.0", "2.7.0"]) {
    const ok = d.last[k] !== undefined && Math.abs(d.last[k] - s.registers[k].value) < 1e-9;
    console.log((ok ? "ok   " : "FAIL ") + name + " " + k + ": wm-bus " + d.last[k] + " json " + s.registers[k].value);
    if (!ok) bad++;
}
process.exit(bad ? 1 : 0);' "$dir/$1.dec.json" "$dir/$1.sim.json" "$1"
}
run c1 ''
run t1 ', "wmbus_mode": "T1"'
run oms5 ', "wmbus_security": "oms_mode5"'
run oms7 ', "wmbus_security": "oms_mode7"'
run kam ', "mbus_manufacturer": "KAM"'
run full ', "wmbus_compact": 0'
echo "wM-Bus output decoded in 6 settings"
