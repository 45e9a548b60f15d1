#!/bin/bash
# vm-kernels: one (the userspace tools: make test runs it on one kernel, make test-long on all)
# remapctl metadata verify/dump/repair on a real spare: repair is refused
# while the spare is in use; with copies 1 and 3 corrupt, verify exits 3
# and names them (text and --json); repair rewrites exactly those, after
# which verify, dmr-meta and the kernel all agree and the device comes back
# with its remaps; a spare with no valid copy is reported (exit 4) and
# left byte-identical.
. "$(dirname "$0")/remap-lib.sh"
if declare -F load_remap >/dev/null; then load_remap; else load_module; fi

RCTL=$DMR_REPO/build/cmake/daemon/remapctl/remapctl
[[ -x $RCTL ]] || die "remapctl not built (cmake --build build/cmake)"
command -v jq >/dev/null || die "jq is needed to check --json output"

corrupt() { # corrupt SPARE COPY: 4 KiB of garbage over the copy's header
    local sectors=(0 1024 2048 4096 8192)
    dd if=/dev/urandom of="$1" bs=512 seek="${sectors[$2]}" count=8 oflag=direct conv=notrunc status=none
}

main=$(mkloop 8 random)
spare=$(mkloop 6)
"$RCTL" create --main "$main" --spare "$spare" --name r0 >/dev/null || die "create failed"
_dmr_register dm r0
for s in 100 101 5000; do "$RCTL" remap r0 "$s" >/dev/null; done
want_list=$(dmsetup message r0 0 list)
want_data=$(md5_of /dev/mapper/r0)
uuid=$(field r0 uuid)

before=$(md5_of "$spare")
expect_rc 1 metadata repair "$spare"
check "in-use spare untouched" test "$(md5_of "$spare")" = "$before"
expect_rc 0 metadata verify "$spare" # read-only is fine while active
"$RCTL" remove r0 >/dev/null
_dmr_forget dm r0

corrupt "$spare" 1
corrupt "$spare" 3
expect_rc 3 metadata verify "$spare"
check "copy 1 reported invalid" grep -q "^copy 1 sector 1024: invalid" /tmp/rctl.out
check "copy 3 reported invalid" grep -q "^copy 3 sector 4096: invalid" /tmp/rctl.out
check "copy 0 valid" grep -q "^copy 0 sector 0: valid seq=" /tmp/rctl.out
check "verdict" grep -qx "verdict: repairable" /tmp/rctl.out
rc=0
"$RCTL" metadata verify --json "$spare" >/tmp/v.json || rc=$?
check "verify --json exit 3" test "$rc" -eq 3
check "verify --json: schema and verdict" jq -e '.schema_version == 1 and .spare.verdict == "repairable" and .spare.repair_mask == 10' /tmp/v.json
check "verify --json: copies" jq -e '[.spare.copies[].needs_repair] == [false, true, false, true, false]' /tmp/v.json
check "verify --json: seq as string" jq -e '.spare.copies[0].seq_str == (.spare.copies[0].seq | tostring)' /tmp/v.json
check "dmr-meta agrees (exit 1: repairable)" bash -c "'$DMR_META' verify '$spare' >/dev/null; test \$? -eq 1"

expect_rc 0 metadata repair "$spare"
check "repair names the copies" grep -q "rewrote copies 1 3 from copy 0" /tmp/rctl.out
expect_rc 0 metadata verify "$spare"
check "dmr-meta: all 5 valid" meta_ok "$spare"
expect_rc 0 metadata dump "$spare"
check "dump lists the extents" test "$(grep '^lblock=' /tmp/rctl.out)" = "$want_list"
check "dump shows the pair" grep -q "^pair_uuid: *$uuid$" /tmp/rctl.out
expect_rc 0 metadata repair "$spare"
check "second repair has nothing to do" grep -q "nothing to repair" /tmp/rctl.out

dmesg -C
expect_rc 0 create --main "$main" --spare "$spare"
name=r0  # create without --name reuses the name bound to the pair
_dmr_register dm "$name"
check "kernel found nothing to repair" bash -c "! dmesg | grep -q 'repaired metadata copies'"
check "remaps back" test "$(dmsetup message "$name" 0 list)" = "$want_list"
dmsetup mknodes "$name" >/dev/null 2>&1 || true
check "data back" test "$(md5_of "/dev/mapper/$name")" = "$want_data"
"$RCTL" remove "$name" >/dev/null
_dmr_forget dm "$name"

# No valid copy at all: nothing to repair from, nothing written.
for c in 0 1 2 3 4; do corrupt "$spare" "$c"; done
before=$(md5_of "$spare")
expect_rc 4 metadata verify "$spare"
expect_rc 4 metadata repair "$spare"
check "hopeless spare left byte-identical" test "$(md5_of "$spare")" = "$before"
expect_rc 4 metadata dump "$spare"
finish
