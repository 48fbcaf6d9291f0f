# Helpers for the simulator's shell tests. Source after setting SIM (the
# binary) and SRC (the source tree). Every helper fails the test on a
# mismatch; the test prints "ok N" lines and ends with a summary.
set -euo pipefail
TMP=$(mktemp -d /tmp/trimeter-sim-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fails=0
checks=0

ok() { checks=$((checks + 1)); echo "ok   $*"; }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL $*"; }
finish() {
  echo "$checks checks, $fails failed"
  [ "$fails" -eq 0 ]
}

# expect_refused NAME "needle1|needle2" -- args...
# The simulator must exit 2 with exactly one line on stderr containing every
# needle, print nothing on stdout, and leave $TMP/state.eeprom as it was.
expect_refused() {
  local name=$1 needles=$2; shift 3
  local before=absent after
  [ -e "$TMP/state.eeprom" ] && before=$(sha256sum < "$TMP/state.eeprom")
  set +e
  "$SIM" "$@" --fast --state "$TMP/state.eeprom" >"$TMP/out" 2>"$TMP/err" </dev/null
  local rc=$?
  set -e
  after=absent
  [ -e "$TMP/state.eeprom" ] && after=$(sha256sum < "$TMP/state.eeprom")
  local lines; lines=$(wc -l < "$TMP/err")
  local why=""
  [ "$rc" -eq 2 ] || why="$why exit $rc (want 2);"
  [ "$lines" -eq 1 ] || why="$why $lines stderr lines (want 1);"
  [ -s "$TMP/out" ] && why="$why stdout not empty;"
  [ "$before" = "$after" ] || why="$why state file created or changed;"
  local IFS='|'
  for n in $needles; do
    grep -qF -- "$n" "$TMP/err" || why="$why stderr lacks '$n';"
  done
  if [ -z "$why" ]; then ok "$name: $(cat "$TMP/err")"; else bad "$name:$why stderr: $(cat "$TMP/err")"; fi
}

# scenario NAME JSON: write $TMP/NAME.json
scenario() { printf '%s\n' "$2" > "$TMP/$1.json"; }
