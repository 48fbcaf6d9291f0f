#!/usr/bin/env bash
# The project's DLMS client against the virtual meter: 8 h of history
# (load profile at 15 min with A+ A- R+ R-, a billing end, a tamper event)
# run fast into a state file, then the meter resumes headless without load
# (registers stand still) and serves the wrapper (--dlms), HDLC on the
# serial module port (--rs485) and on the optical head (--optical). Reads:
# public / LLS / HLS-GMAC (twice, counters read first by the public client),
# the view and every readable attribute, the load profile by clock range,
# the billing history, refusals (wrong password, replayed counter); then
# check.js compares with the simulator's --json report.
# Usage: dlms_sim.sh TRIMETER_SIM SOURCE_DIR
set -euo pipefail
sim=$1
src=$2
client="$src/tests/dlms/dlms_client.js"
command -v node >/dev/null || { echo "dlms: node not installed" >&2; exit 1; }
dir=$(mktemp -d)
simpid=""
cleanup() {
    [ -n "$simpid" ] && kill "$simpid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

cat > "$dir/hist.json" <<'JSON'
{"start": "2026-04-14T00:00:00+02:00", "timezone": "EU",
 "config": {"serial": "12345678", "profile_period_min": 15, "profile_channels": "A+,A-,R+,R-"},
 "segments": [{"duration": "5h", "phases": [{"u": 230.0, "i": 6.0, "phi": 25}]},
              {"duration": "3h", "phases": [{"u": 230.0, "i": 3.0, "phi": 170}]}],
 "events": [{"at": "4h", "type": "remote", "command": "billing_reset"},
            {"at": "5h", "type": "cover_open"}, {"at": "5h10m", "type": "cover_close"}]}
JSON
cat > "$dir/idle.json" <<'JSON'
{"start": "2026-04-14T00:00:00+02:00", "timezone": "EU",
 "segments": [{"duration": "1h", "phases": [{"u": 230.0, "i": 0.0}]}]}
JSON
"$sim" --scenario "$dir/hist.json" --fast --feed blocks --until 8h --state "$dir/m.eeprom" > /dev/null
"$sim" --scenario "$dir/idle.json" --headless --feed blocks --state "$dir/m.eeprom" --until 200s \
    --dlms tcp:0 --rs485 tcp:0 --optical tcp:0 --json > "$dir/sim.json" 2> "$dir/sim.err" &
simpid=$!
port() { grep -o "$1 port on tcp 127.0.0.1:[0-9]*" "$dir/sim.err" 2>/dev/null | sed 's/.*://' || true; }
for _ in $(seq 1 100); do
    [ -n "$(port dlms)" ] && [ -n "$(port rs485)" ] && [ -n "$(port optical)" ] && break
    sleep 0.1
done
w=127.0.0.1:$(port dlms); s=127.0.0.1:$(port rs485); o=127.0.0.1:$(port optical)
[ "$w" != 127.0.0.1: ] && [ "$s" != 127.0.0.1: ] && [ "$o" != 127.0.0.1: ] ||
    { echo "dlms: the simulator did not open its ports" >&2; cat "$dir/sim.err" >&2; exit 1; }

run() {
    local out=$1 t0=$SECONDS; shift
    timeout 60 node "$client" "$@" > "$dir/$out.json" || { echo "dlms: $out failed" >&2; exit 1; }
    echo "dlms: $out $((SECONDS - t0)) s"
}
regs="--get 3:1-0:1.8.0*255:2 --get 3:1-0:1.8.0*255:3 --get 3:1-0:2.8.0*255:2 --get 3:1-0:3.8.0*255:2 --get 1:0-0:42.0.0*255:2 --get 1:0-0:96.1.0*255:2"
prof="--profile 1-0:99.1.0*255 2026-04-14T00:00+03:00 2026-04-14T09:00+03:00"
run w_pub --wrapper "$w" --client 16 $regs --view
run w_lls --wrapper "$w" --client 17 --password 12345678 --read-all
run w_hls --wrapper "$w" --client 1 --ic-from-public $regs $prof --entries 0-0:98.1.0*255 1 0 --entries 0-0:99.98.6*255 1 0
run w_hls2 --wrapper "$w" --client 1 --ic-from-public --read-all
run w_replay --wrapper "$w" --client 1 --ic 0 --expect-refused
run w_badpw --wrapper "$w" --client 17 --password 00000000 --expect-refused
run s_lls --hdlc "$s" --client 17 --password 12345678 $regs $prof
run s_pub --hdlc "$s" --client 16 --info 128 --max-pdu 256 $prof
run o_hls --hdlc "$o" --client 1 --ic-from-public $regs $prof --entries 0-0:98.1.0*255 1 0
run o_pub --hdlc "$o" --client 16 --read-all
# the registers stood still meanwhile: end the simulator now (it reports on SIGTERM)
kill -TERM "$simpid"
wait "$simpid" || { echo "dlms: simulator failed" >&2; cat "$dir/sim.err" >&2; exit 1; }
simpid=""
node "$src/tests/dlms/check.js" "$dir"
