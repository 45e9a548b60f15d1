#!/bin/bash
# vm-kernels: one (make test runs it on one kernel, the kernels taking turns; make test-long on all)
# Persistence across a VM reboot: file-backed virtio disks, one boot writes
# through remap-v4 while the main disk fails writes, the next boot
# reassembles the device and checks remaps and data.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
repo=$(cd "$here/../../.." && pwd -P)
kver=${KVER:?KVER must name the kernel to boot}
mkdir -p "$repo/build/vm/tmp"
work=$(mktemp -d "$repo/build/vm/tmp/reboot.XXXXXX")
trap 'rm -rf "$work"' EXIT
truncate -s 64M "$work/main.img"
truncate -s 16M "$work/spare.img"
mkdir -p "$work/out"
logs=$repo/build/vm/logs/$kver
mkdir -p "$logs"

vm() {
    "$repo/tests/vm/run-vm.sh" --kernel "$kver" --quiet --timeout "${VM_TIMEOUT:-240}" \
        --disk "$work/main.img" --disk "$work/spare.img" --out "$work/out" \
        --log "$logs/20-reboot-$1.log" -- "$repo/tests/vm/phases/reboot.sh" "$1"
}
vm write || { echo "reboot: first boot failed (log: $logs/20-reboot-write.log)"; exit 1; }
vm check || { echo "reboot: second boot failed (log: $logs/20-reboot-check.log)"; exit 1; }
echo "reboot: remaps and data intact after the reboot"
