#!/bin/bash
# vm-timeout: 400
# Evacuation to a new disk, the kernel's part (table feature `evacuate`,
# kernel/dmr-evac.c; `remapctl evacuate` has its own test):
#  1. a device with a remapped block R (main's copy is made stale under it),
#     a pending block P and an unreadable block U is reloaded with
#     `evacuate NEW UUID evac_rate`; while it copies, fio writes and
#     verifies a region, and a new bad sector L appears on main ahead of
#     the copy; the table is reloaded once midway (the copy resumes);
#  2. when copied: every untouched block reads as before, and the new disk
#     itself holds it (R from the spare, not main's stale copy); P, U and L
#     fail to read (never made-up data) until written; writes to them work;
#  3. the device is removed and made again from the same table: the cursor
#     was committed (copied at once), data the same; a table without the
#     new disk, or with another uuid, is refused;
#  4. refused: the new disk smaller than the device, the new disk = main, a
#     reload that names another pair's spare.
. "$(dirname "$0")/remap-lib.sh"
load_remap
modprobe dm-delay
command -v fio >/dev/null || die "fio is needed"

size=131072 # 64 MiB
disk=$(mkloop 64 random)
spare=$(mkloop 16)
new=$(mkloop 64)
small=$(mkloop 32)
P=1000 U=2000 R=3000 L=50000
FIO_START=81920 # 40 MiB: fio's region, to the end
not() { ! "$@" 2>/dev/null; }
main_table() { # main_table "START:LEN ...": disk with error ranges
    linear_with_errors_table "$disk" "$size" "$1"
}
main=$(dm_create main0 "$(main_table "$P:1 $U:1")")
dev=$(mk_remap r0 "$main" "$spare")

# R: moved to the spare, then main's copy made stale behind the target's back.
dmsetup message r0 0 remap $R
put_sectors "$disk" $R 1 <(head -c 512 /dev/zero | tr '\0' 'S')
# P: a read error marks it pending; U: moved while unreadable.
read_sectors "$dev" $P 1 >/dev/null 2>&1 && fail "P read through an error target"
if [[ $(field r0 pending) != 1 ]]; then
    log "P not pending after a failed read: $(dmsetup status r0)"
    read_sectors "$dev" $P 1 >/dev/null 2>&1 || true
fi
dmsetup message r0 0 remap $U
expect_field r0 remapped 2
expect_field r0 pending 1
expect_field r0 unreadable 1
expect_field r0 evac none

# The reference image: every sector below fio's region but P, U and L.
ref() {
    { read_sectors "$1" 0 $P; read_sectors "$1" $((P + 1)) $((U - P - 1))
      read_sectors "$1" $((U + 1)) $((L - U - 1))
      read_sectors "$1" $((L + 1)) $((FIO_START - L - 1)); } | md5sum
}
ref "$dev" >/tmp/ref.before

# --- 1: the copy, under writes and a new bad sector ----------------------------
uuid=$(cat /proc/sys/kernel/random/uuid)
evac_table="$(remap_table "$main" "$spare" evacuate "$new" "$uuid" evac_rate 4096 4096)"
# remap_table counts the feature words itself.
dmsetup suspend r0
dmsetup load r0 <<<"$evac_table"
dmsetup resume r0
check "...status says copying" grep -q "evac=copying" <(dmsetup status r0)
check "...table line names it" grep -q "evacuate .* $uuid evac_rate 4096 4096" <(dmsetup table r0)
swap_table main0 "$(main_table "$P:1 $U:1 $L:1")"

(
    i=0
    while [[ ! -e /tmp/stop-fio ]]; do
        i=$((i + 1))
        fio_verify "$dev" --offset=$((FIO_START * 512)) --size=$(((size - FIO_START) * 512)) \
            --output=/tmp/fio.$i.out || { echo "fio run $i failed" >/tmp/fio.failed; exit 1; }
    done
    echo "$i" >/tmp/fio.runs
) &
fiopid=$!

copied() { [[ $(field r0 evac) == copied ]]; }
half() { (($(field r0 evac_percent) >= 40)); }
wait_for 120 half || fail "the copy did not reach 40% in 120 s: $(dmsetup status r0)"
before=$(field r0 evac_cursor)
log "midway: cursor $before; reloading the table"
dmsetup suspend r0
dmsetup load r0 <<<"$evac_table"
dmsetup resume r0
after=$(field r0 evac_cursor)
check "the reloaded table resumes at the cursor ($before -> $after)" test "$after" -ge "$before"
wait_for 200 copied || fail "not copied within 200 s: $(dmsetup status r0)"
touch /tmp/stop-fio
wait "$fiopid" || true
[[ -e /tmp/fio.failed ]] && { cat /tmp/fio.*.out; fail "$(cat /tmp/fio.failed)"; }
check "fio wrote and verified during the copy ($(cat /tmp/fio.runs 2>/dev/null) runs)" test -s /tmp/fio.runs
expect_field r0 evac_percent 100
expect_field r0 evac_dest_errors 0
dmsetup message r0 0 list >/tmp/list
check "the new bad sector L was not copied: it is pending" grep -q "^lblock=$L len=1 sblock=- flags=pending" /tmp/list

# --- 2: what the device and the new disk hold ----------------------------------
ref "$dev" >/tmp/ref.after
check "every untouched block reads as before" cmp -s /tmp/ref.before /tmp/ref.after
ref "$new" >/tmp/ref.new
check "...and the new disk itself holds them (R from the spare)" cmp -s /tmp/ref.before /tmp/ref.new
check "main still has the stale R (so the spare's copy was used)" \
    grep -q SSSS <(read_sectors "$disk" $R 1)
for b in $P $U $L; do
    if read_sectors "$dev" $b 1 >/dev/null 2>&1; then fail "block $b reads after the evacuation"; else
        pass "block $b still fails to read"; fi
done
put_sectors "$dev" $L 1 <(head -c 512 /dev/zero | tr '\0' 'L')
check "a write to L works and reads back" grep -q LLLL <(read_sectors "$dev" $L 1)
check "...from the new disk" grep -q LLLL <(read_sectors "$new" $L 1)
put_sectors "$dev" $P 1 <(head -c 512 /dev/zero | tr '\0' 'P')
put_sectors "$dev" $U 1 <(head -c 512 /dev/zero | tr '\0' 'U')
check "a write to P works and reads back" test "$(read_sectors "$dev" $P 1 | tr -d P | wc -c)" = 0
check "a write to U works and reads back" test "$(read_sectors "$dev" $U 1 | tr -d U | wc -c)" = 0
expect_field r0 pending 0
expect_field r0 unreadable 0
expect_field r0 evac_dest_errors 0
md5_of "$dev" >/tmp/all.before

# --- 3: made again from the metadata --------------------------------------------
dmsetup remove r0
_dmr_forget dm r0
check "without the new disk: refused" not dmsetup create r0 <<<"$(remap_table "$main" "$spare")"
in_dmesg "records an evacuation in progress" && pass "...with a message" || fail "no message"
other=$(cat /proc/sys/kernel/random/uuid)
check "another uuid: refused" not dmsetup create r0 \
    <<<"$(remap_table "$main" "$spare" evacuate "$new" "$other")"
dev=$(mk_remap r0 "$main" "$spare" evacuate "$new" "$uuid")
expect_field r0 evac copied
check "every block the same after the re-assembly" test "$(md5_of "$dev")" = "$(cat /tmp/all.before)"
check "L still holds its write" grep -q LLLL <(read_sectors "$dev" $L 1)
meta_ok "$spare" && pass "metadata valid" || fail "metadata: $(cat /tmp/meta-verify.out)"
dmsetup remove r0
_dmr_forget dm r0

# --- 4: refusals ----------------------------------------------------------------
check "a new disk smaller than the device: refused" not dmsetup create r1 \
    <<<"$(remap_table "$main" "$spare" evacuate "$small" "$uuid")"
check "the new disk = main: refused" not dmsetup create r1 \
    <<<"$(remap_table "$main" "$spare" evacuate "$main" "$uuid")"
check "a bad uuid: refused" not dmsetup create r1 \
    <<<"$(remap_table "$main" "$spare" evacuate "$new" not-a-uuid)"
check "evac_rate min > max: refused" not dmsetup create r1 \
    <<<"$(remap_table "$main" "$spare" evacuate "$new" "$uuid" evac_rate 10 5)"
# A reload may name another spare (replace-spare), never another pair's.
main3=$(mkloop 64)
spare3=$(mkloop 16)
spare4=$(mkloop 16)
mk_remap r3 "$main3" "$spare3" >/dev/null
dm_remove r3
mk_remap r4 "$main3" "$spare4" >/dev/null
dmsetup suspend r4
check "a reload onto another pair's spare: refused" not dmsetup load r4 <<<"$(remap_table "$main3" "$spare3")"
dmsetup resume r4
check "...r4 still on its own spare" grep -q "$(lsblk -dno MAJ:MIN "$spare4" | tr -d ' ')" <(dmsetup table r4)
finish
