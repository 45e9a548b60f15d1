#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""report.py DIR: markdown tables from the key=value lines that
tests/vm/phases/bench.sh wrote under DIR (*/io.txt, */meta.txt).

I/O: per (backing, remaps, workload), the median IOPS of remap-v4 and of
dm-linear, and the per-round ratio remap-v4/dm-linear (each round ran both,
back to back, in alternating order): median, min and max.  'spare share' is
the I/Os the spare device completed during the remap-v4 runs over the I/Os
fio issued (the fraction that hit remapped blocks; a 128 KiB read that
touches a remapped extent is split, so it can count more than once).
Meta: activation time per table (median, min-max over the rounds) and the
mean time per `dmsetup message` (help = the round trip alone, remap = a
remap with its metadata commit)."""
import glob
import os
import statistics
import sys


def rows(path):
    for line in open(path):
        kv = dict(x.split('=', 1) for x in line.split() if '=' in x)
        if kv:
            yield kv


def main():
    d = sys.argv[1]
    io = [r for p in sorted(glob.glob(os.path.join(d, '*', 'io.txt'))) for r in rows(p)]
    meta = [r for p in sorted(glob.glob(os.path.join(d, '*', 'meta.txt'))) for r in rows(p)]
    wl_order = ['randread-4k-qd1', 'randread-4k-qd32', 'randwrite-4k-qd1',
                'randwrite-4k-qd32', 'seqread-128k-qd8']
    if io:
        groups = {}
        for r in io:
            key = (r['backing'], int(r['remaps']), r['workload'])
            groups.setdefault(key, {}).setdefault(int(r['round']), {})[r['dev']] = r
        print('| backing | remapped blocks | workload | remap-v4 IOPS (median) | dm-linear IOPS (median) '
              '| ratio median | ratio min | ratio max | rounds | spare share |')
        print('|---|---:|---|---:|---:|---:|---:|---:|---:|---:|')
        for key in sorted(groups, key=lambda k: (k[0], k[1], wl_order.index(k[2])
                                                  if k[2] in wl_order else 99)):
            rounds = [v for v in groups[key].values() if 'r' in v and 'l' in v]
            if not rounds:
                continue
            ratios = [float(v['r']['iops']) / float(v['l']['iops']) for v in rounds]
            ri = statistics.median(float(v['r']['iops']) for v in rounds)
            li = statistics.median(float(v['l']['iops']) for v in rounds)
            share = statistics.median(int(v['r']['spare_ios']) / max(1, int(v['r']['ios']))
                                      for v in rounds)
            print('| %s | %d | %s | %.0f | %.0f | %.3f | %.3f | %.3f | %d | %.2f%% |' % (
                key[0], key[1], key[2], ri, li, statistics.median(ratios), min(ratios),
                max(ratios), len(rounds), 100 * share))
        print()
    act = {}
    for r in meta:
        if r.get('kind') == 'activate':
            act.setdefault(r['table'], []).append(int(r['us']) / 1000)
    if act:
        print('| activation (`dmsetup create`) | median ms | min ms | max ms | rounds |')
        print('|---|---:|---:|---:|---:|')
        names = {'linear': 'dm-linear (baseline)', 'empty': 'remap-v4, 0 extents',
                 'full': 'remap-v4, 21,824 extents (full table)'}
        for k in ('linear', 'empty', 'full'):
            if k in act:
                v = act[k]
                print('| %s | %.1f | %.1f | %.1f | %d |' % (names[k], statistics.median(v),
                                                            min(v), max(v), len(v)))
        print()
    com = [r for r in meta if r.get('kind') == 'commit']
    if com:
        print('| spare | extents before | messages | `help` ms each | `remap` ms each | remap - help ms |')
        print('|---|---:|---:|---:|---:|---:|')
        for r in com:
            h, m = int(r['help_us']) / 1000, int(r['remap_us']) / 1000
            print('| %s | %s | %s | %.1f | %.1f | %.1f |' % (r['spare'], r['extents_before'],
                                                         r['n'], h, m, m - h))
    return 0


if __name__ == '__main__':
    sys.exit(main())
