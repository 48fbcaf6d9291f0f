#!/usr/bin/env python3
"""include_rules: the arrows the core's layout forbids (docs/ARCHITECTURE.md,
"Rules"), checked on every #include "..." of every file under src/.

A file's module is its folder under src/ (src/meter.c is the top). An include
names a module by its first path part ("registers/energy.h" -> registers;
"trimeter/meter.h" is a public header of include/trimeter). Forbidden:

  metrology               -> anything but metrology, util and the public headers
  store                   -> registers, legal, control, cosem, proto, ui
  proto                   -> store, ports
  cosem                   -> proto, ui
  registers/control/legal -> proto, ui
  ui                      -> proto
  everything in src/      -> ports

--self-check runs the rules on made-up includes that break each arrow (and
on some that keep them) and fails unless every one is judged right.
"""
import os
import re
import sys

CORE = {"metrology", "registers", "legal", "control", "cosem", "proto", "store", "ui", "util"}

def forbidden(src_mod, inc):
    """Why including inc from a file of module src_mod is forbidden, or None."""
    first = inc.split("/")[0]
    if first == "ports" or inc.startswith("../"):
        return "nothing in src/ includes ports/ (or climbs out of src/)"
    if src_mod == "metrology" and first not in ("metrology", "util", "trimeter"):
        return "metrology uses only util and the public headers"
    if src_mod == "store" and first in ("registers", "legal", "control", "cosem", "proto", "ui"):
        return "the store knows records, not meanings"
    if src_mod == "proto" and first in ("store", "ports"):
        return "protocols never touch the store or a port"
    if src_mod == "cosem" and first in ("proto", "ui"):
        return "the object table includes no protocol and no display"
    if src_mod in ("registers", "control", "legal") and first in ("proto", "ui"):
        return "the application does not reach into protocols or the display"
    if src_mod == "ui" and first == "proto":
        return "the display does not reach into protocols"
    return None

def module_of(rel):
    parts = rel.split("/")
    return parts[0] if len(parts) > 1 else "top"

INC = re.compile(r'^\s*#\s*include\s+"([^"]+)"')

def scan(src_root):
    bad = []
    count = 0
    for dirpath, _, files in os.walk(src_root):
        for f in sorted(files):
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, src_root)
            mod = module_of(rel)
            with open(path, encoding="utf-8") as fh:
                for n, line in enumerate(fh, 1):
                    m = INC.match(line)
                    if not m:
                        continue
                    count += 1
                    why = forbidden(mod, m.group(1))
                    if why:
                        bad.append("src/%s:%d: #include \"%s\": %s" % (rel, n, m.group(1), why))
    return count, bad

def self_check():
    must_fail = [("metrology", "registers/energy.h"), ("metrology", "cosem/objtab.h"),
                 ("store", "legal/config.h"), ("store", "cosem/objtab.h"), ("proto", "store/store.h"),
                 ("proto", "ports/host/vmeter.h"), ("cosem", "proto/port.h"), ("cosem", "ui/ui.h"),
                 ("registers", "proto/kmp/kmp.h"), ("control", "ui/display.h"), ("legal", "proto/drivers.h"),
                 ("ui", "proto/port.h"), ("top", "ports/host/hal_host.h"), ("util", "../ports/x.h")]
    must_pass = [("metrology", "util/crc.h"), ("metrology", "trimeter/meas.h"), ("store", "trimeter/hal.h"),
                 ("proto", "cosem/objtab.h"), ("cosem", "registers/energy.h"), ("control", "legal/config.h"),
                 ("ui", "control/control.h"), ("top", "proto/port.h"), ("legal", "metrology/metro.h")]
    wrong = [c for c in must_fail if forbidden(*c) is None] + [c for c in must_pass if forbidden(*c)]
    for c in wrong:
        print("self-check: misjudged %s -> %s" % c)
    print("self-check: %d forbidden and %d allowed arrows judged, %d wrong" %
          (len(must_fail), len(must_pass), len(wrong)))
    return 1 if wrong else 0

def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--self-check":
        return self_check()
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "src")
    count, bad = scan(root)
    for b in bad:
        print(b)
    print("include_rules: %d includes checked, %d forbidden" % (count, len(bad)))
    return 1 if bad else 0

if __name__ == "__main__":
    sys.exit(main())
