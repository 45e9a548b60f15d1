#!/bin/bash
# vm-kernels: one (make test runs it on one kernel, the kernels taking turns; make test-long on all)
# The health score counts what predicts a failing disk (include/dm-remap/
# health.h), as the kernel computes it for `dmsetup status`:
#   * 16 unreadable sectors under a file on ext4: reading the file fails,
#     16 pending blocks, failed_reads counts the application's errors, and
#     health drops to at most 40 (any pending block caps it), below the
#     default threshold 50 (it used to be 80);
#   * an unreadable block (a manual remap of a block that cannot be read):
#     unreadable=1, health 40, its read counted in failed_reads; written, it
#     is readable and health recovers;
#   * 1,169 blocks remapped by write errors: remaps_24h=1169, health 40
#     (-30 remapped, -20 in a day, -10 errors; it used to be 100), 50 after
#     clear_stats (the errors forgotten, the remaps not).
. "$(dirname "$0")/remap-lib.sh"
load_remap
modprobe ext4 2>/dev/null || true

# --- 16 unreadable sectors under a file ---------------------------------------
size=$((64 * 2048))
disk=$(mkloop 64 random)
spare=$(mkloop 16)
main=$(mk_linear_with_errors bad0 "$disk" "$size" "")
dev=$(mk_remap r0 "$main" "$spare")
expect_field r0 block_size 512
mkfs.ext4 -q -F -b 4096 "$dev" || die "mkfs"
mkdir -p /mnt/h
mount "$dev" /mnt/h || die "mount"
dd if=/dev/urandom of=/mnt/h/data bs=1M count=4 conv=fsync status=none || die "write file"
# The file's first extent, in 512-byte sectors of the device.
phys=$(filefrag -e -b512 /mnt/h/data | awk '$1 == "0:" { sub(/\.\..*/, "", $4); print $4 }')
[[ $phys =~ ^[0-9]+$ ]] || die "no extent for the file: $(filefrag -e -b512 /mnt/h/data)"
bad=$((phys + 64))
umount /mnt/h
expect_field r0 health 100
swap_table bad0 "$(linear_with_errors_table "$disk" "$size" "$bad:16")"
mount -o ro "$dev" /mnt/h || die "mount ro"
if cat /mnt/h/data >/dev/null 2>&1; then fail "a file over unreadable sectors read back"; else pass "reading the file fails"; fi
# cat stops at the first error; an application reading on finds the rest.
dd if=/mnt/h/data of=/dev/null bs=4096 iflag=direct conv=noerror status=none 2>/dev/null
umount /mnt/h
expect_field r0 pending 16
fr=$(field r0 failed_reads)
check "the application's failed reads counted ($fr)" test "$fr" -ge 2
errs=$(($(field r0 read_errors) + $(field r0 write_errors)))
# 16 pending: -40 and at most 40; failed reads -5 each (at most 20); I/O
# errors -1 each (at most 10).
min() { echo $(($1 < $2 ? $1 : $2)); }
expect_field r0 health "$(min 40 $((100 - 40 - $(min 20 $((5 * fr))) - $(min 10 "$errs"))))"
check "below the default threshold 50" test "$(field r0 health)" -lt 50
stats=$(cat "$(dev_dir r0)/stats")
check "sysfs stats: failed_reads ($stats)" grep -q " failed_reads=$fr\$" <<<"$stats"
dm_remove r0
dm_remove bad0

# --- an unreadable block --------------------------------------------------------
size=$((32 * 2048))
disk=$(mkloop 32 random)
spare=$(mkloop 16)
main=$(mk_linear_with_errors bad1 "$disk" "$size" "5000:1")
dev=$(mk_remap r1 "$main" "$spare")
dmsetup message r1 0 remap 5000 >/dev/null
expect_field r1 unreadable 1
expect_field r1 remapped 1
expect_field r1 pending 0
fr=$(field r1 failed_reads)
if read_sectors "$dev" 5000 1 >/dev/null 2>&1; then fail "unreadable block returned data"; else pass "unreadable block fails reads"; fi
expect_field r1 failed_reads $((fr + 1))
expect_field r1 health 40
put_sectors "$dev" 5000 1
expect_field r1 unreadable 0
dmsetup message r1 0 clear_stats >/dev/null
# 1 remapped block (-5), 1 remap today (-5).
expect_field r1 health 90
dm_remove r1
dm_remove bad1

# --- 1,169 blocks remapped by write errors --------------------------------------
size=$((32 * 2048))
disk=$(mkloop 32 random)
spare=$(mkloop 16)
main=$(mk_linear_with_errors bad2 "$disk" "$size" "10000:1169")
dev=$(mk_remap r2 "$main" "$spare")
expect_field r2 remaps_24h 0
# One write per block, as a file system rewriting them would: each fails
# on the main (a write error) and is remapped.
check "the writes worked" dd if=/dev/urandom of="$dev" bs=512 count=1169 seek=10000 \
    oflag=direct conv=notrunc status=none
expect_field r2 remapped 1169
expect_field r2 remaps_24h 1169
check "write errors counted" test "$(field r2 write_errors)" -ge 10
expect_field r2 failed_reads 0
expect_field r2 health 40
dmsetup message r2 0 clear_stats >/dev/null
expect_field r2 health 50
finish
