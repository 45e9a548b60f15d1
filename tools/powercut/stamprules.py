# SPDX-License-Identifier: GPL-2.0
"""The data rule shared by the power-cut judge (pc-check.py) and the crash
replay checker (crash-check.py): what a block written by stampwrite may hold
after a crash, given the last sequence number the writer was told is durable.
"""

SPB = 8  # 512-byte sectors per 4 KiB stampwrite block


def judge_block(tokens, required):
    """tokens: the SPB per-sector tokens of one `stampwrite check` line
    ("Z", "G", "<seq>", "M<seq>:<block>:<sector>", "E<errno>"); required: the
    seq the block must hold at least, or None if no write of it was durable.

    Every sector must hold a valid stamp of this very block and sector with
    seq >= required, or zeros if nothing was required.  Newer is allowed (a
    write not yet acknowledged may land), older, garbage, misdirected stamps
    and read errors never; sectors from different writes (torn) are allowed
    as long as each obeys that.  Returns (problem or None, set of the seqs
    seen, 0 for zeros)."""
    seqs = set()
    for i, tok in enumerate(tokens):
        if tok == 'Z':
            if required is not None:
                return 'sector %d is zeros but seq %d was acknowledged' % (i, required), seqs
            seqs.add(0)
        elif tok == 'G':
            return 'sector %d holds garbage (no valid stamp)' % i, seqs
        elif tok.startswith('M'):
            return 'sector %d holds a stamp of another place: %s' % (i, tok[1:]), seqs
        elif tok.startswith('E'):
            return 'read error %s' % tok[1:], seqs
        else:
            s = int(tok)
            seqs.add(s)
            if required is not None and s < required:
                return 'sector %d holds seq %d, older than the acknowledged %d' % (
                    i, s, required), seqs
    return None, seqs
