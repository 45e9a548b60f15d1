#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Offline judge of the crash-replay test (tests/vm/host/62-crash-replay.sh).

crash-check.py --log LOG --entries TXT --states TXT --info TXT --bin DIR
               --work DIR [--sample N] [--limit N] [--stop-after N]
               [--json FILE]

For every crash state (a line of `lw-replay states`) it rebuilds the logged
device with `lw-replay build`, carves out the spare (offsets from info.txt,
written by tests/vm/phases/crash-record.sh), decodes its metadata with
`dmr-meta` (the shared format code), resolves every 512-byte block of the
stamped region through the remap table (remapped: the spare block; pending
or not mapped: main) and reads the stamps with `stampwrite check`.  What
the writers were told is read from the marks in the log (lw-dump listing,
TXT) logged before the state's crash entry:

  A.<seq>.<block>   an O_DSYNC write acknowledged: durable
  W.<seq>.<block>   a plain write acknowledged (not durable by itself)
  S.<seq>           an fsync returned: every W of that writer (seq //
                    10^9) up to <seq> is durable
  P.<sector>.<seq>  <sector> became pending while it held stamp <seq>
  READY             remap-v4 is active; earlier states are not checked

Rules, per state (after READY):
  metadata   at least one valid copy (dmr-meta verify exit 0 or 1)
  data       every block reads a valid stamp of itself, not older than its
             last durable acknowledgement, or zeros if it had none
             (stamprules.judge_block, the rule of pc-check.py)
  remaps     no remapped sector reads zeros where main holds a stamp (a
             remap published before its spare data was durable); no
             unreadable extents, no remaps in the stamped region beyond
             what the workload can make
  pending    a sector that was pending is still pending, or reads a stamp
             newer than the one it held (it was rewritten)
  evacuation when the metadata has an evacuation cursor (info.txt names the
             new disk: new_offset, new_sectors), the blocks below it are
             read from the new disk, except pending and unreadable ones:
             they were not copied, their reads fail ("E5" in offline.txt,
             and not judged by the data rule)

Prints one line per state ("STATE <id> <kind> crash=<c> ok" or "... FAIL:
reasons") and a summary; exit 1 if any state fails or nothing was checked.
--sample N keeps N of the checked states (evenly spread), up to N more
that crashed inside a commit (stale copies), and two evacuation states (one
with a pending block below the cursor), in WORK/sample/<id>/
(state.img, offline.txt, state.txt) for crash-activate.sh to activate in a
VM.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stamprules import SPB, judge_block  # noqa: E402

META_SECTORS = 9216  # the spare's metadata area (DMR_DATA_START_SECTOR)


def parse_marks(path):
    marks, ready = [], None
    for line in open(path):
        m = re.match(r'^(\d+) .*flags=\S*MARK\S* mark=(\S*)$', line.strip())
        if m:
            idx, name = int(m.group(1)), m.group(2)
            marks.append((idx, name))
            if name == 'READY' and ready is None:
                ready = idx
    return marks, ready


def required_at(marks, crash):
    """What the writers were promised before entry `crash`."""
    req, plain, pend = {}, {}, {}
    for idx, name in marks:
        if idx >= crash:
            break
        t = name.split('.')
        if t[0] == 'A' and len(t) == 3:
            seq, b = int(t[1]), int(t[2])
            req[b] = max(seq, req.get(b, 0))
        elif t[0] == 'W' and len(t) == 3:
            plain.setdefault(int(t[1]) // 10**9, []).append((int(t[1]), int(t[2])))
        elif t[0] == 'S' and len(t) == 2:
            s = int(t[1])
            for seq, b in plain.get(s // 10**9, []):
                if seq <= s:
                    req[b] = max(seq, req.get(b, 0))
        elif t[0] == 'P' and len(t) == 3:
            pend[int(t[1])] = int(t[2])
    return req, pend


def run(cmd, ok=(0,)):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode not in ok:
        raise RuntimeError('%s: exit %d: %s' % (' '.join(cmd), p.returncode, p.stderr.strip()))
    return p.returncode, p.stdout


def stamps(stampwrite, path, blocks):
    _, out = run([stampwrite, 'check', path, '--blocks', str(blocks)])
    res = {}
    for line in out.splitlines():
        t = line.split()
        if len(t) != 2 + SPB or t[0] != 'B':
            raise RuntimeError('bad stampwrite check line: %r' % line)
        res[int(t[1])] = t[2:]
    return res, out


def main():
    ap = argparse.ArgumentParser()
    for o in ('log', 'entries', 'states', 'info', 'bin', 'work'):
        ap.add_argument('--' + o, required=True)
    ap.add_argument('--sample', type=int, default=0)
    ap.add_argument('--limit', type=int, default=0,
                    help='check at most this many states, the latest crash points first (0: all)')
    ap.add_argument('--stop-after', type=int, default=0,
                    help='stop after this many failing states (0: check all)')
    ap.add_argument('--json')
    a = ap.parse_args()

    info = {}
    for line in open(a.info):
        for kv in line.split():
            if '=' in kv:
                k, v = kv.split('=', 1)
                info[k] = v
    mo, ms = int(info['main_offset']), int(info['main_sectors'])
    so, ss = int(info['spare_offset']), int(info['spare_sectors'])
    blocks = int(info['blocks'])
    os.makedirs(a.work, exist_ok=True)
    # Scratch images in RAM when there is a tmpfs: rewriting a 14 MB image
    # per state on a busy disk costs a second each.
    scratch = tempfile.mkdtemp(prefix='crash-check.', dir='/dev/shm' if os.path.isdir('/dev/shm') else a.work)
    img, spare_img = os.path.join(scratch, 'state.img'), os.path.join(scratch, 'spare.img')
    main_img, logical_img = os.path.join(scratch, 'main.img'), os.path.join(scratch, 'logical.img')
    try:
        return check(a, info, scratch, img, spare_img, main_img, logical_img)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def check(a, info, scratch, img, spare_img, main_img, logical_img):
    mo, ms = int(info['main_offset']), int(info['main_sectors'])
    so, ss = int(info['spare_offset']), int(info['spare_sectors'])
    no, ns = int(info.get('new_offset', 0)), int(info.get('new_sectors', 0))
    blocks = int(info['blocks'])
    size = max(mo + ms, so + ss, no + ns) * 512
    replay = os.path.join(a.bin, 'logwrites', 'lw-replay')
    dmrmeta = os.path.join(a.bin, 'dmr-meta')
    stampwrite = os.path.join(a.bin, 'powercut', 'stampwrite')

    marks, ready = parse_marks(a.entries)
    if ready is None:
        print('FAIL: no READY mark in the log: the recording did not get going')
        return 1
    states = [line.rstrip('\n') for line in open(a.states) if line.strip()]
    checked = [s for s in states if int(re.search(r'crash=(-?\d+)', s).group(1)) > ready]
    # The latest crash points first: the log's tail holds the single-shot
    # steps (transient error, commit window, pending sectors, scanner), and
    # --limit / --stop-after then cut the long run of the writers' states.
    checked.sort(key=lambda s: -int(re.search(r'crash=(-?\d+)', s).group(1)))
    if a.limit:
        checked = checked[:a.limit]
    sample = set()
    if a.sample and checked:
        step = max(1, len(checked) // a.sample)
        sample = {checked[i] for i in range(len(checked) - 1, -1, -step)[:a.sample]}
    sample_dir = os.path.join(a.work, 'sample')
    shutil.rmtree(sample_dir, ignore_errors=True)

    meta_cache = {}
    stale_saved = 0
    evac_saved = set()
    tot = dict(states=len(states), checked=0, skipped=len(states) - len(checked),
               failed=0, prefix=0, random=0, meta_stale_states=0, max_required_blocks=0,
               max_remapped_in_region=0, pending_states=0, exact=0, newer=0, torn=0,
               evac_states=0, evac_max_cursor=0, evac_unreadable_blocks=0)
    for line in checked:
        sid, kind = line.split()[0], line.split()[1]
        crash = int(re.search(r'crash=(-?\d+)', line).group(1))
        req, pend = required_at(marks, crash)
        fails = []
        run([replay, 'build', a.log, img, '--size', str(size), '--state', line])
        data = open(img, 'rb').read()
        spare = data[so * 512:(so + ss) * 512]
        # `dmr-meta dump` exits like `verify` (0 all current, 1 stale or
        # invalid copies, 2 none valid); consecutive states mostly share
        # their metadata area, so its answer is cached by content.
        key = hashlib.sha1(spare[:META_SECTORS * 512]).digest()
        if key not in meta_cache:
            with open(spare_img, 'wb') as f:
                f.write(spare)
            meta_cache.clear()
            meta_cache[key] = run([dmrmeta, 'dump', spare_img], ok=(0, 1, 2))
        vrc, dump = meta_cache[key]
        extents, data_start, bs, cursor = [], None, None, None
        if vrc == 2:
            fails.append('no valid metadata copy')
        else:
            if vrc == 1:
                tot['meta_stale_states'] += 1
            for dl in dump.splitlines():
                m = re.match(r'^lblock=(\d+) len=(\d+) sblock=(\S+) flags=(\S+)$', dl)
                if m:
                    extents.append((int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)))
                elif dl.startswith('data_start: '):
                    data_start = int(dl.split()[1])
                elif dl.startswith('block_size: '):
                    bs = int(dl.split()[1])
                elif dl.startswith('evacuation_cursor: '):
                    cursor = int(dl.split()[1])
        main = data[mo * 512:(mo + ms) * 512]
        region = blocks * 4096
        logical = bytearray(main[:region])
        evac_end = 0  # bytes of the region on the new disk
        if cursor is not None:
            if not ns:
                fails.append('the metadata has an evacuation but info.txt names no new disk')
            else:
                evac_end = min(cursor * bs, region)
                logical[:evac_end] = data[no * 512:no * 512 + evac_end]
                tot['evac_states'] += 1
                tot['evac_max_cursor'] = max(tot['evac_max_cursor'], cursor)
        pending_sectors, remapped_sectors, unread = set(), set(), set()
        for lb, ln, sb, fl in extents:
            for j in range(ln):
                lo = (lb + j) * bs
                if lo >= region:
                    continue
                if fl == 'pending':
                    pending_sectors.update(range(lo // 512, (lo + bs) // 512))
                    if lo < evac_end:
                        unread.update(range(lo // 512, (lo + bs) // 512))
                elif lo < evac_end:
                    continue  # copied to the new disk: read there
                elif fl == 'remapped':
                    src = data_start * 512 + (int(sb) + j) * bs
                    logical[lo:lo + bs] = spare[src:src + bs]
                    remapped_sectors.update(range(lo // 512, (lo + bs) // 512))
                else:
                    fails.append('extent lblock=%d flags=%s in the stamped region' % (lb, fl))
        with open(logical_img, 'wb') as f:
            f.write(logical)
        got, got_txt = stamps(stampwrite, logical_img, blocks)
        unread_blocks = sorted({s // SPB for s in unread})
        if unread_blocks:
            # A pending block below the cursor: remap-v4 fails its reads
            # (what activation must show); its other sectors are judged.
            tot['evac_unreadable_blocks'] = max(tot['evac_unreadable_blocks'], len(unread_blocks))
            lines = got_txt.splitlines()
            for b in unread_blocks:
                lines[b] = 'B %d %s' % (b, ' '.join(['E5'] * SPB))
            got_txt = '\n'.join(lines) + '\n'
        on_main = None
        data_fail = 0
        for b in range(blocks):
            toks = [t for i, t in enumerate(got[b]) if b * SPB + i not in unread]
            problem, seqs = judge_block(toks, req.get(b))
            if problem:
                data_fail += 1
                if data_fail <= 5:
                    fails.append('block %d: %s (required %s)' % (b, problem, req.get(b)))
                continue
            if len(seqs) > 1:
                tot['torn'] += 1
            elif req.get(b) is not None and seqs == {req[b]}:
                tot['exact'] += 1
            elif req.get(b) is not None:
                tot['newer'] += 1
        if data_fail > 5:
            fails.append('... %d blocks fail the data rule in all' % data_fail)
        for s in sorted(remapped_sectors):
            b, i = divmod(s, SPB)
            if got[b][i] != 'Z':
                continue
            if on_main is None:
                with open(main_img, 'wb') as f:
                    f.write(main[:region])
                on_main, _ = stamps(stampwrite, main_img, blocks)
            if on_main[b][i] not in ('Z', 'G') and not on_main[b][i].startswith('M'):
                fails.append('sector %d is remapped to a spare block that holds zeros, main holds seq %s: '
                             'the remap was durable before its data' % (s, on_main[b][i]))
                break
        for s, pseq in sorted(pend.items()):
            tot['pending_states'] += 1
            if s in pending_sectors:
                continue
            b, i = divmod(s, SPB)
            tok = got[b][i]
            if not tok.isdigit() or int(tok) <= pseq:
                fails.append('sector %d was pending (holding seq %d) and is neither pending nor '
                             'rewritten now: reads %s' % (s, pseq, tok))
        tot['checked'] += 1
        tot[kind] = tot.get(kind, 0) + 1
        tot['max_required_blocks'] = max(tot['max_required_blocks'], len(req))
        tot['max_remapped_in_region'] = max(tot['max_remapped_in_region'], len(remapped_sectors))
        if fails:
            tot['failed'] += 1
            print('STATE %s %s crash=%d FAIL: %s' % (sid, kind, crash, '; '.join(fails)))
            if a.stop_after and tot['failed'] >= a.stop_after:
                print('crash-check: stopped after %d failing states' % tot['failed'])
                tot['stopped'] = 1
                break
        else:
            print('STATE %s %s crash=%d ok' % (sid, kind, crash))
        # Activate the evenly spread sample, and as many states again that
        # crashed inside a commit (stale copies for activation to repair).
        # With a sample, also the first evacuation state with a pending
        # block below the cursor, and the first one without.
        evac_kind = None if cursor is None or not a.sample else bool(unread_blocks)
        if (line in sample or (vrc == 1 and stale_saved < a.sample) or
                (evac_kind is not None and evac_kind not in evac_saved)):
            stale_saved += vrc == 1 and line not in sample
            evac_saved.add(evac_kind)
            d = os.path.join(sample_dir, sid)
            os.makedirs(d)
            shutil.copyfile(img, os.path.join(d, 'state.img'))
            with open(os.path.join(d, 'offline.txt'), 'w') as f:
                f.write(got_txt)
            with open(os.path.join(d, 'state.txt'), 'w') as f:
                f.write(line + '\n')
            if cursor is not None:
                with open(os.path.join(d, 'evac.txt'), 'w') as f:
                    f.write('cursor=%d\n' % cursor)
    print('crash-check: ' + ' '.join('%s=%s' % kv for kv in tot.items()))
    if a.json:
        with open(a.json, 'w') as f:
            json.dump(tot, f)
    if not tot['checked']:
        print('FAIL: no crash state after READY')
        return 1
    if not tot['max_required_blocks']:
        print('FAIL: no acknowledged write in any state: the marks are missing')
        return 1
    return 1 if tot['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
