#!/bin/bash
# vm-kernels: one (the userspace tools: make test runs it on one kernel, make test-long on all)
# vm-timeout: 600
# remapctl replace-spare NAME --spare NEWSPARE (issue 22 item 3): move the
# remapped blocks and the metadata to a new spare online.
#  1. refused, nothing changed: NEWSPARE = main or the current spare (exit
#     2), too small, holding a file system, mounted, holding another pair;
#     NAME suspended or missing; the --json error document;
#  2. under a mounted ext4 with fio writing and verifying: one reload to
#     the new spare; fio verifies, the files and every readable block
#     compare, pending and unreadable blocks carried, the lifetime and scan
#     counters carried; the old spare's metadata erased; again after
#     remapctl remove + remapd --once (assembled from the bindings);
#  3. killed at step boundaries (DMR_TEST_REPLACE_STOP; make test: 3 and 4,
#     the two sides of the old copies' erasure; DMR_REPLACE_STEPS=all, as in
#     make test-long: each of 1..6), then the
#     device removed as after a crash and assembled by remapd --once: the
#     old spare before the old copies are erased (steps 1-3), the new one
#     after (4-6), every block intact and the write acknowledged just
#     before present; killed and run again (4; all: 3, 4, 6): it finishes;
#  4. a block the old spare cannot read becomes unreadable on the new
#     spare (reads fail, never made-up data), listed, exit 3.
. "$(dirname "$0")/remap-lib.sh"
if declare -F load_remap >/dev/null; then load_remap; else load_module; fi
modprobe ext4 2>/dev/null || true

RCTL=${DMR_RCTL:-$DMR_REPO/build/cmake/daemon/remapctl/remapctl}
REMAPD=${DMR_REMAPD:-$DMR_REPO/build/cmake/daemon/remapd/remapd}
[[ -x $RCTL ]] || die "remapctl not built (cmake --build build/cmake)"
command -v jq >/dev/null || die "jq is needed to check --json output"
command -v fio >/dev/null || die "fio is needed"
bindings=/etc/dm-remap/bindings
# No automatic scan pass: its cursor commits would change the metadata.
echo 0 >/sys/kernel/dm-remap-v4/health/health_scanning

devt() { lsblk -dno MAJ:MIN "$1" | tr -d ' '; }
spare_of() { dmsetup table "$1" | awk '{print $5}'; }
# sums NAME: md5 of every readable range of the device (U and P fail to read).
sums() {
    local dev=/dev/mapper/$1 n
    n=$(sectors "$dev")
    echo "$(md5_of "$dev" 0 "$U") $(md5_of "$dev" $((U + 8)) $((P - U - 8))) $(md5_of "$dev" $((P + 8)) $((n - P - 8)))"
}
# outside NAME: md5 of what lies after the file system (its writes cannot change it).
outside() { echo "$(md5_of "/dev/mapper/$1" 49152 $((U - 49152))) $(md5_of "/dev/mapper/$1" $((P + 8)) $(($(sectors "/dev/mapper/$1") - P - 8)))"; }
counters() { "$RCTL" metadata dump --json "$1" | jq -c '[.. | objects | select(has("lifetime")) | {lifetime, scan, remapped, pending}][0]'; }
lost_reads_fail() {
    ! read_sectors "/dev/mapper/$1" "$U" 1 >/dev/null 2>&1 && ! read_sectors "/dev/mapper/$1" "$P" 1 >/dev/null 2>&1
}
snapshot() {
    {
        dmsetup table "$1"
        dmsetup info -c --noheadings -o attr "$1"
        grep "$uuid" "$bindings"
        md5_of "$2" 0 9216
        sums "$1"
    } >"/tmp/snap.$3"
}

disk=$(mkloop 32 random)
size=$(sectors "$disk")
# U: remapped unreadable (main could not read it); P: pending; both after
# the 24 MiB file system, so that its writes cannot make them readable.
U=52000 P=60000
main=$(dm_create main0 "0 $U linear $disk 0
$U 8 error
$((U + 8)) $((P - U - 8)) linear $disk $((U + 8))
$P 8 error
$((P + 8)) $((size - P - 8)) linear $disk $((P + 8))")
A=$(mkloop 16)
B=$(mkloop 16)
expect_rc 0 create --main "$main" --spare "$A" --name r0
_dmr_register dm r0
dev=/dev/mapper/r0
uuid=$(field r0 uuid)
mkfs.ext4 -q -F "$dev" 24M
# Remapped blocks out of main order (inside the file system, and random
# data after it: mkfs discarded the disk to zeros), one unreadable, one
# pending.
put_sectors "$dev" 49200 1
put_sectors "$dev" 50000 2
put_sectors "$dev" 64000 1
for s in 20000 20001 20002 50000 50001 9000 64000 49200; do dmsetup message r0 0 remap $s >/dev/null; done
dmsetup message r0 0 remap $U >/dev/null
for i in 1 2 3; do
    read_sectors "$dev" $P 8 >/dev/null 2>&1 && fail "P read"
    [[ $(field r0 pending) == 8 ]] && break
    log "P not pending after a failed read ($i)"
done
expect_field r0 remapped 9
expect_field r0 unreadable 1
expect_field r0 pending 8

crash_steps="3 4" again_steps="4"
if [[ ${DMR_REPLACE_STEPS:-} == all ]]; then crash_steps="1 2 3 4 5 6" again_steps="3 4 6"; fi

log "part 1: refusals"
# --- 1: refusals, nothing changed ----------------------------------------------
snapshot r0 "$A" before
expect_rc 2 replace-spare r0 --spare "$main"
check "...the main: says so" grep -q "is the main of r0" /tmp/rctl.err
expect_rc 2 replace-spare r0 --spare "$A"
check "...the current spare: says so" grep -q "already the spare of r0" /tmp/rctl.err
small=$(mkloop 5)
expect_rc 1 replace-spare r0 --spare "$small"
check "...too small: says so" grep -q "too small" /tmp/rctl.err
fsdisk=$(mkloop 16)
mkfs.ext4 -q -F "$fsdisk"
expect_rc 1 replace-spare r0 --spare "$fsdisk"
check "...a file system: says so" grep -q "ext4 signature.*--force" /tmp/rctl.err
mkdir -p /mnt/fs /mnt/r0
mount "$fsdisk" /mnt/fs
expect_rc 1 replace-spare r0 --spare "$fsdisk" --force
check "...mounted: in use" grep -q "in use" /tmp/rctl.err
umount /mnt/fs
other=$(mkloop 16 random)
otherspare=$(mkloop 16)
expect_rc 0 create --main "$other" --spare "$otherspare" --name o1
_dmr_register dm o1
expect_rc 1 replace-spare r0 --spare "$otherspare"
check "...another pair's live spare: says so" grep -q "already used by remap-v4 device o1" /tmp/rctl.err
expect_rc 0 remove o1
expect_rc 1 replace-spare r0 --spare "$otherspare"
check "...another pair's metadata: says so" grep -q "dm-remap v4 metadata of pair" /tmp/rctl.err
dmsetup suspend r0
expect_rc 1 replace-spare r0 --spare "$B"
check "...suspended: busy" grep -q "suspended" /tmp/rctl.err
dmsetup resume r0
expect_rc 1 replace-spare nosuch --spare "$B"
"$RCTL" --json replace-spare r0 --spare "$small" >/tmp/rs.json 2>/dev/null || true
check "--json refusal is an error document" jq -e '.exit_status == 1 and (.messages[0].string | test("too small"))' /tmp/rs.json
snapshot r0 "$A" after
check "refusals change nothing" cmp -s /tmp/snap.before /tmp/snap.after
check "...the new spare untouched" test "$(md5_of "$B" 0 9216)" = "$(head -c $((9216 * 512)) /dev/zero | md5sum | cut -d' ' -f1)"

log "part 2: online"
# --- 2: online, mounted, fio writing and verifying ------------------------------
mount "$dev" /mnt/r0
head -c $((8 << 20)) /dev/urandom >/mnt/r0/file
sync
file_sum=$(md5sum </mnt/r0/file)
counters_before=$(counters "$A")
outside_before=$(outside r0)
fio --name=w --filename=/mnt/r0/fio.dat --size=8M --ioengine=libaio --direct=1 --iodepth=8 \
    --rw=randwrite --bs=4k --verify=crc32c --verify_backlog=32 --verify_fatal=1 \
    --time_based --runtime=12 --eta=never --output=/tmp/fio.out &
fio_pid=$!
sleep 3
expect_rc 0 replace-spare --json r0 --spare "$B"
check "--json: the document" jq -e --arg a "$A" --arg b "$B" '.command == "replace-spare" and .old_spare == $a and .new_spare == $b and .blocks_copied == 8 and .unreadable_blocks == 1 and .pending_blocks == 8 and .lost_blocks == [] and .continued == false' /tmp/rctl.out
fio_rc=0
wait $fio_pid || fio_rc=$?
check "fio wrote and verified through the switch (rc $fio_rc)" test $fio_rc -eq 0
check "r0 maps the new spare" test "$(spare_of r0)" = "$(devt "$B")"
check "the file reads the same, still mounted" test "$(md5sum </mnt/r0/file)" = "$file_sum"
check "the remapped blocks after the file system read the same" test "$(outside r0)" = "$outside_before"
expect_field r0 remapped 9
expect_field r0 unreadable 1
expect_field r0 pending 8
expect_field r0 spare_used 9
check "the lifetime and scan counters carried" test "$(counters "$B")" = "$counters_before"
check "still the same pair" test "$(field r0 uuid)" = "$uuid"
expect_rc 4 metadata verify "$A"
check "the old spare is free" test -z "$(ls /sys/class/block/"$(basename "$A")"/holders/)"
umount /mnt/r0
after_switch=$(sums r0)
check "unreadable and pending blocks still fail to read" lost_reads_fail r0
expect_rc 0 remove r0
remapd_once 0
check "reassembled from the bindings with the new spare" test "$(spare_of r0)" = "$(devt "$B")"
check "every readable block the same after reassembly" test "$(sums r0)" = "$after_switch"
check "...still failing where it should" lost_reads_fail r0
e2fsck -fn "$dev" >/dev/null 2>&1 && pass "fsck clean" || fail "fsck after the switch"

log "part 3: killed at steps $crash_steps, run again after $again_steps"
# --- 3: killed at each step boundary -------------------------------------------
cur=$B next=$A
for k in $crash_steps; do
    # An acknowledged write just before: a remapped block and a plain one.
    put_sectors "$dev" 20001 1
    put_sectors "$dev" 7000 8
    want=$(sums r0)
    rc=0
    DMR_TEST_REPLACE_STOP=$k "$RCTL" replace-spare r0 --spare "$next" >/tmp/rctl.out 2>&1 || rc=$?
    check "killed at step $k (rc $rc)" test $rc -eq 137
    # The crash: the device goes away as it is; remapd assembles what the
    # disks say.
    dmsetup remove r0 2>/dev/null || dmsetup remove --force r0
    # Step 3 left a marked copy of the pair on the new spare: refused (exit 3).
    remapd_once "$( ((k == 3)) && echo 3 || echo 0)"
    if ((k <= 3)); then
        check "step $k: the old spare assembled" test "$(spare_of r0)" = "$(devt "$cur")"
        ((k < 3)) || check "...the marked new spare refused, said why" grep -q "unfinished replace-spare" /tmp/once.log
    else
        check "step $k: the new spare assembled" test "$(spare_of r0)" = "$(devt "$next")"
        t=$cur cur=$next next=$t
    fi
    check "step $k: every block intact, the last write present" test "$(sums r0)" = "$want"
    check "step $k: lost blocks still fail" lost_reads_fail r0
    expect_field r0 remapped 9
done
# Killed, then run again: it finishes.
for k in $again_steps; do
    want=$(sums r0)
    rc=0
    DMR_TEST_REPLACE_STOP=$k "$RCTL" replace-spare r0 --spare "$next" >/tmp/rctl.out 2>&1 || rc=$?
    check "killed at step $k (rc $rc)" test $rc -eq 137
    expect_rc 0 replace-spare r0 --spare "$next"
    check "...run again: it continued" grep -q "continuing an interrupted" /tmp/rctl.err
    check "...r0 on the new spare, resumed" test "$(spare_of r0)" = "$(devt "$next")"
    check "...every block intact" test "$(sums r0)" = "$want"
    expect_rc 4 metadata verify "$cur"
    t=$cur cur=$next next=$t
done

log "part 4: a block the old spare cannot read"
# --- 4: the old spare cannot read a remapped block -----------------------------
disk2=$(mkloop 16 random)
sp=$(mkloop 16)
spdev=$(dm_create sp0 "0 $(sectors "$sp") linear $sp 0")
expect_rc 0 create --main "$disk2" --spare "$spdev" --name r1
_dmr_register dm r1
for s in 100 200 300; do dmsetup message r1 0 remap $s >/dev/null; done
want100=$(read_sectors /dev/mapper/r1 100 1 | md5sum)
want300=$(read_sectors /dev/mapper/r1 300 1 | md5sum)
# Spare block 1 (main block 200) fails to read from now on.
n=$(sectors "$sp")
dmsetup load sp0 --table "0 9217 linear $sp 0
9217 1 error
9218 $((n - 9218)) linear $sp 9218"
dmsetup suspend --nolockfs sp0 && dmsetup resume sp0
C=$(mkloop 16)
expect_rc 3 replace-spare --json r1 --spare "$C"
check "--json: the lost block listed" jq -e '.lost_blocks == [200] and .blocks_copied == 2 and .unreadable_blocks == 1' /tmp/rctl.out
expect_field r1 unreadable 1
read_sectors /dev/mapper/r1 200 1 >/dev/null 2>&1 && fail "the lost block reads (made-up data)" ||
    pass "the lost block fails to read"
check "the other blocks copied" test "$(read_sectors /dev/mapper/r1 100 1 | md5sum)" = "$want100"
check "...and" test "$(read_sectors /dev/mapper/r1 300 1 | md5sum)" = "$want300"
put_sectors /dev/mapper/r1 200 1
check "a write makes it readable again" eval 'read_sectors /dev/mapper/r1 200 1 >/dev/null' 
finish
