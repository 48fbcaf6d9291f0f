#!/usr/bin/python3
"""Checks of a trimeter-sim --json report against the scenario it ran.

usage: check_json.py REPORT.json SCENARIO.json SECONDS [--exact]

* the report is valid JSON with every contract key of SIMULATOR.md;
* the reference energies equal a hand calculation from the scenario file
  (independent of the simulator's code: P = U I cos(phi) per phase plus the
  products of equal-order voltage and current harmonics, net-summed across
  phases, times the duration; Q from the fundamental only);
* with --exact (blocks feed): every energy register's hires equals the
  reference to 1e-8 kWh, and the displayed value is hires truncated to 0.01.
"""
import json
import math
import re
import sys

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)$")
fails = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)


def dur(s):
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([dhms])", s))


def phase_pq(p):
    u, i, phi = p.get("u", 230.0), p.get("i", 0.0), math.radians(p.get("phi", 0.0))
    pw = u * i * math.cos(phi)
    q = u * i * math.sin(phi)
    uh = {h["n"]: h for h in p.get("u_harmonics", [])}
    for h in p.get("i_harmonics", []):
        if h["n"] in uh:
            n = h["n"]
            un = u * uh[n]["pct"] / 100
            inn = i * h["pct"] / 100
            # voltage harmonic at n*angle + its phase, current harmonic at
            # n*(angle - phi) + its phase: the angle difference is n*phi + dphase
            d = n * phi + math.radians(uh[n].get("phase", 0.0) - h.get("phase", 0.0))
            pw += un * inn * math.cos(d)
    return pw, q


def hand_reference(scn, seconds):
    segs = scn["segments"]
    energies = [0.0] * 4  # Wh: A+ A- R+ R-
    t = 0
    k = 0
    while t < seconds:
        s = segs[k % len(segs)]
        d = min(dur(s["duration"]), seconds - t)
        ph = s.get("phases", {})
        if isinstance(ph, dict):
            ph = [ph] * 3
        elif len(ph) == 1:
            ph = ph * 3
        pt = qt = 0.0
        for p in ph:
            a, b = phase_pq(p)
            pt += a
            qt += b
        h = d / 3600
        energies[0] += max(pt, 0) * h
        energies[1] += max(-pt, 0) * h
        energies[2] += max(qt, 0) * h
        energies[3] += max(-qt, 0) * h
        t += d
        k += 1
    return [e / 1000 for e in energies]  # kWh


def main():
    report, scenario, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    exact = "--exact" in sys.argv
    try:
        d = json.load(open(report))
    except ValueError as e:
        check(False, f"report is valid JSON ({e})")
        return 1
    scn = json.load(open(scenario))
    for k in ("time", "registers", "reference", "billing", "display", "events"):
        check(k in d, f"contract key {k}")
    if fails:
        return 1
    check(bool(ISO.match(d["time"])), f"time is ISO with offset: {d['time']}")
    regs = d["registers"]
    for k in ("1.8.0", "2.8.0", "3.8.0", "4.8.0"):
        check(k in regs and isinstance(regs[k]["value"], (int, float)) and "hires" in regs[k]
              and regs[k]["unit"] in ("kWh", "kvarh"), f"register {k} number with unit and hires")
    check(re.match(r"^\d\d:\d\d:\d\d$", str(regs.get("0.9.1", {}).get("value"))) is not None, "0.9.1 is HH:MM:SS")
    check(re.match(r"^\d{4}-\d\d-\d\d$", str(regs.get("0.9.2", {}).get("value"))) is not None, "0.9.2 is YYYY-MM-DD")
    check(all(isinstance(v.get("unit"), str) and "value" in v for v in regs.values()), "every register has value and unit")
    check(isinstance(d["billing"], list), "billing is a list")
    check(all(k in d["display"] for k in ("value", "unit", "id")), "display has value, unit, id")
    check(all(set(("time", "log", "type")) <= set(e) and ISO.match(e["time"]) for e in d["events"]),
          "events have time, log, type")
    check(d.get("sim_seconds") == seconds, f"simulated {d.get('sim_seconds')} s, want {seconds}")
    want = hand_reference(scn, seconds)
    for q, key in enumerate(("1.8.0", "2.8.0", "3.8.0", "4.8.0")):
        got = d["reference"][key]
        tol = 1e-9 * max(1.0, abs(want[q])) + 2e-9
        check(abs(got - want[q]) <= tol, f"reference {key} = {got:.9f}, hand calculation {want[q]:.9f}")
        if exact:
            hires = regs[key]["hires"]
            check(abs(hires - got) <= 1e-8, f"register {key} hires {hires:.9f} = reference (blocks feed is exact)")
            shown = math.floor(hires * 100 + 1e-9) / 100
            check(abs(regs[key]["value"] - shown) < 1e-9, f"register {key} value {regs[key]['value']} = hires truncated to 0.01")
    return 1 if fails else 0


sys.exit(main())
