#!/bin/bash
# vm-timeout: 2700
# The Debian packages on a machine that reboots under real systemd: four
# boots of one guest whose root overlay keeps its changes on an ext4 image
# (run-vm.sh --upper), with a 64 MiB main and a 32 MiB spare virtio disk.
#   1. install (harness /init): dpkg -i of build/deb/*.deb, DKMS builds the
#      module;  setup (harness /init): remapctl create pkg0, ext4 on it,
#      data, one remapped block, an /etc/fstab line by UUID= (nofail);
#   2. nospare (run-vm.sh --systemd, the spare disk left out): pkg0 is not
#      assembled, the claimed main is mounted nowhere (not by the fstab
#      line, no by-uuid/by-label link), remapd reported spare_missing;
#   3. boot (run-vm.sh --systemd: systemd is PID 1, udev runs our rules,
#      every enabled sysinit unit starts): remapd.service (Type=notify) is
#      active, pkg0 is assembled under its name, the fstab line mounted it,
#      not the raw main, and the data reads back; then systemd powers off;
#   4. purge (harness /init): apt-get remove, then purge, leave no unit,
#      rule, module, DKMS tree or binding.
# The guest half: tests/vm/phases/package-boot.sh.  A phase passes when
# run-vm.sh reports exit 0 and its hand-off file is in the out directory;
# the systemd boot also must show remapd.service and the mount started on
# the console.  Slow under TCG: DKMS compiles the module in phase 1.
#
# Knobs: PKGBOOT_MUTANT=no-enable|bad-fstab|no-claim breaks the installed
# system in one more harness boot before the systemd boots (remapd
# disabled, an fstab UUID no file system has, the claim rule deleted): one
# of the systemd boots (nospare or boot) must fail, and this script then
# exits 0 only if one did (prints "mutant ... caught").
# PKGBOOT_WORK=DIR keeps the images and logs in DIR (default: a temporary
# directory, deleted), PKGBOOT_FROM=boot|purge starts at that phase on the
# images of an earlier run in PKGBOOT_WORK (development: skips the DKMS
# build; PKGBOOT_FROM=setup makes new main and spare images);
# PKGBOOT_SNAPSHOT=1 copies the images after the setup to
# DIR/after-setup.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
repo=$(cd "$here/../../../.." && pwd -P)
kver=${KVER:?KVER must name the kernel to boot}
mutant=${PKGBOOT_MUTANT:-}
case $mutant in
    '' | no-enable | bad-fstab | no-claim) ;;
    *) echo "package-boot: unknown PKGBOOT_MUTANT=$mutant" >&2; exit 2 ;;
esac
from=${PKGBOOT_FROM:-install}
mkdir -p "$repo/build/vm/tmp"
if [[ -n ${PKGBOOT_WORK:-} ]]; then
    work=$PKGBOOT_WORK
    mkdir -p "$work"
else
    work=$(mktemp -d "$repo/build/vm/tmp/pkgboot.XXXXXX")
    trap 'rm -rf "$work"' EXIT
fi
logs=$repo/build/vm/logs/$kver
mkdir -p "$logs"
case $from in
    install)
        rm -rf "$work/out"
        mkdir -p "$work/out"
        # The guest's installed packages, DKMS tree and /etc live here.
        truncate -s 0 "$work/upper.img"
        truncate -s 4G "$work/upper.img"
        mkfs.ext4 -q -F -L dmr-upper "$work/upper.img"
        ;&
    setup)
        truncate -s 0 "$work/main.img" "$work/spare.img"
        truncate -s 64M "$work/main.img"
        truncate -s 32M "$work/spare.img"
        rm -f "$work/out/setup.ok" "$work/out/nospare.ok" "$work/out/boot.ok"
        ;;
    boot | purge) ;;
    *) echo "package-boot: PKGBOOT_FROM must be install, setup, boot or purge" >&2; exit 2 ;;
esac

vm() { # PHASE TIMEOUT [run-vm options] [-- ARG]
    local phase=$1 to=$2 opts=() disks=(--disk "$work/main.img" --disk "$work/spare.img")
    shift 2
    while (($#)) && [[ $1 != -- ]]; do
        opts+=("$1")
        shift
    done
    (($# == 0)) || shift
    [[ $phase != nospare ]] || disks=(--disk "$work/main.img")
    "$repo/tests/vm/run-vm.sh" --kernel "$kver" --quiet --timeout "$to" \
        "${disks[@]}" --upper "$work/upper.img" \
        --out "$work/out" --log "$logs/57-package-boot-$phase.log" "${opts[@]}" \
        -- "$repo/tests/vm/phases/package-boot.sh" "$phase" "$@"
}
phase_failed() { # PHASE
    echo "package-boot: phase $1 failed (log: $logs/57-package-boot-$1.log)"
    grep -a -e 'FAIL:' -e 'FATAL:' "$logs/57-package-boot-$1.log" | head -n 30 || true
}

timeout_s=${VM_TIMEOUT:-2700}
short=$((timeout_s < 900 ? timeout_s : 900))
run_phase() { # PHASE TIMEOUT DONE-MESSAGE: must exit 0 and leave out/PHASE.ok
    local rc=0
    vm "$1" "$2" || rc=$?
    if ((rc != 0)) || [[ ! -f $work/out/$1.ok ]]; then
        phase_failed "$1"
        exit 1
    fi
    echo "package-boot: $3"
}
if [[ $from == install ]]; then
    run_phase install "$timeout_s" "installed (DKMS built the module)"
fi
if [[ $from == install || $from == setup ]]; then
    run_phase setup "$short" "pkg0 made, ext4 with data on it, fstab line added"
    if [[ -n ${PKGBOOT_SNAPSHOT:-} ]]; then
        rm -rf "$work/after-setup"
        mkdir -p "$work/after-setup"
        cp -a --sparse=always "$work"/*.img "$work/out" "$work/after-setup/"
    fi
fi

if [[ $from != purge ]]; then
    if [[ -n $mutant ]]; then
        rc=0
        vm mutate "$short" -- "$mutant" || rc=$?
        if ((rc != 0)); then
            phase_failed mutate
            exit 1
        fi
        echo "package-boot: mutant $mutant applied"
    fi
    # A boot without the spare: nothing may mount the claimed main.
    rc=0
    vm nospare "$short" --systemd || rc=$?
    console=$(sed 's/\x1b\[[0-9;]*m//g' "$logs/57-package-boot-nospare.log")
    seen=1
    grep -aq 'Started remapd.service' <<<"$console" || seen=0
    ! grep -aq 'Mounted mnt-pkg0.mount' <<<"$console" || seen=0
    if ((rc != 0)) || [[ ! -f $work/out/nospare.ok ]] || ((seen == 0)); then
        phase_failed nospare
        ((seen)) || echo "package-boot: the console does not show remapd.service started, or shows mnt-pkg0.mount mounted"
        if [[ -n $mutant ]]; then
            echo "package-boot: mutant $mutant caught by the boot without the spare"
            exit 0
        fi
        exit 1
    fi
    echo "package-boot: systemd boot without the spare: pkg0 not assembled, the raw main mounted nowhere, spare_missing reported"
    rc=0
    vm boot "$short" --systemd || rc=$?
    # The console shows systemd starting what the guest checked.
    console=$(sed 's/\x1b\[[0-9;]*m//g' "$logs/57-package-boot-boot.log")
    seen=1
    grep -aq 'Started remapd.service' <<<"$console" || seen=0
    grep -aq 'Mounted mnt-pkg0.mount' <<<"$console" || seen=0
    if ((rc != 0)) || [[ ! -f $work/out/boot.ok ]] || ((seen == 0)); then
        phase_failed boot
        ((seen)) || echo "package-boot: the console does not show remapd.service and mnt-pkg0.mount started"
        if [[ -n $mutant ]]; then
            echo "package-boot: mutant $mutant caught by the boot with the spare"
            exit 0
        fi
        exit 1
    fi
    if [[ -n $mutant ]]; then
        echo "package-boot: mutant $mutant NOT caught: both systemd boots passed"
        exit 1
    fi
    echo "package-boot: systemd boot: remapd active, pkg0 assembled and mounted from fstab, data intact"
fi

rc=0
vm purge "$short" || rc=$?
if ((rc != 0)); then
    phase_failed purge
    exit 1
fi
echo "package-boot: remove and purge leave nothing behind"
