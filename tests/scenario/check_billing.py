#!/usr/bin/python3
"""Runs trimeter-sim in blocks mode over DAYS days of billing_year.json and
checks the billing invariants of the issue: tariff registers add up to the
total, the total equals the reference within one resolution step, the
number of billing periods, the maximum demand equals the highest 15-minute
mean of the reference, and (full variant) the billing snapshots and the
load profile's record count. Usage: check_billing.py SIM DAYS full|short"""
import datetime
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



def eu_offset_h(utc):
    """EET/EEST offset at a UTC datetime (EU rule: last Sunday of March and
    October, 01:00 UTC)."""
    def last_sunday(y, mo):
        d = datetime.datetime(y, mo + 1, 1) - datetime.timedelta(days=1) if mo < 12 else datetime.datetime(y, 12, 31)
        return datetime.datetime(d.year, d.month, d.day - (d.weekday() + 1) % 7, 1)
    y = utc.year
    return 3 if last_sunday(y, 3) <= utc < last_sunday(y, 10) else 2


def ref_ap_kwh(t):
    """Reference A+ energy (kWh) t seconds after the start: the daily pattern repeats."""
    full, rest = divmod(t, 86400)
    day = sum(p * (y1 - y0) for (y0, y1, p) in segs)
    part = sum(p * max(0, min(rest, y1) - y0) for (y0, y1, p) in segs)
    return (full * day + part) / 3.6e6


if variant == "full":
    bills = d["billing"]
    check(len(bills) == months, "%d billing snapshots stored (expected %d)" % (len(bills), months))
    start = datetime.datetime(2026, 3, 31, 21, 0)  # the scenario start in UTC
    ok_time = ok_energy = ok_demand = ok_sum = True
    for k, b in enumerate(bills):  # newest first
        period = months - k
        mo, yr = 4 + period, 2026
        while mo > 12:
            mo, yr = mo - 12, yr + 1
        local = datetime.datetime(yr, mo, 1)
        utc = local - datetime.timedelta(hours=3)
        if eu_offset_h(utc) == 2:
            utc = local - datetime.timedelta(hours=2)
        # local time with the offset in force, as the report's `time`
        want = local.strftime("%Y-%m-%dT%H:%M:%S") + "+%02d:00" % eu_offset_h(utc)
        ok_time &= b["period"] == period and b["time"] == want
        r = b["registers"]
        e = ref_ap_kwh(int((utc - start).total_seconds()))
        v = r["1.8.0"]["value"]
        ok_energy &= e - step - 1e-6 <= v <= e + 1e-6
        ok_demand &= abs(r["1.6.0"]["value"] - best) <= 0.002
        ok_sum &= v - 4 * step - 1e-9 <= sum(r["1.8.%d" % t]["value"] for t in range(1, 5)) <= v + 1e-9
        if not (ok_time and ok_energy):
            print("     snapshot %d: %s (want %s), 1.8.0 %.2f, reference %.6f" % (b["period"], b["time"], want, v, e))
    check(ok_time, "snapshots newest first, periods %d..1, stamped 00:00 local on day 1 (local time, offset in force)" % months)
    check(ok_energy, "every snapshot's 1.8.0 within one step below the reference at its boundary")
    check(ok_demand, "every snapshot's max demand 1.6.0 = %.3f kW" % best)
    check(ok_sum, "every snapshot's tariff registers add up to its 1.8.0 (4 truncations)")
    hours = days * 24
    n = reg["99.1.0"]["value"]
    check(n == hours, "load profile holds %d hourly records (expected %d)" % (n, hours))

print("%d passed, %d failed" % (7 + (6 if variant == "full" else 0) - len(fails), len(fails)))
sys.exit(1 if fails else 0)
