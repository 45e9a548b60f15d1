#!/bin/bash
# vm-kernels: one (the userspace tools: make test runs it on one kernel, make test-long on all)
# vm-timeout: 600
# remapctl evacuate NAME --to NEWDISK (issue 22 item 1), the tools' part
# (the kernel's is 27-evacuate):
#  1. r0 holds a mounted ext4 (48 MiB of the 64 MiB device) with a file and
#     fio writing and verifying another; it is evacuated with --spare while
#     a sector L outside the file system goes bad on main during the copy:
#     the switch makes r0 a new pair (NEW + NSPARE) with L unreadable, the
#     files read the same, the old spare's metadata is erased, the old
#     main's stale file system signature wiped, the bindings name the new
#     pair, and remapd assembles r0 from it after the device is gone;
#  2. a second evacuation (to NEW2, no --spare) is cut short: r0 removed
#     midway, remapd assembles it again with its new disk (the evacuations
#     file) and the copy resumes past where it was; the switch to dm-linear
#     is refused while L is unreadable (exit 3, L listed), and done once L
#     was written; the bindings then say "<NEW2's claim id> linear r0
#     <sectors>" and the udev helper claims NEW2 as r0's disk;
#  4. the next boot of the linear map: r0 removed (remapctl remove keeps the
#     binding), remapd --once creates r0 over NEW2 again, the device's md5
#     the same, the file too; again (never twice); NEW2 detached and
#     attached anew (another loop device) while r0 is gone: created once it
#     is back; refused with r0 not created: NEW2 grown (its size is not the
#     recorded one), NEW2 held by another dm device, NEW2 mounted raw, the
#     name r0 taken by another device (remapctl discover --assemble refuses
#     like remapd, and creates r0 once healed); status/list show r0 as linear; then
#     remapctl release r0 drops the binding (NEW2 no longer claimed, r0 not
#     recreated);
#  3. refused, nothing changed: a new disk smaller than r0, one holding a
#     file system (without --force), a member of r0, --rate-min above
#     --rate-max, --json errors; and release / replace-spare of a device
#     being evacuated.
. "$(dirname "$0")/remap-lib.sh"
if declare -F load_remap >/dev/null; then load_remap; else load_module; fi
modprobe ext4 2>/dev/null || true
RCTL=${DMR_RCTL:-$DMR_REPO/build/cmake/daemon/remapctl/remapctl}
REMAPD=${DMR_REMAPD:-$DMR_REPO/build/cmake/daemon/remapd/remapd}
[[ -x $RCTL && -x $REMAPD ]] || die "remapctl/remapd not built (cmake --build build/cmake)"
command -v jq >/dev/null || die "jq is needed"
command -v fio >/dev/null || die "fio is needed"
bindings=/etc/dm-remap/bindings
evacs=/etc/dm-remap/evacuations
echo 0 >/sys/kernel/dm-remap-v4/health/health_scanning
devt() { lsblk -dno MAJ:MIN "$1" | tr -d ' '; }
not_in() { ! grep -q -- "$1" "$2" 2>/dev/null; }
not_ok() { ! "$@" 2>/dev/null; }

disk=$(mkloop 64 random)
size=$(sectors "$disk")
L=$((size - 4000)) # outside the 48 MiB file system
main=$(dm_create main0 "$(linear_with_errors_table "$disk" "$size" "")")
spare=$(mkloop 16)
new=$(mkloop 64)
nspare=$(mkloop 16)
new2=$(mkloop 80)
small=$(mkloop 32)
expect_rc 0 create --main "$main" --spare "$spare" --name r0
_dmr_register dm r0
old_uuid=$(field r0 uuid)
dev=/dev/mapper/r0
mkfs.ext4 -q -F "$dev" 48M
mkdir -p /mnt/r0
mount "$dev" /mnt/r0
head -c $((12 << 20)) /dev/urandom >/mnt/r0/file
sync
file_sum=$(md5sum </mnt/r0/file)

# --- 3 first (nothing may change): refusals ------------------------------------
snap() { { dmsetup table r0; cat "$bindings" "$evacs" 2>/dev/null || true; } | md5sum; }
before=$(snap)
expect_rc 1 evacuate r0 --to "$small"
check "...smaller: says so" grep -q "smaller" /tmp/rctl.err
mkfs.ext4 -q -F "$new2"
expect_rc 1 evacuate r0 --to "$new2"
check "...holds data: says so, names ext4" grep -q "holds data (ext4" /tmp/rctl.err
wipefs -a -q "$new2"
expect_rc 2 evacuate r0 --to "$spare"
check "...a member: says so" grep -q "member of r0" /tmp/rctl.err
expect_rc 2 evacuate r0 --to "$new" --rate-min 10 --rate-max 5
"$RCTL" --json evacuate r0 --to "$small" >/tmp/ev.json 2>/dev/null || true
check "--json refusal is an error document" jq -e '.exit_status == 1 and (.messages[0].string | test("smaller"))' /tmp/ev.json
check "refusals changed nothing" test "$(snap)" = "$before"

# --- 1: evacuate to NEW + NSPARE under a mounted file system --------------------
(
    i=0
    while [[ ! -e /tmp/stop-fio ]]; do
        i=$((i + 1))
        fio --name=v --filename=/mnt/r0/fio.dat --size=8M --ioengine=libaio --direct=1 --iodepth=8 \
            --rw=randwrite --bs=4k --verify=crc32c --do_verify=1 --verify_fatal=1 --randrepeat=0 \
            --output=/tmp/fio.$i.out || { echo "fio run $i failed" >/tmp/fio.failed; exit 1; }
    done
    echo "$i" >/tmp/fio.runs
) &
fiopid=$!
# L goes bad once the copy runs (it is copied last: the end of the device).
(
    sleep 3
    dmsetup suspend main0 && dmsetup load main0 <<<"$(linear_with_errors_table "$disk" "$size" "$L:1")" &&
        dmsetup resume main0
) &
rc=0
"$RCTL" evacuate r0 --to "$new" --spare "$nspare" --rate-min 4096 --rate-max 4096 --wait --json \
    >/tmp/ev.out 2>/tmp/ev.err || rc=$?
touch /tmp/stop-fio
wait "$fiopid" || true
[[ -e /tmp/fio.failed ]] && { cat /tmp/fio.*.out; fail "$(cat /tmp/fio.failed)"; }
check "fio wrote and verified during the evacuation ($(cat /tmp/fio.runs 2>/dev/null) runs)" test -s /tmp/fio.runs
if ((rc == 0)); then pass "evacuate --spare --wait -> 0"; else cat /tmp/ev.err; fail "evacuate -> $rc"; fi
check "--json: progress documents while copying" jq -se 'map(select(.state == "copying")) | length > 0' /tmp/ev.out
jq -s last /tmp/ev.out >/tmp/ev.last
check "--json: switched to a pair, L listed unreadable" \
    jq -e ".state == \"switched\" and .layout == \"pair\" and (.unreadable | any(.first_block == $L))" /tmp/ev.last
new_uuid=$(jq -r .pair_uuid /tmp/ev.last)
check "r0 maps NEW with NSPARE" grep -q "remap-v4 $(devt "$new") $(devt "$nspare")" <(dmsetup table r0)
check "the file reads the same, still mounted" test "$(md5sum </mnt/r0/file)" = "$file_sum"
read_sectors "$dev" $L 1 >/dev/null 2>&1 && fail "L reads after the switch" || pass "L still fails to read"
expect_field r0 unreadable 1
check "the bindings name the new pair r0" grep -q "$new_uuid r0" "$bindings"
check "...and not the old one" not_in "$old_uuid" "$bindings"
check "no evacuation left in $evacs" not_in "$old_uuid" "$evacs"
expect_rc 4 metadata verify "$spare"
check "the old main's stale ext4 is wiped" test -z "$(blkid -p -o value -s TYPE "$disk" 2>/dev/null)"
umount /mnt/r0
e2fsck -fn "$dev" >/dev/null 2>&1 && pass "fsck clean" || fail "fsck after the switch"
dmsetup remove r0
_dmr_forget dm r0
remapd_once 0
check "remapd assembled r0 from NEW + NSPARE" grep -q "remap-v4 $(devt "$new") $(devt "$nspare")" <(dmsetup table r0)
_dmr_register dm r0
mount -o ro "$dev" /mnt/r0
check "the file reads the same after the re-assembly" test "$(md5sum </mnt/r0/file)" = "$file_sum"
umount /mnt/r0

# --- 2: cut short, resumed by remapd, the switch to dm-linear --------------------
expect_rc 0 evacuate r0 --to "$new2" --rate-min 2048 --rate-max 2048
check "NEW2 is recorded in $evacs" grep -q "^$new_uuid " "$evacs"
check "...and claimed by the udev helper" grep -q DM_REMAP_V4_MAIN=1 <("$RCTL" udev-claim "$new2")
expect_rc 1 release r0
check "...release refused while evacuating (main is stale)" grep -q "being evacuated" /tmp/rctl.err
expect_rc 1 replace-spare r0 --spare "$small"
check "...replace-spare refused while evacuating" grep -q "being evacuated" /tmp/rctl.err
progressed() { (($(field r0 evac_percent) >= 30)); }
wait_for 60 progressed || fail "no progress: $(dmsetup status r0)"
cut=$(field r0 evac_cursor)
dmsetup remove r0
_dmr_forget dm r0
check "without NEW2 the kernel refuses the pair" not_ok dmsetup create rx \
    <<<"0 $size remap-v4 $(devt "$new") $(devt "$nspare")"
remapd_once 0
_dmr_register dm r0
check "remapd assembled r0 with its evacuation" grep -q "evacuate $(devt "$new2")" <(dmsetup table r0)
check "the copy resumed past where it was cut ($cut)" test "$(field r0 evac_cursor)" -ge "$cut"
expect_rc 3 evacuate r0 --to "$new2" --wait
check "...the switch refused: L is listed" grep -q "$L" /tmp/rctl.err
check "...r0 still evacuating to NEW2" grep -q "evacuate $(devt "$new2")" <(dmsetup table r0)
put_sectors "$dev" $L 1
expect_rc 0 evacuate r0 --to "$new2" --wait
check "r0 maps NEW2 with dm-linear" test "$(dmsetup table r0)" = "0 $size linear $(devt "$new2") 0"
mount -o ro "$dev" /mnt/r0
check "the file reads the same on NEW2" test "$(md5sum </mnt/r0/file)" = "$file_sum"
umount /mnt/r0
check "the bindings name r0 as the linear map of NEW2" grep -q " linear r0 $size\$" "$bindings"
check "...and no pair for r0" not_in "-.* r0\$" "$bindings"
"$RCTL" udev-claim "$new2" >/tmp/claim.out
check "...NEW2 claimed by the udev helper as r0's disk" \
    diff /tmp/claim.out - <<<$'DM_REMAP_V4_MAIN=1\nDM_REMAP_V4_MAIN_KIND=linear\nDM_REMAP_V4_MAIN_NAME=r0'

# --- 4: the next boot of the linear map ------------------------------------------
expect_rc 0 status r0 --json
check "status --json: r0 linear, active, over NEW2" jq -e --arg d "$new2" \
    '.devices == [] and (.linear | length) == 1 and .linear[0].kind == "linear" and .linear[0].state == "active" and .linear[0].disk.path == $d' /tmp/rctl.out
expect_rc 0 list
check "list: r0 a linear map of NEW2" grep -q "^r0 *$new2 *$size *active" /tmp/rctl.out
dev_sum=$(md5_of "$dev")
linear_table="0 $size linear $(devt "$new2") 0"
# remove_r0: remapctl remove r0 (one check); should that fail, r0 is removed
# all the same, so what follows checks that remapd recreates it.
remove_r0() {
    expect_rc 0 remove r0
    if dmsetup info r0 >/dev/null 2>&1; then dmsetup remove --retry r0; fi
    _dmr_forget dm r0
}
expect_rc 0 remove r0
check "remapctl remove r0 (a bound linear map): gone, the binding stays" \
    test ! -e "$dev" -a -n "$(grep " linear r0 " "$bindings")"
if dmsetup info r0 >/dev/null 2>&1; then dmsetup remove --retry r0; fi
_dmr_forget dm r0
remapd_once 0
check "remapd created r0 over NEW2" test "$(dmsetup table r0 2>/dev/null)" = "$linear_table"
_dmr_register dm r0
check "...the device's md5 is the same" test "$(md5_of "$dev")" = "$dev_sum"
mount -o ro "$dev" /mnt/r0
check "...the file reads the same" test "$(md5sum </mnt/r0/file)" = "$file_sum"
umount /mnt/r0
remapd_once 0
check "...not created twice (one r0, the same table)" test "$(dmsetup table r0)" = "$linear_table"

# NEW2 detached and attached again (as a new loop device): found by its
# claim id, whatever its node.
remove_r0
new2_file=$(losetup -nO BACK-FILE "$new2")
losetup -d "$new2"
_dmr_forget loop "$new2"
remapd_once 0
check "NEW2 detached: r0 not created, remapd says why" \
    test -z "$(dmsetup info r0 2>/dev/null)" -a -n "$(grep "r0 .*not attached" /tmp/once.log)"
new2=$(losetup --find --show --direct-io=on "$new2_file" 2>/dev/null || losetup --find --show "$new2_file")
_dmr_register loop "$new2"
linear_table="0 $size linear $(devt "$new2") 0"
remapd_once 0
check "NEW2 back as $new2: remapd created r0 over it" test "$(dmsetup table r0 2>/dev/null)" = "$linear_table"
_dmr_register dm r0
check "...the device's md5 is the same" test "$(md5_of "$dev")" = "$dev_sum"

# Refusals: remapd --once exits 3, r0 is not created, the log says why.
refused() { # WHAT PATTERN
    remapd_once 3
    check "$1: remapd says why" grep -q -- "$2" /tmp/once.log
    [[ $1 == *"r0 taken"* ]] || check "...r0 not created" test -z "$(dmsetup info r0 2>/dev/null)"
}
remove_r0
truncate -s 96M "$new2_file"
losetup -c "$new2"
refused "NEW2 grown to 96 MiB" "another size or block size"
expect_rc 3 discover --assemble --json
check "...discover --assemble refuses it too (size_mismatch), creates nothing" jq -e \
    '.linear[0].name == "r0" and .linear[0].outcome == "size_mismatch" and (.linear[0].assembled | not)' /tmp/rctl.out
check "...r0 not created" test -z "$(dmsetup info r0 2>/dev/null)"
truncate -s 80M "$new2_file"
losetup -c "$new2"
dm_create holder "0 8 linear $new2 0" >/dev/null
refused "NEW2 held by another dm device" "is in use (held by dm-"
dm_remove holder
mkdir -p /mnt/raw
mount -o ro,noload "$new2" /mnt/raw
refused "NEW2 mounted raw" "is in use (mounted"
umount /mnt/raw
dm_create r0 "0 8 error" >/dev/null
refused "r0 taken by another device" "named r0 already exists and is not the linear map"
check "...that device left as it was" test "$(dmsetup table r0 | awk '{print $1, $2, $3}')" = "0 8 error"
dm_remove r0
expect_rc 0 discover --assemble
check "all healed: discover --assemble (the initramfs' way) created r0 over NEW2" \
    test "$(dmsetup table r0 2>/dev/null)" = "$linear_table"
_dmr_register dm r0
check "...the device's md5 is the same" test "$(md5_of "$dev")" = "$dev_sum"
remapd_once 0
check "...remapd leaves it alone" test "$(dmsetup table r0)" = "$linear_table"

# release r0: the binding dropped, NEW2 no longer claimed, r0 stays as it is
# and is not created again once removed.
expect_rc 0 release r0
check "release r0: the binding is gone" not_in " r0" "$bindings"
check "...NEW2 is no longer claimed" test -z "$("$RCTL" udev-claim "$new2")"
check "...r0 stays" test "$(dmsetup table r0)" = "$linear_table"
expect_rc 1 remove r0
check "...remapctl remove refuses it now (not remap-v4, not bound)" grep -q "not a remap-v4" /tmp/rctl.err
dm_remove r0
remapd_once 0
check "...remapd does not create r0 any more" test -z "$(dmsetup info r0 2>/dev/null)"
finish
