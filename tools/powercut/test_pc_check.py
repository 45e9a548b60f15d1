#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Self-test of pc-check.py: synthetic console logs and check-boot dumps,
one scenario per kind of loss the power-cut test must report, plus the
legal outcomes it must accept.  No VM needed.  Exit 0 if every scenario
gives the expected verdict."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CHECK = os.path.join(HERE, 'pc-check.py')
BASE = 1000000000


def ack(seq, block):
    chk = (seq * 2654435761 + block * 40503 + 0x5a5a5a5a) & 0xffffffff
    return 'ACK %d %d %08x' % (seq, block, chk)


class Scenario:
    """One writer boot (cycle 1) and its check boot, editable before run()."""

    def __init__(self):
        # Writes: seq base+1.. to blocks 0,1,2,0,3 ; bad sector 9 (block 1)
        # is active from ACTIVE 1 on and remapped to spare block 0.
        self.writes = [(BASE + 1, 0), (BASE + 2, 1), (BASE + 3, 2), (BASE + 4, 0),
                       (BASE + 5, 1), (BASE + 6, 3)]
        self.log = ['boot noise', 'ACTIVE 0 t=1.0 ', 'SNAP 1 BEGIN', 'SNAP 1 END 0',
                    'START base=%d blocks=8 seed=1 cycle=1' % BASE]
        for i, (s, b) in enumerate(self.writes):
            self.log.append(ack(s, b))
            if i == 1:
                self.log += ['ACTIVE 1 t=2.0 9:1', 'SNAP 2 BEGIN',
                             'SNAP 2 END 0']
            if i == 4:
                self.log += ['SNAP 3 BEGIN', 'SNAP 3 E lblock=9 len=1 sblock=0 flags=remapped',
                             'SNAP 3 END 1']
        # cut mid-line; run-vm.sh's verdict follows on the same line
        self.log.append('ACK 10000run-vm: power cut: QEMU SIGKILLed after 9s -> 137')
        self.blocks = {b: [s] * 8 for s, b in self.writes}  # last write wins
        self.nblocks = 8
        self.list = 'lblock=9 len=1 sblock=0 flags=remapped\n'
        self.status = 'mode=rw remapped=1 pending=0'
        self.bad = '9:1 '
        self.meta_pre = 'copy 0 sector 0: valid seq=3\nrc=0\n'
        self.meta_post = 'copy 0 sector 0: valid seq=3\nrc=0\n'
        self.preload = None

    def run(self):
        with tempfile.TemporaryDirectory() as d:
            logs = os.path.join(d, 'logs')
            out = os.path.join(d, 'out')
            c1 = os.path.join(out, 'c1')
            os.makedirs(logs)
            os.makedirs(c1)
            with open(os.path.join(logs, '60-powercut-w1.log'), 'w') as f:
                f.write('run-vm: kernel x, script y\nrun-vm: qemu-system-x86_64 ...\n' +
                        '\r\n'.join(self.log) + '\n')
            lines = []
            for b in range(self.nblocks):
                toks = self.blocks.get(b, ['Z'] * 8)
                lines.append('B %d %s' % (b, ' '.join(str(t) for t in toks)))
            files = {'check.txt': '\n'.join(lines) + '\n', 'list.txt': self.list,
                     'status.txt': self.status, 'bad.txt': self.bad,
                     'meta-pre.txt': self.meta_pre, 'meta-post.txt': self.meta_post}
            for name, text in files.items():
                with open(os.path.join(c1, name), 'w') as f:
                    f.write(text)
            extra = ['--preload', self.preload] if self.preload else []
            p = subprocess.run([sys.executable, CHECK, '--cycle', '1', '--logs', logs,
                                '--out', out] + extra, capture_output=True, text=True)
            return p.returncode, p.stdout + p.stderr


def scenarios():
    def s(edit):
        x = Scenario()
        edit(x)
        return x

    def stale(x):
        x.blocks[0] = [BASE + 1] * 8           # last ACK for block 0 was base+4

    def zero(x):
        x.blocks[2] = ['Z'] * 8

    def garbage(x):
        x.blocks[3] = [BASE + 6] * 7 + ['G']

    def misdirected(x):
        x.blocks[3] = ['M%d:0:0' % (BASE + 4)] + [BASE + 6] * 7

    def read_error(x):
        x.blocks[3] = ['E5'] * 8

    def torn_acked(x):
        x.blocks[0] = [BASE + 4] * 4 + [BASE + 1] * 4

    def lost_remap(x):
        x.list = ''
        x.status = 'mode=rw remapped=0'

    def moved_remap(x):
        x.list = 'lblock=9 len=1 sblock=5 flags=remapped\n'

    def stray_remap(x):
        x.list += 'lblock=30 len=1 sblock=1 flags=remapped\n'
        x.status = 'mode=rw remapped=2'

    def unremapped(x):
        # block 3 (sectors 24-31) gets a bad sector that an acked write hit
        x.log.insert(x.log.index(ack(BASE + 4, 0)) + 1, 'ACTIVE 2 t=3.0 9:1 27:1')
        x.bad = '9:1 27:1 '

    def gap(x):
        x.log.remove(ack(BASE + 3, 2))

    def bad_ack(x):
        x.log.insert(8, 'ACK 1000000003 2 00000000')

    def err(x):
        x.log.insert(-1, 'ERR 1000000007 4 Input/output error')

    def exited(x):
        x.log.insert(-1, 'WRITER-EXIT 3')

    def kernel_bad(x):
        x.log.insert(-1, 'KERNEL-BAD [   12.5] WARNING: CPU: 1 PID: 77 at drivers/md/dm.c:1 x')

    def meta_dead(x):
        x.meta_pre = 'rc=2\n'

    def meta_unrepaired(x):
        x.meta_post = 'copy 1 sector 1024: invalid: bad crc\nrc=1\n'

    def mode_ro(x):
        x.status = 'mode=ro remapped=1'

    def pending(x):
        x.list += 'lblock=10 len=1 sblock=- flags=pending\n'
        x.bad = '9:2 '
        x.status = 'mode=rw remapped=2'

    def preload_kept(x):
        # 2 preloaded one-block extents at sectors 100 and 104 (spare 0, 1);
        # the test's own remap then got spare block 2
        x.preload = '100:2:1:4'
        x.list = ('lblock=9 len=1 sblock=2 flags=remapped\nlblock=100 len=1 sblock=0 flags=remapped\n'
                  'lblock=104 len=1 sblock=1 flags=remapped\n')
        x.log = [l.replace('sblock=0', 'sblock=2') for l in x.log]
        x.status = 'mode=rw remapped=3'

    def preload_lost(x):
        preload_kept(x)
        x.list = x.list.replace('lblock=104 len=1 sblock=1 flags=remapped\n', '')
        x.status = 'mode=rw remapped=2'

    # legal outcomes
    def newer(x):
        x.blocks[5] = [BASE + 7] * 8           # the in-flight write landed

    def torn_inflight(x):
        x.blocks[3] = [BASE + 6] * 3 + [BASE + 7] * 5

    def torn_first(x):
        x.blocks[6] = ['Z'] * 2 + [BASE + 8] * 6

    def stale_copies(x):
        x.meta_pre = 'copy 1 sector 1024: valid seq=2 (stale)\nrc=1\n'

    return [('clean run', s(lambda x: None), 0),
            ('in-flight write landed', s(newer), 0),
            ('in-flight write torn', s(torn_inflight), 0),
            ('first write torn', s(torn_first), 0),
            ('stale copy before activation', s(stale_copies), 0),
            ('preloaded table kept', s(preload_kept), 0),
            ('preloaded remap lost', s(preload_lost), 1),
            ('older than the last ACK', s(stale), 1),
            ('acked block reads zeros', s(zero), 1),
            ('garbage sector', s(garbage), 1),
            ('misdirected stamp', s(misdirected), 1),
            ('read error', s(read_error), 1),
            ('acked write torn', s(torn_acked), 1),
            ('snapshot remap lost', s(lost_remap), 1),
            ('remap moved', s(moved_remap), 1),
            ('remap of a good sector', s(stray_remap), 1),
            ('bad sector under acked write not remapped', s(unremapped), 1),
            ('console lost an ACK', s(gap), 1),
            ('malformed ACK', s(bad_ack), 1),
            ('writer saw EIO', s(err), 1),
            ('writer ended', s(exited), 1),
            ('kernel warning in the writer boot', s(kernel_bad), 1),
            ('no valid metadata copy', s(meta_dead), 1),
            ('copies not repaired', s(meta_unrepaired), 1),
            ('mode ro', s(mode_ro), 1),
            ('pending extent', s(pending), 1)]


def main():
    bad = 0
    for name, sc, want in scenarios():
        rc, text = sc.run()
        ok = rc == want
        bad += not ok
        print('%s %s (exit %d, expected %d)' % ('PASS' if ok else 'FAIL', name, rc, want))
        if not ok:
            print('  ' + text.replace('\n', '\n  '))
    print('%d scenarios, %d wrong' % (len(scenarios()), bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
