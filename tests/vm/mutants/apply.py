#!/usr/bin/env python3
"""apply.py MUTANTS.TXT list | apply NAME KERNEL_DIR: list the mutants
("name file test kernel-glob" per line) or apply one to a copy of kernel/."""
import sys


def parse(path):
    mutants, cur = [], None
    for line in open(path).read().split('\n'):
        if line.startswith('#') and cur is None:
            continue
        if line.startswith('@@ '):
            words = line[3:].split()
            name, file, test = words[:3]
            kernels = words[3] if len(words) > 3 else '*'
            cur = {'name': name, 'file': file, 'test': test, 'kernels': kernels,
                   'old': [], 'new': [], 'side': 'old'}
            mutants.append(cur)
        elif cur is not None and line == '==':
            cur['side'] = 'new'
        elif cur is not None:
            cur[cur['side']].append(line)
    for m in mutants:
        m['old'] = '\n'.join(m['old']).rstrip('\n')
        m['new'] = '\n'.join(m['new']).rstrip('\n')
    return mutants


def main():
    mutants = parse(sys.argv[1])
    if sys.argv[2] == 'list':
        for m in mutants:
            print(m['name'], m['file'], m['test'], m['kernels'])
        return
    name, kdir = sys.argv[3], sys.argv[4]
    m = next(m for m in mutants if m['name'] == name)
    p = f"{kdir}/{m['file']}"
    s = open(p).read()
    if s.count(m['old']) != 1:
        sys.exit(f"mutant {name}: text not found exactly once in {m['file']}:\n{m['old']}")
    open(p, 'w').write(s.replace(m['old'], m['new']))


main()
