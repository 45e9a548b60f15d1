#!/bin/bash
# run.sh: the benchmarks behind docs/BENCHMARKS.md (`make bench`).
#
#   0. tools/bench/icount/run.sh: instructions per I/O in the guest kernel
#      (deterministic: a QEMU plugin counts them), remap-v4 against
#      dm-linear, 3 boots per kernel; its tables replace the part of
#      docs/BENCHMARKS.md between the icount markers (SKIP_ICOUNT=1 skips
#      it, ICOUNT_DOCS=0 leaves the docs alone);
#   1. tools/bench/lookup.sh: userspace lookup cost (ns and instructions);
#   2. one VM per I/O case (tests/vm/phases/bench.sh io): fio on remap-v4 vs
#      dm-linear, backings null_blk and loop, 0 / 1,000 / 100,000 remapped
#      blocks, ROUNDS interleaved rounds;
#   3. one VM for activation time and metadata commit latency
#      (tests/vm/phases/bench.sh meta), with two blank 64 MiB host files as
#      virtio disks.
# VMs run one after the other.  Everything lands in build/bench/run-<date>/
# (raw key=value lines, console logs, report.md); the report is printed.
#
# Env: KVER (default: newest usable kernel), ROUNDS (default 5), RUNTIME
# (seconds per fio run, default 3), CASES (default "nullb:0 nullb:1000
# nullb:100000 loop:0 loop:1000 loop:100000"), NACT (activations timed,
# default 7), NCOMMIT (remap messages timed, default 100), SKIP_LOOKUP=1, SKIP_META=1,
# VM_TIMEOUT (per VM, default 2400).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd -P)
kver=${KVER:-$("$repo/tests/vm/kernels.sh" | tail -n 1)}
rounds=${ROUNDS:-5}
runtime=${RUNTIME:-3}
cases=${CASES-nullb:0 nullb:1000 nullb:100000 loop:0 loop:1000 loop:100000}
stamp=$(date -u +%Y%m%d-%H%M%S)
dir=$repo/build/bench/run-$stamp
mkdir -p "$dir"
py=/usr/bin/python3
[[ -x $py ]] || py=python3

[[ -f $repo/build/kmod/$kver/dm-remap-v4.ko ]] ||
    { echo "run.sh: build/kmod/$kver/dm-remap-v4.ko missing: run make module-all" >&2; exit 1; }
for t in dmr-meta bench/mkremaps; do
    [[ -x $repo/build/cmake/tools/$t ]] ||
        { echo "run.sh: build/cmake/tools/$t missing: run make userspace" >&2; exit 1; }
done

{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "kernel (guest): $kver; host: $(uname -r), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
    echo "git: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$repo" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "command: KVER=$kver ROUNDS=$rounds RUNTIME=$runtime CASES='$cases' tools/bench/run.sh"
    echo "host load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$dir/env.txt"
cat "$dir/env.txt"

if [[ -z ${SKIP_ICOUNT:-} ]]; then
    echo "== instructions per I/O (tools/bench/icount/run.sh)"
    OUT=$dir/icount "$repo/tools/bench/icount/run.sh"
    if [[ ${ICOUNT_DOCS:-1} == 1 ]]; then
        "$py" "$repo/tools/bench/icount/update-docs.py" "$dir/icount" "$repo/docs/BENCHMARKS.md"
    fi
fi

if [[ -z ${SKIP_LOOKUP:-} ]]; then
    echo "== lookup microbenchmark"
    "$repo/tools/bench/lookup.sh" | tee "$dir/lookup.md"
fi

vm() { # <name> <run-vm args...>
    local name=$1 rc=0
    shift
    mkdir -p "$dir/$name"
    "$repo/tests/vm/run-vm.sh" --kernel "$kver" --quiet --timeout "${VM_TIMEOUT:-2400}" \
        --out "$dir/$name" --log "$dir/$name/console.log" \
        --env "BENCH_MKREMAPS=$repo/build/cmake/tools/bench/mkremaps" --env "ROUNDS=$rounds" --env "RUNTIME=$runtime" \
        --env "NACT=${NACT:-7}" --env "NCOMMIT=${NCOMMIT:-100}" \
        "$@" || rc=$?
    if ((rc != 0)); then
        echo "run.sh: $name failed ($rc): $dir/$name/console.log" >&2
        grep -a -e FATAL -e '^run-vm:' "$dir/$name/console.log" | tail -n 5 >&2
        return 1
    fi
}
for c in $cases; do
    echo "== fio: ${c%%:*}, ${c#*:} remapped blocks ($(date -u +%H:%M:%S))"
    vm "io-${c%%:*}-${c#*:}" -- "$repo/tests/vm/phases/bench.sh" io "${c%%:*}" "${c#*:}"
done
if [[ -z ${SKIP_META:-} ]]; then
    echo "== activation and commit latency ($(date -u +%H:%M:%S))"
    truncate -s 64M "$dir/vda.img" "$dir/vdb.img"
    vm meta --disk "$dir/vda.img" --disk "$dir/vdb.img" -- "$repo/tests/vm/phases/bench.sh" meta
    rm -f "$dir/vda.img" "$dir/vdb.img"
fi
echo "host load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$dir/env.txt"
"$py" "$repo/tools/bench/report.py" "$dir" >"$dir/report.md"
echo "== results ($dir)"
cat "$dir/report.md"
