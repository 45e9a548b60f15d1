#!/bin/bash
# vm-timeout: 1500
# A pair made with a bare `dmsetup create` (issue 23 item 1) under systemd
# as PID 1, across a reboot: three boots of one guest whose root overlay
# keeps its changes (run-vm.sh --upper), a 64 MiB main and a 32 MiB spare.
#   1. install (harness /init): this tree's module, remapctl, remapd, its
#      unit (enabled) and the udev rules, plus a hook that logs events;
#   2. make (run-vm.sh --systemd): `dmsetup create adopt0` on the blank
#      spare; remapd adopts it (binding line, main identity on the spare,
#      main claimed, pair_adopted); ext4 with an fstab UUID= line (nofail),
#      a file whose first sector is remapped and then overwritten, so the
#      raw main holds a stale copy;
#   3. check (run-vm.sh --systemd): remapd assembled adopt0, the fstab
#      line mounted it, the raw main is mounted nowhere, the file reads
#      back as last written.
# The guest half: tests/vm/phases/adopt-boot.sh.  A phase passes when
# run-vm.sh reports exit 0 and its hand-off file is in the out directory.
# ADOPTBOOT_MUTANT=no-adopt: remapd is stopped while the pair is made (the
# state a remapd without adoption leaves: no binding, no identity); the
# check boot must fail, and this script then exits 0 only if it did.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
repo=$(cd "$here/../../../.." && pwd -P)
kver=${KVER:?KVER must name the kernel to boot}
mutant=${ADOPTBOOT_MUTANT:-}
case $mutant in
    '' | no-adopt) ;;
    *) echo "adopt-boot: unknown ADOPTBOOT_MUTANT=$mutant" >&2; exit 2 ;;
esac
mkdir -p "$repo/build/vm/tmp"
work=$(mktemp -d "$repo/build/vm/tmp/adoptboot.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/out"
truncate -s 4G "$work/upper.img"
mkfs.ext4 -q -F -L dmr-upper "$work/upper.img"
truncate -s 64M "$work/main.img"
truncate -s 32M "$work/spare.img"
logs=$repo/build/vm/logs/$kver
mkdir -p "$logs"
timeout_s=${VM_TIMEOUT:-600}

vm() { # PHASE [run-vm options] [-- ARG]
    local phase=$1 opts=()
    shift
    while (($#)) && [[ $1 != -- ]]; do
        opts+=("$1")
        shift
    done
    (($# == 0)) || shift
    "$repo/tests/vm/run-vm.sh" --kernel "$kver" --quiet --timeout "$timeout_s" \
        --disk "$work/main.img" --disk "$work/spare.img" --upper "$work/upper.img" \
        --out "$work/out" --log "$logs/63-adopt-boot-$phase.log" "${opts[@]}" \
        -- "$repo/tests/vm/phases/adopt-boot.sh" "$phase" "$@"
}
phase_failed() { # PHASE
    echo "adopt-boot: phase $1 failed (log: $logs/63-adopt-boot-$1.log)"
    grep -a -e 'FAIL:' -e 'FATAL:' "$logs/63-adopt-boot-$1.log" | head -n 30 || true
}
run_phase() { # PHASE DONE-MESSAGE [run-vm options] [-- ARG]: exit 0 and out/PHASE.ok
    local phase=$1 msg=$2 rc=0
    shift 2
    vm "$phase" "$@" || rc=$?
    if ((rc != 0)) || [[ ! -f $work/out/$phase.ok ]]; then
        phase_failed "$phase"
        return 1
    fi
    echo "adopt-boot: $msg"
}

run_phase install "module, remapd, unit and udev rules installed" || exit 1
run_phase make "adopt0 made by a bare dmsetup${mutant:+ (mutant $mutant: remapd stopped)}, ext4, fstab line, a remapped and rewritten block" \
    --systemd -- ${mutant:+"$mutant"} || exit 1
if ! run_phase check "reboot: remapd assembled adopt0, the fstab line mounted it, the raw main is mounted nowhere, data current" --systemd; then
    if [[ -n $mutant ]]; then
        echo "adopt-boot: mutant $mutant caught by the check boot"
        exit 0
    fi
    exit 1
fi
if [[ -n $mutant ]]; then
    echo "adopt-boot: mutant $mutant NOT caught: the check boot passed"
    exit 1
fi
