#!/bin/bash
# Read errors: reading a bad, never-rewritten block fails (no made-up data);
# the block becomes pending; a write remaps it; reads then return the data.
. "$(dirname "$0")/remap-lib.sh"
load_remap

size=$((32 * 2048))
disk=$(mkloop 32 random)
spare=$(mkloop 16)
main=$(mk_linear_with_errors bad0 "$disk" "$size" "5000:4")
dev=$(mk_remap r0 "$main" "$spare")

check "healthy block reads" read_sectors "$dev" 4990 8 >/dev/null
if read_sectors "$dev" 4996 8 >/dev/null 2>&1; then
    fail "read across the bad range succeeded"
else
    pass "read across the bad range fails"
fi
expect_field r0 pending 4
expect_field r0 remapped 0
check "read errors counted" test "$(field r0 read_errors)" -gt 0
check "list shows pending blocks" grep -qx "lblock=5000 len=4 sblock=- flags=pending" <<<"$(dmsetup message r0 0 list)"
if read_sectors "$dev" 5001 1 >/dev/null 2>&1; then fail "pending block read succeeded"; else pass "pending block still unreadable"; fi

# Write two of the four pending blocks: they get a spare home.
dd if=/dev/urandom of=/tmp/w bs=512 count=2 status=none
put_sectors "$dev" 5001 2 /tmp/w
expect_field r0 remapped 2
expect_field r0 pending 2
check "written blocks read back" test "$(read_sectors "$dev" 5001 2 | md5sum)" = "$(md5sum </tmp/w)"
if read_sectors "$dev" 5000 1 >/dev/null 2>&1; then fail "unwritten pending block readable"; else pass "unwritten pending block still fails"; fi

# Pending state survives remove + create.
dm_remove r0
dev=$(mk_remap r0 "$main" "$spare")
expect_field r0 pending 2
expect_field r0 remapped 2
check "remapped data survives re-activation" test "$(read_sectors "$dev" 5001 2 | md5sum)" = "$(md5sum </tmp/w)"

# A manual remap of an unreadable block: reads fail until it is written.
dmsetup message r0 0 remap 5000 >/dev/null
check "list marks it unreadable" grep -q "lblock=5000 len=1 sblock=[0-9]* flags=unreadable" <<<"$(dmsetup message r0 0 list)"
if read_sectors "$dev" 5000 1 >/dev/null 2>&1; then fail "unreadable block returned data"; else pass "unreadable block fails reads"; fi
dd if=/dev/urandom of=/tmp/w2 bs=512 count=1 status=none
put_sectors "$dev" 5000 1 /tmp/w2
check "unreadable block readable after a write" test "$(read_sectors "$dev" 5000 1 | md5sum)" = "$(md5sum </tmp/w2)"
dm_remove r0
dev=$(mk_remap r0 "$main" "$spare")
check "cleared flag is durable" test "$(read_sectors "$dev" 5000 1 | md5sum)" = "$(md5sum </tmp/w2)"
check "metadata copies all valid" meta_ok "$spare"
finish
