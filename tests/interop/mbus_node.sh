#!/usr/bin/env bash
# Interop: an independent M-Bus master (npm node-mbus 2.2.6 = libmbus bound
# to Node.js, installed by scripts/deps.sh into .cache/node) reads the
# virtual meter's M-Bus port (`trimeter-sim --mbus tcp:PORT`) at its primary
# address (a multi-telegram readout), finds it by a wildcard secondary-
# address scan and reads it again by the address found; every record it
# decodes must carry the documented unit and the value of the simulator's
# own --json report of the same meter at the end of the run.
# Usage: mbus_node.sh TRIMETER_SIM SOURCE_DIR
set -euo pipefail
sim=$1
src=$2
mods="$src/.cache/node/node_modules"
if [ ! -d "$mods/node-mbus/build/Release" ]; then
    echo "interop: $mods/node-mbus (built) missing (run scripts/deps.sh)" >&2
    exit 1
fi
command -v node >/dev/null || { echo "interop: node not installed" >&2; exit 1; }
dir=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

# 6 s of load (3 x 230 V x 100 A) with an end of billing after 3 s (so the
# readout carries storage-number-1 values), then no current: the registers
# stand still while the master reads and until the report is written. The
# primary address is not the factory one (a configured key is used).
cat > "$dir/sc.json" <<'JSON'
{"start": "2026-03-29T00:00:00+02:00", "timezone": "EU",
 "config": {"serial": "12345678", "mbus_primary_address": 7},
 "segments": [
   {"duration": "6s", "phases": [{"u": 230.0, "i": 100.0, "phi": 0}]},
   {"duration": "1h", "phases": [{"u": 230.0, "i": 0.0}]}],
 "events": [{"at": "3s", "type": "remote", "command": "billing_reset"}]}
JSON
"$sim" --scenario "$dir/sc.json" --headless --feed blocks --until 70s --mbus tcp:0 --state "$dir/st.img" --json \
    > "$dir/sim.json" 2> "$dir/sim.err" &
pids+=($!)
simpid=$!
port=""
for _ in $(seq 1 100); do
    port=$(grep -o 'mbus port on tcp 127.0.0.1:[0-9]*' "$dir/sim.err" 2>/dev/null | cut -d: -f2 || true)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "interop: simulator did not open its M-Bus port" >&2; cat "$dir/sim.err" >&2; exit 1; }
sleep 8 # past the load segment

timeout 120 node "$src/tests/interop/read_mbus.js" "$port" 7 "$mods" > "$dir/read.json"
echo "node-mbus read $(wc -c < "$dir/read.json") bytes of JSON"

wait "$simpid" || { echo "interop: simulator failed" >&2; cat "$dir/sim.err" >&2; exit 1; }
node "$src/tests/interop/mbus_compare.js" "$dir/read.json" "$dir/sim.json" 12345678
