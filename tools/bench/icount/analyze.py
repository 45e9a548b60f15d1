#!/usr/bin/env python3
"""Tables from the instruction-count benchmark (tools/bench/icount/run.sh).

    analyze.py [--max-spread PCT] [--symbols] [--csv] BOOTDIR...

Each BOOTDIR holds one boot's phases.txt ("CONFIG PHASE IOS", written by
tests/vm/phases/icount.sh in marker order), plugin.txt (the icount plugin's
reports, same order) and kallsyms (the guest's /proc/kallsyms).  Prints a
markdown table: instructions per I/O (mean of the read and write phases;
sequential reads per 128 KiB read), ratio to dm-linear, the spread over the
boots ((max - min) / mean) and the module's own instructions (blocks whose
start lies in a dm_remap_v4 symbol).  werr/wok (the write-error path) and
act-* (one activation) have no ratio: they are not the same I/O as
dm-linear's.  --symbols adds, per configuration,
the symbols whose per-I/O count differs most from dm-linear's.  With
--max-spread, exits 1 if any configuration's spread exceeds PCT percent.
--csv prints "config,instructions per I/O,spread %,module's own" instead.
"""
import bisect
import collections
import os
import statistics
import sys

MODULE = "dm_remap_v4"
LABELS = {
    "raw": "raw brd",
    "linear": "dm-linear",
    "remap0": "remap-v4, 0 remaps",
    "remap1k": "remap-v4, 1,000 extents, 1% of the I/O remapped",
    "remap20k": "remap-v4, 20,000 extents, 1% of the I/O remapped",
    "wok": "remap-v4, 0 remaps, 4 KiB writes, healthy (the werr pattern)",
    "werr": "remap-v4, 4 KiB write that fails on main, until acknowledged from the spare",
    "act-linear": "activation (`dmsetup create`), dm-linear",
    "act-remap0": "activation (`dmsetup create`), remap-v4, no extents",
    "act-remap20k": "activation (`dmsetup create`), remap-v4, 20,000 extents",
}
# Configurations compared with dm-linear's I/O (the others are not I/O on
# the same pattern: ratios would mean nothing).
RATIO = ("raw", "linear", "remap0", "remap1k", "remap20k")


class Syms:
    def __init__(self, path):
        rows = []
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) < 3 or p[1] not in "tTwW":
                    continue
                mod = p[3].strip("[]") if len(p) > 3 else ""
                rows.append((int(p[0], 16), p[2], mod))
        rows.sort()
        if not rows or rows[-1][0] == 0:
            sys.exit("analyze: %s has no addresses (read as root?)" % path)
        self.addr = [r[0] for r in rows]
        self.rows = rows

    def find(self, vaddr):
        i = bisect.bisect_right(self.addr, vaddr) - 1
        if i < 0:
            return ("?", "")
        return self.rows[i][1], self.rows[i][2]


def read_boot(d):
    """[(config, phase, ios, insns, module_insns, {symbol: insns})] in order."""
    phases = [l.split() for l in open(os.path.join(d, "phases.txt")) if l.strip()]
    syms = Syms(os.path.join(d, "kallsyms"))
    reports, cur = [], None
    for line in open(os.path.join(d, "plugin.txt")):
        p = line.split()
        if p[0] == "report":
            cur = {"insns": int(p[3]), "syms": collections.Counter(), "mod": 0}
        elif p[0] == "tb":
            name, mod = syms.find(int(p[1], 16))
            n = int(p[2])
            cur["syms"][name if not mod or mod == MODULE else name + " [" + mod + "]"] += n
            if mod == MODULE:
                cur["mod"] += n
        elif p[0] == "end":
            reports.append(cur)
    if len(reports) != len(phases):
        sys.exit("analyze: %s: %d phases but %d plugin reports" % (d, len(phases), len(reports)))
    return [(c, ph, int(n), r["insns"], r["mod"], r["syms"]) for (c, ph, n), r in zip(phases, reports)]


def main(argv):
    max_spread = None
    show_syms = False
    csv = False
    dirs = []
    i = 0
    while i < len(argv):
        if argv[i] == "--max-spread":
            max_spread = float(argv[i + 1])
            i += 2
        elif argv[i] == "--csv":
            csv = True
            i += 1
        elif argv[i] == "--symbols":
            show_syms = True
            i += 1
        else:
            dirs.append(argv[i])
            i += 1
    if not dirs:
        sys.exit(__doc__)
    # per config: per boot: (insns per I/O, module insns per I/O, {sym: per I/O})
    per = collections.OrderedDict()
    for d in dirs:
        acc = collections.OrderedDict()
        for c, ph, n, insns, mod, syms in read_boot(d):
            a = acc.setdefault(c, {"n": 0, "per": [], "mod": [], "syms": []})
            a["per"].append(insns / n)
            a["mod"].append(mod / n)
            a["syms"].append({k: v / n for k, v in syms.items()})
        for c, a in acc.items():
            # Mean over the phases (read and write: each counted per I/O).
            sy = collections.Counter()
            for s in a["syms"]:
                for k, v in s.items():
                    sy[k] += v / len(a["syms"])
            per.setdefault(c, []).append((statistics.mean(a["per"]), statistics.mean(a["mod"]), sy))
    base = statistics.mean(v[0] for v in per["linear"]) if "linear" in per else None
    seqbase = statistics.mean(v[0] for v in per["seq-linear"]) if "seq-linear" in per else None
    if not csv:
        print("| configuration | instructions per I/O | vs dm-linear | spread over %d boots | module's own |" % len(dirs))
        print("|---|---:|---:|---:|---:|")
    worst = 0.0
    for c, vals in per.items():
        xs = [v[0] for v in vals]
        m = statistics.mean(xs)
        spread = (max(xs) - min(xs)) / m * 100
        worst = max(worst, spread)
        seq = c.startswith("seq-")
        b = seqbase if seq else (base if c in RATIO else None)
        label = LABELS.get(c[4:] if seq else c, c)
        if seq:
            label = "128 KiB sequential read, " + label
        mod = statistics.mean(v[1] for v in vals)
        if csv:
            print("%s,%.2f,%.3f,%.2f" % (c, m, spread, mod))
            continue
        print("| %s | %s | %s | %.2f%% | %s |" % (
            label, "{:,.0f}".format(m), "%.3f" % (m / b) if b else "",
            spread, "{:,.0f}".format(mod) if mod else ""))
    if show_syms and base and not csv:
        lin = per["linear"]
        linsy = collections.Counter()
        for v in lin:
            for k, x in v[2].items():
                linsy[k] += x / len(lin)
        for c, vals in per.items():
            if c in ("raw", "linear") or c not in RATIO:
                continue
            sy = collections.Counter()
            for v in vals:
                for k, x in v[2].items():
                    sy[k] += x / len(vals)
            diff = sorted(((sy[k] - linsy[k], k) for k in set(sy) | set(linsy)),
                          key=lambda t: -abs(t[0]))
            print()
            print("%s - dm-linear, instructions per I/O by symbol (|diff| >= 2):" % c)
            print()
            print("| symbol | %s | dm-linear | diff |" % c)
            print("|---|---:|---:|---:|")
            for dv, k in diff:
                if abs(dv) < 2:
                    break
                print("| %s | %.1f | %.1f | %+.1f |" % (k, sy[k], linsy[k], dv))
    if max_spread is not None and worst > max_spread:
        print("analyze: spread %.2f%% exceeds %.2f%%" % (worst, max_spread), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
