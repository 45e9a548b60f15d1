#!/bin/bash
# A main that fails every write but still reads (issue 21, item 8: an NVMe
# gone read-only, a disk out of spare sectors) passes the read probe of a
# failed device.  It must not eat the spare:
#  1. every write fails on main, reads work: after DMR_WRITE_PROBE_EVERY
#     (32) blocks remapped for write errors with no write working in
#     between, probe writes elsewhere fail too: main_state=ro, one log
#     line, later writes fail with EIO and take no spare block; reads of
#     main and reads and writes of remapped blocks keep working; a write
#     that works once main takes writes again ends it (main_state=ok).
#  2. a bad region of 40 blocks written alone (nothing else writes): the
#     probe writes elsewhere work, so all 40 are remapped, main_state=ok.
. "$(dirname "$0")/remap-lib.sh"
load_remap
modprobe dm-delay

EVERY=32 # DMR_WRITE_PROBE_EVERY
one() { # one SECTOR FILE: one direct write of a sector
    dd if="$2" of="$dev" bs=512 seek="$1" count=1 oflag=direct conv=notrunc status=none 2>/dev/null
}
head -c 512 /dev/urandom >/tmp/w.bin
new=$(md5sum </tmp/w.bin | cut -d' ' -f1)

# --- 1: main refuses every write --------------------------------------------------------
size=$((32 * 2048))
disk=$(mkloop 32 random)
err=$(dm_create err0 "0 $size error")
main=$(dm_create main0 "$(write_only_bad_table "$disk" "$err" "$size" "0:$size")")
spare=$(mkloop 16)
dev=$(mk_remap r0 "$main" "$spare")
ok=0 failed=0
for i in $(seq 1 40); do
    if one $((i * 100)) /tmp/w.bin; then ok=$((ok + 1)); else failed=$((failed + 1)); fi
done
log "40 writes to distinct blocks: $ok acknowledged, $failed failed"
check "the first $((EVERY - 1)) writes were remapped and acknowledged" test "$ok" -eq $((EVERY - 1))
expect_field r0 remapped $((EVERY - 1))
expect_field r0 main_state ro
expect_field r0 mode rw
check "one log line says main refuses writes" in_dmesg "refuses writes"
check "a remapped block reads what was written" test "$(md5_of "$dev" 100 1)" = "$new"
check "a block never written reads main's data" test "$(md5_of "$dev" 150 1)" = "$(md5_of "$disk" 150 1)"
for i in $(seq 41 60); do one $((i * 100)) /tmp/w.bin && fail "write to sector $((i * 100)) acknowledged on a main that refuses writes"; done
expect_field r0 remapped $((EVERY - 1))
check "a write to a remapped block works" one 200 /tmp/w.bin
check "...and reads back" test "$(md5_of "$dev" 200 1)" = "$new"
# main takes writes again: the next write that works on main ends the state
dmsetup load main0 --table "0 $size linear $disk 0"
dmsetup suspend main0
dmsetup resume main0
check "a write after main recovered is acknowledged" one 5000 /tmp/w.bin
expect_field r0 main_state ok
check "a log line says main takes writes again" in_dmesg "takes writes again"
check "...and the write is on main" test "$(md5_of "$disk" 5000 1)" = "$new"
expect_field r0 remapped $((EVERY - 1))
dm_remove r0

# --- 2: a bad region written alone is not a main that refuses writes ------------------------
disk=$(mkloop 32 random)
err=$(dm_create err1 "0 $size error")
main=$(dm_create main1 "$(write_only_bad_table "$disk" "$err" "$size" "20000:64")")
spare=$(mkloop 16)
dev=$(mk_remap r1 "$main" "$spare")
ok=0
for i in $(seq 0 39); do one $((20000 + i)) /tmp/w.bin && ok=$((ok + 1)); done
check "40 writes into the bad region all acknowledged" test "$ok" -eq 40
expect_field r1 remapped 40
expect_field r1 main_state ok
check "the probe writes left the data of the blocks they rewrote alone (before the region)" \
    test "$(md5_of "$dev" 0 20000)" = "$(md5_of "$disk" 0 20000)"
check "...and after it" \
    test "$(md5_of "$dev" 20064 $((size - 20064)))" = "$(md5_of "$disk" 20064 $((size - 20064)))"
finish
