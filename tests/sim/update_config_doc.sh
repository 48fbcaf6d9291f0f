#!/usr/bin/env bash
# Regenerate the config-key table of docs/SCENARIOS.md from the object table.
# Usage: tests/sim/update_config_doc.sh build/trimeter-sim
set -euo pipefail
sim=${1:?usage: $0 path/to/trimeter-sim}
doc="$(cd "$(dirname "$0")/../.." && pwd)/docs/SCENARIOS.md"
table=$("$sim" --list-config)
python3 - "$doc" "$table" <<'PY'
import sys
doc, table = sys.argv[1], sys.argv[2]
text = open(doc).read()
b, e = "<!-- config-keys:begin -->", "<!-- config-keys:end -->"
head, rest = text.split(b, 1)
_, tail = rest.split(e, 1)
open(doc, "w").write(head + b + "\n" + table.rstrip("\n") + "\n" + e + tail)
PY
echo "updated $doc"
