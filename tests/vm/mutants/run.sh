#!/bin/bash
# run.sh [NAME...]: show that the VM tests guarding the kernel review fixes
# fail on the broken behaviour.  For each mutant in mutants.txt: copy
# kernel/ and include/, undo one fix by a literal text replacement (stops if
# the text is not found exactly once: a fix that moved needs its mutant
# updated), build the module (normal and fault-injection builds) for KVER,
# run the guarding guest test with it, and expect that test to FAIL (exit 1).
# Prints one line per mutant and "mutants: N passed, M failed" (passed =
# caught).  Not in `make test` (a VM boot per mutant); `make test-long` and
# `make test-mutants` run it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
repo=$(cd "$here/../../.." && pwd -P)
kver=${KVER:-$("$repo/tests/vm/kernels.sh" | tail -n 1)}
# shellcheck source=build-mutant.sh
. "$here/build-mutant.sh"
mkdir -p "$repo/build/vm/tmp" "$repo/build/vm/logs/mutants"
want=" $* "
passed=0 failed=0
while read -r name _file test kernels; do
    [[ $want == "  " || $want == *" $name "* ]] || continue
    # shellcheck disable=SC2053
    [[ $kver == $kernels ]] || { echo "SKIP $kver $name: applies to $kernels only"; continue; }
    work=$(mktemp -d "$repo/build/vm/tmp/mutant-$name.XXXXXX")
    build_mutant "$kver" "$work" /usr/bin/python3 "$here/apply.py" "$here/mutants.txt" apply "$name"
    log=$repo/build/vm/logs/mutants/$kver-$name.log
    rc=0
    "$repo/tests/vm/run-vm.sh" --kernel "$kver" --quiet --log "$log" \
        --env DMR_KO="$work/ko/dm-remap-v4.ko" -- "$repo/tests/vm/guest/$test.sh" \
        >/dev/null 2>&1 || rc=$?
    why=$(grep -a 'FAIL:' "$log" | head -n 2 | tr -d '\r' | sed 's/.*FAIL: //' | paste -sd';' || true)
    # 1: checks failed; 122: checks failed and the mutant also left a
    # kernel splat (run-vm's "kernel log not clean").  A timeout (124) or a
    # boot failure is not a catch.
    if ((rc == 1 || rc == 122)) && [[ -n $why ]]; then
        echo "PASS $kver $name: $test caught it: $why"
        passed=$((passed + 1))
    else
        echo "FAIL $kver $name: $test did not catch it (status $rc, log $log)"
        failed=$((failed + 1))
    fi
    rm -rf "$work"
done < <(/usr/bin/python3 "$here/apply.py" "$here/mutants.txt" list)
echo "mutants: $passed passed, $failed failed"
((failed == 0))
