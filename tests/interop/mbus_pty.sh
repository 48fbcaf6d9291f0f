#!/usr/bin/env bash
# trimeter-sim --mbus pty:PATH served to a serial M-Bus master (python3
# stdlib): readout, repeat, silence, baud change honoured on the pty.
# Usage: mbus_pty.sh TRIMETER_SIM SOURCE_DIR
set -euo pipefail
sim=$1
src=$2
dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
"$sim" --headless --feed blocks --until 40s --state "$dir/st.img" --mbus "pty:$dir/tty" > /dev/null 2> "$dir/sim.err" &
pid=$!
for _ in $(seq 1 50); do [ -e "$dir/tty" ] && break; sleep 0.1; done
[ -e "$dir/tty" ] || { echo "mbus_pty: no pty" >&2; cat "$dir/sim.err" >&2; exit 1; }
timeout 35 /usr/bin/python3 "$src/tests/interop/mbus_pty_client.py" "$dir/tty"
