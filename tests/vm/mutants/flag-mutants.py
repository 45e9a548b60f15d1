#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""flag-mutants.py list KERNEL_DIR | apply NAME KERNEL_DIR

The mutants of the crash-replay test (issue 10), generated from the code
rather than listed by hand, so a flag added later gets its mutant too: for
every REQ_PREFLUSH and every REQ_FUA in kernel/*.c (outside comments and
strings), a variant in which that one occurrence is replaced by 0.

  list   one line per mutant: "<name> <file> <line> <expect>", the name
         being no-fua-<function> or no-preflush-<function> (named after the
         function, not the line, so that comments do not rename them; a
         second occurrence in the same function gets a suffix .2, ...);
         <expect> is "caught", or "redundant" when the last comment before
         the flag (ending at most REDUNDANT_REACH lines above it) says
         "crash-replay: redundant" and explains why the flag is not needed
         for crash consistency: that mutant must survive, and its being
         caught shows the comment wrong; "unobservable" when it says
         "crash-replay: not observable" and names the test that guards the
         flag instead (the replay logs main, spare and new disk in one log,
         where a flush of one flushes all: a flag on the evacuation's new
         disk cannot be missed there); it is expected to survive too
  apply  rewrite that occurrence in KERNEL_DIR/<file> (a copy of kernel/)
"""
import glob
import os
import re
import sys

TOKENS = {'REQ_FUA': 'fua', 'REQ_PREFLUSH': 'preflush'}
REDUNDANT_TAG = 'crash-replay: redundant'
UNOBSERVABLE_TAG = 'crash-replay: not observable'
REDUNDANT_REACH = 6


def blank_comments(src):
    """src with comments and string literals replaced by spaces (same offsets)."""
    out, i, n = list(src), 0, len(src)
    while i < n:
        if src.startswith('/*', i):
            j = src.find('*/', i + 2)
            j = n if j < 0 else j + 2
        elif src.startswith('//', i):
            j = src.find('\n', i)
            j = n if j < 0 else j
        elif src[i] in '"\'':
            q, j = src[i], i + 1
            while j < n and src[j] != q:
                j += 2 if src[j] == '\\' else 1
            j += 1
        else:
            i += 1
            continue
        for k in range(i, min(j, n)):
            if out[k] != '\n':
                out[k] = ' '
        i = j
    return ''.join(out)


def function_at(code, pos):
    """The function whose body holds pos: the last definition (a line that
    starts with an identifier and has "name(" in it, then a line "{")
    before it."""
    name = 'toplevel'
    for m in re.finditer(r'^[A-Za-z_][^\n;]*?\b([A-Za-z_]\w*)\([^;]*?\n\{', code[:pos], re.M):
        name = m.group(1)
    return name


def tagged(src, pos, tag):
    """Whether the last comment ending before pos, at most REDUNDANT_REACH
    lines above it, carries tag."""
    end = src.rfind('*/', 0, pos)
    if end < 0 or src.count('\n', end, pos) > REDUNDANT_REACH:
        return False
    start = src.rfind('/*', 0, end)
    return tag in ' '.join(src[start:end].replace('*', ' ').split())


def expectation(src, pos):
    if tagged(src, pos, REDUNDANT_TAG):
        return 'redundant'
    return 'unobservable' if tagged(src, pos, UNOBSERVABLE_TAG) else 'caught'


def mutants(kdir):
    res = []
    for path in sorted(glob.glob(os.path.join(kdir, '*.c'))):
        src = open(path).read()
        code = blank_comments(src)
        seen = {}
        for m in re.finditer(r'\b(REQ_FUA|REQ_PREFLUSH)\b', code):
            line = code.count('\n', 0, m.start()) + 1
            name = 'no-%s-%s' % (TOKENS[m.group(1)], function_at(code, m.start()))
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name += '.%d' % seen[name]
            expect = expectation(src, m.start())
            res.append((name, os.path.basename(path), line, m.start(), m.end(), expect))
    return res


def main():
    if len(sys.argv) == 3 and sys.argv[1] == 'list':
        for name, f, line, _, _, expect in mutants(sys.argv[2]):
            print(name, f, line, expect)
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == 'apply':
        for name, f, line, a, b, _ in mutants(sys.argv[3]):
            if name == sys.argv[2]:
                p = os.path.join(sys.argv[3], f)
                src = open(p).read()
                open(p, 'w').write(src[:a] + '0' + src[b:])
                return 0
        sys.exit('flag-mutants: no mutant %s' % sys.argv[2])
    sys.exit(__doc__)


sys.exit(main())
