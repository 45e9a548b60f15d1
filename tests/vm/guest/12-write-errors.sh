#!/bin/bash
# Write errors on the main device are remapped transparently: fio with
# crc32c verification over the whole device sees no error, and exactly the
# bad blocks are remapped (a single sector, an 8-sector range, a range
# crossing a 4 KiB boundary, the last sector).
. "$(dirname "$0")/remap-lib.sh"
load_remap

size=$((64 * 2048))
bad="1000:1 2048:8 4101:6 $((size - 1)):1"
nbad=16
disk=$(mkloop 64)
spare=$(mkloop 16)
main=$(mk_linear_with_errors bad0 "$disk" "$size" "$bad")
dev=$(mk_remap r0 "$main" "$spare")

if fio_verify "$dev"; then pass "fio verify: no errors"; else
    cat /tmp/fio.out
    fail "fio verify failed"
fi
check "fio reports zero errors" grep -q "err= 0" /tmp/fio.out
expect_field r0 remapped "$nbad"
expect_field r0 pending 0
expect_field r0 mode rw
check "write errors were seen on main" test "$(field r0 write_errors)" -gt 0
dmsetup message r0 0 list | tee /tmp/list
for r in $bad; do
    check "blocks ${r/:/+} remapped" not_remapped /tmp/list <<<"$r"
done
sum=$(md5_of "$dev")
dm_remove r0
dev=$(mk_remap r0 "$main" "$spare")
check "same data after remove+create" test "$(md5_of "$dev")" = "$sum"
expect_field r0 remapped "$nbad"
check "metadata copies all valid" meta_ok "$spare"
finish
