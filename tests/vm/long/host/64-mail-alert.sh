#!/bin/bash
# vm-timeout: 900
# Alerts reach root out of the box (issue 23 item 2), under systemd as PID
# 1: two boots of one guest whose root overlay keeps its changes
# (run-vm.sh --upper), a 64 MiB main and a 32 MiB spare.
#   1. install (harness /init): dpkg -i of build/deb's dm-remap-v4-tools
#      (its remapd.service, enabled, and its /etc/remapd.conf, mail_to =
#      root) and this tree's module (no DKMS build: 57-package-boot does
#      that);
#   2. mail (run-vm.sh --systemd): remapd started without an MTA and said
#      "no local MTA: mail alerts disabled"; a fake MTA whose sendmail
#      needs what exim and postfix need (mktemp in /tmp, /var/spool/exim4,
#      /var/log/exim4, a setgid helper, a switch to the mail user,
#      /var/mail) and a hook that uses mktemp are installed;
#      `remapd --test-hook` passes in the unit's sandbox (systemd-run) and
#      its mail arrives; a write to a failing sector of the main (a
#      dm-linear with an error segment) is remapped and the remapped_new
#      mail naming the device arrives in /var/mail/root.
# The guest half: tests/vm/phases/mail-alert.sh.  A phase passes when
# run-vm.sh reports exit 0 and its hand-off file is in the out directory.
# MAILALERT_MUTANT=old-unit: a drop-in gives remapd.service the sandbox it
# had before (no private /tmp, no MTA paths, no CAP_SETUID/CAP_SETGID, no
# AF_INET): the mail boot must fail, and this script then exits 0 only if
# it did.  Needs `make deb` first (make test-long builds the packages).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
repo=$(cd "$here/../../../.." && pwd -P)
kver=${KVER:?KVER must name the kernel to boot}
mutant=${MAILALERT_MUTANT:-}
case $mutant in
    '' | old-unit) ;;
    *) echo "mail-alert: unknown MAILALERT_MUTANT=$mutant" >&2; exit 2 ;;
esac
mkdir -p "$repo/build/vm/tmp"
work=$(mktemp -d "$repo/build/vm/tmp/mailalert.XXXXXX")
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
        --out "$work/out" --log "$logs/64-mail-alert-$phase.log" "${opts[@]}" \
        -- "$repo/tests/vm/phases/mail-alert.sh" "$phase" "$@"
}
phase_failed() { # PHASE
    echo "mail-alert: phase $1 failed (log: $logs/64-mail-alert-$1.log)"
    grep -a -e 'FAIL:' -e 'FATAL:' "$logs/64-mail-alert-$1.log" | head -n 30 || true
}
run_phase() { # PHASE DONE-MESSAGE [run-vm options] [-- ARG]: exit 0 and out/PHASE.ok
    local phase=$1 msg=$2 rc=0
    shift 2
    vm "$phase" "$@" || rc=$?
    if ((rc != 0)) || [[ ! -f $work/out/$phase.ok ]]; then
        phase_failed "$phase"
        return 1
    fi
    echo "mail-alert: $msg"
}

run_phase install "tools package (unit, /etc/remapd.conf) and module installed${mutant:+ (mutant $mutant: the old sandbox)}" \
    -- ${mutant:+"$mutant"} || exit 1
if ! run_phase mail "no-MTA line; --test-hook in the unit's sandbox mailed root; a real remap mailed root naming mail0" --systemd; then
    if [[ -n $mutant ]]; then
        echo "mail-alert: mutant $mutant caught by the mail boot"
        exit 0
    fi
    exit 1
fi
if [[ -n $mutant ]]; then
    echo "mail-alert: mutant $mutant NOT caught: the mail boot passed"
    exit 1
fi
