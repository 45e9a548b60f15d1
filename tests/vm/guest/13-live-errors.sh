#!/bin/bash
# Bad sectors appear live (suspend/load/resume of the main device's table)
# while fio writes and verifies through remap-v4: fio sees no error, data
# verifies, and every bad block written afterwards is remapped.
. "$(dirname "$0")/remap-lib.sh"
load_remap
modprobe dm-delay

size=$((64 * 2048))
bad="777:1 3000:8 20479:3 65536:16 $((size - 2)):2"
nbad=30
disk=$(mkloop 64)
spare=$(mkloop 16)
err=$(dm_create err0 "0 $size error")
main=$(dm_create main0 "0 $size linear $disk 0")
dev=$(mk_remap r0 "$main" "$spare")

# Pass 1: the disk goes bad under a running writer.
fio_verify "$dev" --output=/tmp/fio1.out &
fio_pid=$!
sleep 3
swap_table main0 "$(write_only_bad_table "$disk" "$err" "$size" "$bad")"
log "bad sectors injected: $bad"
if wait "$fio_pid"; then pass "pass 1: fio verify clean across the injection"; else
    cat /tmp/fio1.out
    fail "pass 1: fio saw errors"
fi
# The old data under a bad sector is still readable, as on a real disk.
check "write-only bad sectors still read" read_sectors "$main" 3000 8 >/dev/null

# Pass 2: every block written again, so every bad block is hit.
if fio_verify "$dev" --output=/tmp/fio2.out; then pass "pass 2: fio verify clean"; else
    cat /tmp/fio2.out
    fail "pass 2: fio saw errors"
fi
expect_field r0 remapped "$nbad"
expect_field r0 mode rw
sum=$(md5_of "$dev")
dm_remove r0
dev=$(mk_remap r0 "$main" "$spare")
check "data identical after remove+create" test "$(md5_of "$dev")" = "$sum"
check "metadata copies all valid" meta_ok "$spare"
finish
