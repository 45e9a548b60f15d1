#!/bin/bash
# Guest half of host/20-reboot.sh.  Disks: /dev/vda = main, /dev/vdb = spare.
#   reboot.sh write   create the device (main has bad sectors), write data,
#                     record checksums and the remap list in $DMR_OUT, and
#                     leave the device active: the VM is powered off under it
#   reboot.sh check   after the reboot: activate again and compare
. "$(dirname "$0")/../guest/remap-lib.sh"
load_remap

phase=${1:?write or check}
out=${DMR_OUT:?needs --out}
size=$(sectors /dev/vda)
bad="100:1 4096:8 9000:5 $((size - 1)):1"
main=$(mk_linear_with_errors bad0 /dev/vda "$size" "$bad")

case $phase in
    write)
        dev=$(dm_create r0 "$(remap_table "$main" /dev/vdb)")
        _dmr_forget dm r0  # stays active across the power-off on purpose
        _dmr_forget dm bad0
        fio_verify "$dev" || die "fio verify failed before the reboot"
        md5_of "$dev" >"$out/md5"
        dmsetup message r0 0 list >"$out/list"
        field r0 remapped >"$out/remapped"
        log "wrote data; remapped=$(cat "$out/remapped")"
        ;;
    check)
        dev=$(dm_create r0 "$(remap_table "$main" /dev/vdb)")
        check "remap list survives the reboot" test "$(dmsetup message r0 0 list)" = "$(cat "$out/list")"
        check "remapped count survives" test "$(field r0 remapped)" = "$(cat "$out/remapped")"
        check "all 15 bad blocks were remapped" test "$(cat "$out/remapped")" = 15
        check "data survives the reboot" test "$(md5_of "$dev")" = "$(cat "$out/md5")"
        dm_remove r0
        check "all metadata copies valid" meta_ok /dev/vdb
        finish
        ;;
    *) die "unknown phase $phase" ;;
esac
