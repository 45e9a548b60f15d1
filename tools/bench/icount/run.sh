#!/bin/bash
# run.sh: the instruction-count benchmark (first part of `make bench`).
#
# Boots BOOTS VMs per kernel, one after the other, each with one vCPU,
# -icount shift=0,sleep=off and the icount plugin (icount.so); the guest
# (tests/vm/phases/icount.sh) runs iobench on every configuration; then
# analyze.py prints instructions per I/O, the ratio to dm-linear, the
# spread over the boots and the module's own instructions.  Output:
# OUT/<kver>/boot<i>/ (raw data, console logs) and OUT/report.md.
#
# Env: KVERS (default: every kernel of tests/vm/kernels.sh), BOOTS (3),
# ICOUNT_NIO (4 KiB I/Os per phase, 10000), ICOUNT_SEQ_NIO (128 KiB reads,
# 2000), CONFIGS (default all: raw linear remap0 remap1k remap20k seq-linear
# seq-remap0 seq-remap1k seq-remap20k werr act-linear act-remap0
# act-remap20k; see tests/vm/phases/icount.sh), ICOUNT_KO (a module other than
# build/kmod/<kver>/dm-remap-v4.ko; a path with {kver}), OUT (default
# build/bench/icount-<date>), MAX_SPREAD (percent: exit 1 if a spread
# exceeds it), SYMBOLS=1 (add the per-symbol differences to dm-linear).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../../.." && pwd -P)
kvers=${KVERS:-$("$repo/tests/vm/kernels.sh" | tr '\n' ' ')}
boots=${BOOTS:-3}
nio=${ICOUNT_NIO:-10000}
seq_nio=${ICOUNT_SEQ_NIO:-2000}
configs=${CONFIGS:-raw linear remap0 remap1k remap20k seq-linear seq-remap0 seq-remap1k seq-remap20k werr act-linear act-remap0 act-remap20k}
out=${OUT:-$repo/build/bench/icount-$(date -u +%Y%m%d-%H%M%S)}
tools=$repo/build/cmake/tools/bench
plugin=$tools/icount/icount.so
for f in "$plugin" "$tools/icount/iobench" "$tools/mkremaps"; do
    [[ -e $f ]] || { echo "icount: $f missing: run make userspace" >&2; exit 1; }
done
[[ $boots =~ ^[1-9][0-9]*$ ]] || { echo "icount: bad BOOTS=$boots" >&2; exit 2; }
mkdir -p "$out"
out=$(realpath "$out")
# read -a: configs and kernels are plain words.
read -r -a cfg <<<"$configs"

{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); git: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$repo" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "command: KVERS='$kvers' BOOTS=$boots ICOUNT_NIO=$nio ICOUNT_SEQ_NIO=$seq_nio CONFIGS='$configs'${ICOUNT_KO:+ ICOUNT_KO=$ICOUNT_KO} tools/bench/icount/run.sh"
    echo "guest: QEMU $(qemu-system-x86_64 --version | sed -n '1s/.*version //p'), TCG, -smp 1, -icount shift=0,sleep=off, 2 GiB"
} >"$out/env.txt"
cat "$out/env.txt"

rc=0
for kver in $kvers; do
    ko=${ICOUNT_KO:-$repo/build/kmod/$kver/dm-remap-v4.ko}
    ko=${ko//\{kver\}/$kver}
    [[ -f $ko ]] || { echo "icount: $ko missing: run make module-all" >&2; exit 1; }
    dirs=()
    for ((b = 1; b <= boots; b++)); do
        d=$out/$kver/boot$b
        rm -rf "$d"
        mkdir -p "$d"
        echo "== $kver boot $b/$boots ($(date -u +%H:%M:%S))"
        if ! "$repo/tests/vm/run-vm.sh" --kernel "$kver" --quiet --timeout "${VM_TIMEOUT:-1800}" \
            --smp 1 --qemu-arg -icount --qemu-arg shift=0,sleep=off \
            --qemu-arg -plugin --qemu-arg "file=$plugin,out=$d/plugin.txt,profile=on" \
            --out "$d" --log "$d/console.log" \
            --env "ICOUNT_BIN=$tools/icount/iobench" --env "BENCH_MKREMAPS=$tools/mkremaps" \
            --env "ICOUNT_NIO=$nio" --env "ICOUNT_SEQ_NIO=$seq_nio" --env "ICOUNT_KO=$ko" \
            -- "$repo/tests/vm/phases/icount.sh" "${cfg[@]}"; then
            echo "icount: $kver boot $b failed: $d/console.log" >&2
            grep -a -e FATAL -e '^run-vm:' "$d/console.log" | tail -n 5 >&2
            exit 1
        fi
        dirs+=("$d")
    done
    {
        echo
        echo "#### $kver"
        echo
    } >>"$out/report.md"
    python3 "$repo/tools/bench/icount/analyze.py" ${SYMBOLS:+--symbols} \
        ${MAX_SPREAD:+--max-spread "$MAX_SPREAD"} "${dirs[@]}" >>"$out/report.md" || rc=1
done
echo "== instructions per I/O ($out/report.md)"
cat "$out/report.md"
exit $rc
