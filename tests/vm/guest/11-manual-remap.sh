#!/bin/bash
# Manual remap (`dmsetup message ... remap <sector>`): the data is kept, later
# writes land on the spare at the listed spare block, and the main device's
# old location no longer changes.  Bad messages change nothing.
. "$(dirname "$0")/remap-lib.sh"
load_remap

main=$(mkloop 32 random)
spare=$(mkloop 16)
dev=$(mk_remap r0 "$main" "$spare")
before=$(md5_of "$dev")

out=$(dmsetup message r0 0 remap 1000)
log "remap: $out"
check "message reports the spare block" grep -q "remapped block 1000 to spare block 0" <<<"$out"
expect_field r0 remapped 1
check "data unchanged by the remap" test "$(md5_of "$dev")" = "$before"
list=$(dmsetup message r0 0 list)
check "list shows the extent" grep -qx "lblock=1000 len=1 sblock=0 flags=remapped" <<<"$list"

# The spare block holds the data, at data_start (9216) + sblock.
check "spare block holds the data" test "$(md5_of "$spare" 9216 1)" = "$(md5_of "$main" 1000 1)"
old_main=$(md5_of "$main" 1000 1)
put_sectors "$dev" 1000 1
new=$(md5_of "$dev" 1000 1)
check "new write readable" test "$new" != "$old_main"
check "new write landed on the spare" test "$(md5_of "$spare" 9216 1)" = "$new"
check "main's old location unchanged" test "$(md5_of "$main" 1000 1)" = "$old_main"

# A remap of a range next to it merges into one extent.
dmsetup message r0 0 remap 1001 >/dev/null
check "adjacent remaps merge into one extent" grep -qx "lblock=1000 len=2 sblock=0 flags=remapped" <<<"$(dmsetup message r0 0 list)"

# Bad messages: -EINVAL (dmsetup fails), nothing changes.
seq_before=$(field r0 seq)
list_before=$(dmsetup message r0 0 list)
for msg in "remap" "remap abc" "remap -1" "remap 65536" "remap 99999999999" "remap 1000" \
    "bogus" "list extra" "help me" "clear_stats now" ""; do
    # shellcheck disable=SC2086
    if dmsetup message r0 0 $msg >/dev/null 2>&1; then
        fail "message '$msg' accepted"
    else
        pass "message '$msg' refused"
    fi
done
check "refused messages changed nothing" test "$(dmsetup message r0 0 list)" = "$list_before"
check "no commit from refused messages" test "$(field r0 seq)" = "$seq_before"
check "help lists commands" grep -q "remap <sector>" <<<"$(dmsetup message r0 0 help)"
check "unknown message is logged" in_dmesg "unknown message 'bogus'"

# Data written before remaps survives remove + create.
after=$(md5_of "$dev")
dm_remove r0
dev=$(mk_remap r0 "$main" "$spare")
check "remaps persist across remove+create" test "$(dmsetup message r0 0 list)" = "$list_before"
check "data persists across remove+create" test "$(md5_of "$dev")" = "$after"
check "metadata copies all valid" meta_ok "$spare"
finish
