#!/usr/bin/env bash
# Flash/RAM of the Cortex-M production image per module and in total, the
# budget and the margin, sizeof(struct meter) (`make size`; ctest cm.fw-budget
# runs it with --check). Usage: scripts/size.sh [--check] BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/size.py" "$@"
