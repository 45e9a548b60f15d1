#!/bin/bash
# vm-kernels: one (make test runs it on one kernel, the kernels taking turns; make test-long on all)
# The instruction-count benchmark's method (tools/bench/icount), short form:
# BOOTS boots of the same small run must agree on instructions per I/O
# within MAX_SPREAD percent (default 0.5), and one boot of the module with a
# known extra cost per bio (kernel/dmr-bench-cost.h, `make
# module-bench-cost`) must move remap-v4's own count by exactly that cost
# (41 instructions, +-1), the whole count by 41 +-12 (0.2%), and leave
# dm-linear's alone (+-12).  It checks that the method works, not how fast
# the target is: no ratio is asserted.  The whole guest's count moves from
# boot to boot: 4 boots of 2,000 I/Os per phase spread over 3.8
# instructions per I/O here, and one CI boot sat 8 below the mean of three
# (2026-12-01), so the phases run 4,000 I/Os and the tolerance is 12,
# still far from confusing +41 with 0.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
repo=$(cd "$here/../../.." && pwd -P)
kver=${KVER:?KVER must name the kernel to boot}
out=$repo/build/vm/out/$kver/70-icount
cost_ko=$repo/build/kmod/$kver/benchcost/dm-remap-v4.ko
[[ -f $cost_ko ]] || { echo "icount: $cost_ko missing: run make module-bench-cost"; exit 1; }
rm -rf "$out"
export KVERS=$kver ICOUNT_NIO=${ICOUNT_NIO:-4000} CONFIGS="linear remap0 remap20k"
BOOTS=${BOOTS:-3} MAX_SPREAD=${MAX_SPREAD:-0.5} OUT=$out/same \
    "$repo/tools/bench/icount/run.sh" || { echo "icount: boots disagree (or a boot failed): $out/same"; exit 1; }
BOOTS=1 ICOUNT_KO=$cost_ko CONFIGS="linear remap0" OUT=$out/cost \
    "$repo/tools/bench/icount/run.sh" >/dev/null || { echo "icount: the extra-cost boot failed: $out/cost"; exit 1; }
# field DIR CONFIG N: column N of analyze.py --csv for CONFIG over DIR's boots
# (2: instructions per I/O, all of the guest; 4: the module's own).
field() {
    python3 "$repo/tools/bench/icount/analyze.py" --csv "$1"/"$kver"/boot* |
        awk -F, -v c="$2" -v n="$3" '$1 == c { print $n }'
}
# check WHAT A B WANT TOL: B - A must be WANT +- TOL.
fail=0
check() {
    if awk -v a="$2" -v b="$3" -v w="$4" -v t="$5" 'BEGIN { d = b - a - w; exit !(d >= -t && d <= t) }'; then
        echo "icount: $1: $2 -> $3 with the extra cost (expected +$4 +-$5)"
    else
        echo "icount: FAIL: $1: $2 -> $3 with the extra cost, expected +$4 +-$5"
        fail=1
    fi
}
# The module's own count is exact (only its code changed); the whole
# guest's count carries the boot-to-boot noise (see above).
check "remap0, module's own" "$(field "$out/same" remap0 4)" "$(field "$out/cost" remap0 4)" 41 1
check "remap0, all" "$(field "$out/same" remap0 2)" "$(field "$out/cost" remap0 2)" 41 12
check "linear, all" "$(field "$out/same" linear 2)" "$(field "$out/cost" linear 2)" 0 12
exit $fail
