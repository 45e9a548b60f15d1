#!/bin/bash
# vm-kernels: one (make test runs it on one kernel, the kernels taking turns; make test-long on all)
# What makes the new disk's writes durable during an evacuation
# (kernel/dmr-evac.c), seen in a dm-log-writes log of the new disk alone.
# The crash replay (62-crash-replay) logs main, spare and new disk in one
# log, where a flush sent to any of them flushes all three: it cannot see a
# flush or FUA missing on the new disk, so this test checks each one:
#  1. every chunk the copier writes is flushed before the copy is reported
#     done (blkdev_issue_flush before the cursor's commit): with no other
#     I/O, its writes are in the log before a mark sent when evac=copied;
#  2. an fsync of the device flushes the new disk (the target's third
#     flush bio): a plain write below the cursor is in the log before a
#     mark sent when fsync returned;
#  3. a write to a pending block below the cursor (never copied) is written
#     with FUA, since its mark is dropped and committed (on the spare)
#     before it completes: in the log, FUA, before a mark sent when the
#     write returned;
#  control: a plain write with no fsync is not in the log before the mark
#     sent when it returned (dm-log-writes logs a write without FUA at the
#     next flush), so the three checks above can fail.
. "$(dirname "$0")/remap-lib.sh"
load_remap
modprobe dm-log-writes
LWDUMP=$DMR_REPO/build/cmake/tools/logwrites/lw-dump
[[ -x $LWDUMP ]] || die "lw-dump not built (make userspace)"

size=65536 # 32 MiB: 4 chunks
P=3000     # pending, not copied
C=5000     # the control write
F=6000     # written, then fsync
modprobe null_blk nr_devices=1 gb=1 memory_backed=1 cache_size=64 bs=512
check "null_blk has a volatile write cache" grep -qx "write back" /sys/block/nullb0/queue/write_cache
disk=$(mkloop 32 random)
spare=$(mkloop 16)
logdev=$(mkloop 96)
main=$(dm_create main0 "$(linear_with_errors_table "$disk" "$size" "$P:1")")
new=$(dm_create nlw "0 $size log-writes /dev/nullb0 $logdev")
check "the logged new disk has a volatile write cache" \
    grep -qx "write back" "/sys/block/$(dm_kname nlw)/queue/write_cache"
mark() { dmsetup message nlw 0 mark "$1"; }
dev=$(mk_remap r0 "$main" "$spare")
read_sectors "$dev" $P 1 >/dev/null 2>&1 && fail "P read through an error target"
[[ $(field r0 pending) == 1 ]] || read_sectors "$dev" $P 1 >/dev/null 2>&1 || true
expect_field r0 pending 1

uuid=$(cat /proc/sys/kernel/random/uuid)
swap_table r0 "$(remap_table "$main" "$spare" evacuate "$new" "$uuid")"
copied() { [[ $(field r0 evac) == copied ]]; }
wait_for 120 copied || fail "not copied in 120 s: $(dmsetup status r0)"
mark copied

put_sectors "$dev" $C 1
mark control

put_sectors "$dev" $F 1
python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_WRONLY); os.fsync(fd)' "$dev"
mark fsynced

put_sectors "$dev" $P 1
expect_field r0 pending 0
mark pending_written

dm_remove r0
dm_remove nlw # logs what was kept aside
"$LWDUMP" "$logdev" >/tmp/lw.txt || die "lw-dump failed"
log "log: $(wc -l </tmp/lw.txt) entries, $(grep -c 'flags=[^ ]*FLUSH' /tmp/lw.txt) FLUSH"
# at MARK: the index of that mark; first_write LO HI: the first entry
# writing into sectors [LO, HI); last_write LO HI: the last one.
at() { awk -v m="$1" '$0 ~ " mark=" m "$" { print $1; exit }' /tmp/lw.txt; }
writes() { # writes LO HI: "index flags" of every data entry touching [LO, HI)
    awk -v lo="$1" -v hi="$2" '
        { split($2, s, "="); split($3, n, "="); split($4, f, "=") }
        n[2] > 0 && f[2] !~ /MARK/ && s[2] < hi && s[2] + n[2] > lo { print $1, f[2] }' /tmp/lw.txt
}
m_copied=$(at copied) m_control=$(at control) m_fsynced=$(at fsynced) m_pend=$(at pending_written)
[[ -n $m_copied && -n $m_control && -n $m_fsynced && -n $m_pend ]] || die "marks missing in the log"

# 1: the copy (every chunk: sectors [0, size), P excepted) before "copied".
last=$(writes 0 "$size" | awk -v m="$m_copied" '$1 < m' | tail -n 1 | cut -d' ' -f1)
# After it, only the writes of C, F and P may be logged.
late=$(writes 0 "$size" | awk -v m="$m_copied" '$1 > m { print $1 }' |
    grep -cvxF -e "$(writes $C $((C + 1)) | cut -d' ' -f1)" -e "$(writes $F $((F + 1)) | cut -d' ' -f1)" \
        -e "$(writes $P $((P + 1)) | cut -d' ' -f1)" || true)
check "1: the copy's writes are in the log (last entry ${last:-none})" test -n "$last"
check "1: none of them logged after the copy was reported done ($late late)" test "$late" = 0
# control: the plain write of C is logged only at a later flush.
c_at=$(writes $C $((C + 1)) | tail -n 1 | cut -d' ' -f1)
check "control: C's plain write is logged (at ${c_at:-never})" test -n "$c_at"
check "control: ...not before the mark sent when it returned (mark $m_control)" \
    test "${c_at:-0}" -gt "$m_control"
# 2: F before the mark sent when fsync returned.
f_at=$(writes $F $((F + 1)) | tail -n 1 | cut -d' ' -f1)
check "2: the fsynced write of F is in the log before the fsync returned (F at ${f_at:-never}, mark $m_fsynced)" \
    test -n "$f_at" -a "${f_at:-0}" -lt "$m_fsynced"
# 3: the write to the pending block, with FUA, before its mark.
p_line=$(writes $P $((P + 1)) | tail -n 1)
check "3: the write to the pending block P carries FUA ($p_line)" grep -q FUA <<<"$p_line"
check "3: ...and is in the log before it returned (mark $m_pend)" \
    test "${p_line%% *}" -lt "$m_pend"
dm_remove main0
finish
