#!/bin/bash
# Suspend and reload windows:
#  1. While suspended, `remap` and `scan` are refused with EBUSY and change
#     nothing.
#  2. A reloaded table whose resume failed holds the constructor's snapshot
#     of the metadata: a `remap` there would hand out a spare block the old
#     table already used and overwrite its commit.  It must be refused, and
#     the next successful resume must see the old table's remaps.
#  3. A suspend that fails (interrupted while I/O is in flight) leaves the
#     device live, and its scanner too (presuspend_undo).
. "$(dirname "$0")/remap-lib.sh"
load_remap

main=$(mkloop 16 random)
sdisk=$(mkloop 8)
sp_table="0 $(sectors "$sdisk") linear $sdisk 0"
sp=$(dm_create sp0 "$sp_table")
dev=$(mk_remap r0 "$main" "$sp")
table=$(remap_table "$main" "$sp")

# --- 1 ---
dmsetup suspend r0
seq0=$(field r0 seq)
out=$(dmsetup message r0 0 remap 100 2>&1) && fail "remap accepted while suspended" ||
    pass "remap refused while suspended"
check "EBUSY" grep -q "Device or resource busy" <<<"$out"
dmsetup message r0 0 scan >/dev/null 2>&1 && fail "scan accepted while suspended" ||
    pass "scan refused while suspended"
check "refusal is logged" in_dmesg "message 'remap' refused"
check "nothing committed" test "$(field r0 seq)" = "$seq0"
dmsetup resume r0
check "remap works again after resume" dmsetup message r0 0 remap 100

# --- 2 ---
dmsetup load r0 <<<"$table"              # new table: metadata snapshot taken now
dmsetup message r0 0 remap 200 >/dev/null # the old table commits after that snapshot
want=$(dmsetup message r0 0 list)
data200=$(md5_of "$dev" 200 1)
dmsetup suspend r0
dmsetup suspend sp0 && dmsetup load sp0 <<<"0 $(sectors "$sdisk") error" && dmsetup resume sp0
if dmsetup resume r0 2>/dev/null; then fail "resume with an unreadable spare succeeded"; else
    pass "resume with an unreadable spare fails (new table live, not resumed)"
fi
dmsetup suspend sp0 && dmsetup load sp0 <<<"$sp_table" && dmsetup resume sp0
if dmsetup message r0 0 remap 300 >/dev/null 2>&1; then
    fail "remap accepted on a table whose resume failed"
else
    pass "remap refused on a table whose resume failed"
fi
dmsetup resume r0 && pass "second resume succeeds" || fail "second resume"
check "the old table's remaps survive" test "$(dmsetup message r0 0 list)" = "$want"
check "block 200 reads its data" test "$(md5_of "$dev" 200 1)" = "$data200"
check "metadata valid" meta_ok "$sdisk"

# --- 3 ---
m2=$(mkloop 16 random)
mq=$(dm_create mq0 "0 $(sectors "$m2") linear $m2 0")
s2=$(mkloop 8)
dev1=$(mk_remap r1 "$mq" "$s2")
dmsetup suspend mq0 # writes to main now wait in mq0
put_sectors "$dev1" 0 8 &
w=$!
sleep 1
dmsetup suspend r1 &
s=$!
sleep 2
kill -TERM $s
if wait $s; then fail "suspend of r1 was not interrupted"; else pass "suspend of r1 interrupted"; fi
dmsetup resume mq0
wait $w && pass "held write completed" || fail "held write failed"
check "r1 is live" grep -q "ACTIVE" <<<"$(dmsetup info r1)"
dmsetup message r1 0 scan >/dev/null
for _ in $(seq 120); do [[ $(field r1 scan_passes) == 1 ]] && break; sleep 0.5; done
expect_field r1 scan_passes 1
finish
