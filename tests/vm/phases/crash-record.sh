#!/bin/bash
# Guest half of host/62-crash-replay.sh: record every write remap-v4 makes,
# main and spare in one dm-log-writes log, under a workload that goes
# through every path that writes metadata or spare data.  The host then
# rebuilds the crash states from the log (tools/logwrites/lw-replay) and
# checks them (tools/powercut/crash-check.py).
#
# Disk: /dev/vda = the log (a file on the host).  Stack:
#   nullb0  null_blk, memory backed, volatile write cache (cache_size=):
#           queue/write_cache says "write back", so REQ_PREFLUSH/REQ_FUA
#           reach the log instead of being stripped by the block layer
#   cr-lw   log-writes nullb0 /dev/vda
#   cr-main linear cr-lw [0, MAIN)        cr-spare linear cr-lw [MAIN, +SPARE)
#   cr-mainf cr-main with live faults: write-only bad sectors (dm-delay with
#           an error write device), unreadable sectors (error), slow reads
#   cr-r0   remap-v4 cr-mainf cr-spare
# The spare is preloaded (tools/bench/mkremaps, through the log) with
# remaps of blocks outside the checked region, so that it is nearly full.
#
# Workload (every step is also a mark "E.<what>" in the log; the module is
# the fault-injection build):
#   4 stampwrite writers on disjoint 64-block ranges of the first 256
#   4 KiB blocks: two AIO O_DSYNC (acknowledged on their REQ_FUA alone), one
#   pwrite O_DSYNC, one plain + fsync every 8; each acknowledgement is a mark
#   (A./W./S., see stampwrite.c); bad sectors injected in 3 steps (the
#   first before the writers start, two as they run), `remap` messages,
#   clear_stats, suspend/resume, a same-table reload; then, idle: a
#   transient write error (gone when the delayed
#   worker retries), a second write racing a slowed-down commit of the
#   first one's remap, a write whose staged remap is dropped when another
#   commit finds the spare's metadata unwritable (it must fail), a read error that leaves a pending sector (mark
#   P.<sector>.<seq of its data>) later written (remapped), another one
#   rewritten on main by a plain write under no_auto_remap, a scanner
#   pass that moves a slow block, and last an evacuation to a third logged
#   disk (cr-new) under four new writers (a third of CR_COUNT each), with a
#   pending block below the cursor written when the copy is done.
#
# Env: CR_COUNT (writes per writer, default 300), CR_SW (stampwrite),
# CR_MKREMAPS, DMR_OUT (gets info.txt and the writers' output).
. "$(dirname "$0")/../guest/remap-lib.sh"
sw=${CR_SW:?}
mkremaps=${CR_MKREMAPS:?}
count=${CR_COUNT:-300}
out=${DMR_OUT:?needs --out}
MAIN=16384              # 8 MiB main; stamped: 4 KiB blocks 0..262 (sectors 0..2103)
SPARE=$((9216 + 2048))  # metadata area + the minimum 2048 data blocks of 512 bytes
PRELOAD=1960            # preloaded remaps (every 2nd main block from 12288): 88 spare blocks left
TB=256                  # a write error that is gone when the worker retries
PB=257                  # the block that gets a read error (pending), sector PB*8+3
PB2=258                 # the same, rewritten on main with no_auto_remap
SB=259                  # the slow block the scanner moves
CB=260                  # a second write lands while the first one's remap is committed
FB=261                  # its remap is staged when another commit fails: the write must fail
EB=262                  # pending when an evacuation starts, written below its cursor
RANGE=64                # 4 KiB blocks per writer: writers 1-4 cover blocks 0..255
logdev=/dev/vda
mark() { dmsetup message cr-lw 0 mark "E.$1"; }

# The fault-injection build (kernel/dmr-fault.h) widens two windows below;
# the scanner stays off until its step.
load_module_fault
echo 0 >/sys/module/dm_remap_v4/parameters/enable_background_scanning
P=/sys/module/dm_remap_v4/parameters
modprobe dm-log-writes
modprobe dm-delay
modprobe null_blk nr_devices=1 gb=1 memory_backed=1 cache_size=64 bs=512
check "null_blk has a volatile write cache" grep -qx "write back" /sys/block/nullb0/queue/write_cache
lw=$(dm_create cr-lw "0 $(sectors /dev/nullb0) log-writes /dev/nullb0 $logdev")
check "the logged device has one too" grep -qx "write back" /sys/block/$(dm_kname cr-lw)/queue/write_cache
main=$(dm_create cr-main "0 $MAIN linear $lw 0")
spare=$(dm_create cr-spare "0 $SPARE linear $lw $MAIN")
err=$(dm_create cr-err "0 $MAIN error")

# Preload: written through the log (it is part of every crash state), then flushed.
"$mkremaps" --start 12288 --len 1 --spacing 2 "$spare" $MAIN $PRELOAD >/dev/null ||
    die "mkremaps failed"
python3 -c 'import os,sys; fd = os.open(sys.argv[1], os.O_WRONLY); os.fsync(fd)' "$spare"

# fault_table "KIND:START:LEN ...": cr-main with W (writes fail, reads
# work), E (reads and writes fail) and S (reads 200 ms slow) ranges.
fault_table() {
    local pos=0 r k s l
    for r in $(tr ' ' '\n' <<<"$1" | grep . | sort -t: -k2,2n); do
        IFS=: read -r k s l <<<"$r"
        ((s > pos)) && echo "$pos $((s - pos)) linear $main $pos"
        case $k in
            W) echo "$s $l delay $main $s 0 $err $s 0 $main $s 0" ;;
            E) echo "$s $l linear $err $s" ;;
            S) echo "$s $l delay $main $s 200 $main $s 0 $main $s 0" ;;
        esac
        pos=$((s + l))
    done
    ((pos < MAIN)) && echo "$pos $((MAIN - pos)) linear $main $pos"
    return 0
}
# wait_dmesg TEXT: until the kernel log has TEXT (at most 60 s).
wait_dmesg() {
    local i
    for ((i = 0; i < 300; i++)); do in_dmesg "$1" && return 0; sleep 0.2; done
    fail "no '$1' in the kernel log after 60 s"
}
faults=""
mainf=$(dm_create cr-mainf "$(fault_table "$faults")")
dev=$(mk_remap cr-r0 "$mainf" "$spare")
check "the remap device has a volatile write cache (FUA reaches it)" \
    grep -qx "write back" /sys/block/$(dm_kname cr-r0)/queue/write_cache
expect_field cr-r0 remapped $PRELOAD
dmsetup message cr-lw 0 mark READY
# The layout, for the replay (written now: a run that fails later is replayed too).
{
    echo "main_offset=0 main_sectors=$MAIN spare_offset=$MAIN spare_sectors=$SPARE"
    echo "blocks=263 pending_block=$PB slow_block=$SB preload=$PRELOAD"
} >"$out/info.txt"

# --- concurrent writers, with live errors and management around them ------------
declare -a wpid
writer() { # N MODE
    local n=$1 mode=$2
    "$sw" write "$dev" --first $(((n - 1) * RANGE)) --blocks $RANGE --seed $((n * 7919)) \
        --base $((n * 1000000000)) --count "$count" --cycle "$n" --sync "$mode" \
        --mark cr-lw >"$out/writer$n.txt" 2>&1
}
# inject STEP: bad ranges of 1-4 sectors, one in every writer's range, many
# across a 4 KiB boundary.
inject() {
    local step=$1 n b
    for n in 1 2 3 4; do
        b=$(((n - 1) * RANGE + step * 13 + n * 3))
        faults+=" W:$((b * 8 + 8 - step)):$((step + 1))"
    done
    swap_table cr-mainf "$(fault_table "$faults")"
    mark "inject$step"
    log "injected step $step; acknowledged so far: $(cat "$out"/writer?.txt 2>/dev/null | grep -c '^ACK\|^PLAIN')"
}
# Step 1 is in place before the writers start: they can finish their 300
# writes in about a second, before a table swap lands.  Steps 2 and 3 and
# the management steps below are paced by the writers' progress; on a fast
# host the writers may be done by then (the log says how far they were).
inject 1
writer 1 aio & wpid[1]=$!
writer 2 aio & wpid[2]=$!
writer 3 dsync & wpid[3]=$!
writer 4 fsync:8 & wpid[4]=$!
# progress PERCENT: until the fastest writer has had PERCENT of its writes
# acknowledged (or every writer has ended).  The steps below are paced by
# the writers' progress, not by the clock: on a fast host the writers could
# otherwise be done before the first bad sector is injected.
progress() {
    local want=$((count * $1 / 100)) n i best
    for ((i = 0; i < 1200; i++)); do
        best=0
        for n in 1 2 3 4; do
            local c
            # grep -c exits 1 when it counts 0: under set -e that ended
            # the recording whenever no writer had an acknowledgement yet.
            c=$(grep -c '^ACK\|^PLAIN' "$out/writer$n.txt" 2>/dev/null || true)
            ((${c:-0} > best)) && best=${c:-0}
        done
        ((best >= want)) && return 0
        local alive=0
        for n in 1 2 3 4; do kill -0 "${wpid[n]}" 2>/dev/null && alive=1; done
        ((alive)) || return 0
        sleep 0.05
    done
}
for step in 2 3; do
    progress $((step * 12))
    inject $step
done
progress 45
for b in 5 60 70 100 150 200; do
    dmsetup message cr-r0 0 remap $((b * 8 + 2)) >/dev/null || fail "remap message on block $b"
done
mark remaps
dmsetup message cr-r0 0 clear_stats >/dev/null || fail "clear_stats"
mark clear_stats
progress 55
dmsetup suspend cr-r0 && dmsetup resume cr-r0 || fail "suspend/resume"
mark suspend_resume
progress 65
dmsetup table cr-r0 >/tmp/cr-table
dmsetup load cr-r0 </tmp/cr-table && dmsetup suspend cr-r0 && dmsetup resume cr-r0 ||
    fail "same-table reload"
mark reload
running=0
for n in 1 2 3 4; do kill -0 "${wpid[n]}" 2>/dev/null && running=$((running + 1)); done
log "$running writers still running after the injections, remaps, suspend and reload"
for n in 1 2 3 4; do
    if wait "${wpid[n]}"; then pass "writer $n: $count writes acknowledged"; else
        fail "writer $n failed: $(grep -a ERR "$out/writer$n.txt" | head -n 2)"
    fi
done

# Bad sectors under the writers were remapped (beyond the preload and the
# 6 remap messages), or the errors came too late to be live.
made=$(($(field cr-r0 remapped) - PRELOAD - 6 * 1))
log "remaps made by write errors: $made"
check "write errors remapped live" test "$made" -gt 0

# --- a transient write error: the worker's retry on main succeeds -------------------
# No remap, no commit follows: only the retry's own REQ_FUA (the caller's,
# kept in io->flags) makes the acknowledged AIO O_DSYNC write durable.
before=$(field cr-r0 remapped)
faults+=" W:$((TB * 8 + 1)):1"
swap_table cr-mainf "$(fault_table "$faults")"
echo 8000 >$P/fault_worker_delay_ms
"$sw" write "$dev" --first $TB --blocks 1 --base 9000000000 --count 1 --cycle 9 --sync aio \
    --mark cr-lw >"$out/transient.txt" 2>&1 &
tw=$!
# Heal once the write has failed and the worker sleeps (not by the clock:
# under TCG a process start alone can take a second).
wait_dmesg "worker delayed"
faults=${faults/ W:$((TB * 8 + 1)):1/}
swap_table cr-mainf "$(fault_table "$faults")"
wait $tw || fail "the write with a transient error failed: $(cat "$out/transient.txt")"
expect_field cr-r0 remapped "$before"
mark transient

# --- a second write to a block whose remap is being committed ---------------------
# The commit is slowed down (fault_commit_delay_ms); the second write must
# not reach the new spare block before the commit made the remap durable.
faults+=" W:$((CB * 8 + 2)):1"
swap_table cr-mainf "$(fault_table "$faults")"
echo 8000 >$P/fault_commit_delay_ms
"$sw" write "$dev" --first $CB --blocks 1 --base 8000000000 --count 1 --cycle 8 --sync aio \
    --mark cr-lw >"$out/window1.txt" 2>&1 &
w1=$!
wait_dmesg "metadata commit delayed"
"$sw" write "$dev" --first $CB --blocks 1 --base 8000000001 --count 1 --cycle 8 --sync aio \
    --mark cr-lw >"$out/window2.txt" 2>&1 || fail "the second write of block $CB failed"
wait $w1 || fail "the first write of block $CB failed"
mark commit_window

# --- a commit that fails while a write's remap is staged --------------------------
# The worker stages FB's remap (its data on the spare) and sleeps before its
# group commit (fault_group_commit_delay_ms); meanwhile the spare's
# metadata region stops taking writes and a `remap` message's commit
# fails: no copy is written, the staged changes are dropped, the device goes
# ro.  FB's write must fail (its remap never became durable): acknowledged,
# the replay would find FB's last acknowledged stamp missing from every
# later state.  Then the spare heals and a reload brings the device back.
"$sw" write "$dev" --first $FB --blocks 1 --base 4000000000 --count 1 --cycle 4 \
    --mark cr-lw >"$out/commitfail1.txt" 2>&1 || fail "first write of block $FB"
faults+=" W:$((FB * 8 + 5)):1"
swap_table cr-mainf "$(fault_table "$faults")"
echo 8000 >$P/fault_group_commit_delay_ms
"$sw" write "$dev" --first $FB --blocks 1 --base 4000000001 --count 1 --cycle 4 --sync aio \
    --mark cr-lw >"$out/commitfail2.txt" 2>&1 &
fw=$!
wait_dmesg "group commit delayed"
swap_table cr-spare "0 9216 error
9216 $((SPARE - 9216)) linear $lw $((MAIN + 9216))"
dmsetup message cr-r0 0 remap 9000 >/dev/null 2>&1 && fail "a remap with no writable metadata copy succeeded"
if wait $fw; then fail "the write of block $FB was acknowledged without its commit"; else
    pass "the write of block $FB fails: the commit its remap needed failed"
fi
expect_field cr-r0 mode ro
swap_table cr-spare "0 $SPARE linear $lw $MAIN"
dmsetup table cr-r0 >/tmp/cr-table
dmsetup load cr-r0 </tmp/cr-table && dmsetup suspend cr-r0 && dmsetup resume cr-r0 ||
    fail "reload after the failed commit"
expect_field cr-r0 mode rw
mark commit_failed

# make_pending BLOCK BASE CYCLE OUT: writes stamp BASE to BLOCK, then a read
# error on its sector 3 leaves that sector pending; the log mark
# P.<sector>.<BASE+1> names the stamp that will rewrite it.
make_pending() {
    "$sw" write "$dev" --first "$1" --blocks 1 --base "$2" --count 1 --cycle "$3" \
        --mark cr-lw >"$out/$4" 2>&1 || fail "first write of block $1"
    faults+=" E:$(($1 * 8 + 3)):1"
    swap_table cr-mainf "$(fault_table "$faults")"
    if dd if="$dev" of=/dev/null bs=4096 skip="$1" count=1 iflag=direct status=none 2>/dev/null; then
        fail "the read of block $1 did not fail"
    fi
    expect_field cr-r0 pending 1
    dmsetup message cr-lw 0 mark "P.$(($1 * 8 + 3)).$(($2 + 1))"
}

# --- a read error leaves a pending sector, which is written later ----------------
make_pending $PB 5000000000 5 pending1.txt
"$sw" write "$dev" --first $PB --blocks 1 --base 5000000001 --count 1 --cycle 5 \
    --mark cr-lw >"$out/pending2.txt" 2>&1 || fail "second write of block $PB"
expect_field cr-r0 pending 0
mark pending_written

# --- with no_auto_remap, a plain write to a pending sector rewrites it on main ----
# (dmr_write_pending_main): the write is not FUA, so only the commit's
# REQ_PREFLUSH makes it durable before the metadata that no longer calls
# the sector pending.  The sector heals for writes (the error range goes),
# as a real disk reallocates a sector on write.
make_pending $PB2 7000000000 7 pending3.txt
faults=${faults/ E:$((PB2 * 8 + 3)):1/}
swap_table cr-mainf "$(fault_table "$faults")"
swap_table cr-r0 "$(remap_table "$mainf" "$spare" no_auto_remap)"
mark no_auto_remap
"$sw" write "$dev" --first $PB2 --blocks 1 --base 7000000001 --count 1 --cycle 7 --sync plain \
    --mark cr-lw >"$out/pending4.txt" 2>&1 || fail "plain write of block $PB2"
expect_field cr-r0 pending 0
swap_table cr-r0 "$(remap_table "$mainf" "$spare")"
mark pending_rewritten_on_main

# --- the scanner moves a slow block ----------------------------------------------
"$sw" write "$dev" --first $SB --blocks 1 --base 6000000000 --count 1 --cycle 6 \
    --mark cr-lw >"$out/slow.txt" 2>&1 || fail "write of block $SB"
faults+=" S:$((SB * 8)):8"
swap_table cr-mainf "$(fault_table "$faults")"
scan_test_settings 100
dmsetup message cr-r0 0 scan >/dev/null
for _ in $(seq 600); do [[ $(field cr-r0 scan_passes) == 1 ]] && break; sleep 0.5; done
expect_field cr-r0 scan_passes 1
dmsetup message cr-r0 0 list >"$out/list.txt"
check "the scanner moved the slow block" grep -q "^lblock=$((SB * 8)) len=8 " "$out/list.txt"
mark scanned
dmsetup status cr-r0 | tee "$out/status.txt"
expect_field cr-r0 mode rw

# --- an evacuation to a new disk (cr-new), under the writers --------------------
# kernel/dmr-evac.c: each 4 MiB chunk is copied (from the spare for remapped
# blocks), the new disk flushed, the cursor committed; only then do the
# chunk's reads and writes go to the new disk.  The whole stamped region is
# in chunk 0: the writers' writes are held while it is copied and go to the
# new disk after, where only its own FUA and flushes (the target's third
# flush bio) make them durable.  EB is pending when the copy starts (not
# copied: below the cursor its reads fail); a plain write to it goes to the
# new disk with FUA before its mark is dropped and committed.
make_pending $EB 3000000000 3 evacpend1.txt
expect_field cr-r0 pending 1
new=$(dm_create cr-new "0 $MAIN linear $lw $((MAIN + SPARE))")
evac_uuid=$(cat /proc/sys/kernel/random/uuid)
echo "new_offset=$((MAIN + SPARE)) new_sectors=$MAIN evac_uuid=$evac_uuid" >>"$out/info.txt"
for n in 1 2 3 4; do wpid[n]=; done
ecount=$((count / 3)) # a third of the first writers' writes: the copy adds entries enough
ewriter() { # N MODE ID: writer N's range again, newer stamps (base ID * 10^9, ID > 10)
    local n=$1 mode=$2 id=$3
    "$sw" write "$dev" --first $(((n - 1) * RANGE)) --blocks $RANGE --seed $((id * 104729)) \
        --base $((id * 1000000000)) --count "$ecount" --cycle "$id" --sync "$mode" \
        --mark cr-lw >"$out/writer$n.txt" 2>&1
}
# 1 MiB/s: chunk 0 at once, chunk 1 four seconds later.  The writers
# start with the copy of chunk 0 (their first writes are held until its
# cursor is committed) and then write to the new disk, with EB pending
# below the cursor all along (a sample of their states is checked:
# 62-crash-replay.sh draws extra states after E.evac_started).
swap_table cr-r0 "$(remap_table "$mainf" "$spare" evacuate "$new" "$evac_uuid" evac_rate 1024 1024)"
ewriter 1 aio 11 & wpid[1]=$!
ewriter 2 aio 12 & wpid[2]=$!
ewriter 3 dsync 13 & wpid[3]=$!
ewriter 4 fsync:8 14 & wpid[4]=$!
mark evac_started
for n in 1 2 3 4; do
    if wait "${wpid[n]}"; then pass "writer $n during the evacuation: $ecount writes acknowledged"; else
        fail "writer $n failed during the evacuation: $(grep -a ERR "$out/writer$n.txt" | head -n 2)"
    fi
done
for _ in $(seq 240); do grep -q "evac=copied" <(dmsetup status cr-r0) && break; sleep 0.5; done
expect_field cr-r0 evac copied
expect_field cr-r0 pending 1
if dd if="$dev" of=/dev/null bs=4096 skip=$EB count=1 iflag=direct status=none 2>/dev/null; then
    fail "a read of the pending block $EB below the cursor succeeded"
fi
mark evac_copied
"$sw" write "$dev" --first $EB --blocks 1 --base 3000000001 --count 1 --cycle 3 --sync plain \
    --mark cr-lw >"$out/evacpend2.txt" 2>&1 || fail "plain write of the pending block $EB"
expect_field cr-r0 pending 0
mark evac_pending_written
ewriter 4 fsync:4 15 || fail "writer 4 after the copy: $(grep -a ERR "$out/writer4.txt" | head -n 2)"
mark evac_written

# --- tear down: removing cr-lw logs what is left and a last mark ------------------
for d in cr-r0 cr-mainf cr-err cr-spare cr-main cr-new cr-lw; do dm_remove $d; done
echo "faults=$faults" >>"$out/info.txt"
finish
