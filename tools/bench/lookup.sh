#!/bin/bash
# lookup.sh: remap-table lookup cost in userspace, on the kernel's own
# dmr_ext_find (include/dm-remap/extents.c), two ways:
#   * time per lookup (Google Benchmark, tests/bench/bench_lookup.cpp):
#     REPS repetitions (default 5), median and min-max of the per-repetition
#     means; random keys (~1% hits) and sequential 4 KiB steps;
#   * instructions per lookup (valgrind --tool=callgrind, counting only
#     inside dmr_ext_find, tests/bench/lookup_count.c): exact and repeatable.
# Table sizes 1, 1000, 21824 (= DMR_MAX_EXTENTS, the most the format holds),
# 100000 and 1000000 (beyond the format: only to show the O(log n) growth).
# Builds into build/bench (standalone cmake of tests/bench).  Prints a
# markdown table; the raw outputs stay in build/bench/results/.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd -P)
b=$repo/build/bench
reps=${REPS:-5}
res=$b/results
mkdir -p "$res"
cmake -S "$repo/tests/bench" -B "$b" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$b" -j 2 >/dev/null
[[ -x $b/bench_lookup ]] || { echo "lookup.sh: bench_lookup not built (apt-get install libbenchmark-dev)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "lookup.sh: valgrind missing (apt-get install valgrind)" >&2; exit 1; }

"$b/bench_lookup" --benchmark_repetitions="$reps" --benchmark_min_time=0.2 \
    --benchmark_format=json --benchmark_out="$res/lookup.json" --benchmark_out_format=json \
    >/dev/null 2>"$res/lookup.stderr"

sizes="1 1000 21824 100000 1000000"
lookups=100000
for n in $sizes; do
    valgrind --tool=callgrind --toggle-collect=dmr_ext_find \
        --callgrind-out-file="$res/callgrind.$n" "$b/lookup_count" "$n" "$lookups" \
        >"$res/callgrind.$n.stdout" 2>"$res/callgrind.$n.log"
done

# shellcheck disable=SC2086 # one argument per size
/usr/bin/python3 - "$res" "$lookups" $sizes <<'PY'
import json, re, statistics, sys
res, lookups, sizes = sys.argv[1], int(sys.argv[2]), [int(x) for x in sys.argv[3:]]
j = json.load(open(res + '/lookup.json'))
runs = {}
for bm in j['benchmarks']:
    if bm.get('run_type') != 'iteration':
        continue
    kind, n = re.match(r'BM_lookup_(\w+)/(\d+)', bm['name']).groups()
    runs.setdefault((kind, int(n)), []).append(bm['cpu_time'])
ctx = j['context']
print('host: %s, %d CPUs at %s MHz, load average %s; %d repetitions each' % (
    ctx.get('host_name', '?'), ctx.get('num_cpus', 0), ctx.get('mhz_per_cpu', '?'),
    ' '.join('%.2f' % x for x in ctx.get('load_avg', [])), len(runs[('random', sizes[0])])))
print()
print('| extents | table | random: ns/lookup median (min-max) | sequential: ns/lookup median (min-max) | instructions/lookup (callgrind) |')
print('|---:|---:|---:|---:|---:|')
for n in sizes:
    txt = open('%s/callgrind.%d.log' % (res, n)).read()
    ir = int(re.search(r'Collected : (\d+)', txt).group(1))
    cells = []
    for kind in ('random', 'seq'):
        t = runs[(kind, n)]
        cells.append('%.1f (%.1f-%.1f)' % (statistics.median(t), min(t), max(t)))
    b = n * 24
    size = '%d B' % b if b < 1024 else '%.0f KiB' % (b / 1024) if b < 1 << 20 else '%.1f MiB' % (b / (1 << 20))
    note = '' if n <= 21824 else ' (beyond the format)'
    print('| %d%s | %s | %s | %s | %.1f |' % (n, note, size, cells[0], cells[1], ir / lookups))
PY
