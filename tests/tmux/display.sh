#!/usr/bin/env bash
# The interactive simulator in tmux: what the terminal LCD shows.
#   1. the automatic list scrolls: 1.8.0 -> 32.7.0 -> 0.9.1, 10 s of meter
#      time per reading, each value decoded from its 7-segment drawing
#      (the voltage reads 230 V, the clock reading is the header's time);
#   2. the display button ('d') switches to the manual list and steps
#      through it in the configured order;
#   3. the disconnector button ('b') and the cover ('c') change the
#      symbols; 'q' quits cleanly and leaves the EEPROM image.
# Usage: display.sh path/to/trimeter-sim source-dir
set -euo pipefail
sim=$1
src=$2
here="$src/tests/tmux"
tmp=$(mktemp -d)
sock="trimeter-ui-tmux-$$"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
cleanup() {
    tmux -L "$sock" kill-server 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    echo "--- screen:" >&2
    tmux -L "$sock" capture-pane -p -t ui 2>/dev/null >&2 || true
    exit 1
}
screen() { tmux -L "$sock" capture-pane -p -t ui; }
lcd() { screen | /usr/bin/python3 "$here/lcd_decode.py"; }
field() { /usr/bin/python3 -c 'import json,sys; d=json.loads(sys.argv[1]); v=d[sys.argv[2]]; print(" ".join(v) if isinstance(v, list) else v)' "$1" "$2"; }

tmux -L "$sock" -f /dev/null new-session -d -s ui -x 110 -y 50 \
    "$sim --scenario $here/display.json --state $tmp/meter.eeprom; echo EXITED \$?; sleep 30"

# Up and drawing (bounded: 15 s).
for _ in $(seq 150); do
    screen | grep -q "╔" && break
    sleep 0.1
done
screen | grep -q "╔" || fail "no LCD on the screen"

# 1. Automatic scroll. Watch the decoded identifier and note the meter
#    time at each change (bounded: 45 s of wall time).
declare -a ids times
last=""
for _ in $(seq 450); do
    d=$(lcd) || fail "undecodable screen"
    id=$(field "$d" id)
    if [ "$id" != "$last" ]; then
        ids+=("$id")
        times+=("$(field "$d" time)")
        last=$id
        case "$id" in
        32.7.0)
            v=$(field "$d" value); u=$(field "$d" unit)
            [ "$u" = "V" ] || fail "32.7.0 unit '$u'"
            awk -v v="$v" 'BEGIN { exit !(v > 228 && v < 232) }' || fail "32.7.0 shows '$v' V"
            ;;
        1.8.0)
            [ "$(field "$d" unit)" = "kWh" ] || fail "1.8.0 without kWh"
            ;;
        0.9.1)
            # The clock reading is the meter's local time (hh:mm:ss).
            v=$(field "$d" value); t=$(field "$d" time)
            [[ "$v" =~ ^[0-9]{2}:[0-9]{2}:[0-9]{2}$ ]] || fail "0.9.1 shows '$v'"
            [ "${v:0:5}" = "${t:11:5}" ] || fail "0.9.1 shows $v at $t"
            ;;
        esac
        [ "$(field "$d" mode)" = "auto" ] || fail "mode $(field "$d" mode) while scrolling"
    fi
    [ ${#ids[@]} -ge 4 ] && break
    sleep 0.1
done
[ ${#ids[@]} -ge 4 ] || fail "the automatic list did not scroll: ${ids[*]}"
# The order of the configured list, wrapping around.
seq_ok=0
for start in 0 1 2; do
    want=("1.8.0" "32.7.0" "0.9.1" "1.8.0" "32.7.0" "0.9.1")
    if [ "${ids[1]}" = "${want[$start + 1]}" ] && [ "${ids[2]}" = "${want[$start + 2]}" ] &&
        [ "${ids[3]}" = "${want[$start + 3]}" ]; then seq_ok=1; fi
done
[ $seq_ok = 1 ] || fail "automatic list order: ${ids[*]}"
# 10 s of meter time between changes (the first change may be partial).
for k in 2 3; do
    a=$(date -d "${times[$k - 1]}" +%s); b=$(date -d "${times[$k]}" +%s)
    gap=$((b - a))
    [ $gap -ge 9 ] && [ $gap -le 11 ] || fail "reading ${ids[$k]} after ${gap} s (${times[*]})"
done
echo "automatic: ${ids[*]} at ${times[*]}"

# The annunciators of a balanced 3 x 5 A import, PF 0.87 inductive (Q1).
d=$(lcd)
sym=" $(field "$d" symbols) "
for s in L1 L2 L3 "1>" "2>" "3>" 123 Q1; do
    [[ "$sym" == *" $s "* ]] || fail "symbol $s missing: $sym"
done
[[ "$sym" == *"─o━━o─"* ]] || fail "disconnector closed symbol missing: $sym"

# 2. The manual list, in its order, one press each.
want=(1.8.0 2.8.0 3.8.0 4.8.0 1.8.1)
for k in "${!want[@]}"; do
    tmux -L "$sock" send-keys -t ui d
    ok=0
    for _ in $(seq 30); do
        d=$(lcd)
        if [ "$(field "$d" mode)" = manual ] && [ "$(field "$d" item)" = $((k + 1)) ]; then ok=1; break; fi
        sleep 0.1
    done
    [ $ok = 1 ] || fail "press $((k + 1)) did not show manual reading $((k + 1))"
    [ "$(field "$d" id)" = "${want[$k]}" ] || fail "manual reading $((k + 1)) is $(field "$d" id), want ${want[$k]}"
    [ "$(field "$d" unit)" != "" ] || fail "manual ${want[$k]} without a unit"
done
echo "manual: ${want[*]}"
# Still manual a few seconds later (no scrolling in manual).
sleep 3
d=$(lcd)
[ "$(field "$d" mode)" = manual ] && [ "$(field "$d" id)" = 1.8.1 ] || fail "manual list moved on its own"

# 3. Disconnector button and cover.
tmux -L "$sock" send-keys -t ui b
sleep 1
d=$(lcd)
[[ "$(field "$d" symbols)" == *"─o╱"* ]] || fail "no open-disconnector symbol after 'b'"
[ "$(field "$d" relay)" = OPEN ] || fail "relay not open after 'b'"
tmux -L "$sock" send-keys -t ui c
sleep 1
sym=" $(field "$(lcd)" symbols) "
[[ "$sym" == *" COVER "* && "$sym" == *" ERR "* ]] || fail "cover open: symbols $sym"

tmux -L "$sock" send-keys -t ui q
for _ in $(seq 50); do
    screen | grep -q "EXITED" && break
    sleep 0.1
done
screen | grep -q "EXITED 0" || fail "q did not quit cleanly"
[ -s "$tmp/meter.eeprom" ] || fail "no EEPROM image after q"
echo "PASS"
