#!/bin/bash
# vm-kernels: one (make test runs it on one kernel, the kernels taking turns; make test-long on all)
# vm-timeout: 400
# A second fault during an evacuation (kernel/dmr-evac.c; 27-evacuate has
# the copy itself): each one stops the copy (evac=stopped) with the
# committed cursor where it was, loses nothing, and a reload after the
# fault is gone resumes it to the end.
#  A. the new disk fails a copy write (chunk 2): stopped at chunk 2,
#     evac_dest_errors counts it, every block reads as before;
#  B. meanwhile a write below the cursor that the new disk fails: EIO to
#     the writer (it is not remapped; below the cursor the new disk is the
#     only copy), nothing else changes;
#  C. the spare's metadata area fails while the cursor is committed: the
#     cursor in use stays the one on disk, the device goes ro
#     (meta_state=failed), reads work; the spare heals, a reload resumes;
#  D. the spare fails the read of a remapped block that the copier needs:
#     stopped before that chunk, nothing made up; a reload after it heals
#     copies it from the spare.
# At the end the device and the new disk hold exactly the data of the start
# (and what part B and the checks wrote), all 5 metadata copies valid.
. "$(dirname "$0")/remap-lib.sh"
load_remap

size=65536 # 32 MiB main: 4 chunks of 4 MiB (8192 blocks of 512 B)
disk=$(mkloop 32 random)
sparel=$(mkloop 16)
newl=$(mkloop 32)
not() { ! "$@" 2>/dev/null; }
# The spare and the new disk through dm-linear, so that parts of them can fail.
spare_size=$(sectors "$sparel")
spare=$(dm_create sparef "0 $spare_size linear $sparel 0")
new=$(dm_create newf "0 $size linear $newl 0")
dev=$(mk_remap r0 "$disk" "$spare")
R=30000 # remapped, in chunk 3 (blocks 24576..32767)
dmsetup message r0 0 remap $R >/dev/null
put_sectors "$dev" $R 1 <(head -c 512 /dev/zero | tr '\0' 'R')
dmsetup message r0 0 list >/tmp/list
rs=$(sed -n "s/^lblock=$R len=1 sblock=\([0-9]*\) .*/\1/p" /tmp/list)
[[ $rs =~ ^[0-9]+$ ]] || die "no spare block for $R: $(cat /tmp/list)"
data_start=$("$DMR_META" dump "$sparel" | sed -n 's/^data_start: //p' || true)
[[ $data_start =~ ^[0-9]+$ ]] || die "no data_start in the metadata dump"
want=$(md5_of "$dev")
uuid=$(cat /proc/sys/kernel/random/uuid)
evac() { # the evacuation table, with extra features (evac_rate ...)
    remap_table "$disk" "$spare" evacuate "$new" "$uuid" "$@"
}
cursor() { field r0 evac_cursor; }
stopped() { [[ $(field r0 evac) == stopped ]]; }
copied() { [[ $(field r0 evac) == copied ]]; }
disk_cursor() { # the cursor the metadata on the spare has
    "$DMR_META" dump "$sparel" | sed -n 's/^evacuation_cursor: //p' || true
}
reload() {
    dmsetup suspend r0
    dmsetup load r0 <<<"$(evac "$@")"
    dmsetup resume r0
}

# --- A: the new disk fails a copy write -----------------------------------------
swap_table newf "$(linear_with_errors_table "$newl" "$size" "16400:8")"
swap_table r0 "$(evac)"
wait_for 120 stopped || fail "the copy did not stop at the new disk's bad range: $(dmsetup status r0)"
expect_field r0 evac_cursor 16384
check "A: the new disk's failed write is counted" test "$(field r0 evac_dest_errors)" -ge 1
check "A: the committed cursor is the one in use" test "$(disk_cursor)" = 16384
check "A: every block reads as before" test "$(md5_of "$dev")" = "$want"
in_dmesg "evacuation stopped at block 16384" && pass "A: the kernel log says where it stopped" ||
    fail "A: no 'evacuation stopped' message"

# --- B: a write below the cursor that the new disk fails ------------------------
swap_table newf "$(linear_with_errors_table "$newl" "$size" "100:1 16400:8")"
errs=$(field r0 evac_dest_errors)
if put_sectors "$dev" 100 1 2>/dev/null; then fail "B: a write the new disk failed was acknowledged"; else
    pass "B: the write fails with an error"; fi
check "B: counted" test "$(field r0 evac_dest_errors)" -gt "$errs"
expect_field r0 remapped 1
expect_field r0 mode rw
swap_table newf "$(linear_with_errors_table "$newl" "$size" "16400:8")"
check "B: every block reads as before" test "$(md5_of "$dev")" = "$want"

# --- C: the metadata cannot be written when the cursor moves ---------------------
swap_table newf "0 $size linear $newl 0"
reload evac_rate 512 512 # chunk 2 at once, chunk 3 eight seconds later
wait_for 60 eval '(($(field r0 evac_cursor) >= 24576))' ||
    fail "C: the copy did not resume past chunk 2: $(dmsetup status r0)"
swap_table sparef "0 9216 error
9216 $((spare_size - 9216)) linear $sparel 9216"
wait_for 60 stopped || fail "C: the copy did not stop when its commit failed: $(dmsetup status r0)"
expect_field r0 meta_state failed
expect_field r0 mode ro
c=$(cursor)
check "C: the cursor in use ($c) is the one on the spare" test "$(disk_cursor)" = "$c"
check "C: still 1 chunk to copy" test "$c" = 24576
check "C: every block reads as before" test "$(md5_of "$dev")" = "$want"
if put_sectors "$dev" 40000 1 2>/dev/null; then fail "C: a write was taken without a metadata copy"; else
    pass "C: writes fail while no metadata copy can be written"; fi
swap_table sparef "0 $spare_size linear $sparel 0"

# --- D: the spare fails the read of a remapped block the copier needs -------------
# (the table reload brings the device back to rw and the copy resumes)
rsec=$((data_start + rs))
swap_table sparef "$(linear_with_errors_table "$sparel" "$spare_size" "$rsec:1")"
reload
expect_field r0 mode rw
wait_for 60 stopped || fail "D: the copy did not stop at the spare's read error: $(dmsetup status r0)"
expect_field r0 evac_cursor 24576
check "D: R is not readable (never made-up data)" not read_sectors "$dev" $R 1
swap_table sparef "0 $spare_size linear $sparel 0"
reload
wait_for 120 copied || fail "D: not copied after the spare healed: $(dmsetup status r0)"
expect_field r0 evac_cursor $size

# --- the end: everything on the new disk ----------------------------------------
check "every block reads as at the start" test "$(md5_of "$dev")" = "$want"
check "the new disk holds it" test "$(md5_of "$new")" = "$want"
check "R came from the spare" grep -q RRRR <(read_sectors "$new" $R 1)
expect_field r0 pending 0
dm_remove r0
meta_ok "$spare" && pass "metadata: all 5 copies valid" || fail "metadata: $(cat /tmp/meta-verify.out)"
finish
