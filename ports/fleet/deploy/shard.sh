#!/bin/sh
# One shard of a larger fleet (docs/FLEET.md, "Scale-out"): the shard number
# comes from SHARD, or from the ordinal at the end of the host name that a
# Kubernetes StatefulSet gives its pods (fleet-0, fleet-1, ...). Shard k
# holds the serials SERIAL_BASE + k * SHARD_METERS + i, served on port
# PORT_BASE + i of the pod's address. Inside a container it is the entry point;
# on the project's machine it was run directly (no container runtime there).
set -eu
: "${SHARD_METERS:=10000}" "${SERIAL_BASE:=10000000}" "${PORT_BASE:=10000}" "${METRICS_PORT:=9100}"
: "${TEMPLATE:=/usr/local/share/trimeter/scenarios/household.json}" "${UNTIL:=3650d}" "${SEED:=1}" "${STATE_DIR:=/state}"
shard=${SHARD:-${HOSTNAME##*-}}
case $shard in ''|*[!0-9]*) echo "shard.sh: no shard number (set SHARD)" >&2; exit 2 ;; esac
set -- --meters "$SHARD_METERS" \
    --serial-base "$((SERIAL_BASE + shard * SHARD_METERS))" \
    --vary "$((SEED * 1000003 + shard))" \
    --scenario "$TEMPLATE" \
    --dlms-ports "0.0.0.0:$PORT_BASE" \
    --metrics "0.0.0.0:$METRICS_PORT" \
    --state-dir "$STATE_DIR" \
    --until "$UNTIL" \
    --summary-every 60 \
    ${FLEET_FILE:+--fleet "$FLEET_FILE"} "$@"
exec trimeter-fleet "$@"
