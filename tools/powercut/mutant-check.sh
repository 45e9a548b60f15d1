#!/bin/bash
# mutant-check.sh: shows that the power-cut test can fail.  Builds
# dm-remap-v4.ko for KVER from a copy of kernel/ in which the metadata
# commit writes nothing (remaps live only in memory, so they and the
# acknowledged writes behind them vanish at the power cut), runs one cycle
# of tests/vm/host/60-powercut.sh with it, and passes only if that FAILS
# with lost data or lost remaps.  About one minute; the real module is not
# touched.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd -P)
kver=${KVER:-$("$repo/tests/vm/kernels.sh" | tail -n 1)}
mkdir -p "$repo/build/vm/tmp"
work=$(mktemp -d "$repo/build/vm/tmp/mutant.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -r "$repo/kernel" "$repo/include" "$repo/VERSION" "$work/"
/usr/bin/python3 - "$work/kernel/dmr-metadata.c" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p).read()
pat = r'(int dmr_meta_commit\(struct dmr_dev \*d\)\n\{.*?d->meta\.seq\+\+;\n\tr = )dmr_write_copies\(d, [^;]*\);'
s2, n = re.subn(pat, r'\g<1>0; /* MUTANT: commit writes nothing */', s, flags=re.S)
if n != 1:
    sys.exit('mutant-check: cannot apply the mutation: dmr_meta_commit changed')
open(p, 'w').write(s2)
PY
# The kernel's build tree: installed headers, or the ones unpacked under build/.
kdir=$("$repo/tests/vm/kernels.sh" --info "$kver" | sed -n 's/^kdir=//p')
make -s -C "$kdir" M="$work/kernel" modules >"$work/build.log" 2>&1 ||
    { cat "$work/build.log"; echo "mutant-check: build failed"; exit 2; }
# A cycle whose writer never hit a bad sector proves nothing either way (a
# loaded host writes little before the cut): run it again with a longer
# write window, up to three times.
for window in "6 12" "15 25" "30 45"; do
    read -r wmin wmax <<<"$window"
    rc=0
    KVER=$kver CYCLES=1 WRITE_MIN=$wmin WRITE_MAX=$wmax PC_KO="$work/kernel/dm-remap-v4.ko" \
        "$repo/tests/vm/host/60-powercut.sh" >"$work/run.log" 2>&1 || rc=$?
    grep -q 'the test did not exercise the remap path' "$work/run.log" || break
    echo "mutant-check: no remap before the cut with a ${wmin}-${wmax} s window (inconclusive): again, longer"
done
grep -e '^powercut: kernel' -e 'pc-check cycle' "$work/run.log"
grep 'FAIL' "$work/run.log" | grep -v 'FAIL block' | head -n 10
echo "powercut:   ... and $(grep -c 'FAIL block' "$work/run.log") 'FAIL block' lines (the checker prints at most 20)"
if ((rc != 0)) && grep -q 'FAIL .*\(older than the acknowledged\|zeros but seq\|remaps missing\|not remapped\)' "$work/run.log"; then
    echo "mutant-check: PASS: the power-cut test caught the broken commit"
    exit 0
fi
echo "mutant-check: FAIL: the power-cut test did not catch a commit that writes nothing (status $rc)"
exit 1
