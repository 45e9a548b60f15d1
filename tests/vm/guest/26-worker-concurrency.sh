#!/bin/bash
# One slow bio does not hold up the others (issue 21, item 3).  Block S's
# writes fail after 3 s each (dm-delay in front of dm-error), as on a disk
# whose failing commands time out.  A 128-sector write over S fails, goes
# to the worker and retries there; meanwhile
#  1. a write to another failing block F (fails at once) is remapped and
#     acknowledged while the slow write is still retrying: the worker
#     handles each bio in a work item of its own (the old single worker
#     handled them one after the other: F waited for the whole slow write);
#  2. a read of an unreadable block R fails at once, R becomes pending,
#     while the slow write still retries;
#  3. a second slow write (over block S2, same kind): a suspend waits for
#     it, but only about two more failures:
#     the worker writes the blocks of a failed write again in parallel
#     batches (bisection wrote them one half at a time: 2 * log2(128) = 14
#     failures of 3 s one after the other);
#  4. every write reads back after all that.
# Failing first: the old worker (bisection, one bio at a time) failed 1 and 3.
#
# Second device (review of that worker):
#  5. first come, first served: W overlaps the slow write and parks behind
#     it; a later write w3 to a block of W (not of the slow write) parks
#     behind W instead of overtaking it (a big write could be overtaken
#     again and again by small ones);
#  6. a slow spare does not serialise the worker: three writes to failing
#     blocks, each remapped to a spare whose data writes take 3 s, finish
#     together (the spare write used to run under meta_lock: 9 s).
# Failing first: the module before the change failed 5 and 6.
. "$(dirname "$0")/remap-lib.sh"
load_remap
modprobe dm-delay

disk=$(mkloop 32 random)
size=$(sectors "$disk")
err=$(dm_create err0 "0 $size error")
spare=$(mkloop 8)
S=20000 S2=25000 F=30000 R=40000
main=$(dm_create main0 "$(
    echo "0 $S linear $disk 0"
    echo "$S 1 delay $disk $S 0 $err $S 3000"
    echo "$((S + 1)) $((S2 - S - 1)) linear $disk $((S + 1))"
    echo "$S2 1 delay $disk $S2 0 $err $S2 3000"
    echo "$((S2 + 1)) $((F - S2 - 1)) linear $disk $((S2 + 1))"
    echo "$F 1 delay $disk $F 0 $err $F 0"
    echo "$((F + 1)) $((R - F - 1)) linear $disk $((F + 1))"
    echo "$R 1 error"
    echo "$((R + 1)) $((size - R - 1)) linear $disk $((R + 1))"
)")
dev=$(mk_remap r0 "$main" "$spare")
rdev=r0
head -c $((128 * 512)) /dev/urandom >/tmp/slow.bin
head -c $((128 * 512)) /dev/urandom >/tmp/slow2.bin
head -c 512 /dev/urandom >/tmp/f.bin

# slow_write BLOCK FILE: one 64 KiB bio over BLOCK (put_sectors would write
# 512-byte bios) in the background; returns once it is in the worker (its
# first failure, 3 s, sent it there).
slow_write() {
    local e0
    e0=$(field $rdev write_errors)
    t0=$SECONDS
    dd if="$2" of="$dev" bs=64k count=1 seek=$((($1 - 64) * 512)) \
        oflag=direct,seek_bytes conv=notrunc status=none &
    slow=$!
    failed_once() { (($(field $rdev write_errors) > e0)); }
    wait_for 30 failed_once || fail "the slow write over $1 never failed"
    log "slow write over $1 in the worker after $((SECONDS - t0)) s"
}
slow_write $S /tmp/slow.bin

t1=$SECONDS
put_sectors "$dev" $F 1 /tmp/f.bin && pass "write to failing block F acknowledged" ||
    fail "write to F failed"
log "F's write took $((SECONDS - t1)) s"
check "...while the slow write still retries" kill -0 $slow

t1=$SECONDS
read_sectors "$dev" $R 1 >/dev/null 2>&1 && fail "unreadable R read" ||
    pass "read of unreadable R fails"
log "R's read took $((SECONDS - t1)) s"
check "...while the slow write still retries" kill -0 $slow
expect_field r0 pending 1

wait $slow && pass "slow write acknowledged" || fail "slow write failed"
log "slow write took $((SECONDS - t0)) s"

slow_write $S2 /tmp/slow2.bin
t1=$SECONDS
dmsetup suspend r0 || fail "suspend"
susp=$((SECONDS - t1))
dmsetup resume r0 || fail "resume"
log "suspend took $susp s"
check "the suspend waited at most a few failures (${susp} s; bisection: 14 x 3 s)" test $susp -le 12
wait $slow && pass "second slow write acknowledged" || fail "second slow write failed"

list=$(dmsetup message r0 0 list)
check "S remapped, alone" grep -qx "lblock=$S len=1 sblock=[0-9]* flags=remapped" <<<"$list"
check "S2 remapped, alone" grep -qx "lblock=$S2 len=1 sblock=[0-9]* flags=remapped" <<<"$list"
check "the slow write reads back" test "$(read_sectors "$dev" $((S - 64)) 128 | md5sum)" = "$(md5sum </tmp/slow.bin)"
check "the second slow write reads back" test "$(read_sectors "$dev" $((S2 - 64)) 128 | md5sum)" = "$(md5sum </tmp/slow2.bin)"
check "F reads back" test "$(read_sectors "$dev" $F 1 | md5sum)" = "$(md5sum </tmp/f.bin)"
expect_field r0 remapped 3

# --- 5 and 6: a second pair.  Block T fails at once; the spare's data
# area (from sector 9216, DMR_DATA_START_SECTOR) takes 3 s per write
# (flushes not delayed: by default dm-delay gives them the write delay).
disk1=$(mkloop 32 random)
size1=$(sectors "$disk1")
err1=$(dm_create err1 "0 $size1 error")
T=$((S + 100)) F1=30000 F2=31000 F3=32000
main1=$(dm_create main1 "$(
    echo "0 $S linear $disk1 0"
    echo "$S 1 delay $disk1 $S 0 $err1 $S 3000"
    echo "$((S + 1)) $((T - S - 1)) linear $disk1 $((S + 1))"
    echo "$T 1 error"
    echo "$((T + 1)) $((F1 - T - 1)) linear $disk1 $((T + 1))"
    echo "$F1 1 error"
    echo "$((F1 + 1)) $((F2 - F1 - 1)) linear $disk1 $((F1 + 1))"
    echo "$F2 1 error"
    echo "$((F2 + 1)) $((F3 - F2 - 1)) linear $disk1 $((F2 + 1))"
    echo "$F3 1 error"
    echo "$((F3 + 1)) $((size1 - F3 - 1)) linear $disk1 $((F3 + 1))"
)")
sp1=$(mkloop 8)
spsize=$(sectors "$sp1")
spare1=$(dm_create spare1 "$(
    echo "0 9216 linear $sp1 0"
    echo "9216 $((spsize - 9216)) delay $sp1 9216 0 $sp1 9216 3000 $sp1 9216 0"
)")
dev=$(mk_remap r1 "$main1" "$spare1")
rdev=r1
head -c $((128 * 512)) /dev/urandom >/tmp/big.bin
head -c 512 /dev/urandom >/tmp/w3.bin

# 5.  The slow write (S - 64 .. S + 63) retries in the worker; W
# (S + 32 .. S + 159) fails at once on T and parks behind it; then w3 (T).
slow_write $S /tmp/slow.bin
e0=$(field r1 write_errors)
dd if=/tmp/big.bin of="$dev" bs=64k count=1 seek=$(((S + 32) * 512)) \
    oflag=direct,seek_bytes conv=notrunc status=none &
big=$!
w_failed() { (($(field r1 write_errors) > e0)); }
wait_for 30 w_failed || fail "W never failed"
check "W parked while the slow write still retries" kill -0 $slow
put_sectors "$dev" $T 1 /tmp/w3.bin && pass "w3 acknowledged" || fail "w3 failed"
gone() { ! kill -0 "$1" 2>/dev/null; }
check "w3 (written after W, to a block of W) was not acknowledged before W" gone $big
wait $big && pass "W acknowledged" || fail "W failed"
wait $slow && pass "slow write on r1 acknowledged" || fail "slow write on r1 failed"
check "T holds w3, the write that came last" \
    test "$(read_sectors "$dev" $T 1 | md5sum)" = "$(md5sum </tmp/w3.bin)"
check "the rest of W reads back" test "$(read_sectors "$dev" $((T + 1)) 59 | md5sum)" = \
    "$(tail -c $((59 * 512)) /tmp/big.bin | md5sum)"

# 6.  Three remaps at once to a spare that takes 3 s per data write.
t1=$SECONDS
pids=()
for b in $F1 $F2 $F3; do
    put_sectors "$dev" $b 1 /tmp/f.bin &
    pids+=($!)
done
for p in "${pids[@]}"; do
    wait "$p" || fail "write to a failing block on r1 failed"
done
took=$((SECONDS - t1))
log "three remaps to the slow spare took $took s"
check "the three spare writes ran together (${took} s; one after the other: 9 s)" test $took -le 6
for b in $F1 $F2 $F3; do
    check "block $b reads back" test "$(read_sectors "$dev" $b 1 | md5sum)" = "$(md5sum </tmp/f.bin)"
done
finish
