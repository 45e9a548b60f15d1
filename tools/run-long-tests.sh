#!/usr/bin/env bash
# `make test-long`: the long forms of the reliability tests, on every
# installed kernel.  Measured 2026-12-01 (6.1 / 6.12, side by side on 2
# CPUs, with short extra runs next to them): power cut 17.5 / 15.5 min,
# its mutant 1 min, stress 11.5 min, review-fix mutants 25 min, crash
# replay 17.5 / 16.5 min, crash mutants 13.5 / 14 min, packages 22.5 /
# 16 min (56) and 17 / 19 min (57); 2 h 15 min in all, 12 min of it the
# fuzzing and packaging that come first:
#   * fuzzing for LONG_FUZZ_SECONDS (default 600) per target;
#   * the libblkid prober (tools/blkid-prober/check.sh) and the Debian
#     packages with lintian (tools/build-deb.sh), not in make test;
#   * 68-replace-spare killed at each of its six step boundaries
#     (DMR_REPLACE_STEPS=all; make test: two of them);
#   * the power-cut test with PC_CYCLES (default 20) cycles, and with
#     PC_EVAC_CYCLES (default 10) cut during an evacuation (PC_EVAC=1);
#   * tools/powercut/mutant-check.sh: a module whose commit writes nothing
#     must fail the power-cut test (proof that the test can fail);
#   * the stress test for STRESS_SECONDS (default 600) with STRESS_BAD
#     (default 5000) bad ranges appearing live;
#   * tests/vm/mutants/run.sh: every mutant of the kernel review fixes must
#     be caught by the VM test that guards it.
#   * the crash-replay test over every crash state (CR_MAX=0), CR_K (default
#     4) random states per flush interval, CR_COUNT (default 600) writes per
#     writer;
#   * tests/vm/mutants/crash-replay.sh: every REQ_PREFLUSH/REQ_FUA removed,
#     and the commit-ordering mutants, must fail the crash-replay test;
#   * the package test (tests/vm/long/56-package.sh, 10-25 min per kernel:
#     DKMS compiles the module under TCG) on the debs of tools/build-deb.sh,
#     built once first;
#   * the packages on a machine that reboots under systemd as PID 1
#     (tests/vm/long/host/57-package-boot.sh, three boots per kernel: install
#     with DKMS, a systemd boot that assembles and mounts the remap device
#     from fstab, remove + purge), on the same debs.
#   * a pair made with a bare dmsetup under systemd as PID 1, across a
#     reboot (tests/vm/long/host/63-adopt-boot.sh, three boots per kernel):
#     remapd adopts it, and after the reboot it is assembled and mounted
#     from fstab, the raw main mounted nowhere.
#   * alerts mailed to root out of the box under systemd as PID 1
#     (tests/vm/long/host/64-mail-alert.sh, two boots per kernel, on the
#     same debs): the package's /etc/remapd.conf and unit, no-MTA line,
#     remapd --test-hook in the unit's sandbox, a real remap mailed.
#   * the VM tests that make test runs on one kernel only ("# vm-kernels:
#     one"), on every kernel; the timing tests among them ("# vm-alone") at
#     the end, one kernel after the other, with no other VM beside them.
# Ends with one line: "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
mkdir -p build
passed=0
failed=0
mark=$SECONDS
result() { # NAME STATUS: one line, with the seconds since the last result
    local t=$((SECONDS - mark))
    mark=$SECONDS
    if (($2 == 0)); then echo "PASS $1 (${t}s)"; passed=$((passed + 1)); else
        echo "FAIL $1 (${t}s)"; failed=$((failed + 1))
    fi
}

echo "=== fuzzing, ${LONG_FUZZ_SECONDS:-600} s per target"
rc=0
tests/fuzz/run.sh "${LONG_FUZZ_SECONDS:-600}" >build/fuzz-long.log 2>&1 || rc=$?
((rc == 0)) || tail -n 30 build/fuzz-long.log
result "fuzz (log: build/fuzz-long.log)" $rc

echo "=== libblkid prober for spares (contrib/util-linux), built into util-linux"
rc=0
tools/blkid-prober/check.sh >build/blkid-prober-long.log 2>&1 || rc=$?
grep -q '^FAIL' build/blkid-prober-long.log && rc=1
((rc == 0)) || tail -n 30 build/blkid-prober-long.log
result "libblkid prober (log: build/blkid-prober-long.log)" $rc

echo "=== Debian packages (tools/build-deb.sh, lintian: no errors)"
rc=0
tools/build-deb.sh >build/deb-long.log 2>&1 || rc=$?
((rc == 0)) || tail -n 30 build/deb-long.log
result "make deb (log: build/deb-long.log)" $rc
deb_rc=$rc

# long_kernel KVER: every per-kernel test on KVER, one after the other.
long_kernel() {
    local kver=$1 rc one
    # make test runs these on one kernel each ("# vm-kernels: one"): here on
    # all; the timing tests among them ("# vm-alone") after both kernels'
    # runs, one at a time (see the end).
    mapfile -t one < <(grep -El '^# vm-kernels: one( |$)' tests/vm/guest/[0-9]*.sh tests/vm/host/[0-9]*.sh |
        xargs -r grep -EL '^# vm-alone( |$)')
    if ((${#one[@]})); then
        echo "=== $kver: the tests make test runs on one kernel only"
        rc=0
        VM_ALL_KERNELS=1 KVER=$kver tests/vm/run-suite.sh "${one[@]}" || rc=$?
        result "$kver one-kernel tests (${#one[@]})" $rc
    fi
    echo "=== $kver: replace-spare killed at every step boundary"
    rc=0
    VM_ENV="DMR_REPLACE_STEPS=all" KVER=$kver tests/vm/run-suite.sh 68-replace-spare || rc=$?
    result "$kver replace-spare, every step" $rc
    echo "=== $kver: power cut, ${PC_CYCLES:-20} cycles"
    rc=0
    VM_ENV="CYCLES=${PC_CYCLES:-20}" KVER=$kver tests/vm/run-suite.sh 60-powercut || rc=$?
    result "$kver power-cut x${PC_CYCLES:-20}" $rc
    echo "=== $kver: power cut during an evacuation, ${PC_EVAC_CYCLES:-10} cycles"
    rc=0
    PC_EVAC=1 PC_NAME=61-powercut-evacuate PC_BLOCKS=4096 CYCLES=${PC_EVAC_CYCLES:-10} KVER=$kver \
        tests/vm/host/60-powercut.sh >"build/vm/logs/$kver/61-powercut-evacuate.log" 2>&1 || rc=$?
    tail -n 3 "build/vm/logs/$kver/61-powercut-evacuate.log"
    result "$kver power-cut during an evacuation x${PC_EVAC_CYCLES:-10}" $rc
    echo "=== $kver: the power-cut test catches a broken commit"
    rc=0
    KVER=$kver tools/powercut/mutant-check.sh || rc=$?
    result "$kver power-cut mutant" $rc
    echo "=== $kver: stress, ${STRESS_SECONDS:-600} s"
    rc=0
    VM_TIMEOUT=$((${STRESS_SECONDS:-600} * 2 + 300)) \
        VM_ENV="DMR_STRESS_SECONDS=${STRESS_SECONDS:-600} DMR_STRESS_BAD=${STRESS_BAD:-5000} DMR_STRESS_STEPS=25" \
        KVER=$kver tests/vm/run-suite.sh 40-stress-live || rc=$?
    result "$kver stress ${STRESS_SECONDS:-600}s" $rc
    echo "=== $kver: the VM tests catch each mutant of the review fixes"
    rc=0
    KVER=$kver tests/vm/mutants/run.sh || rc=$?
    result "$kver review-fix mutants" $rc
    echo "=== $kver: crash replay, every crash state"
    rc=0
    VM_TIMEOUT=900 VM_ENV="CR_MAX=0 CR_K=${CR_K:-4} CR_COUNT=${CR_COUNT:-600} CR_ACTIVATE=20" \
        KVER=$kver tests/vm/run-suite.sh 62-crash-replay || rc=$?
    result "$kver crash replay (all states)" $rc
    echo "=== $kver: the crash replay catches every missing FLUSH/FUA"
    rc=0
    KVER=$kver tests/vm/mutants/crash-replay.sh || rc=$?
    result "$kver crash-replay mutants" $rc
    echo "=== $kver: the packages installed, used and purged"
    rc=$deb_rc
    ((rc != 0)) || KVER=$kver tests/vm/run-suite.sh tests/vm/long/56-package.sh || rc=$?
    result "$kver package install/purge" $rc
    echo "=== $kver: the packages across a systemd boot"
    rc=$deb_rc
    ((rc != 0)) || KVER=$kver tests/vm/run-suite.sh tests/vm/long/host/57-package-boot.sh || rc=$?
    result "$kver package systemd boot" $rc
    echo "=== $kver: a bare dmsetup pair across a systemd boot"
    rc=0
    KVER=$kver tests/vm/run-suite.sh tests/vm/long/host/63-adopt-boot.sh || rc=$?
    result "$kver bare dmsetup pair adopted" $rc
    echo "=== $kver: alerts mailed to root by the package's config and unit"
    rc=$deb_rc
    ((rc != 0)) || KVER=$kver tests/vm/run-suite.sh tests/vm/long/host/64-mail-alert.sh || rc=$?
    result "$kver mail alert under systemd" $rc
}

# The kernels' runs share nothing (logs, VM scratch and mutant builds are per
# kernel or mktemp'd) and each QEMU (TCG, -smp 1) keeps one host CPU busy, so
# with LONG_JOBS >= 2 (default: 2 if the host has 2 CPUs) all kernels run side
# by side, each into build/long-<kernel>.log, printed when all have ended.
mapfile -t kernels < <(tests/vm/kernels.sh)
jobs=${LONG_JOBS:-$(($(nproc) >= 2 ? 2 : 1))}
if ((jobs < 2 || ${#kernels[@]} < 2)); then
    for kver in "${kernels[@]}"; do long_kernel "$kver"; done
else
    echo "=== ${kernels[*]}: side by side (logs: build/long-<kernel>.log)"
    pids=()
    for kver in "${kernels[@]}"; do
        (
            # shellcheck disable=SC2030 # the subshell counts its own, reported via .count
            passed=0 failed=0 mark=$SECONDS
            long_kernel "$kver"
            echo "$passed $failed" >"build/long-$kver.count"
        ) >"build/long-$kver.log" 2>&1 &
        pids+=($!)
    done
    wait "${pids[@]}"
    for kver in "${kernels[@]}"; do
        cat "build/long-$kver.log"
        if read -r p f <"build/long-$kver.count"; then
            # shellcheck disable=SC2031 # these are the parent's own counts
            passed=$((passed + p)) failed=$((failed + f))
        else
            result "$kver (its run ended early: build/long-$kver.log)" 1
        fi
        rm -f "build/long-$kver.count"
    done
fi

# The timing tests, alone: a VM beside them skews their ratios.
mapfile -t alone < <(grep -El '^# vm-alone( |$)' tests/vm/guest/[0-9]*.sh tests/vm/host/[0-9]*.sh)
if ((${#alone[@]})); then
    for kver in "${kernels[@]}"; do
        echo "=== $kver: the timing tests, alone"
        rc=0
        VM_ALL_KERNELS=1 KVER=$kver tests/vm/run-suite.sh "${alone[@]}" || rc=$?
        result "$kver timing tests (${#alone[@]})" $rc
    done
fi

echo "$passed passed, $failed failed"
((failed == 0))
