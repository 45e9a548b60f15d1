#!/bin/bash
# Power-cut test (the diskchecker idea).  Each cycle boots a VM on the same
# two file-backed virtio disks (main 64 MiB, spare 16 MiB) in which
# tools/powercut/stampwrite writes stamped 4 KiB blocks with O_DIRECT|O_DSYNC
# through remap-v4 while bad sectors appear live under it, printing an ACK
# line on the console for every acknowledged write; QEMU is SIGKILLed at a
# random moment (run-vm.sh --kill-after); a check boot reassembles the
# device and dumps every block, the remap list and the metadata state;
# tools/powercut/pc-check.py then checks that no acknowledged write and no
# published remap was lost, cumulatively over all cycles so far.  See
# docs/POWERCUT.md for what this does and does not prove.
#
# When to cut: --kill-after counts from QEMU's start, and under TCG the
# writer starts 15-25 s later depending on the load.  So the host watches
# the writer's console log for its START line and draws each cycle's cut
# uniformly from [S + WRITE_MIN, S + WRITE_MAX] s, where S is the largest
# start time measured so far (first cycle: S = FIRST_START, default 25).  A cycle
# cut before the writer started checks nothing new and moves S 5 s later; the
# test fails if fewer than half of the cycles wrote anything.
#
# Env: KVER (kernel, required), CYCLES (default 3), PC_SEED (default random,
# printed: the same seed gives the same bad sectors and write sequence; the
# cut moments are random regardless), WRITE_MIN/WRITE_MAX (default 3/12),
# FIRST_START, PC_BLOCKS (default 1024 = the first 4 MiB), PC_PRELOAD
# (extents preloaded beyond the written region, default 20000), VM_TIMEOUT,
# PC_KO (a different dm-remap-v4.ko, e.g. a deliberately broken one, to show
# that the test catches it; must be under the repository to be seen),
# PC_EVAC=1 (the device is being evacuated to a third disk all along, at
# PC_EVAC_RATE KiB/s, default 256 (the written region takes ~4 cycles): cuts land during the copy and every boot
# resumes it; a written block may then be on the new disk, so a bad sector
# under it needs no remap: that rule is not checked, the data rule is),
# PC_NAME (the name of logs and outputs, default 60-powercut).
# Logs: build/vm/logs/<kver>/60-powercut-{w,c}<n>.log; check outputs:
# build/vm/out/<kver>/60-powercut/c<n>/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
repo=$(cd "$here/../../.." && pwd -P)
kver=${KVER:?KVER must name the kernel to boot}
cycles=${CYCLES:-3}
seed=${PC_SEED:-$((RANDOM * 32768 + RANDOM))}
wmin=${WRITE_MIN:-3}
wmax=${WRITE_MAX:-12}
start_est=${FIRST_START:-25}
blocks=${PC_BLOCKS:-1024}
[[ $cycles =~ ^[1-9][0-9]*$ ]] || { echo "powercut: bad CYCLES=$cycles"; exit 2; }
((wmax > wmin)) || { echo "powercut: WRITE_MAX must exceed WRITE_MIN"; exit 2; }

mkdir -p "$repo/build/vm/tmp"
work=$(mktemp -d "$repo/build/vm/tmp/powercut.XXXXXX")
vmpid=
# shellcheck disable=SC2317  # invoked via trap
cleanup() {
    [[ -n $vmpid ]] && kill "$vmpid" 2>/dev/null && wait "$vmpid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
name=${PC_NAME:-60-powercut}
logs=$repo/build/vm/logs/$kver
out=$repo/build/vm/out/$kver/$name
rm -rf "$out"
mkdir -p "$logs" "$out"
rm -f "$logs/$name"-[wc]*.log

# The tools come from `make userspace`; the guest runs them from the host's
# file system (shared read-only).
stampwrite=$repo/build/cmake/tools/powercut/stampwrite
mkremaps=$repo/build/cmake/tools/bench/mkremaps
for t in "$stampwrite" "$mkremaps"; do
    [[ -x $t ]] || { echo "powercut: missing $t (run make userspace)"; exit 1; }
done
truncate -s 64M "$work/main.img"
truncate -s 16M "$work/spare.img"
evac_args=() evac_check=()
if [[ -n ${PC_EVAC:-} ]]; then
    truncate -s 64M "$work/new.img"
    evac_args=(--disk "$work/new.img" --env "PC_EVAC=$(cat /proc/sys/kernel/random/uuid)"
        --env "PC_EVAC_RATE=${PC_EVAC_RATE:-256}")
    evac_check=(--evac)
fi
# A near-full table outside the written region (PC_PRELOAD extents of one
# block, every 4th block from block 16384): every commit then writes five
# ~470 KiB copies, so cuts often land inside one, and the preloaded remaps
# must survive every cut too.
preload=${PC_PRELOAD:-20000}
pstart=$((blocks * 8 > 16384 ? blocks * 8 : 16384))
if ((preload > 0)); then
    "$mkremaps" --start $pstart --len 1 --spacing 4 "$work/spare.img" $((64 * 2048)) "$preload" >/dev/null
fi
py=/usr/bin/python3
[[ -x $py ]] || py=python3

echo "powercut: kernel $kver, $cycles cycles, PC_SEED=$seed, cut ${wmin}-${wmax} s after the writer starts"
RANDOM=$seed
vm() { # <log name> <run-vm args...>
    "$repo/tests/vm/run-vm.sh" --kernel "$kver" --quiet --timeout "${VM_TIMEOUT:-300}" \
        --disk "$work/main.img" --disk "$work/spare.img" "${evac_args[@]}" --out "$out" \
        --env "PC_SW=$stampwrite" --env "PC_SEED=$seed" --env "PC_BLOCKS=$blocks" \
        ${PC_KO:+--env "DMR_KO=$PC_KO"} --log "$logs/$name-$1.log" "${@:2}"
}
write_cycles=0
for ((c = 1; c <= cycles; c++)); do
    # The cut, with 0.1 s resolution.
    t=$((start_est * 10 + wmin * 10 + RANDOM % ((wmax - wmin) * 10 + 1)))
    t=$((t / 10)).$((t % 10))
    wlog=$logs/$name-w$c.log
    t0=$EPOCHREALTIME
    vm "w$c" --kill-after "$t" -- "$repo/tests/vm/phases/powercut.sh" write "$c" &
    vmpid=$!
    started=
    while kill -0 "$vmpid" 2>/dev/null; do
        if [[ -z $started ]] && grep -aq '^START base=' "$wlog" 2>/dev/null; then
            started=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", b - a + 0.999 }')
        fi
        sleep 0.2
    done
    rc=0
    wait "$vmpid" || rc=$?
    vmpid=
    if ((rc != 137)); then
        echo "powercut: cycle $c: writer boot ended with $rc, not by the power cut (log: $wlog)"
        grep -a -e 'FATAL' -e '^ERR' -e 'WRITER-EXIT' -e '^run-vm:' "$wlog" | tail -n 5
        exit 1
    fi
    if [[ -n $started ]]; then
        # The latest start measured so far (the first guess is dropped).
        ((write_cycles == 0 || started > start_est)) && start_est=$started
        write_cycles=$((write_cycles + 1))
        when="cut ${t}s after QEMU start, writer started at ~${started}s"
    else
        start_est=$((start_est + 5))
        when="cut ${t}s after QEMU start, before the writer started"
    fi
    rc=0
    vm "c$c" -- "$repo/tests/vm/phases/powercut.sh" check "$c" || rc=$?
    if ((rc != 0)); then
        echo "powercut: cycle $c: check boot failed with $rc (log: $logs/$name-c$c.log)"
        grep -a -e 'FATAL' -e 'FAIL' -e '^run-vm:' "$logs/$name-c$c.log" | tail -n 5
        exit 1
    fi
    rc=0
    "$py" "$repo/tools/powercut/pc-check.py" --cycle "$c" --logs "$logs" --out "$out" \
        --preload "$pstart:$preload:1:4" --name "$name" "${evac_check[@]}" \
        --json "$out/c$c/result.json" >"$work/check.out" 2>&1 || rc=$?
    echo "powercut: cycle $c: $when"
    sed 's/^/powercut:   /' "$work/check.out"
    if ((rc != 0)); then
        echo "powercut: FAILED in cycle $c (PC_SEED=$seed; logs: $logs/$name-[wc]$c.log, dumps: $out/c$c)"
        exit 1
    fi
done
if ((write_cycles * 2 < cycles)); then
    echo "powercut: FAILED: only $write_cycles of $cycles cycles cut the power while the writer ran"
    exit 1
fi
remapped=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["remapped"])' "$out/c$cycles/result.json")
if ((remapped == 0)) && [[ -z ${PC_EVAC:-} ]]; then
    echo "powercut: FAILED: no block was ever remapped: the test did not exercise the remap path"
    exit 1
fi
echo "powercut: PASS: $cycles cycles ($write_cycles cut during writes), every acknowledged write and every published remap survived"
