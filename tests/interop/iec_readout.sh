#!/usr/bin/env bash
# Interop: an independent IEC 62056-21 client (npm smartmeter-obis 4.0.0,
# installed by scripts/deps.sh into .cache/node) reads the virtual meter's
# mode C readout through a socat pty bridged to `trimeter-sim --optical
# tcp:PORT`; every data set it parses must equal the simulator's own
# --json report of the same meter at the end of the run.
# Usage: iec_readout.sh TRIMETER_SIM SOURCE_DIR
set -euo pipefail
sim=$1
src=$2
mods="$src/.cache/node/node_modules"
if [ ! -d "$mods/smartmeter-obis" ]; then
    echo "interop: $mods/smartmeter-obis missing (run scripts/deps.sh)" >&2
    exit 1
fi
for tool in node socat; do
    command -v $tool >/dev/null || { echo "interop: $tool not installed" >&2; exit 1; }
done
dir=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

# 6 s of load (3 x 230 V x 100 A) with an end of billing after 3 s (so the
# readout carries *01 history values), then no current: the registers stand
# still while the client reads and until the report is written.
cat > "$dir/sc.json" <<'JSON'
{"start": "2026-03-29T00:00:00+02:00", "timezone": "EU",
 "segments": [
   {"duration": "6s", "phases": [{"u": 230.0, "i": 100.0, "phi": 0}]},
   {"duration": "1h", "phases": [{"u": 230.0, "i": 0.0}]}],
 "events": [{"at": "3s", "type": "remote", "command": "billing_reset"}]}
JSON
"$sim" --scenario "$dir/sc.json" --headless --feed blocks --until 25s --optical tcp:0 --json \
    > "$dir/sim.json" 2> "$dir/sim.err" &
pids+=($!)
simpid=$!
port=""
for _ in $(seq 1 100); do
    port=$(grep -o 'tcp 127.0.0.1:[0-9]*' "$dir/sim.err" 2>/dev/null | cut -d: -f2 || true)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "interop: simulator did not open its optical port" >&2; cat "$dir/sim.err" >&2; exit 1; }
sleep 8 # past the load segment

socat "pty,link=$dir/tty,raw,echo=0" "tcp:127.0.0.1:$port" 2> "$dir/socat.err" &
pids+=($!)
for _ in $(seq 1 50); do [ -e "$dir/tty" ] && break; sleep 0.1; done
[ -e "$dir/tty" ] || { echo "interop: socat pty missing" >&2; cat "$dir/socat.err" >&2; exit 1; }

timeout 60 node "$src/tests/interop/read_iec.js" "$dir/tty" "$mods" > "$dir/readout.json"
echo "readout parsed by smartmeter-obis: $(wc -c < "$dir/readout.json") bytes"

wait "$simpid" || { echo "interop: simulator failed" >&2; cat "$dir/sim.err" >&2; exit 1; }
node "$src/tests/interop/compare.js" "$dir/readout.json" "$dir/sim.json"
