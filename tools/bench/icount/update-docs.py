#!/usr/bin/env python3
"""Put an icount run's report into docs/BENCHMARKS.md.

    update-docs.py RUNDIR DOC

Replaces the text between "<!-- icount:begin -->" and "<!-- icount:end -->"
in DOC with RUNDIR/env.txt (how it was run) and RUNDIR/report.md (the
tables of tools/bench/icount/run.sh).  DOC is left alone if either marker
is missing.
"""
import os
import sys


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    run, doc = argv
    env = open(os.path.join(run, "env.txt")).read().strip()
    report = open(os.path.join(run, "report.md")).read().strip()
    text = open(doc).read()
    begin, end = "<!-- icount:begin -->", "<!-- icount:end -->"
    if text.count(begin) != 1 or text.count(end) != 1 or text.index(begin) > text.index(end):
        sys.exit("update-docs: %s needs one %s ... %s pair" % (doc, begin, end))
    head, rest = text.split(begin)
    _, tail = rest.split(end)
    new = "%s%s\n\n```\n%s\n```\n\n%s\n\n%s%s" % (head, begin, env, report, end, tail)
    with open(doc + ".tmp", "w") as f:
        f.write(new)
    os.replace(doc + ".tmp", doc)
    print("update-docs: %s updated from %s" % (doc, run))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
