#!/usr/bin/python3
"""Runs trimeter-sim in blocks mode over DAYS days of billing_year.json and
checks the billing invariants of the issue: tariff registers add up to the
total, the total equals the reference within one resolution step, the
number of billing periods, the maximum demand equals the highest 15-minute
mean of the reference, and (full variant) the billing snapshots and the
load profile's record count. Usage: check_billing.py SIM DAYS full|short"""
import json
import math
import subprocess
import sys

sim, days, variant = sys.argv[1], int(sys.argv[2]), sys.argv[3]
here = sys.path[0]
scen_path = here + "/billing_year.json"
scen = json.load(open(scen_path))
out = subprocess.run([sim, "--scenario", scen_path, "--fast", "--feed", "blocks",
                      "--until", "%dd" % days, "--json"],
                     capture_output=True, text=True, timeout=3000)
if out.returncode != 0:
    sys.exit("trimeter-sim failed (%d): %s" % (out.returncode, out.stderr))
d = json.loads(out.stdout)
reg = d["registers"]
fails = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)


step = 0.01
total = reg["1.8.0"]["value"]
ref = d["reference"]["1.8.0"]
tariffs = sum(reg["1.8.%d" % t]["value"] for t in range(1, 5))
hires = sum(reg["1.8.%d" % t]["hires"] for t in range(1, 5))
check(abs(hires - reg["1.8.0"]["hires"]) < 1e-6,
      "sum of tariff registers = total at full resolution (%.9f vs %.9f)" % (hires, reg["1.8.0"]["hires"]))
check(total - 4 * step - 1e-9 <= tariffs <= total + 1e-9,
      "sum of displayed tariff registers %.2f within 4 truncations of the total %.2f" % (tariffs, total))
for q in ("1.8.0", "2.8.0", "3.8.0", "4.8.0"):
    v, r = reg[q]["value"], d["reference"][q]
    check(r - step - 1e-6 <= v <= r + 1e-6, "%s = %.2f within one step below reference %.6f" % (q, v, r))

# Billing: monthly at 00:00 local on day 1; the start instant does not count.
months = 0
y, m = 2026, 4
start_days = 0
mdays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
while True:
    ml = mdays[m - 1] + (1 if m == 2 and y % 4 == 0 else 0)
    start_days += ml
    if start_days > days:
        break
    months += 1
    m += 1
    if m > 12:
        m, y = 1, y + 1
check(reg["0.1.0"]["value"] == months, "billing period counter %s = %d" % (reg["0.1.0"]["value"], months))

# Highest 15-minute mean of the reference over one day of the pattern (the
# pattern is 24 h and starts at a quarter hour, so every day is the same).
segs = []
t = 0
for s in scen["segments"]:
    dur = 0
    num = ""
    for ch in s["duration"]:
        if ch.isdigit():
            num += ch
        else:
            dur += int(num) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[ch]
            num = ""
    p = 0.0
    for ph in s["phases"]:
        p += ph.get("u", 230.0) * ph.get("i", 0.0) * math.cos(math.radians(ph.get("phi", 0.0)))
    if len(s["phases"]) == 1:
        p *= 3
    segs.append((t, t + dur, max(p, 0.0)))
    t += dur
assert t == 86400, t
best = 0.0
for q in range(96):
    a, b = q * 900, q * 900 + 900
    e = sum(p * max(0, min(b, y1) - max(a, y0)) for (y0, y1, p) in segs)
    best = max(best, e / 900 / 1000)
dm = reg["1.6.0"]["value"]
check(abs(dm - best) <= 0.002, "maximum demand 1.6.0 %.3f kW = highest 15-min mean of the reference %.3f kW" % (dm, best))

if variant == "full":
    bills = d["billing"]
    check(len(bills) == months, "%d billing snapshots stored (expected %d)" % (len(bills), months))
    if bills:
        check(bills[0]["period"] == months, "newest snapshot is period %d" % months)
        dmh = bills[0]["registers"].get("1.6.0", {}).get("value")
        check(dmh is not None and abs(dmh - best) <= 0.002, "snapshot max demand %s kW" % dmh)
    hours = days * 24
    n = reg["99.1.0"]["value"]
    check(n == hours, "load profile holds %d hourly records (expected %d)" % (n, hours))

print("%d passed, %d failed" % (7 + (3 if variant == "full" else 0) - len(fails), len(fails)))
sys.exit(1 if fails else 0)
