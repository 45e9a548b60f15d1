#!/bin/bash
# vm-kernels: one (make test runs it on one kernel, the kernels taking turns; make test-long on all)
# The health scanner really reads the main device: unreadable sectors it
# finds are narrowed down to exactly those blocks, which become pending (and
# are remapped by the next write).  Remapped blocks are not re-read.
. "$(dirname "$0")/remap-lib.sh"
load_module
echo 1048576 >/sys/kernel/dm-remap-v4/health/scan_rate_kib
# Slowness is 32's subject: a high threshold keeps the health score about
# the errors alone on slow kernels (the debug kernel under TCG).
echo 2000 >/sys/kernel/dm-remap-v4/health/scan_warn_ms

size=$((32 * 2048))
disk=$(mkloop 32 random)
spare=$(mkloop 8)
main=$(mk_linear_with_errors bad0 "$disk" "$size" "3000:1 7000:5 20000:16")
dev=$(mk_remap r0 "$main" "$spare")
# A remapped block with a bad main location must not be reported again.
dmsetup message r0 0 remap 3000 >/dev/null

check "scan message accepted" grep -q "health scan started" <<<"$(dmsetup message r0 0 scan)"
for _ in $(seq 240); do [[ $(field r0 scan_passes) == 1 ]] && break; sleep 0.5; done
expect_field r0 scan_passes 1
expect_field r0 scan_errors 21
expect_field r0 pending 21
expect_field r0 remapped 1
dmsetup message r0 0 list | tee /tmp/list
check "block 3000 stays remapped (unreadable, never re-read)" grep -qx "lblock=3000 len=1 sblock=0 flags=unreadable" /tmp/list
check "blocks 7000-7004 pending" grep -qx "lblock=7000 len=5 sblock=- flags=pending" /tmp/list
check "blocks 20000-20015 pending" grep -qx "lblock=20000 len=16 sblock=- flags=pending" /tmp/list
check "nothing else listed" test "$(wc -l </tmp/list)" = 3
# 21 pending and 1 unreadable block: at most 40 (include/dm-remap/health.h);
# the error rate 21/32768 is below 0.1%.
expect_field r0 health 40
check "health in sysfs" test "$(cat $(dev_dir r0)/health)" = 40
check "health_stats counts the errors" grep -q " errors=21 " /sys/kernel/dm-remap-v4/stats/health_stats
put_sectors "$dev" 7000 5
expect_field r0 pending 16
expect_field r0 remapped 6
dm_remove r0
dev=$(mk_remap r0 "$main" "$spare")
expect_field r0 scan_passes 1
expect_field r0 scan_errors 21
finish
