#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host-side judge of the power-cut test (tests/vm/host/60-powercut.sh).

pc-check.py --cycle C --logs DIR --out DIR [--json FILE]

Reads the console logs of the writer boots 1..C (DIR/60-powercut-w<i>.log:
ACK, SNAP, ACTIVE, ERR, WRITER-EXIT lines printed by tests/vm/phases/
powercut.sh and stampwrite) and what the check boot after cycle C dumped
into OUT/c<C>/ (check.txt, list.txt, status.txt, meta-pre.txt,
meta-post.txt, bad.txt; and OUT/c<C-1>/list.txt), and checks:

  console   the ACK lines of each cycle are complete and in order (seq
            base+1, base+2, ... with a valid check field; only a last,
            unterminated line may be cut), no ERR line, the writer never
            ended by itself, no KERNEL-BAD line (Oops, WARNING, ... in the
            guest's dmesg, which the writer boot checks every second);
  data      every sector of every block holds a valid stamp of this block
            and sector, with a sequence number >= the last acknowledged
            write of the block (the in-flight write, or one whose ACK line
            had not reached the console yet, may have landed: newer is
            allowed, older never), or zeros if the block was never
            acknowledged; no garbage, no misdirected stamp, no read error;
  remaps    every remap in a complete SNAP (published list) of any writer
            boot, and every remap of the previous check, is in this
            check's list with the same spare block; every remapped sector is
            one of the injected bad sectors (or preloaded, --preload: those
            must all be present too); every bad sector covered by an
            acknowledged write made while it was bad is remapped; only
            flags=remapped; dmsetup status agrees with the list (mode=rw);
  metadata  before activation at least one copy is valid (dmr-meta verify
            exit 0 or 1), after activation and removal all 5 are (exit 0).

Prints one line per failed check (FAIL ...) and a summary; exit 0 if all
passed, 1 otherwise, 2 on usage errors.
"""
import argparse
import json
import os
import re
import sys

from stamprules import SPB, judge_block  # the data rule, shared with crash-check.py
ACK_RE = re.compile(r'^ACK (\d+) (\d+) ([0-9a-f]{8})$')
START_RE = re.compile(r'^START base=(\d+) blocks=(\d+) seed=(\d+) cycle=(\d+)$')
SNAP_RE = re.compile(r'^SNAP (\d+) (BEGIN|END \d+|E lblock=\d+ len=\d+ sblock=(?:\d+|-) flags=\w+)$')
ACTIVE_RE = re.compile(r'^ACTIVE (\d+) t=[\d.]+((?: \d+:\d+)*) ?$')
EXT_RE = re.compile(r'lblock=(\d+) len=(\d+) sblock=(\d+|-) flags=(\w+)')


def ack_check(seq, block):
    return (seq * 2654435761 + block * 40503 + 0x5a5a5a5a) & 0xffffffff


def lines_of(path):
    """Complete console lines of a run-vm.sh log.  The log starts with
    run-vm's own header lines and, after a power cut, ends with its verdict
    ("run-vm: power cut: ..."), appended right after whatever the console
    had printed, possibly in the middle of a line: the console is what lies
    between, and its unterminated last line is dropped."""
    with open(path, 'rb') as f:
        data = f.read().decode('utf-8', 'replace')
    start = 0
    while data.startswith('run-vm: ', start):
        start = data.find('\n', start) + 1
        if start == 0:
            return []
    end = data.find('run-vm: ', start)
    if end >= 0:
        data = data[start:end]
    else:
        data = data[start:]
    parts = data.split('\n')
    return [p.rstrip('\r') for p in parts[:-1]]


def ranges_to_sectors(text):
    out = set()
    for r in text.split():
        s, n = r.split(':')
        out.update(range(int(s), int(s) + int(n)))
    return out


def parse_list(text):
    """remap list -> {main sector: (spare block, flags)} (block = 512 B here)."""
    m = {}
    for line in text.splitlines():
        g = EXT_RE.search(line)
        if not g:
            continue
        lb, ln, sb, fl = int(g.group(1)), int(g.group(2)), g.group(3), g.group(4)
        for i in range(ln):
            m[lb + i] = (None if sb == '-' else int(sb) + i, fl)
    return m


class Writer:
    """Everything one writer boot printed."""

    def __init__(self, path, cycle):
        self.path = path
        self.cycle = cycle
        self.base = None
        self.acks = []          # (seq, block, line index)
        self.bad_ack_lines = 0
        self.errors = []
        self.snaps = []         # [{sector: (sblock, flags)}]
        self.active = []        # (line index, set of bad sectors)
        self.exited = None
        snaps = {}
        for i, line in enumerate(lines_of(path)):
            if line.startswith('ACK'):
                g = ACK_RE.match(line)
                if g and ack_check(int(g.group(1)), int(g.group(2))) == int(g.group(3), 16):
                    self.acks.append((int(g.group(1)), int(g.group(2)), i))
                else:
                    self.bad_ack_lines += 1
            elif line.startswith('START '):
                g = START_RE.match(line)
                if g:
                    self.base = int(g.group(1))
            elif line.startswith('ERR '):
                self.errors.append(line)
            elif line.startswith('WRITER-EXIT'):
                self.exited = line
            elif line.startswith('KERNEL-BAD '):
                self.errors.append(line)
            elif line.startswith('SNAP '):
                g = SNAP_RE.match(line)
                if not g:
                    continue
                sid, what = int(g.group(1)), g.group(2)
                if what == 'BEGIN':
                    snaps[sid] = []
                elif what.startswith('END '):
                    ents = snaps.pop(sid, None)
                    if ents is not None and len(ents) == int(what[4:]):
                        self.snaps.append(parse_list('\n'.join(ents)))
                elif sid in snaps:
                    snaps[sid].append(what[2:])
            elif line.startswith('ACTIVE '):
                g = ACTIVE_RE.match(line)
                if g:
                    self.active.append((i, ranges_to_sectors(g.group(2))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--cycle', type=int, required=True)
    ap.add_argument('--logs', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--json')
    ap.add_argument('--name', default='60-powercut', help='log name prefix (PC_NAME)')
    ap.add_argument('--evac', action='store_true',
                    help='the device was being evacuated: a write may have gone to the new disk, '
                         'so bad sectors under acknowledged writes need not be remapped')
    ap.add_argument('--preload', default='0:0:1:1',
                    help='START:COUNT:LEN:SPACING of extents written by mkremaps before cycle 1')
    a = ap.parse_args()
    C = a.cycle
    fails = []

    def fail(msg):
        fails.append(msg)

    writers = []
    for c in range(1, C + 1):
        p = os.path.join(a.logs, '%s-w%d.log' % (a.name, c))
        if not os.path.exists(p):
            print('pc-check: missing %s' % p, file=sys.stderr)
            return 2
        writers.append(Writer(p, c))

    # --- console integrity ---------------------------------------------------
    last_ack = {}       # block -> highest acknowledged seq
    for w in writers:
        if w.base is None:
            # The cut came before the writer started: nothing to check here
            # (60-powercut.sh moves later cuts and fails if this is common).
            if w.acks or w.snaps:
                fail('cycle %d: output from a writer without a START line' % w.cycle)
            continue
        if w.bad_ack_lines:
            fail('cycle %d: %d malformed ACK lines on the console' % (w.cycle, w.bad_ack_lines))
        for e in w.errors:
            fail('cycle %d: %s' % (w.cycle, 'kernel log: ' + e[11:] if e.startswith('KERNEL-BAD') else 'the writer saw a write error: ' + e))
        if w.exited:
            fail('cycle %d: the writer ended before the power cut: %s' % (w.cycle, w.exited))
        for k, (seq, block, _) in enumerate(w.acks):
            if seq != w.base + 1 + k:
                fail('cycle %d: ACK %d out of order (expected %d): console lost lines' %
                     (w.cycle, seq, w.base + 1 + k))
                break
        for seq, block, _ in w.acks:
            last_ack[block] = max(seq, last_ack.get(block, 0))

    # --- data ------------------------------------------------------------------
    d = os.path.join(a.out, 'c%d' % C)
    stats = dict(blocks=0, acked_blocks=len(last_ack), exact=0, newer=0, torn=0,
                 never_written=0)
    try:
        check_lines = open(os.path.join(d, 'check.txt')).read().splitlines()
    except OSError as e:
        fail('no block dump from the check boot: %s' % e)
        check_lines = []
    data_fail = 0
    for line in check_lines:
        t = line.split()
        if len(t) != 2 + SPB or t[0] != 'B':
            fail('bad dump line: %r' % line)
            continue
        b = int(t[1])
        stats['blocks'] += 1
        L = last_ack.get(b)
        problem, seqs = judge_block(t[2:], L)
        if problem:
            data_fail += 1
            if data_fail <= 20:
                fail('block %d: %s (last ACK %s)' % (b, problem, L))
            continue
        if len(seqs) > 1:
            stats['torn'] += 1
        elif L is None and seqs == {0}:
            stats['never_written'] += 1
        elif L is not None and seqs == {L}:
            stats['exact'] += 1
        else:
            stats['newer'] += 1
    if data_fail > 20:
        fail('... %d blocks failed the data check in all' % data_fail)
    if check_lines and stats['blocks'] != len(check_lines):
        fail('dump has %d lines for %d blocks' % (len(check_lines), stats['blocks']))

    # --- remaps ----------------------------------------------------------------
    try:
        final = parse_list(open(os.path.join(d, 'list.txt')).read())
        status = dict(kv.split('=', 1) for kv in
                      open(os.path.join(d, 'status.txt')).read().split() if '=' in kv)
        bad = ranges_to_sectors(open(os.path.join(d, 'bad.txt')).read())
    except OSError as e:
        fail('check boot output missing: %s' % e)
        final, status, bad = {}, {}, set()
    flags = {fl for _, fl in final.values()}
    if flags - {'remapped'}:
        fail('unexpected extent flags after the cut: %s' % sorted(flags - {'remapped'}))
    if status.get('mode') != 'rw':
        fail('status mode=%s after the cut, expected rw' % status.get('mode'))
    if status.get('remapped') != str(len(final)):
        fail('status remapped=%s but the list has %d blocks' % (status.get('remapped'), len(final)))

    def missing_from_final(m, what):
        lost = [(s, v) for s, v in m.items() if final.get(s) != v]
        if lost:
            fail('%s: %d remaps missing or changed after the cut, e.g. sector %d -> %s, now %s' %
                 (what, len(lost), lost[0][0], lost[0][1], final.get(lost[0][0])))

    p0, pn, plen, pspace = (int(x) for x in a.preload.split(':'))
    preloaded = {p0 + i * plen * pspace + j: (i * plen + j, 'remapped')
                 for i in range(pn // plen) for j in range(plen)}
    missing_from_final(preloaded, 'preloaded table')
    stray = sorted(set(final) - bad - set(preloaded))
    if stray:
        fail('%d remapped sectors were never bad, e.g. %s' % (len(stray), stray[:5]))

    nsnaps = 0
    for w in writers:
        for k, snap in enumerate(w.snaps):
            missing_from_final(snap, 'cycle %d snapshot %d' % (w.cycle, k + 1))
        nsnaps += len(w.snaps)
    if C > 1:
        try:
            prev = parse_list(open(os.path.join(a.out, 'c%d' % (C - 1), 'list.txt')).read())
            missing_from_final(prev, 'check %d' % (C - 1))
        except OSError:
            fail('no list from check %d' % (C - 1))

    # Bad sectors under an acknowledged write must have been remapped.  A write
    # is known to have run under an ACTIVE table if its seq is above the first
    # ACK printed after the ACTIVE line (that ACK came after the line, so the
    # next write was issued after the table was live).
    expected = set()
    for w in writers:
        for idx, sectors in w.active:
            first_after = next((seq for seq, _, li in w.acks if li > idx), None)
            if first_after is None or not sectors:
                continue
            for seq, block, _ in w.acks:
                if seq > first_after:
                    for s in range(block * SPB, block * SPB + SPB):
                        if s in sectors:
                            expected.add(s)
    unremapped = sorted(expected - set(final))
    if unremapped and not a.evac:
        fail('%d bad sectors written by acknowledged writes are not remapped, e.g. %s' %
             (len(unremapped), unremapped[:5]))

    # --- metadata --------------------------------------------------------------
    def meta_rc(name):
        try:
            txt = open(os.path.join(d, name)).read()
        except OSError:
            return None, ''
        g = re.search(r'^rc=(\d+)$', txt, re.M)
        return (int(g.group(1)) if g else None), txt
    pre, pre_txt = meta_rc('meta-pre.txt')
    post, _ = meta_rc('meta-post.txt')
    if pre not in (0, 1):
        fail('no valid metadata copy after the cut (dmr-meta verify exit %s)' % pre)
    if post != 0:
        fail('metadata copies not all valid after reactivation (dmr-meta verify exit %s)' % post)

    acks = sum(len(w.acks) for w in writers)
    summary = dict(cycle=C, write_cycles=sum(1 for w in writers if w.base is not None),
                   acks_total=acks, acks_this_cycle=len(writers[-1].acks),
                   snapshots=nsnaps, remapped=len(final) - len(preloaded), preloaded=len(preloaded),
                   remaps_expected=len(expected),
                   meta_pre_rc=pre, meta_pre_stale=len(re.findall(r'\(stale\)', pre_txt)),
                   meta_pre_invalid=len(re.findall(r': invalid', pre_txt)),
                   **stats)
    print('pc-check cycle %d: %s' % (C, ' '.join('%s=%s' % kv for kv in summary.items())))
    if a.json:
        with open(a.json, 'w') as f:
            json.dump(dict(summary, fails=fails), f)
    for f in fails:
        print('FAIL ' + f)
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
