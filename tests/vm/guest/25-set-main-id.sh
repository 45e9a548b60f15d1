#!/bin/bash
# The set_main_id message (what remapd sends to adopt a pair made by a bare
# dmsetup): a spare the constructor formatted records no main identity;
# set_main_id records one through a normal commit, once.  Bad arguments,
# a second different identity and a suspended device are refused and
# change nothing; the same identity again is a no-op; the identity
# survives remove + create (reassembly) and is on every copy.
. "$(dirname "$0")/remap-lib.sh"
load_remap

main_id() { "$DMR_META" dump "$1" | sed -n 's/^main_id: //p'; }

main=$(mkloop 32 random)
spare=$(mkloop 16)
dev=$(mk_remap r0 "$main" "$spare")
check "a kernel-formatted spare records no main identity" test -z "$(main_id "$spare")"
dmsetup message r0 0 remap 100 >/dev/null || die "remap 100"
data=$(md5_of "$dev")
seq0=$(field r0 seq)

# Bad arguments: refused, no commit, nothing recorded.
long=$(printf 'x%.0s' {1..64})
for msg in "set_main_id" "set_main_id a b" "set_main_id $long" "set_main_id caf$(printf '\xc3\xa9')" \
    "set_main_id a$(printf '\x01')b"; do
    # shellcheck disable=SC2086
    if dmsetup message r0 0 $msg >/dev/null 2>&1; then
        fail "message '$msg' accepted"
    else
        pass "message '${msg:0:30}...' refused"
    fi
done
check "refused set_main_id: no commit" test "$(field r0 seq)" = "$seq0"
check "refused set_main_id: nothing recorded" test -z "$(main_id "$spare")"
check "bad argument logged" in_dmesg "set_main_id: identity must be 1-63 characters, got 64"
check "bad byte logged" in_dmesg "set_main_id: identity must be printable ASCII"

# Suspended: refused (the next resume may load another table's metadata).
dmsetup suspend r0
if dmsetup message r0 0 set_main_id loop:/x:65536:512 >/dev/null 2>&1; then
    fail "set_main_id accepted while suspended"
else
    pass "set_main_id refused while suspended"
fi
dmsetup resume r0
check "suspended: nothing recorded" test -z "$(main_id "$spare")"

# 63 characters (the longest) with a backslash, escaped as dmsetup needs.
id='loop:/tmp/a\b-'$(printf 'y%.0s' {1..40})':65536:512'
id=${id:0:63}
out=$(dmsetup message r0 0 set_main_id "${id//\\/\\\\}")
log "set_main_id: $out"
check "set_main_id reports the identity" test "$out" = "main identity set to $id"
check "one commit" test "$(field r0 seq)" = "$((seq0 + 1))"
check "identity on the spare" test "$(main_id "$spare")" = "$id"
check "every copy valid and current" meta_ok "$spare"
check "recording logged" in_dmesg "r0: recorded main identity"

# Once: the same identity is a no-op, another one is refused.
out=$(dmsetup message r0 0 set_main_id "${id//\\/\\\\}")
check "same identity again: no-op" test "$out" = "main identity already $id"
check "same identity again: no commit" test "$(field r0 seq)" = "$((seq0 + 1))"
if dmsetup message r0 0 set_main_id other:1:512 >/dev/null 2>&1; then
    fail "a second, different identity accepted"
else
    pass "a second, different identity refused"
fi
check "refusal logged" in_dmesg "already records main identity"
check "identity unchanged" test "$(main_id "$spare")" = "$id"
check "help names set_main_id" grep -q "set_main_id <id>" <<<"$(dmsetup message r0 0 help)"

# Reassembly keeps the identity, the remap and the data.
list=$(dmsetup message r0 0 list)
dm_remove r0
dev=$(mk_remap r0 "$main" "$spare")
check "identity survives remove + create" test "$(main_id "$spare")" = "$id"
out=$(dmsetup message r0 0 set_main_id "${id//\\/\\\\}")
check "reloaded device knows its identity" test "$out" = "main identity already $id"
check "remaps survive" test "$(dmsetup message r0 0 list)" = "$list"
check "data survives" test "$(md5_of "$dev")" = "$data"
finish
