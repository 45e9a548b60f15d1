#!/bin/bash
# vm-kernels: one (the userspace tools: make test runs it on one kernel, make test-long on all)
# The host's metadata backup (issue 22 item 5): remapd writes the latest
# committed metadata of a pair to $DM_REMAP_BACKUP_DIR/<pair uuid>.json
# after every change; with all five copies on the spare destroyed,
# `remapctl metadata restore SPARE --from FILE` rewrites them, and every
# remapped block reads back through the device.  Refused, with the spare
# left byte-identical: a spare in use, a malformed backup, a backup of
# another spare, a spare with a valid copy (without --force).
. "$(dirname "$0")/remap-lib.sh"
if declare -F load_remap >/dev/null; then load_remap; else load_module; fi

RCTL=$DMR_REPO/build/cmake/daemon/remapctl/remapctl
REMAPD=$DMR_REPO/build/cmake/daemon/remapd/remapd
[[ -x $RCTL && -x $REMAPD ]] || die "remapctl/remapd not built (cmake --build build/cmake)"
command -v jq >/dev/null || die "jq is needed"

corrupt() { # corrupt SPARE COPY
    local sectors=(0 1024 2048 4096 8192)
    dd if=/dev/urandom of="$1" bs=512 seek="${sectors[$2]}" count=8 oflag=direct conv=notrunc status=none
}
export DM_REMAP_BACKUP_DIR=/tmp/dmr-backup
backup_seq() { jq -r '.metadata.seq' "$DM_REMAP_BACKUP_DIR/$uuid.json" 2>/dev/null; }
backup_current() { test "$(backup_seq)" = "$(field r0 seq)"; }

main=$(mkloop 16 random)
spare=$(mkloop 6)
expect_rc 0 create --main "$main" --spare "$spare" --name r0
_dmr_register dm r0
uuid=$(field r0 uuid)
printf 'poll_interval_s = 1\nauto_assemble = no\n' >/tmp/remapd.conf
"$REMAPD" -f -c /tmp/remapd.conf >/tmp/remapd.log 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; _dmr_cleanup' EXIT
check "backup written at start" wait_for 20 backup_current

# Remaps: each is a commit, and the backup follows it.
sectors_remapped=(100 101 2000 7777 30000)
for s in "${sectors_remapped[@]}"; do "$RCTL" remap r0 "$s" >/dev/null || die "remap $s"; done
put_sectors /dev/mapper/r0 2000 1 # new data on the spare only
check "backup follows the remaps" wait_for 20 backup_current
f=$DM_REMAP_BACKUP_DIR/$uuid.json
check "backup lists the extents" test "$(jq '.metadata.remapped' "$f")" = 5
declare -A want
for s in "${sectors_remapped[@]}"; do want[$s]=$(md5_of /dev/mapper/r0 "$s" 1); done
want_all=$(md5_of /dev/mapper/r0)
kill "$pid"
wait "$pid" 2>/dev/null || true
# After remapd stopped, so that a write in progress is not seen; the
# drive-health/ subdirectory (remapd's drive state) is not a leftover.
check "no temporary file left" test -z "$(find "$DM_REMAP_BACKUP_DIR" -name '*.tmp.*')"
cp "$f" /tmp/good.json

expect_rc 1 metadata restore "$spare" --from /tmp/good.json
check "in use: says so" grep -q "active remap-v4 device r0" /tmp/rctl.err
"$RCTL" remove r0 >/dev/null
_dmr_forget dm r0

expect_rc 1 metadata restore "$spare" --from /tmp/good.json
check "valid copy: refused without --force" grep -q "has a valid metadata copy" /tmp/rctl.err

for c in 0 1 2 3 4; do corrupt "$spare" "$c"; done
expect_rc 4 metadata verify "$spare"
before=$(md5_of "$spare")
echo '{"kind": "something else"}' >/tmp/bad.json
expect_rc 2 metadata restore "$spare" --from /tmp/bad.json
expect_rc 2 metadata restore "$spare" --from /tmp/none.json --json
check "--json error" jq -e '.command == "metadata restore" and .exit_status == 2' /tmp/rctl.out
jq '.encoded_copy |= (.[0:100] + "00" + .[102:])' /tmp/good.json >/tmp/crc.json
expect_rc 2 metadata restore "$spare" --from /tmp/crc.json
check "damaged copy: named" grep -q "does not decode" /tmp/rctl.err
check "refusals left the spare byte-identical" test "$(md5_of "$spare")" = "$before"
# Another spare of the same size: its own pair, then its copies destroyed.
other=$(mkloop 6)
"$RCTL" create --main "$(mkloop 16 random)" --spare "$other" --name r9 >/dev/null || die "create r9"
_dmr_register dm r9
"$RCTL" remove r9 >/dev/null
_dmr_forget dm r9
other_before=$(md5_of "$other")
expect_rc 1 metadata restore "$other" --from /tmp/good.json --force
check "another pair's valid copy: refused even with --force" grep -q "holds valid metadata of pair" /tmp/rctl.err
for c in 0 1 2 3 4; do corrupt "$other" "$c"; done
other_before=$(md5_of "$other")
expect_rc 1 metadata restore "$other" --from /tmp/good.json
check "another spare's identity: refused" grep -q "the backup is of spare" /tmp/rctl.err
check "the other spare left byte-identical" test "$(md5_of "$other")" = "$other_before"

expect_rc 0 metadata restore "$spare" --from /tmp/good.json
check "restore names the copies" grep -q "wrote copies 0 2 1 3 4" /tmp/rctl.out
expect_rc 0 metadata verify "$spare"
check "dmr-meta: all 5 valid" meta_ok "$spare"
expect_rc 0 create --main "$main" --spare "$spare" --name r0
_dmr_register dm r0
expect_field r0 remapped 5
for s in "${sectors_remapped[@]}"; do
    check "remapped sector $s reads back" test "$(md5_of /dev/mapper/r0 "$s" 1)" = "${want[$s]}"
done
check "the whole device reads as before" test "$(md5_of /dev/mapper/r0)" = "$want_all"
"$RCTL" remove r0 >/dev/null
_dmr_forget dm r0
expect_rc 0 metadata restore "$spare" --from /tmp/good.json --force
finish
