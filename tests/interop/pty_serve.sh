#!/usr/bin/env bash
# trimeter-sim --optical pty:PATH served to a serial client (python3 stdlib):
# IEC 62056-21 readout then KMP on the same pty.
# Usage: pty_serve.sh TRIMETER_SIM SOURCE_DIR
set -euo pipefail
sim=$1
src=$2
dir=$(mktemp -d)
simpid=""
cleanup() {
    [ -n "$simpid" ] && kill "$simpid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
"$sim" --headless --feed blocks --until 20s --optical "pty:$dir/tty" > /dev/null 2> "$dir/sim.err" &
simpid=$!
for _ in $(seq 1 100); do [ -e "$dir/tty" ] && break; sleep 0.1; done
[ -e "$dir/tty" ] || { echo "pty_serve: no pty" >&2; cat "$dir/sim.err" >&2; exit 1; }
timeout 30 /usr/bin/python3 "$src/tests/interop/pty_client.py" "$dir/tty"
