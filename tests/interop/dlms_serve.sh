#!/usr/bin/env bash
# trimeter-sim --rs485 pty:PATH --dlms tcp:0 served to the project's own
# DLMS client (tests/interop/dlms_client.py, stdlib only): HDLC on the pty,
# the wrapper on two TCP connections at once.
# Usage: dlms_serve.sh TRIMETER_SIM SOURCE_DIR
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
"$sim" --headless --feed blocks --until 60s --rs485 "pty:$dir/tty" --dlms tcp:0 > /dev/null 2> "$dir/sim.err" &
simpid=$!
port=""
for _ in $(seq 1 100); do
    port=$(sed -n 's/.*dlms port on tcp 127.0.0.1:\([0-9]*\).*/\1/p' "$dir/sim.err")
    [ -e "$dir/tty" ] && [ -n "$port" ] && break
    sleep 0.1
done
[ -e "$dir/tty" ] && [ -n "$port" ] || { echo "dlms_serve: no pty or port" >&2; cat "$dir/sim.err" >&2; exit 1; }
timeout 50 /usr/bin/python3 "$src/tests/interop/dlms_client.py" "$dir/tty" "$port"
