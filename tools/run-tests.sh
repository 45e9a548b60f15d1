#!/usr/bin/env bash
# The whole test suite, as `make test` and CI run it: unit tests (ctest), a
# short fuzzing pass, a DKMS build per kernel, the VM harness self-test and
# the VM tests on every installed kernel (two VMs side by side:
# run-suite.sh, VM_PARALLEL).  The Debian packages (make deb + lintian) and
# the libblkid prober (tools/blkid-prober/check.sh), which do not change
# with the kernel code and took 5 min, are in `make test-long`.  Ends with
# a time table (build/test-times.txt) and one line: "N passed, M failed".
# Expects `make module-all userspace` to have run (the Makefile does that).
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p build
passed=0
failed=0
add() {
    passed=$((passed + $1))
    failed=$((failed + $2))
}
# count_lines LOG: add the PASS and FAIL lines of a PASS/FAIL-per-line log.
count_lines() {
    add "$(grep -c '^PASS' "$1")" "$(grep -c '^FAIL' "$1")"
}
# Wall time of each step, for the table at the end (growth shows there).
times=build/test-times.tsv
: >"$times"
step_start=$SECONDS
suite_start=$SECONDS
# step_done NAME: the time since the previous step_done (or the start).
step_done() {
    printf '%s\t%s\n' "$((SECONDS - step_start))" "$1" >>"$times"
    step_start=$SECONDS
}

echo "=== unit tests (ctest)"
ctest --test-dir build/cmake --output-on-failure -j "$(nproc)" 2>&1 | tee build/ctest.log
summary=$(sed -n 's/.*tests passed, \([0-9]*\) tests\{0,1\} failed out of \([0-9]*\).*/\1 \2/p' build/ctest.log)
if [[ -n $summary ]]; then
    f=${summary% *} total=${summary#* }
    add $((total - f)) "$f"
else
    echo "FAIL ctest did not run"
    add 0 1
fi
step_done "unit tests (ctest)"

echo "=== fuzzing: metadata decoder and userspace parsers, ${FUZZ_SECONDS:-30} s each"
if tests/fuzz/run.sh "${FUZZ_SECONDS:-30}" >build/fuzz.log 2>&1; then
    echo "PASS fuzz"
    add 1 0
else
    tail -n 30 build/fuzz.log
    echo "FAIL fuzz (log: build/fuzz.log)"
    add 0 1
fi
step_done "fuzzing"

echo "=== DKMS: dkms.conf and a DKMS build for every kernel"
tools/check-dkms.sh 2>&1 | tee build/dkms-test.log
count_lines build/dkms-test.log
step_done "DKMS builds"

echo "=== VM harness self-test"
tests/vm/selftest.sh 2>&1 | tee build/selftest.log
count_lines build/selftest.log
step_done "VM harness self-test"

echo "=== VM tests (two 1-vCPU VMs side by side; races, stress and timing tests alone after)"
VM_PARALLEL=${VM_PARALLEL:-1} tests/vm/run-suite.sh 2>&1 | tee build/vm-suite.log
count_lines build/vm-suite.log
step_done "VM tests (wall)"

# The time table: each step, then each VM test (per kernel; two ran side
# by side, so their sum is more than the VM step's wall time).
{
    echo "=== time table (seconds)"
    sort -rn "$times" | awk -F'\t' '{ printf "%6d  %s\n", $1, $2 }'
    sed -n 's/^\(PASS\|FAIL\) \([^ ]*\) \([^ ]*\) (\([0-9]*\)s)$/\4\tVM \3 on \2 (\1)/p' build/vm-suite.log |
        sort -rn | awk -F'\t' '{ printf "%6d  %s\n", $1, $2 }'
    printf '%6d  %s\n' "$((SECONDS - suite_start))" "total (make test after the builds)"
} | tee build/test-times.txt
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
