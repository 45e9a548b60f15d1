#!/bin/bash
# A metadata commit that cannot be written (issue 21, items 1 and 2):
#  1. A write staged by the worker (its data on the spare, its remap not yet
#     committed) must not be acknowledged when another path's commit (a
#     `remap` message) fails before the worker's group commit: it fails
#     with EIO, or its data must be there after reassembly; so must a
#     rewrite of the block in the same batch.  The old code
#     went to fail mode, skipped the group commit and acknowledged it (the
#     sector read its old data after reassembly).
#  2. A commit that carries no acknowledged write (a pending mark after a
#     read error) goes ro, not fail: reads and writes of healthy blocks,
#     and of a block remapped before, keep working; new remaps and `remap`
#     messages are refused; nothing is committed until the table is
#     reloaded, and after the reload the device is rw again.
. "$(dirname "$0")/remap-lib.sh"
load_module_fault
echo 0 >/sys/module/dm_remap_v4/parameters/enable_background_scanning
modprobe dm-delay
P=/sys/module/dm_remap_v4/parameters
META_END=9216 # DMR_DATA_START_SECTOR: the five copies live below it

disk=$(mkloop 32 random)
size=$(sectors "$disk")
err=$(dm_create err0 "0 $size error")
sdisk=$(mkloop 8)
ssize=$(sectors "$sdisk")
spare_ok="0 $ssize linear $sdisk 0"
# The spare's metadata region fails every write and still reads.
spare_meta_ro() {
    echo "0 $META_END delay $sdisk 0 0 $err 0 0 $sdisk 0 0"
    echo "$META_END $((ssize - META_END)) linear $sdisk $META_END"
}

# --- 1: a staged write and a commit that fails elsewhere ------------------------
# A = sector 1000: writes fail at once.  B = sectors 2000-2003: writes fail
# after 1.5 s each, so the worker spends ~10 s retrying and bisecting B
# after it staged A's remap, before its group commit.
A=1000
main=$(dm_create m1 "$(
    echo "0 $A linear $disk 0"
    echo "$A 1 delay $disk $A 0 $err $A 0 $disk $A 0"
    echo "$((A + 1)) $((2000 - A - 1)) linear $disk $((A + 1))"
    echo "2000 4 delay $disk 2000 0 $err 2000 1500 $disk 2000 0"
    echo "2004 $((size - 2004)) linear $disk 2004"
)")
sp=$(dm_create sp1 "$spare_ok")
dev=$(mk_remap r1 "$main" "$sp")
old_a=$(md5_of "$disk" $A 1)
head -c 512 /dev/urandom >/tmp/a.bin
new_a=$(md5sum </tmp/a.bin | cut -d' ' -f1)
seq0=$(field r1 seq)
echo 4000 >$P/fault_worker_delay_ms # A and B reach the worker in one batch
put_sectors "$dev" $A 1 /tmp/a.bin 2>/dev/null &
wa=$!
sleep 0.3
# A rewrite of A in the same batch: the worker finds A's staged (not yet
# durable) extent and writes it on the spare; it needs the same commit.
head -c 512 /dev/urandom >/tmp/a1.bin
new_a1=$(md5sum </tmp/a1.bin | cut -d' ' -f1)
put_sectors "$dev" $A 1 /tmp/a1.bin 2>/dev/null &
wa1=$!
put_sectors "$dev" 2000 4 2>/dev/null &
wb=$!
if wait_for 60 in_dmesg "r1: target sectors $A-$A remapped to the spare"; then
    pass "A's remap is staged (its data on the spare)"
else
    fail "the worker never staged A's remap"
fi
check "nothing committed yet" test "$(field r1 seq)" = "$seq0"
swap_table sp1 "$(spare_meta_ro)"
if dmsetup message r1 0 remap 100 >/dev/null 2>&1; then
    fail "a remap whose commit cannot be written succeeded"
else
    pass "the remap message fails: no metadata copy can be written"
fi
rc_a=0 rc_a1=0
wait $wa || rc_a=$?
wait $wa1 || rc_a1=$?
wait $wb || true
check "A's write fails: its remap was never committed" test $rc_a != 0
check "A's rewrite in the same batch fails: it went to the uncommitted extent" test $rc_a1 != 0
expect_field r1 mode ro
check "no commit happened" test "$(field r1 seq)" = "$seq0"
check "the device says why" in_dmesg "r1: switching to ro mode: no metadata copy could be written"
check "a healthy block is still readable" read_sectors "$dev" 3000 8 >/dev/null
check "a healthy block is still writable" put_sectors "$dev" 3000 8
# A again: its staged remap was dropped with the failed commit, so it is a
# write that fails on main, and ro makes no new remap.  (Kept, the staged
# extent would take it to the spare and acknowledge it, and the reassembly
# below would not find it.)
head -c 512 /dev/urandom >/tmp/a2.bin
new_a2=$(md5sum </tmp/a2.bin | cut -d' ' -f1)
rc_a2=0
put_sectors "$dev" $A 1 /tmp/a2.bin 2>/dev/null || rc_a2=$?
check "A's second write fails too: no remap in ro mode" test $rc_a2 != 0
dm_remove r1
swap_table sp1 "$spare_ok"
dev=$(mk_remap r1 "$main" "$sp")
got=$(md5_of "$dev" $A 1)
# Whatever the outcome above, an acknowledged write must read back.
if ((rc_a2 == 0)); then
    check "acknowledged second write of A survives the reassembly" test "$got" = "$new_a2"
elif ((rc_a1 == 0)); then
    check "acknowledged rewrite of A survives the reassembly" test "$got" = "$new_a1"
elif ((rc_a == 0)); then
    check "acknowledged write of A survives the reassembly" test "$got" = "$new_a"
else
    check "A still reads its old data" test "$got" = "$old_a"
fi
expect_field r1 remapped 0
check "metadata valid" meta_ok "$sp"
dm_remove r1
dm_remove m1
dm_remove sp1

# --- 2: a pending mark that cannot be committed ---------------------------------
# Sector 3000 cannot be read; sector 4000 fails writes (for the refused
# remap).  Block 5000 is remapped while the spare still works.
main=$(dm_create m2 "$(
    echo "0 3000 linear $disk 0"
    echo "3000 1 delay $err 3000 0 $disk 3000 0"
    echo "3001 999 linear $disk 3001"
    echo "4000 1 delay $disk 4000 0 $err 4000 0 $disk 4000 0"
    echo "4001 $((size - 4001)) linear $disk 4001"
)")
sp=$(dm_create sp2 "$spare_ok")
dev=$(mk_remap r2 "$main" "$sp")
dmsetup message r2 0 remap 5000 >/dev/null || fail "remap of block 5000 failed"
head -c 512 /dev/urandom >/tmp/r.bin
put_sectors "$dev" 5000 1 /tmp/r.bin || fail "write to the remapped block failed"
seq1=$(field r2 seq)
swap_table sp2 "$(spare_meta_ro)"
read_sectors "$dev" 3000 1 >/dev/null 2>&1 && fail "read of an unreadable sector succeeded" ||
    pass "read of the unreadable sector fails"
expect_field r2 mode ro
check "no commit happened" test "$(field r2 seq)" = "$seq1"
check "a healthy block is readable" read_sectors "$dev" 6000 8 >/dev/null
head -c 4096 /dev/urandom >/tmp/h.bin
check "a healthy block is writable" put_sectors "$dev" 6000 8 /tmp/h.bin
check "...and reads back" test "$(md5_of "$dev" 6000 8)" = "$(md5sum </tmp/h.bin | cut -d' ' -f1)"
check "the block remapped before reads back" \
    test "$(md5_of "$dev" 5000 1)" = "$(md5sum </tmp/r.bin | cut -d' ' -f1)"
head -c 512 /dev/urandom >/tmp/r2.bin
check "the block remapped before is writable" put_sectors "$dev" 5000 1 /tmp/r2.bin
check "...and reads back" test "$(md5_of "$dev" 5000 1)" = "$(md5sum </tmp/r2.bin | cut -d' ' -f1)"
dmsetup message r2 0 remap 7000 >/dev/null 2>&1 && fail "remap message accepted in ro mode" ||
    pass "remap message refused in ro mode"
swap_table sp2 "$spare_ok" # the spare works again, but this table commits nothing more
put_sectors "$dev" 4000 1 2>/dev/null && fail "a write needing a new remap succeeded in ro mode" ||
    pass "a write needing a new remap fails in ro mode"
check "still no commit" test "$(field r2 seq)" = "$seq1"
dmsetup reload r2 <<<"$(remap_table "$main" "$sp")" || fail "reload failed"
dmsetup suspend r2 && dmsetup resume r2 || fail "suspend/resume for the reload failed"
expect_field r2 mode rw
check "after the reload a bad block is remapped again" put_sectors "$dev" 4000 1
check "the block remapped before still reads its last write" \
    test "$(md5_of "$dev" 5000 1)" = "$(md5sum </tmp/r2.bin | cut -d' ' -f1)"
check "metadata valid" meta_ok "$sp"
finish
