#!/bin/bash
# Discard and write-zeroes (issue 21, item 7):
#  1. Main alone decides whether the device takes discards: a main that
#     supports them paired with a spare that does not (an SSD main, an HDD
#     spare; here a loop device on tmpfs and a scsi_debug disk without
#     logical block provisioning) gives a device that takes discards.
#     (Before, dm core also required the spare.)
#  2. A discard across remapped blocks is not cut in ->map (dm core forbids
#     dm_accept_partial_bio() on it): the worker discards the unmapped runs
#     on main, on both sides of the extent, and leaves the remapped blocks
#     alone: they keep their data, on the spare, and main's old location is
#     not touched.  Blocks outside the range do not change.
#  3. A write-zeroes across remapped blocks (fallocate --punch-hole on the
#     device: write-zeroes with no fallback) zeroes every block of the range,
#     the remapped ones on the spare, and leaves main's old location alone.
. "$(dirname "$0")/remap-lib.sh"
load_remap

zeroes() { dd if=/dev/zero bs=512 count="$1" status=none | md5sum | cut -d' ' -f1; }
queue() { cat "/sys/block/${1#/dev/}/queue/$2"; }

# --- 1: discard support comes from main ---------------------------------------------
modprobe sd_mod 2>/dev/null || true   # no udev here to load it
modprobe scsi_debug dev_size_mb=16 || die "cannot load scsi_debug"
sd_disk() {
    local m
    for m in /sys/block/sd*/device/model; do
        [[ -e $m ]] && grep -q scsi_debug "$m" && [[ -b /dev/$(basename "$(dirname "$(dirname "$m")")") ]] &&
            basename "$(dirname "$(dirname "$m")")"
    done
}
wait_for 30 sd_disk || die "no scsi_debug disk"
spare0=/dev/$(sd_disk)
[[ -b $spare0 ]] || die "no scsi_debug disk"
main=$(mkloop 32 random)
[[ $(queue "$main" discard_max_bytes) -gt 0 ]] || die "precondition: loop main takes no discards"
[[ $(queue "$spare0" discard_max_bytes) -eq 0 ]] || die "precondition: scsi_debug takes discards on this kernel"
dev=$(mk_remap r0 "$main" "$spare0")
log "discard_max_bytes: main $(queue "$main" discard_max_bytes), spare 0, device $(queue "/dev/$(dm_kname r0)" discard_max_bytes)"
check "a main that takes discards, a spare that does not: the device takes discards" \
    test "$(queue "/dev/$(dm_kname r0)" discard_max_bytes)" -gt 0

# --- 2: a discard across an extent -------------------------------------------------
dmsetup message r0 0 remap 1000 >/dev/null
dmsetup message r0 0 remap 1001 >/dev/null
check "blocks 1000-1001 are one extent" grep -qx "lblock=1000 len=2 sblock=0 flags=remapped" <<<"$(dmsetup message r0 0 list)"
kept=$(md5_of "$dev" 1000 2)
main_old=$(md5_of "$main" 1000 2)
before=$(md5_of "$dev" 899 1)
after=$(md5_of "$dev" 1100 1)
check "discard of sectors 900-1099 through the device" \
    blkdiscard --offset $((900 * 512)) --length $((200 * 512)) "$dev"
check "unmapped run before the extent discarded on main (reads zeroes)" \
    test "$(md5_of "$dev" 900 100)" = "$(zeroes 100)"
check "unmapped run after the extent discarded on main (reads zeroes)" \
    test "$(md5_of "$dev" 1002 98)" = "$(zeroes 98)"
check "remapped blocks keep their data" test "$(md5_of "$dev" 1000 2)" = "$kept"
check "spare blocks of the extent unchanged" test "$(md5_of "$spare0" 9216 2)" = "$kept"
check "main's old location of the remapped blocks not discarded" \
    test "$(md5_of "$main" 1000 2)" = "$main_old"
check "sector before the range unchanged" test "$(md5_of "$dev" 899 1)" = "$before"
check "sector after the range unchanged" test "$(md5_of "$dev" 1100 1)" = "$after"
expect_field r0 remapped 2
expect_field r0 mode rw
dm_remove r0

# --- 3: write-zeroes across an extent ------------------------------------------------
main=$(mkloop 32 random)
spare=$(mkloop 16)
dev=$(mk_remap r1 "$main" "$spare")
[[ $(queue "/dev/$(dm_kname r1)" write_zeroes_max_bytes) -gt 0 ]] ||
    die "precondition: the device takes no write-zeroes"
dmsetup message r1 0 remap 2000 >/dev/null
dmsetup message r1 0 remap 2001 >/dev/null
main_old=$(md5_of "$main" 2000 2)
before=$(md5_of "$dev" 1899 1)
after=$(md5_of "$dev" 2100 1)
# --punch-hole --keep-size on a block device is write-zeroes without the
# fallback to writing zero pages: it fails unless the device does it.
check "write-zeroes of sectors 1900-2099 through the device" \
    fallocate --punch-hole --keep-size --offset $((1900 * 512)) --length $((200 * 512)) "$dev"
check "the whole range reads zeroes" test "$(md5_of "$dev" 1900 200)" = "$(zeroes 200)"
check "remapped blocks zeroed on the spare" test "$(md5_of "$spare" 9216 2)" = "$(zeroes 2)"
check "main's old location of the remapped blocks untouched" \
    test "$(md5_of "$main" 2000 2)" = "$main_old"
check "sector before the range unchanged" test "$(md5_of "$dev" 1899 1)" = "$before"
check "sector after the range unchanged" test "$(md5_of "$dev" 2100 1)" = "$after"
expect_field r1 remapped 2
expect_field r1 mode rw
finish
