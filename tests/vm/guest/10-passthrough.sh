#!/bin/bash
# No remaps: data written through remap-v4 lands unchanged on the main
# device; the table round-trips; status is well-formed; removal works.
. "$(dirname "$0")/remap-lib.sh"
load_remap

main=$(mkloop 64)
spare=$(mkloop 16)
dev=$(mk_remap r0 "$main" "$spare")

check "blank spare formatted: 5 valid copies" meta_ok "$spare"
dd if=/dev/urandom of=/tmp/data bs=1M count=64 status=none
want=$(md5sum </tmp/data | cut -d' ' -f1)
dd if=/tmp/data of="$dev" bs=1M oflag=direct conv=fsync status=none
check "read back through remap-v4" test "$(md5_of "$dev")" = "$want"
check "main device holds the same bytes" test "$(md5_of "$main")" = "$want"

for kv in mode=rw remapped=0 pending=0 spare_used=0 read_errors=0 write_errors=0 health=100; do
    expect_field r0 "${kv%%=*}" "${kv#*=}"
done
check "status has spare_free" test -n "$(field r0 spare_free)"
uuid=$(field r0 uuid)
check "status has the pair uuid" grep -Eq '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' <<<"$uuid"

table=$(dmsetup table r0)
log "table: $table"
check "table names both devices" grep -q "remap-v4 $(cat /sys/block/"${main#/dev/}"/dev) $(cat /sys/block/"${spare#/dev/}"/dev)\$" <<<"$table"
dmsetup reload r0 --table "$table"
dmsetup resume r0
check "reload with its own table" test "$(dmsetup table r0)" = "$table"
check "data unchanged after reload" test "$(md5_of "$dev")" = "$want"

# A table with features round-trips as well.
dm_remove r0
mk_remap r1 "$main" "$spare" no_auto_remap read_retries 5 >/dev/null
check "features round-trip" grep -q " 3 no_auto_remap read_retries 5\$" <<<"$(dmsetup table r1)"
dmsetup reload r1 --table "$(dmsetup table r1)"
dmsetup resume r1
check "same pair uuid after re-activation" test "$(field r1 uuid)" = "$uuid"
check "data unchanged after re-activation" test "$(md5_of /dev/mapper/r1)" = "$want"
dm_remove r1
check "module unloads when no device is left" rmmod dm_remap_v4
finish
