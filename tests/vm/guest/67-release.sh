#!/bin/bash
# vm-kernels: one (the userspace tools: make test runs it on one kernel, make test-long on all)
# remapctl release NAME (issue 22 item 2): retire a pair without a new disk.
#  1. main still refuses writes at its bad blocks: release fails, and the
#     pair is left exactly as it was (table, binding, metadata, data);
#  2. main "healed" (its drive reallocated the sectors): release under a
#     mounted ext4 (read-only, so every block can be compared) writes every remapped block back, NAME maps main with
#     dm-linear, the binding is gone, the spare's metadata is erased, the
#     file and every block read the same before and after, main alone holds
#     them, and a pending block still fails to read;
#  3. refused, nothing changed: a pair with an unreadable block (its data
#     was lost: main would show old data there), a device that is not
#     remap-v4, a suspended pair, a name that does not exist.
. "$(dirname "$0")/remap-lib.sh"
if declare -F load_remap >/dev/null; then load_remap; else load_module; fi
modprobe dm-delay
modprobe ext4 2>/dev/null || true

RCTL=${DMR_RCTL:-$DMR_REPO/build/cmake/daemon/remapctl/remapctl}
[[ -x $RCTL ]] || die "remapctl not built (cmake --build build/cmake)"
command -v jq >/dev/null || die "jq is needed to check --json output"
bindings=/etc/dm-remap/bindings

# snapshot NAME SPARE: what release must not change when it refuses.
snapshot() {
    {
        dmsetup table "$1"
        dmsetup info -c --noheadings -o attr "$1"
        cat "$bindings" 2>/dev/null
        read_sectors "$2" 0 9216 | md5sum
        "$RCTL" metadata dump "$2"
        read_sectors /dev/mapper/"$1" 0 "$4" | md5sum
    } >"/tmp/snap.$1.$3"
}
not_in() { ! grep -q "$1" "$2"; }
# No automatic scan pass: its cursor commits would change the metadata.
echo 0 >/sys/kernel/dm-remap-v4/health/health_scanning

disk=$(mkloop 64 random)
size=$(sectors "$disk")
err=$(dm_create err0 "0 $size error")
spare=$(mkloop 16)
B1=20000 B2=40008 R=60000
bad_table() {
    write_only_bad_table "$disk" "$err" "$R" "$B1:8 $B2:16"
    echo "$R 8 error"
    echo "$((R + 8)) $((size - R - 8)) linear $disk $((R + 8))"
}
main=$(dm_create main0 "$(bad_table)")
expect_rc 0 create --main "$main" --spare "$spare" --name r0
_dmr_register dm r0
uuid=$(field r0 uuid)
check "the pair is bound" grep -q "$uuid" "$bindings"
dev=/dev/mapper/r0
mkfs.ext4 -q -F "$dev"
mkdir -p /mnt/r0
mount "$dev" /mnt/r0
head -c $((8 << 20)) /dev/urandom >/mnt/r0/file
sync
umount /mnt/r0
# Writes over the bad blocks remap them; a read of R marks it pending.
put_sectors "$dev" $B1 8 <(head -c $((8 * 512)) /dev/urandom)
dd if=/dev/urandom of="$dev" bs=8k count=1 seek=$((B2 * 512)) oflag=direct,seek_bytes conv=notrunc status=none
read_sectors "$dev" $R 8 >/dev/null 2>&1 && fail "R read"
expect_field r0 remapped 24
expect_field r0 pending 8

# --- 1: main still refuses the writes -----------------------------------------
snapshot r0 "$spare" before $R
expect_rc 1 release r0
log "$(cat /tmp/rctl.err)"
if dmsetup info r0 | grep -q "State: *SUSPENDED"; then
    fail "a failed release left r0 suspended"
    dmsetup resume r0 # so that the rest can read it
else
    pass "a failed release resumed r0"
fi
snapshot r0 "$spare" after $R
check "a failed release changes nothing" cmp -s /tmp/snap.r0.before /tmp/snap.r0.after
check "...r0 is still remap-v4" grep -q " remap-v4 " <(dmsetup table r0)

# --- 2: main healed: release under a mounted file system ----------------------
dmsetup load main0 --table "$(echo "0 $R linear $disk 0"; echo "$R 8 error"
    echo "$((R + 8)) $((size - R - 8)) linear $disk $((R + 8))")"
dmsetup resume main0
# Read-only, so that the unmount writes nothing: the blocks must compare.
mount -o ro "$dev" /mnt/r0
file_sum=$(md5sum </mnt/r0/file)
want=$(read_sectors "$dev" 0 $R | md5sum)
tail_sum=$(read_sectors "$dev" $((R + 8)) $((size - R - 8)) | md5sum)
expect_rc 0 release --json r0
check "--json: blocks written back" jq -e '.command == "release" and .blocks_written_back == 24 and .pending_blocks == 8' /tmp/rctl.out
check "r0 maps main with dm-linear" test "$(dmsetup table r0)" = "0 $size linear $(dmsetup info -c --noheadings -o major,minor --separator : main0) 0"
check "the file reads the same, still mounted" test "$(md5sum </mnt/r0/file)" = "$file_sum"
umount /mnt/r0
check "the blocks before R read the same" test "$(read_sectors "$dev" 0 $R | md5sum)" = "$want"
check "the blocks after R read the same" test "$(read_sectors "$dev" $((R + 8)) $((size - R - 8)) | md5sum)" = "$tail_sum"
check "main alone holds the remapped blocks" test "$(read_sectors "$main" $B2 16 | md5sum)" = "$(read_sectors "$dev" $B2 16 | md5sum)"
read_sectors "$dev" $R 1 >/dev/null 2>&1 && fail "pending R reads after the release" ||
    pass "pending R still fails to read"
check "the binding is gone" not_in "$uuid" "$bindings"
expect_rc 4 metadata verify "$spare"
check "the spare is free (nothing holds it)" test -z "$(ls /sys/class/block/"$(basename "$spare")"/holders/)"
e2fsck -fn "$dev" >/dev/null 2>&1 && pass "fsck clean after release" || fail "fsck after release"

# --- 3: refusals ---------------------------------------------------------------
expect_rc 1 release r0
check "...not remap-v4: says so" grep -q "remap-v4" /tmp/rctl.err
expect_rc 1 release nosuch

disk2=$(mkloop 16 random)
main2=$(dm_create main1 "0 4000 linear $disk2 0
4000 8 error
4008 $(($(sectors "$disk2") - 4008)) linear $disk2 4008")
spare2=$(mkloop 16)
expect_rc 0 create --main "$main2" --spare "$spare2" --name r1
_dmr_register dm r1
dmsetup message r1 0 remap 4000 >/dev/null
expect_field r1 unreadable 1
snapshot r1 "$spare2" before 4000
expect_rc 1 release r1
check "...unreadable: says why" grep -q "unreadable" /tmp/rctl.err
dmsetup suspend r1
expect_rc 1 release r1
check "...suspended: says so" grep -q "suspended" /tmp/rctl.err
dmsetup resume r1
snapshot r1 "$spare2" after 4000
check "refused releases change nothing" cmp -s /tmp/snap.r1.before /tmp/snap.r1.after
"$RCTL" --json release r1 >/tmp/rel.json 2>/dev/null || true
check "--json refusal is an error document" jq -e '.exit_status == 1 and (.messages[0].string | test("unreadable"))' /tmp/rel.json
finish
