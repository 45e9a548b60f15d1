#!/bin/bash
# Metadata redundancy: with any 1-4 of the 5 copies corrupted the device
# activates with its remaps and all 5 copies are valid again; a stale copy
# (older sequence) loses to newer ones and is rewritten; with all 5 corrupt
# activation is refused and the spare is left byte-identical.
. "$(dirname "$0")/remap-lib.sh"
load_remap

main=$(mkloop 8 random)
spare=$(mkloop 6)
copies=(0 1024 2048 4096 8192)
mk_remap r0 "$main" "$spare" >/dev/null
for s in 100 101 102 5000 7777; do dmsetup message r0 0 remap "$s" >/dev/null; done
want_list=$(dmsetup message r0 0 list)
want_data=$(md5_of /dev/mapper/r0)
dm_remove r0
check "5 valid copies to start with" meta_ok "$spare"

corrupt() { # corrupt COPY: 4 KiB of garbage over the copy's header
    dd if=/dev/urandom of="$spare" bs=512 seek="${copies[$1]}" count=8 \
        oflag=direct conv=notrunc status=none
}
for mask in $(seq 1 30); do
    set_desc=""
    for c in 0 1 2 3 4; do
        if ((mask & (1 << c))); then corrupt "$c"; set_desc+="$c"; fi
    done
    ((${#set_desc} == 5)) && continue
    if ! dev=$(mk_remap r0 "$main" "$spare" 2>/dev/null); then
        fail "copies {$set_desc} corrupt: activation refused"
        continue
    fi
    ok=1
    [[ $(dmsetup message r0 0 list) == "$want_list" ]] || ok=0
    [[ $(md5_of "$dev") == "$want_data" ]] || ok=0
    dm_remove r0
    meta_ok "$spare" || ok=0
    if ((ok)); then pass "copies {$set_desc} corrupt: remaps and data intact, all 5 repaired"; else
        cat /tmp/meta-verify.out
        fail "copies {$set_desc} corrupt"
    fi
done
check "repairs are logged" in_dmesg "repaired metadata copies"

# Stale copy: save copy 3 at seq N, commit a new remap (N+1), put the old one back.
dd if="$spare" of=/tmp/copy3 bs=512 skip=4096 count=1024 iflag=direct status=none
mk_remap r0 "$main" "$spare" >/dev/null
dmsetup message r0 0 remap 9000 >/dev/null
want_list=$(dmsetup message r0 0 list)
dm_remove r0
dd if=/tmp/copy3 of="$spare" bs=512 seek=4096 oflag=direct conv=notrunc status=none
check "old copy 3 is detected as stale" grep -q "copy 3 .*(stale)" <(
    "$DMR_META" verify "$spare" || true
)
mk_remap r0 "$main" "$spare" >/dev/null
check "newest sequence wins over a stale copy" test "$(dmsetup message r0 0 list)" = "$want_list"
dm_remove r0
check "stale copy rewritten" meta_ok "$spare"

# Only copy 4 (the last written) survives: still enough.
for c in 0 1 2 3; do corrupt "$c"; done
mk_remap r0 "$main" "$spare" >/dev/null
check "activates from copy 4 alone" test "$(dmsetup message r0 0 list)" = "$want_list"
dm_remove r0

# All five corrupt: refused, nothing written.  Garbage over every header
# is indistinguishable from foreign data; damage behind intact signatures is
# reported as corruption.  Either way nothing is written.
refused() { # refused WHY: activation fails, dmesg says WHY, devices unchanged
    local before mbefore
    before=$(md5_of "$spare")
    mbefore=$(md5_of "$main")
    if dmsetup create r0 --table "$(remap_table "$main" "$spare")" 2>/dev/null; then
        _dmr_register dm r0
        fail "activation succeeded ($1)"
        return
    fi
    check "refused: $1" in_dmesg "$1"
    check "spare byte-identical after refusal ($1)" test "$(md5_of "$spare")" = "$before"
    check "main byte-identical after refusal ($1)" test "$(md5_of "$main")" = "$mbefore"
}
for c in 0 1 2 3 4; do # sector 1 of each copy holds its extents
    dd if=/dev/urandom of="$spare" bs=512 seek=$((copies[c] + 1)) count=1 \
        oflag=direct conv=notrunc status=none
done
refused "All 5 metadata copies on the spare are corrupt"
for c in 0 1 2 3 4; do corrupt "$c"; done
refused "Spare holds foreign data"
finish
