#!/bin/bash
# run-suite.sh [TEST...]
#
# Runs guest tests, each in a fresh VM, on every kernel from kernels.sh
# (KVER=<v> restricts to one; KVER=<debug kver> runs on the debug kernel from
# build/debug-kernel, which is never in the default list).  Tests are
# tests/vm/guest/NN-*.sh (name starts with a digit; other files there, like
# lib.sh, are helpers), in sorted order, then tests/vm/host/NN-*.sh (host
# scripts that boot VMs themselves, e.g. across a reboot; they get KVER), or
# the named ones ("00-harness", "00-harness.sh" or a path).
#
# Prints `PASS|FAIL <kver> <test> (<seconds>s)` per test (a FAIL line is
# followed by indented details), then `N passed, M failed`; exits 1 if any
# failed.  With VM_PARALLEL=1 (make test) two 1-vCPU VMs run side by side,
# taking (kernel, test) pairs from one queue, and the tests marked
# "# vm-alone" (a timing measurement) or "# vm-smp: 2" (races, stress)
# after that, alone, with 2 vCPUs (see below).  A test marked
# "# vm-kernels: one" runs on one kernel only (see below) unless
# VM_ALL_KERNELS=1.
# Logs: build/vm/logs/<kver>/<test>.log; each test's --out directory (guest
# $DMR_OUT, for result files): build/vm/out/<kver>/<test>/.
# A test marked "# vm-long-only" is left out of a run without named tests
# (make test) unless VM_ALL_KERNELS=1; make test-long names it.
# VM_TIMEOUT: per-test timeout in seconds (default 300, debug kernel 1200:
# timeout= in kernels.sh --info; a test's own "# vm-timeout: N" line raises
# the default for that test; "# vm-nvme: MB" attaches an emulated NVMe
# drive of MB MiB, run-vm.sh --nvme).  Host tests also get the kernel's host_env
# (e.g. FIRST_START for 60-powercut on the slow debug kernel).
# VM_ENV: "KEY=VALUE ..." passed to every guest test (run-vm.sh --env), and
# to host tests in their environment; e.g. DMR_STRESS_SECONDS=600.
#
# It does not build the module: run `make module-all` first; tests needing
# it fail clearly when build/kmod/<kver>/dm-remap-v4.ko is missing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
read -r -a vm_env <<<"${VM_ENV:-}"
env_args=()
for kv in "${vm_env[@]}"; do
    [[ $kv =~ ^[A-Za-z_][A-Za-z0-9_]*=[^[:space:]]*$ ]] || { echo "run-suite: bad VM_ENV word '$kv'" >&2; exit 2; }
    env_args+=(--env "$kv")
done

tests=()
if (($#)); then
    for t in "$@"; do
        case $t in
            */*) f=$t ;;
            *.sh) f=$here/guest/$t ;;
            *) f=$here/guest/$t.sh ;;
        esac
        [[ -f $f ]] || case $t in
            */*) ;;
            *.sh) f=$here/host/$t ;;
            *) f=$here/host/$t.sh ;;
        esac
        [[ -f $f ]] || { echo "run-suite: no such test: $t" >&2; exit 2; }
        tests+=("$(realpath "$f")")
    done
else
    shopt -s nullglob
    for f in "$here"/guest/[0-9]*.sh "$here"/host/[0-9]*.sh; do
        # "# vm-long-only": make test-long runs it (by name), make test not.
        if [[ ${VM_ALL_KERNELS:-0} != 1 ]] && grep -Eq '^# vm-long-only( |$)' "$f"; then
            continue
        fi
        tests+=("$f")
    done
    ((${#tests[@]})) || { echo "run-suite: no tests in $here/guest" >&2; exit 2; }
fi

mapfile -t kernels < <("$here/kernels.sh")
((${#kernels[@]})) || exit 2

# A test with a "# vm-kernels: one" line checks what does not depend on the
# kernel version (the userspace tools, long measurements): in a run over
# several kernels it runs on one of them, the kernels taking turns in test
# order.  Tests named on the command line, and VM_ALL_KERNELS=1 (make
# test-long), run on every kernel.
declare -A one_kernel=()
if ((${#kernels[@]} > 1 && $# == 0)) && [[ ${VM_ALL_KERNELS:-0} != 1 ]]; then
    turn=0
    for t in "${tests[@]}"; do
        grep -Eq '^# vm-kernels: one( |$)' "$t" || continue
        one_kernel[$t]=${kernels[turn % ${#kernels[@]}]}
        turn=$((turn + 1))
    done
fi

# run_kernel KVER TEST...: the tests on one kernel; a PASS/FAIL line each.
run_kernel() {
    local kver=$1 info timeout_s host_env logdir t name log out t0 rc t_to test_to secs
    shift
    info=$("$here/kernels.sh" --info "$kver")
    timeout_s=${VM_TIMEOUT:-$(sed -n 's/^timeout=//p' <<<"$info")}
    read -r -a host_env <<<"$(sed -n 's/^host_env=//p' <<<"$info")"
    logdir=$repo/build/vm/logs/$kver
    mkdir -p "$logdir"
    for t in "$@"; do
        name=$(basename "$t" .sh)
        if [[ -n ${one_kernel[$t]:-} && ${one_kernel[$t]} != "$kver" ]]; then
            echo "SKIP $kver $name (runs on ${one_kernel[$t]} in this run; VM_ALL_KERNELS=1 runs it on every kernel)"
            continue
        fi
        log=$logdir/$name.log
        out=$repo/build/vm/out/$kver/$name
        rm -rf "$out"
        mkdir -p "$out"
        t0=$SECONDS
        rc=0
        # A test may ask for more time with a "# vm-timeout: SECONDS" line
        # (long-running measurements on a loaded host).
        t_to=$(sed -n 's/^# vm-timeout: *\([0-9][0-9]*\)$/\1/p' "$t" | head -n 1)
        test_to=$timeout_s
        [[ -n $t_to && -z ${VM_TIMEOUT:-} ]] && ((t_to > test_to)) && test_to=$t_to
        if [[ $t == */host/* ]]; then
            # Multi-boot tests drive run-vm.sh themselves, on the host.
            env "${host_env[@]}" "${vm_env[@]}" KVER="$kver" VM_TIMEOUT="$test_to" "$t" >"$log" 2>&1 || rc=$?
        else
            # "# vm-nvme: MB" attaches an emulated NVMe drive of MB MiB.
            nvme_args=()
            t_nvme=$(sed -n 's/^# vm-nvme: *\([0-9][0-9]*\)$/\1/p' "$t" | head -n 1)
            if [[ -n $t_nvme ]]; then
                truncate -s "${t_nvme}M" "$out/nvme.img"
                nvme_args=(--nvme "$out/nvme.img")
            fi
            "$here/run-vm.sh" --kernel "$kver" --timeout "$test_to" --quiet --log "$log" \
                --out "$out" "${nvme_args[@]}" "${env_args[@]}" -- "$t" >/dev/null 2>&1 || rc=$?
        fi
        secs=$((SECONDS - t0))
        if ((rc == 0)); then
            echo "PASS $kver $name (${secs}s)"
        else
            # Why: run-vm's verdict plus the guest's last words, in one
            # write so that a kernel running beside this one cannot cut it.
            echo "FAIL $kver $name (${secs}s)
  exit status $rc; log: $log
$(grep -a -e '^run-vm: ' -e 'FAIL' -e 'FATAL' "$log" | tr -d '\r' |
                grep -av '^run-vm: qemu-system\|^run-vm: kernel ' | tail -n 20 | cut -c1-150 | sed 's/^/  /')"
        fi
    done
}

# VM_PARALLEL=1 (make test) runs two VMs side by side, each with one vCPU
# (VM_SMP, default 1 here): two lanes take the (kernel, test) pairs from
# one queue.  Under TCG a guest with 2 vCPUs keeps both host cores busy,
# so two of those side by side were each about twice as slow (no gain);
# two 1-vCPU guests side by side did the work of two 2-vCPU runs in turn
# in about 60% of the time (11-manual-remap: 23 s for both kernels against
# 16 s + 16 s; 18-ext4: 52 s against 44 s + 44 s).  Tests that need two
# vCPUs ("# vm-smp: 2": races, stress) and timing measurements ("#
# vm-alone": a VM beside them skews their ratios) run after the queue,
# alone, kernels in turn, with 2 vCPUs.
parallel=${VM_PARALLEL:-0}
lanes_failed=0
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
if [[ $parallel == 1 ]] && ((${#kernels[@]} > 1)); then
    together=() alone=()
    for t in "${tests[@]}"; do
        if grep -Eq '^# vm-(alone|smp: 2)( |$)' "$t"; then alone+=("$t"); else together+=("$t"); fi
    done
    # The queue: one line per (kernel, test), kernels alternating, so the
    # two lanes start on different kernels (each builds its own initramfs).
    queue=$results/queue
    : >"$queue"
    for t in "${together[@]}"; do
        for kver in "${kernels[@]}"; do
            if [[ -n ${one_kernel[$t]:-} && ${one_kernel[$t]} != "$kver" ]]; then
                echo "SKIP $kver $(basename "$t" .sh) (runs on ${one_kernel[$t]} in this run; VM_ALL_KERNELS=1 runs it on every kernel)"
                continue
            fi
            printf '%s\t%s\n' "$kver" "$t" >>"$queue"
        done
    done
    echo 0 >"$results/next"
    # lane N: take the next queue line (under a lock) until none is left.
    lane() {
        local n kver t
        while :; do
            n=$(flock "$results/next" sh -c 'n=$(cat "$1"); echo $((n + 1)) >"$1"; echo "$n"' _ "$results/next")
            kver= t=
            IFS=$'\t' read -r kver t < <(sed -n "$((n + 1))p" "$queue") || true
            [[ -n ${kver:-} ]] || return 0
            VM_SMP=${VM_SMP:-1} run_kernel "$kver" "$t"
        done
    }
    pids=()
    for n in $(seq 1 "${VM_LANES:-2}"); do
        lane 2>&1 | tee "$results/lane-$n" &
        pids+=($!)
    done
    # A lane that died (not a failed test: that is a FAIL line) must not
    # vanish from the count.
    for pid in "${pids[@]}"; do
        wait "$pid" || lanes_failed=$((lanes_failed + 1))
    done
    if ((${#alone[@]})); then
        for kver in "${kernels[@]}"; do
            VM_SMP=2 run_kernel "$kver" "${alone[@]}" 2>&1 | tee -a "$results/alone-$kver"
        done
    fi
else
    for kver in "${kernels[@]}"; do
        run_kernel "$kver" "${tests[@]}" 2>&1 | tee "$results/$kver"
    done
fi
passed=$(cat "$results"/lane-* "$results"/alone-* "$results"/[0-9]* 2>/dev/null | grep -c '^PASS' || true)
failed=$(cat "$results"/lane-* "$results"/alone-* "$results"/[0-9]* 2>/dev/null | grep -c '^FAIL' || true)
if ((lanes_failed)); then
    echo "FAIL run-suite: $lanes_failed kernel run(s) ended early"
    failed=$((failed + lanes_failed))
fi
echo "$passed passed, $failed failed"
((failed == 0))
