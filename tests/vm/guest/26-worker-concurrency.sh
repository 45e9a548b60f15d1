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
head -c $((128 * 512)) /dev/urandom >/tmp/slow.bin
head -c $((128 * 512)) /dev/urandom >/tmp/slow2.bin
head -c 512 /dev/urandom >/tmp/f.bin

# slow_write BLOCK FILE: one 64 KiB bio over BLOCK (put_sectors would write
# 512-byte bios) in the background; returns once it is in the worker (its
# first failure, 3 s, sent it there).
slow_write() {
    local e0
    e0=$(field r0 write_errors)
    t0=$SECONDS
    dd if="$2" of="$dev" bs=64k count=1 seek=$((($1 - 64) * 512)) \
        oflag=direct,seek_bytes conv=notrunc status=none &
    slow=$!
    failed_once() { (($(field r0 write_errors) > e0)); }
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
finish
