#!/usr/bin/env python3
"""trimeter-fleet on the network: 30 meters on 127.3.0.1 + i (one wildcard
listener) serving DLMS/COSEM, a feeder outage of meters 10-19, an
unreachable meter.

Checks: every meter answers on its own address with its own serial; an
address past the fleet and the unreachable meter are refused; during the
outage the feeder's meters are refused and the others answer; after the
restore every meter answers again with its own serial; the metrics page and
the JSON summary agree. The fleet's state is read from its metrics page,
never from the clock.

Usage: net.py TRIMETER_FLEET SOURCE_DIR
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

FLEET, SRC = sys.argv[1], sys.argv[2]
READER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fleet_read.js")
N, BASE, SERIAL0 = 30, "127.3.0.", 20000000
FEEDER = range(10, 20)
UNREACHABLE = 25
checks = fails = 0


def check(ok, what):
    global checks, fails
    checks += 1
    if not ok:
        fails += 1
    print(("ok   " if ok else "FAIL ") + what, flush=True)


def addr(i):
    a = 0x7F030001 + i
    return socket.inet_ntoa(a.to_bytes(4, "big"))


def read_serials(port, meters):
    """meter -> its serial number (0-0:96.1.0) read over DLMS/COSEM (the
    IEC 62056-47 wrapper, public client) with the project's own DLMS client
    (tests/dlms/dlms_client.js through fleet_read.js), or None when the
    meter refused or did not answer."""
    r = subprocess.run(["node", READER, "--base", BASE + "1", "--port", str(port), "--meters",
                        ",".join(str(i) for i in meters), "--conns", "16", "--timeout-ms", "3000"],
                       capture_output=True, text=True, timeout=120)
    out = {}
    for line in r.stdout.splitlines():
        d = json.loads(line)
        if "meter" in d:
            out[d["meter"]] = int(d["serial"]) if d["ok"] else None
    return out


def metrics(url):
    text = urllib.request.urlopen(url, timeout=3).read().decode()
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            k, v = line.rsplit(" ", 1)
            out[k] = float(v)
    return out


def wait_for(url, pred, what, limit=20.0):
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        m = metrics(url)
        if pred(m):
            return m
        time.sleep(0.05)
    check(False, "timed out waiting for " + what)
    return None


with tempfile.TemporaryDirectory() as tmp:
    plan = os.path.join(tmp, "plan.json")
    with open(plan, "w") as f:
        json.dump({"feeder_size": 10, "events": [
            {"at": "6s", "type": "outage", "feeders": "1", "duration": "2s"},
            {"at": "0s", "type": "unreachable", "meters": str(UNREACHABLE), "duration": "1h"}]}, f)
    tmpl = os.path.join(SRC, "scenarios", "household.json")
    p = subprocess.Popen([FLEET, "--meters", str(N), "--scenario", tmpl, "--fleet", plan, "--until", "30s",
                          "--dlms", BASE + "1:0", "--metrics", "127.0.0.1:0", "--serial-base", str(SERIAL0),
                          "--summary-every", "0", "--json-summary"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    port = url = None
    while port is None or url is None:
        line = p.stderr.readline()
        if not line:
            print(p.stderr.read())
            sys.exit("fleet ended before serving")
        m = re.search(r"served at [\d.]+:(\d+)", line)
        if m:
            port = int(m.group(1))
        m = re.search(r"metrics at (\S+)", line)
        if m:
            url = m.group(1)

    m = metrics(url)
    check(m.get('trimeter_fleet_meters{state="on"}') == N, "all %d meters on" % N)
    got = read_serials(port, range(N + 1))
    check(all(got[i] == SERIAL0 + i for i in range(N) if i != UNREACHABLE),
          "every meter answers on its own address with its own serial (DLMS)")
    check(got[UNREACHABLE] is None, "the unreachable meter is refused")
    check(got[N] is None, "an address past the fleet is refused")

    m = wait_for(url, lambda m: m.get('trimeter_fleet_meters{state="off"}') == len(FEEDER), "the outage")
    if m:
        got = read_serials(port, (5, 9, 10, 15, 19, 20, 29))
        mid = metrics(url)
        if mid.get('trimeter_fleet_meters{state="off"}') == len(FEEDER):  # still in the outage
            check(all(got[i] is None for i in (10, 15, 19)), "the feeder's meters are refused during the outage")
            check(all(got[i] == SERIAL0 + i for i in (5, 9, 20, 29)), "the other meters answer during the outage")
        else:
            check(False, "the outage ended before it was checked (machine too slow?)")

    m = wait_for(url, lambda m: m.get('trimeter_fleet_meters{state="on"}') == N and
                 m.get('trimeter_fleet_boots_total') == len(FEEDER), "the restore")
    if m:
        got = read_serials(port, range(N))
        check(all(got[i] == SERIAL0 + i for i in range(N) if i != UNREACHABLE),
              "every meter answers again after the restore, with its own serial")

    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=60)
    check(p.returncode == 0, "clean exit on SIGTERM (%s)" % p.returncode)
    s = json.loads(out)
    check(s["requests"] >= 4 * (2 * N - 1) and s["sessions"]["refused"] >= 2 + 3,
          "summary counts requests and refusals (%d, %d)" % (s["requests"], s["sessions"]["refused"]))
    check(s["power_downs"] >= len(FEEDER) and s["boots"] == len(FEEDER), "summary counts the outage")

print("%d checks, %d failed" % (checks, fails))
sys.exit(1 if fails else 0)
