#!/bin/bash
# The instruction-count benchmark's method (tools/bench/icount), short form:
# BOOTS boots of the same small run must agree on instructions per I/O
# within MAX_SPREAD percent (default 0.5), and one boot of the module with a
# known extra cost per bio (kernel/dmr-bench-cost.h, `make
# module-bench-cost`) must move remap-v4's count by that cost (41
# instructions, +-2) and leave dm-linear's alone (+-2).  It checks that the
# method works, not how fast the target is: no ratio is asserted.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
repo=$(cd "$here/../../.." && pwd -P)
kver=${KVER:?KVER must name the kernel to boot}
out=$repo/build/vm/out/$kver/70-icount
cost_ko=$repo/build/kmod/$kver/benchcost/dm-remap-v4.ko
[[ -f $cost_ko ]] || { echo "icount: $cost_ko missing: run make module-bench-cost"; exit 1; }
rm -rf "$out"
export KVERS=$kver ICOUNT_NIO=${ICOUNT_NIO:-2000} CONFIGS="linear remap0 remap20k"
BOOTS=${BOOTS:-3} MAX_SPREAD=${MAX_SPREAD:-0.5} OUT=$out/same \
    "$repo/tools/bench/icount/run.sh" || { echo "icount: boots disagree (or a boot failed): $out/same"; exit 1; }
BOOTS=1 ICOUNT_KO=$cost_ko CONFIGS="linear remap0" OUT=$out/cost \
    "$repo/tools/bench/icount/run.sh" >/dev/null || { echo "icount: the extra-cost boot failed: $out/cost"; exit 1; }
# per_io DIR CONFIG: mean instructions per I/O over DIR's boots.
per_io() {
    python3 "$repo/tools/bench/icount/analyze.py" --csv "$1"/"$kver"/boot* | awk -F, -v c="$2" '$1 == c { print $2 }'
}
fail=0
for c in linear remap0; do
    a=$(per_io "$out/same" $c)
    b=$(per_io "$out/cost" $c)
    want=$([[ $c == remap0 ]] && echo 41 || echo 0)
    if awk -v a="$a" -v b="$b" -v w="$want" 'BEGIN { d = b - a - w; exit !(d >= -2 && d <= 2) }'; then
        echo "icount: $c: $a -> $b instructions per I/O with the extra cost (expected +$want)"
    else
        echo "icount: FAIL: $c: $a -> $b instructions per I/O with the extra cost, expected +$want +-2"
        fail=1
    fi
done
exit $fail
