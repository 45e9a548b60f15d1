#!/bin/bash
# vm-kernels: one (the userspace tools: make test runs it on one kernel, make test-long on all)
# LVM and a claimed main (docs/remapd.md, "Claimed mains"): a physical
# volume created through the remap device is also visible on the raw main,
# so LVM without a filter sees two devices with the same PV UUID; with the
# documented accept-list global_filter (the remap devices, then "r|.*|") it
# sees only the remap device, also after the remap device is removed (the
# raw main, with its stale blocks, is never activated).  Skipped (passes
# with a note) if lvm2 is not installed.
. "$(dirname "$0")/remap-lib.sh"
load_remap
if ! command -v pvs >/dev/null; then
    log "lvm2 is not installed: nothing to test"
    pass "skipped: no lvm2"
    finish
fi
# No lvmetad, udev or locking daemons in the test VM: LVM scans /dev itself.
base='global { use_lvmetad=0 locking_type=1 } devices { obtain_device_list_from_udev=0 scan=["/dev"] }'
filter='devices { global_filter=[ "a|^/dev/mapper/|", "r|.*|" ] }'
lvm_cfg() { echo "$base $1"; }
mkdir -p /run/lock/lvm /etc/lvm
[[ -f /etc/lvm/lvm.conf ]] || : >/etc/lvm/lvm.conf

main=$(mkloop 64)
spare=$(mkloop 16)
dev=$(mk_remap r0 "$main" "$spare")
pvcreate -q --config "$(lvm_cfg "$filter")" "$dev" >/dev/null 2>&1 || die "pvcreate"
vgcreate -q --config "$(lvm_cfg "$filter")" vgr "$dev" >/dev/null 2>&1 || die "vgcreate"

lvcreate -q -y --config "$(lvm_cfg "$filter")" -n lv -L 8M vgr >/dev/null 2>&1 || die "lvcreate"
check "LV active on the remap device" test -b /dev/vgr/lv
vgchange -q -an --config "$(lvm_cfg "$filter")" vgr >/dev/null 2>&1 || die "vgchange -an"

# Without a filter LVM finds the PV twice: on r0 and on the raw main.
nofilter=$(pvs --noheadings -o pv_name --config "$(lvm_cfg "")" 2>&1 || true)
check "without a filter the raw main shows the PV too ($(tr -s ' \n' ' ' <<<"$nofilter"))" \
    grep -q "$main\|duplicate\|Duplicate" <<<"$nofilter"
# With the documented filter only the remap device.
pvs_f=$(pvs --noheadings -o pv_name --config "$(lvm_cfg "$filter")" 2>&1)
check "with the filter: only /dev/mapper/r0 ($(tr -s ' \n' ' ' <<<"$pvs_f"))" \
    test "$(tr -d ' ' <<<"$pvs_f")" = /dev/mapper/r0
# The remap device down (a failed assembly): LVM must not fall back to the main.
dm_remove r0
pvs_down=$(pvs --noheadings -o pv_name --config "$(lvm_cfg "$filter")" 2>&1 || true)
check "remap device down: no PV at all ($(tr -s ' \n' ' ' <<<"$pvs_down"))" \
    bash -c "! grep -q /dev/ <<<\"\$1\"" _ "$pvs_down"
if vgchange -q -ay --config "$(lvm_cfg "$filter")" vgr >/dev/null 2>&1; then
    fail "vgr activated without its remap device"
else
    pass "vgr not activated from the raw main"
fi
finish
