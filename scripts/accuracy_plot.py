#!/usr/bin/python3
"""Accuracy report from docs/accuracy/results.csv: a markdown table of the
errors per point and error curves (error % vs current, one curve per power
factor, class-limit envelope), like a datasheet's typical accuracy curves."""
import csv, os, re, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

out = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(out, "results.csv"))))
PF = {0.0: "PF 1", 60.0: "PF 0.5 ind.", -36.87: "PF 0.8 cap.", 75.52: "PF 0.25 ind.", -60.0: "PF 0.5 cap."}

def pfname(phi):
    for k, v in PF.items():
        if abs(((phi + 180) % 360) - 180 - k) < 0.1 or abs(phi - k) < 0.1:
            return v
    return "phi %.1f" % phi

for variant in ("adc", "ideal"):
    for direction in ("import", "export"):
        pts = [r for r in rows if r["variant"] == variant and r["group"] == "load"
               and (r["point"].startswith("imp") == (direction == "import"))]
        if not pts:
            continue
        fig, ax = plt.subplots(figsize=(7, 4.2))
        curves = {}
        for r in pts:
            phi = float(r["phi_deg"])
            if direction == "export":
                phi -= 180
            curves.setdefault(round(phi, 2), []).append((float(r["current_a"]), float(r["err_pct"]), float(r["class_pct"])))
        for phi, c in sorted(curves.items()):
            c.sort()
            ax.semilogx([x[0] for x in c], [x[1] for x in c], marker="o", ms=3, label=pfname(phi))
        lim = sorted({(float(r["current_a"]), float(r["class_pct"])) for r in pts if abs(float(r["phi_deg"]) % 180) < 0.1})
        if lim:
            ax.step([x[0] for x in lim], [x[1] for x in lim], "k--", where="post", lw=1, label="class limit PF 1")
            ax.step([x[0] for x in lim], [-x[1] for x in lim], "k--", where="post", lw=1)
        tgt = 0.1 if variant == "adc" else 0.01
        ax.axhline(tgt, color="grey", lw=0.8, ls=":")
        ax.axhline(-tgt, color="grey", lw=0.8, ls=":", label="project target PF 1 (%g %%)" % tgt)
        ax.set_xlabel("current per phase (A)")
        ax.set_ylabel("error of active energy (%)")
        ax.set_title("trimeter %s, active energy, %s, balanced, Un, 50 Hz (%s)" % (
            "24-bit ADC model, calibrated" if variant == "adc" else "ideal samples", direction, variant))
        ax.set_ylim(-1.6, 1.6) if variant == "adc" else ax.set_ylim(-0.02, 0.02)
        ax.grid(True, which="both", lw=0.3)
        ax.legend(fontsize=7, loc="lower right")
        fig.tight_layout()
        fig.savefig(os.path.join(out, "curve_%s_%s.png" % (variant, direction)), dpi=110)
        # zoomed: the errors themselves (the class limits are far outside)
        worst = max(abs(x[1]) for c in curves.values() for x in c)
        span = max(0.005, 1.3 * worst)
        ax.set_ylim(-span, span)
        ax.set_title("trimeter %s, active energy, %s (zoom)" % (
            "24-bit ADC model, calibrated" if variant == "adc" else "ideal samples", direction))
        fig.savefig(os.path.join(out, "curve_%s_%s_zoom.png" % (variant, direction)), dpi=110)
        plt.close(fig)


# ---- real conditions (issue 18): temperature, self-heating, distorted loads,
# wiring, the clock ----
TEMPS = [-40.0, -25.0, 0.0, 23.0, 50.0, 70.0]
CURR = [0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100]

def adc_rows(group):
    return [r for r in rows if r["variant"] == "adc" and r["group"] == group]

def is_comp(r):
    return r.get("comp", "1") == "1"

def plot_conditions():
    made = []
    temp = adc_rows("temp")
    if temp:
        fig, axs = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
        cmap = plt.get_cmap("coolwarm")
        for ax, (pf, phi) in zip(axs, (("PF 1", 0.0), ("PF 0.5 ind.", 60.0))):
            for t in TEMPS:
                col = cmap((t + 40) / 110)
                for comp, ls in ((True, "-"), (False, ":")):
                    c = sorted((float(r["current_a"]), float(r["err_pct"])) for r in temp
                               if abs(float(r["temp_c"]) - t) < 0.1 and abs(float(r["phi_deg"]) - phi) < 0.1
                               and is_comp(r) == comp)
                    if c:
                        ax.semilogx([x[0] for x in c], [x[1] for x in c], ls, color=col, marker="o" if comp else None,
                                    ms=3, label="%+g degC %s" % (t, "compensated" if comp else "uncompensated"))
            ax.axhline(0.1, color="grey", lw=0.8, ls="--")
            ax.axhline(-0.1, color="grey", lw=0.8, ls="--", label="target 0.1 %")
            ax.set_title("%s, balanced, Un, 50 Hz" % pf)
            ax.set_xlabel("current per phase (A)")
            ax.grid(True, which="both", lw=0.3)
        axs[0].set_ylabel("error of active energy (%)")
        axs[1].legend(fontsize=6, ncol=2, loc="lower right")
        fig.suptitle("trimeter, ADC model with temperature: compensated (solid) and not (dotted)")
        fig.tight_layout()
        fig.savefig(os.path.join(out, "temp_curves.png"), dpi=110)
        plt.close(fig)
        # the compensated curves alone, zoomed
        fig, axs = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
        for ax, (pf, phi) in zip(axs, (("PF 1", 0.0), ("PF 0.5 ind.", 60.0))):
            for t in TEMPS:
                c = sorted((float(r["current_a"]), float(r["err_pct"])) for r in temp
                           if abs(float(r["temp_c"]) - t) < 0.1 and abs(float(r["phi_deg"]) - phi) < 0.1 and is_comp(r))
                if c:
                    ax.semilogx([x[0] for x in c], [x[1] for x in c], "-", color=cmap((t + 40) / 110), marker="o", ms=3,
                                label="%+g degC" % t)
            ax.set_title("%s, compensated (zoom)" % pf)
            ax.set_xlabel("current per phase (A)")
            ax.grid(True, which="both", lw=0.3)
        axs[0].set_ylabel("error of active energy (%)")
        axs[1].legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(os.path.join(out, "temp_curves_comp.png"), dpi=110)
        plt.close(fig)
        # worst error per temperature
        fig, ax = plt.subplots(figsize=(7, 4.2))
        for comp, mk in ((True, "o-"), (False, "s--")):
            ys = []
            for t in TEMPS:
                v = [float(r["err_pct"]) for r in temp if abs(float(r["temp_c"]) - t) < 0.1 and is_comp(r) == comp]
                ys.append(max(v, key=abs) if v else float("nan"))
            ax.plot(TEMPS, ys, mk, label="worst error, %s" % ("compensated" if comp else "uncompensated"))
        ax.axhline(0.1, color="grey", lw=0.8, ls=":")
        ax.axhline(-0.1, color="grey", lw=0.8, ls=":", label="target 0.1 %")
        ax.set_xlabel("ambient temperature (degC)")
        ax.set_ylabel("worst error of active energy (%)\n0.25..100 A, PF 1 and 0.5 ind.")
        ax.grid(True, lw=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(os.path.join(out, "temp_summary.png"), dpi=110)
        plt.close(fig)
        made += ["temp_curves.png", "temp_curves_comp.png", "temp_summary.png"]
    hp = os.path.join(out, "heat.csv")
    if os.path.exists(hp):
        heat = list(csv.DictReader(open(hp)))
        if heat:
            fig, ax = plt.subplots(figsize=(9.5, 4.2))
            names = []
            for r in heat:
                if r["point"] not in names:
                    names.append(r["point"])
            for n in names:
                c = [(int(r["minutes"]), float(r["err_pct"])) for r in heat if r["point"] == n]
                ax.plot([x[0] for x in c], [x[1] for x in c], "o-" if "no self" not in n else "s:", ms=3, label=n)
            ax.axhline(0.1, color="grey", lw=0.8, ls=":")
            ax.axhline(-0.1, color="grey", lw=0.8, ls=":", label="target 0.1 %")
            ax.set_xlabel("minutes at Imax (100 A, PF 1, from the ambient's equilibrium)")
            ax.set_ylabel("error of each 5-minute window (%)")
            ax.grid(True, lw=0.3)
            ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
            fig.tight_layout()
            fig.savefig(os.path.join(out, "heat.png"), dpi=110)
            plt.close(fig)
            made.append("heat.png")
    dist = adc_rows("dist") + [dict(r, point="EN 50470-3 " + r["point"]) for r in adc_rows("harm")
                               if r["point"].startswith("5th 10%U 40%I")]
    if dist:
        base = []
        for r in dist:
            b = r["point"].replace(" nocomp", "")
            if b not in base:
                base.append(b)
        def err_of(b, comp):
            for r in dist:
                if (r["point"] == b and comp) or (r["point"] == b + " nocomp" and not comp):
                    return float(r["err_pct"])
            return float("nan")
        fig, ax = plt.subplots(figsize=(8, 4.2))
        x = range(len(base))
        ax.bar([i - 0.2 for i in x], [err_of(b, False) for b in base], 0.4, label="without the harmonic correction")
        ax.bar([i + 0.2 for i in x], [err_of(b, True) for b in base], 0.4, label="with it")
        ax.axhline(0.02, color="grey", lw=0.8, ls=":")
        ax.axhline(-0.02, color="grey", lw=0.8, ls=":", label="target 0.02 %")
        ax.set_xticks(list(x))
        ax.set_xticklabels(base, rotation=25, ha="right", fontsize=7)
        ax.set_ylabel("error of active energy (%)")
        ax.grid(True, axis="y", lw=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(os.path.join(out, "dist.png"), dpi=110)
        plt.close(fig)
        made.append("dist.png")
    wir = adc_rows("wiring")
    if wir:
        fig, ax = plt.subplots(figsize=(7, 4.2))
        for pf, phi in (("PF 1", 0.0), ("PF 0.5 ind.", 60.0), ("PF 0.8 cap.", -36.87)):
            c = sorted((float(r["current_a"]), float(r["err_pct"]), float(r["qerr_pct"])) for r in wir
                       if re.fullmatch(r"aron (PF1|0\.5i|0\.8c) [0-9.]+A", r["point"])
                       and abs(float(r["phi_deg"]) - phi) < 0.1)
            if c:
                l, = ax.semilogx([x[0] for x in c], [x[1] for x in c], "o-", ms=3, label="Aron P, %s" % pf)
                if phi != 0:
                    ax.semilogx([x[0] for x in c], [x[2] for x in c], "s:", ms=3, color=l.get_color(),
                                label="Aron Q, %s" % pf)
        ax.set_xlabel("current per line (A), 3 x 230 V three-wire, balanced")
        ax.set_ylabel("error (%)")
        ax.grid(True, which="both", lw=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(os.path.join(out, "wiring_aron.png"), dpi=110)
        plt.close(fig)
        made.append("wiring_aron.png")
    rp = os.path.join(out, "rtc.csv")
    if os.path.exists(rp):
        rtc = list(csv.DictReader(open(rp)))
        if rtc:
            fig, (ax, az) = plt.subplots(1, 2, figsize=(11, 4.2))
            serials = []
            for r in rtc:
                if r["serial"] not in serials:
                    serials.append(r["serial"])
            for sn in serials:
                c = [(float(r["temp_c"]), float(r["clock_error_s_per_day"]), float(r["crystal_alone_s_per_day"]))
                     for r in rtc if r["serial"] == sn]
                l, = ax.plot([x[0] for x in c], [x[2] for x in c], "s:", ms=3, label="crystal alone, unit %s" % sn)
                ax.plot([x[0] for x in c], [x[1] for x in c], "o-", ms=3, color=l.get_color(),
                        label="compensated, unit %s" % sn)
                az.plot([x[0] for x in c], [x[1] for x in c], "o-", ms=3, color=l.get_color(),
                        label="compensated, unit %s" % sn)
            ax.axhline(0.5, color="grey", lw=0.8, ls="--")
            ax.axhline(-0.5, color="grey", lw=0.8, ls="--", label="target 0.5 s/day")
            for a_ in (ax, az):
                a_.set_xlabel("ambient temperature (degC)")
                a_.grid(True, lw=0.3)
            ax.set_ylabel("clock error after a day (s)")
            az.set_title("compensated (zoom)")
            ax.legend(fontsize=7)
            az.legend(fontsize=7)
            fig.tight_layout()
            fig.savefig(os.path.join(out, "rtc.png"), dpi=110)
            plt.close(fig)
            made.append("rtc.png")
    return made

def conditions(f):
    made = plot_conditions()
    temp = adc_rows("temp")
    if temp:
        f.write("\n## Temperature (ADC model with its temperature physics, default unit)\n\n"
                "Active energy error (%) per current, balanced, Un, 50 Hz, after the factory calibration at "
                "23, -20 and 60 degC; `comp` = the firmware's temperature and self-heating compensation on, "
                "`nocomp` = off (the gap it closes). Target 0.1 % compensated.\n\n![temperature](temp_curves.png)\n"
                "![compensated](temp_curves_comp.png)\n![summary](temp_summary.png)\n\n")
        f.write("| degC | PF | comp | " + " | ".join("%g A" % c for c in CURR) + " | worst |\n|---|---|---|" +
                "---|" * (len(CURR) + 1) + "\n")
        for t in TEMPS:
            for pf, phi in (("1", 0.0), ("0.5 ind.", 60.0)):
                for comp in (True, False):
                    vals = []
                    for c in CURR:
                        v = [float(r["err_pct"]) for r in temp if abs(float(r["temp_c"]) - t) < 0.1
                             and abs(float(r["phi_deg"]) - phi) < 0.1 and is_comp(r) == comp
                             and abs(float(r["current_a"]) - c) < 1e-6]
                        vals.append(v[0] if v else float("nan"))
                    f.write("| %+g | %s | %s | %s | **%.4f** |\n" % (t, pf, "comp" if comp else "nocomp",
                            " | ".join("%.4f" % v for v in vals), max(vals, key=abs)))
    heat = adc_rows("heat")
    if heat:
        f.write("\n## An hour at Imax (self-heating)\n\n100 A per phase, PF 1, from the ambient's equilibrium; "
                "the hour's energy and the worst 5-minute window; `no self-heating comp` = only the shunt "
                "self-heating estimate off (temperature compensation on).\n\n![self-heating](heat.png)\n\n"
                "| run | hour's error % | worst 5-minute window % | target % | verdict |\n|---|---|---|---|---|\n")
        for r in heat:
            f.write("| %s | %.4f | %.4f | %s | %s |\n" % (r["point"], float(r["err_pct"]), float(r["value"]),
                    r["target_pct"] if float(r["target_pct"]) > 0 else "-", r["verdict"]))
    dist = adc_rows("dist") + [dict(r, point="EN 50470-3 " + r["point"]) for r in adc_rows("harm")
                               if r["point"].startswith("5th 10%U 40%I")]
    if dist:
        f.write("\n## Distorted loads\n\nPublished current spectra (docs/METROLOGY.md cites them) on an "
                "IEC 61000-2-2 voltage, and the EN 50470-3 point (10 % 5th in U, 40 % in I); `nocomp` = "
                "the harmonic frame's correction off. Target 0.02 %.\n\n![distorted](dist.png)\n\n"
                "| point | P err % | verdict |\n|---|---|---|\n")
        for r in dist:
            f.write("| %s | %.4f | %s |\n" % (r["point"], float(r["err_pct"]), r["verdict"]))
    wir = adc_rows("wiring")
    if wir:
        f.write("\n## Wiring variants\n\nAron (two elements, 3 x 230 V three-wire: star voltages 132.8 V), "
                "balanced at every current and PF, line-to-line (unbalanced) loads, an arbitrary unbalanced "
                "set and reversed sequence; 1-phase and 2-phase meters.\n\n![Aron](wiring_aron.png)\n\n"
                "| point | P err % | Q err % | U err % | I err % | class % | verdict |\n|---|---|---|---|---|---|---|\n")
        for r in wir:
            f.write("| %s | %.4f | %.4f | %.4f | %.4f | %s | %s |\n" % (r["point"], float(r["err_pct"]),
                    float(r["qerr_pct"]), float(r["uerr_pct"]), float(r["ierr_pct"]), r["class_pct"], r["verdict"]))
    up = os.path.join(out, "units.csv")
    if os.path.exists(up):
        units = list(csv.DictReader(open(up)))
        groups = []
        for r in units:
            if r["group"] not in groups:
                groups.append(r["group"])
        ids = []
        for r in units:
            if r["unit"] not in ids:
                ids.append(r["unit"])
        f.write("\n## Other units\n\nUnits 1..%d: every physical parameter of the front end, sensor and crystal drawn "
                "within its documented spread (`acc --unit N`), each calibrated by the same factory procedure; "
                "2 s per point, ADC variant. Worst compensated P error per group (the uncompensated twins' worst "
                "in brackets); every unit's points are checked against the same limits and targets.\n\n"
                "| unit | %s | failed |\n|---|%s---|\n" % (len(ids), " | ".join(groups), "---|" * len(groups)))
        for u in ids:
            cells, failed = [], 0
            for g in groups:
                r = [x for x in units if x["unit"] == u and x["group"] == g]
                if not r:
                    cells.append("-")
                    continue
                r = r[0]
                failed += int(r["failed"])
                nc = float(r["worst_p_uncompensated_pct"])
                cells.append("%.4f" % float(r["worst_p_pct"]) + (" (%.3f)" % nc if nc != 0 else ""))
            f.write("| %s | %s | %d |\n" % (u, " | ".join(cells), failed))
        worst = max(units, key=lambda r: abs(float(r["worst_p_pct"])))
        f.write("\nWorst over all units and groups: %.4f %% (unit %s, group %s).\n" % (
            float(worst["worst_p_pct"]), worst["unit"], worst["group"]))
    rp = os.path.join(out, "rtc.csv")
    if os.path.exists(rp):
        rtc = list(csv.DictReader(open(rp)))
        f.write("\n## The clock\n\nA day at each ambient temperature (trimeter-sim, blocks feed, 5 A load), "
                "three units; `clock_error_s` after the day with the firmware's temperature compensation, "
                "and what the crystal alone would have gained (rtc_xtal_ppm x 0.0864). Target 0.5 s/day."
                "\n\n![clock](rtc.png)\n\n| unit | degC | compensated s/day | crystal alone s/day | trim ppm |\n"
                "|---|---|---|---|---|\n")
        for r in rtc:
            f.write("| %s | %s | %+.3f | %+.3f | %.3f |\n" % (r["serial"], r["temp_c"],
                    float(r["clock_error_s_per_day"]), float(r["crystal_alone_s_per_day"]), float(r["trim_ppm"])))
        worst = max(rtc, key=lambda r: abs(float(r["clock_error_s_per_day"])))
        alone = max(rtc, key=lambda r: abs(float(r["crystal_alone_s_per_day"])))
        f.write("\nWorst compensated: %+.3f s/day (unit %s, %s degC); crystal alone up to %+.3f s/day "
                "(unit %s, %s degC).\n" % (float(worst["clock_error_s_per_day"]), worst["serial"], worst["temp_c"],
                float(alone["crystal_alone_s_per_day"]), alone["serial"], alone["temp_c"]))

with open(os.path.join(out, "README.md"), "w") as f:
    f.write("# Accuracy report (generated by `make accuracy`)\n\n")
    f.write("Test bench: synthesiser -> ADC model -> metrology, errors against the analytic\n"
            "reference (ACCURACY.md, docs/METROLOGY.md). Variants: `ideal` (unquantised-like\n"
            "24-bit samples, no converter errors: the algorithm alone) and `adc` (24-bit\n"
            "sigma-delta model with gain, offset, noise, shunt phase and sinc3 decimation,\n"
            "temperature coefficients, shunt self-heating, anti-alias RC, INL and crosstalk of\n"
            "the default unit, after its factory calibration: docs/METROLOGY.md).\n\n")
    f.write("Run: %s s of signal per point after 2 s of settling (drift point: 10 s), ADC noise seed %s.\n"
            "Frequency errors are read from the block's 1 mHz resolution.\n\n" % (
                os.environ.get("ACC_SECONDS", "?"), os.environ.get("ACC_SEED", "1")))
    f.write("Real conditions (temperature, self-heating, distorted loads, wiring, the clock): the sections "
            "after the group table.\n\n")
    f.write("Against the class limits:\n\n![adc import](curve_adc_import.png)\n![adc export](curve_adc_export.png)\n\n"
            "Zoomed on the errors:\n\n![adc import](curve_adc_import_zoom.png)\n![adc export](curve_adc_export_zoom.png)\n"
            "![ideal import](curve_ideal_import_zoom.png)\n![ideal export](curve_ideal_export_zoom.png)\n\n")
    f.write("## Worst error per group\n\nWorst P error over the compensated points; the uncompensated twins "
            "(temperature, self-heating and harmonic corrections off) in the last column.\n\n"
            "| variant | group | points | worst P err % | worst Q err % | worst shift % | worst U % | worst I % | worst f Hz | failed | worst P err % uncompensated |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
    for variant in ("ideal", "adc"):
        groups = []
        for r in rows:
            if r["variant"] == variant and r["group"] not in groups:
                groups.append(r["group"])
        for g in groups:
            rs = [r for r in rows if r["variant"] == variant and r["group"] == g]
            def worst(k, cond=lambda r: True):
                v = [float(r[k]) for r in rs if cond(r)]
                return max(v, key=abs) if v else 0.0
            nc = [float(r["err_pct"]) for r in rs if not is_comp(r)]
            f.write("| %s | %s | %d | %.4f | %.4f | %.4f | %.4f | %.4f | %.5f | %d | %s |\n" % (
                variant, g, len(rs), worst("err_pct", lambda r: float(r["class_pct"]) > 0 and is_comp(r)),
                worst("qerr_pct", lambda r: float(r["qclass_pct"]) > 0), worst("shift_pct"),
                worst("uerr_pct"), worst("ierr_pct"), worst("ferr_hz"), sum(r["verdict"] != "ok" for r in rs),
                "%.4f" % max(nc, key=abs) if nc else "-"))
    f.write("\n## Starting and creep\n\n")
    for r in rows:
        if r["group"] == "start":
            what = ("first pulse after %.3f x the theoretical time (limit 1.5)" % float(r["value"])
                    if r["point"].startswith("starting") else "%.0f pulses in 10 x dt (target 0)" % float(r["value"]))
            f.write("* %s, %s: %s, %s\n" % (r["variant"], r["point"], what, r["verdict"]))
    conditions(f)
    f.write("\n## Every point\n\n| variant | group | point | P err % | Q err % | shift % | U err % | I err % | f err Hz | class % | verdict |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
    for r in rows:
        f.write("| %s | %s | %s | %.4f | %.4f | %.4f | %.4f | %.4f | %.5f | %s | %s |\n" % (
            r["variant"], r["group"], r["point"], float(r["err_pct"]), float(r["qerr_pct"]), float(r["shift_pct"]),
            float(r["uerr_pct"]), float(r["ierr_pct"]), float(r["ferr_hz"]), r["class_pct"], r["verdict"]))
print("accuracy report: %s/README.md (%d rows)" % (out, len(rows)))
