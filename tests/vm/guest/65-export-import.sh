#!/bin/bash
# vm-kernels: one (the userspace tools: make test runs it on one kernel, make test-long on all)
# remapctl export and create --import-badblocks (issue 22 item 4), checked
# against the real ddrescuelog (Debian's gddrescue):
# * export of a live device with remapped, pending and unreadable blocks:
#   the ddrescue mapfile is accepted by ddrescuelog, its '-' areas are the
#   badblocks export, and a mapfile ddrescuelog builds from that list
#   compares equal; the linear table, loaded with dmsetup after the remap
#   device is removed, reads every readable sector as the device did (a
#   block rewritten on the spare included) and fails on the pending and
#   unreadable ones even once the main reads them again; the same exports
#   from the offline spare agree;
# * import: a badblocks list and a ddrescuelog-made mapfile pre-mark
#   exactly those blocks pending; reads of them still come from the main,
#   a write remaps them, and the export gives the list back;
# * bad input (missing file, bad line, block past the end, options that
#   do not go together, a blank spare, a wrong main) gets its exit code
#   and changes nothing.
. "$(dirname "$0")/remap-lib.sh"
if declare -F load_remap >/dev/null; then load_remap; else load_module; fi

RCTL=$DMR_REPO/build/cmake/daemon/remapctl/remapctl
[[ -x $RCTL ]] || die "remapctl not built (cmake --build build/cmake)"
command -v jq >/dev/null || die "jq is needed to check --json output"
command -v ddrescuelog >/dev/null || die "ddrescuelog is needed (apt install gddrescue; make deps)"

reads_fail() { ! read_sectors "$@" >/dev/null 2>&1; }
same_sectors() { # same_sectors DEV1 DEV2 START COUNT
    test "$(md5_of "$1" "$3" "$4")" = "$(md5_of "$2" "$3" "$4")"
}

size=$((16 * 2048))
disk=$(mkloop 16 random)
spare=$(mkloop 6)
main=$(mk_linear_with_errors bad0 "$disk" "$size" "3000:4 5000:1")
expect_rc 0 create --main "$main" --spare "$spare" --name r0
_dmr_register dm r0
dev=/dev/mapper/r0
for s in 100 101 2000; do "$RCTL" remap r0 "$s" >/dev/null || die "remap $s"; done
put_sectors "$dev" 100 1 # the new data lives on the spare only: main holds the old
reads_fail "$dev" 3000 4 || die "a read of the bad range succeeded"
"$RCTL" remap r0 5000 >/dev/null || die "remap 5000"
expect_field r0 pending 4
expect_field r0 unreadable 1
expect_field r0 remapped 4

# --- export of the live device ------------------------------------------------
printf '%s\n' 3000 3001 3002 3003 5000 >/tmp/want.list
expect_rc 0 export r0 --format badblocks --block-size 512
check "badblocks (512): the pending and unreadable sectors" diff /tmp/rctl.out /tmp/want.list
expect_rc 0 export r0 --format badblocks
check "badblocks (default 1024): 1500, 1501, 2500" test "$(tr '\n' ' ' </tmp/rctl.out)" = "1500 1501 2500 "
expect_rc 0 export r0 --format ddrescue
cp /tmp/rctl.out /tmp/live.map
check "ddrescuelog accepts the mapfile" ddrescuelog -t /tmp/live.map
check "ddrescuelog: 2560 bytes bad" bash -c "ddrescuelog -t /tmp/live.map | grep -q 'bad-sector: *2560 B, *in *2 area'"
ddrescuelog -l- -b512 /tmp/live.map >/tmp/ddr.list
check "ddrescuelog's bad sectors are the badblocks export" diff /tmp/ddr.list /tmp/want.list
ddrescuelog -c-+ -b512 -s $((size * 512)) - </tmp/want.list >/tmp/made.map
check "a mapfile ddrescuelog makes from the list compares equal" ddrescuelog -p /tmp/made.map /tmp/live.map
expect_rc 0 export r0 --format linear-table
cp /tmp/rctl.out /tmp/live.table
check "linear table: error segments for 3000+4 and 5000+1" \
    test "$(grep -c ' error$' /tmp/live.table)" = 2 -a -n "$(grep -x '3000 4 error' /tmp/live.table)" -a -n "$(grep -x '5000 1 error' /tmp/live.table)"
check "linear table: remapped sectors from the spare" grep -q "^100 2 linear $spare 9216$" /tmp/live.table
expect_rc 0 export r0 --format ddrescue --json
check "export --json: content and counts" jq -e --rawfile m /tmp/live.map \
    '.command == "export" and .source == "device" and .unreadable_blocks == 5 and .content == $m' /tmp/rctl.out

# The linear table reads what the device read, without the module's target.
want_a=$(md5_of "$dev" 0 3000)
want_b=$(md5_of "$dev" 3004 1996)
want_c=$(md5_of "$dev" 5001 $((size - 5001)))
"$RCTL" remove r0 >/dev/null || die "remove r0"
_dmr_forget dm r0
check "main holds stale data at sector 100" test "$(md5_of "$main" 0 3000)" != "$want_a"
# The main's bad sectors read again (a transient fault): the table must
# still fail there, as the device would, and not return the main's data.
swap_table bad0 "$(linear_with_errors_table "$disk" "$size" "")"
lin=$(dm_create lin0 "$(cat /tmp/live.table)")
check "linear: sectors 0-2999 as the device read them" test "$(md5_of "$lin" 0 3000)" = "$want_a"
check "linear: sectors 3004-4999" test "$(md5_of "$lin" 3004 1996)" = "$want_b"
check "linear: sectors 5001-end" test "$(md5_of "$lin" 5001 $((size - 5001)))" = "$want_c"
check "linear: pending sectors fail" reads_fail "$lin" 3000 1
check "linear: unreadable sector fails" reads_fail "$lin" 5000 1
dm_remove lin0

# --- the same exports from the offline spare ----------------------------------------
expect_rc 0 export "$spare" --format badblocks --block-size 512
check "spare: same badblocks list" diff /tmp/rctl.out /tmp/want.list
expect_rc 0 export "$spare" --format ddrescue
check "spare: same mapfile areas" ddrescuelog -p /tmp/rctl.out /tmp/live.map
expect_rc 2 export "$spare" --format linear-table
check "spare linear-table without --main: says so" grep -q -- "--main" /tmp/rctl.err
expect_rc 0 export "$spare" --format linear-table --main "$main"
no_paths() { awk '{print $1, $2, $3, $5}' "$1"; }
check "spare: same linear table (device names aside)" diff <(no_paths /tmp/rctl.out) <(no_paths /tmp/live.table)
other=$(mkloop 16 random)
expect_rc 1 export "$spare" --format linear-table --main "$other"

# --- bad input to export ----------------------------------------------------------
blank=$(mkloop 6)
expect_rc 4 export "$blank" --format ddrescue
expect_rc 2 export "$spare" --format csv
expect_rc 2 export "$spare" --format badblocks --block-size 1000
expect_rc 2 export "$spare" --format ddrescue --main "$main"
expect_rc 1 export nosuchdev --format ddrescue
expect_rc 2 export /nonexistent --format ddrescue --json
check "--json error document" jq -e '.command == "export" and .exit_status == 2' /tmp/rctl.out

# --- import ---------------------------------------------------------------------
disk2=$(mkloop 16 random)
spare2=$(mkloop 6)
nr_dm() { dmsetup ls | grep -c . || true; }
bindings=${DM_REMAP_BINDINGS:-/etc/dm-remap/bindings}
state() { echo "$(md5_of "$spare2") $(md5_of "$disk2") $(nr_dm) $(cat "$bindings" 2>/dev/null | md5sum)"; }
before=$(state)
printf '3000\nabc\n' >/tmp/bad-line.list
expect_rc 2 create --main "$disk2" --spare "$spare2" --name r2 --import-badblocks /tmp/bad-line.list
check "bad line: named" grep -q "line 2: 'abc' is not a block number" /tmp/rctl.err
expect_rc 2 create --main "$disk2" --spare "$spare2" --name r2 --import-badblocks /tmp/no-such.list
echo 99999 >/tmp/past-end.list
expect_rc 2 create --main "$disk2" --spare "$spare2" --name r2 --import-badblocks /tmp/past-end.list --json
check "past the end: --json error" jq -e '.command == "create" and .exit_status == 2 and (.messages[0].string | test("beyond the main"))' /tmp/rctl.out
expect_rc 2 create --main "$disk2" --spare "$spare2" --name r2 --import-block-size 512
expect_rc 2 create --main "$disk2" --spare "$spare2" --name r2 --import-badblocks /tmp/want.list --import-block-size 0
check "refused imports changed nothing (spare, main, dm devices, bindings)" test "$(state)" = "$before"

# A badblocks list of 512-byte blocks.
expect_rc 0 create --main "$disk2" --spare "$spare2" --name r2 --import-badblocks /tmp/want.list --import-block-size 512
_dmr_register dm r2
check "create says how many were marked" grep -q "5 known bad block(s) marked pending" /tmp/rctl.out
expect_field r2 pending 5
expect_field r2 remapped 0
expect_rc 0 export r2 --format badblocks --block-size 512
check "round trip: export gives the list back" diff /tmp/rctl.out /tmp/want.list
check "a pending block still reads the main's data" same_sectors /dev/mapper/r2 "$disk2" 3000 4
put_sectors /dev/mapper/r2 5000 1
expect_field r2 pending 4
expect_field r2 remapped 1
check "the written block reads back from the spare" bash -c \
    "test \"\$(dmsetup message r2 0 list | grep '^lblock=5000 ')\" = 'lblock=5000 len=1 sblock=0 flags=remapped'"
"$RCTL" remove r2 >/dev/null
_dmr_forget dm r2

# A ddrescue mapfile made by ddrescuelog; 1 KiB list blocks 1600-1601 are
# sectors 3200-3203.  Over a spare that already has r2's marks: blocks
# already pending or remapped stay as they are.
printf '%s\n' 1600 1601 >/tmp/kib.list
ddrescuelog -c-+ -b1024 -s $((size * 512)) - </tmp/kib.list >/tmp/kib.map
expect_rc 0 create --main "$disk2" --spare "$spare2" --name r2 --import-badblocks /tmp/kib.map --json
_dmr_register dm r2
check "create --json: import counts" jq -e '.import_format == "ddrescue" and .imported_blocks == 4 and .pending_marked == 4' /tmp/rctl.out
expect_field r2 pending 8
expect_field r2 remapped 1
expect_rc 0 export r2 --format ddrescue
ddrescuelog -l- -b512 /tmp/rctl.out >/tmp/got.list
check "mapfile import: 3000-3003 and 3200-3203 pending, 5000 remapped" \
    test "$(tr '\n' ' ' </tmp/got.list)" = "3000 3001 3002 3003 3200 3201 3202 3203 "
"$RCTL" remove r2 >/dev/null
_dmr_forget dm r2
finish
