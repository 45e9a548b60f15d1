#!/bin/bash
# Error paths a failing disk exercises:
#  1. A spare write that fails uses no spare block (the allocation is given
#     back) and leaves the device in ro mode, not fail, even when the whole
#     spare is dead: healthy blocks of main stay readable and writable.
#  2. A main device that fails everywhere is not treated as bad sectors:
#     writes fail, nothing is remapped, main_state=failed, one log line, a
#     dm event; when it answers again, main_state=ok.
#  3. Retries and bisection of a slow failing write run without meta_lock:
#     a `remap` message of another block meanwhile completes at once.
#  4. With no_auto_remap, a pending block can be written again (on main),
#     and is then no longer pending.
. "$(dirname "$0")/remap-lib.sh"
load_remap
modprobe dm-delay

events() { dmsetup info "$1" | sed -n 's/^Event number: *//p'; }
disk=$(mkloop 32 random)
size=$(sectors "$disk")
err=$(dm_create err0 "0 $size error")

# --- 1a: spare data area unwritable at the next spare block ---
sdisk=$(mkloop 8)
sp=$(dm_create sp1 "$(linear_with_errors_table "$sdisk" "$(sectors "$sdisk")" "9216:8")")
main=$(dm_create m1 "$(write_only_bad_table "$disk" "$err" "$size" "1000:1")")
dev=$(mk_remap r1 "$main" "$sp")
seq0=$(field r1 seq)
put_sectors "$dev" 1000 1 2>/dev/null && fail "write with no usable spare block succeeded" ||
    pass "write fails when the spare block cannot be written"
expect_field r1 mode ro
expect_field r1 spare_used 0
expect_field r1 remapped 0
check "no commit for a remap that did not happen" test "$(field r1 seq)" = "$seq0"
dm_remove r1
dm_remove m1
dm_remove sp1

# --- 1b: the whole spare dies after activation ---
sdisk2=$(mkloop 8)
sp_table="0 $(sectors "$sdisk2") linear $sdisk2 0"
sp=$(dm_create sp2 "$sp_table")
main=$(dm_create m2 "$(write_only_bad_table "$disk" "$err" "$size" "2000:1")")
dev=$(mk_remap r2 "$main" "$sp")
swap_table sp2 "0 $(sectors "$sdisk2") error"
put_sectors "$dev" 2000 1 2>/dev/null && fail "write to a bad block with a dead spare succeeded" ||
    pass "write to a bad block fails with a dead spare"
expect_field r2 mode ro
expect_field r2 spare_used 0
check "healthy block still readable" read_sectors "$dev" 3000 8 >/dev/null
check "healthy block still writable" put_sectors "$dev" 3000 8
dm_remove r2
dm_remove m2
dm_remove sp2

# --- 2: main fails everywhere ---
m3_table="0 $size linear $disk 0"
main=$(dm_create m3 "$m3_table")
sp=$(mkloop 8)
dev=$(mk_remap r3 "$main" "$sp")
ev0=$(events r3)
swap_table m3 "0 $size error"
put_sectors "$dev" 4000 8 2>/dev/null && fail "write to a failed main succeeded" ||
    pass "write to a failed main fails"
put_sectors "$dev" 9000 8 2>/dev/null && fail "second write to a failed main succeeded" ||
    pass "second write to a failed main fails"
read_sectors "$dev" 5000 8 >/dev/null 2>&1 && fail "read from a failed main succeeded" ||
    pass "read from a failed main fails"
expect_field r3 spare_used 0
expect_field r3 remapped 0
expect_field r3 pending 0
expect_field r3 main_state failed
check "a dm event was raised" test "$(events r3)" -gt "$ev0"
n=$(dmesg | grep -c "r3: main device .* fails everywhere" || true)
check "logged once ($n)" test "$n" = 1
swap_table m3 "$m3_table"
check "main answers again: write works" put_sectors "$dev" 4000 8
expect_field r3 main_state ok
check "recovery is logged" in_dmesg "r3: main device .* responds again"
dm_remove r3
dm_remove m3

# --- 3: slow failing write vs. a message ---
# Writes to [6000, 6004) fail after 1.5 s each: the worker retries and
# bisects (8 writes, ~12 s) before it remaps them.
main=$(dm_create m4 "$(
    echo "0 6000 linear $disk 0"
    echo "6000 4 delay $disk 6000 0 $err 6000 1500"
    echo "6004 $((size - 6004)) linear $disk 6004"
)")
sp=$(mkloop 8)
dev=$(mk_remap r4 "$main" "$sp")
put_sectors "$dev" 6000 4 &
w=$!
sleep 4 # the worker is now retrying/bisecting
t0=$(date +%s%N)
dmsetup message r4 0 remap 100 >/dev/null || fail "remap message failed"
ms=$((($(date +%s%N) - t0) / 1000000))
log "remap message took $ms ms while the worker bisected"
check "message not stalled behind the worker's I/O ($ms ms < 3000)" test $ms -lt 3000
wait $w && pass "slow failing write remapped and acknowledged" || fail "slow failing write failed"
expect_field r4 remapped 5
dm_remove r4
dm_remove m4

# --- 4: no_auto_remap: overwrite a pending block ---
# Reads of [7000, 7008) fail, writes work (a disk that reallocates on write).
rb_table() {
    echo "0 7000 linear $disk 0"
    echo "7000 8 delay $err 7000 0 $disk 7000 0"
    echo "7008 $((size - 7008)) linear $disk 7008"
}
main=$(dm_create m5 "$(rb_table)")
sp=$(mkloop 8)
dev=$(mk_remap r5 "$main" "$sp" no_auto_remap)
read_sectors "$dev" 7000 8 >/dev/null 2>&1 && fail "read of unreadable sectors succeeded" ||
    pass "read of unreadable sectors fails"
expect_field r5 pending 8
head -c 4096 /dev/urandom >/tmp/new.bin
check "pending blocks can be rewritten with no_auto_remap" put_sectors "$dev" 7000 8 /tmp/new.bin
expect_field r5 pending 0
expect_field r5 spare_used 0
swap_table m5 "0 $size linear $disk 0" # the rewritten sectors read fine again
check "rewritten data reads back" test "$(md5_of "$dev" 7000 8)" = "$(md5sum </tmp/new.bin | cut -d' ' -f1)"
check "metadata valid" meta_ok "$sp"
finish
