#!/bin/bash
# vm-kernels: one (make test runs it on one kernel, the kernels taking turns; make test-long on all)
# Scan progress is persistent: a scan stops while the device is suspended,
# its position is committed to the metadata, and after remove + create it
# resumes where it stopped instead of starting from zero.
. "$(dirname "$0")/remap-lib.sh"
load_module
h=/sys/kernel/dm-remap-v4/health
echo 0 >$h/health_scanning
echo 512 >$h/scan_rate_kib       # 64 MiB would take over 2 minutes

disk=$(mkloop 64 random)
spare=$(mkloop 8)
dev=$(mk_remap r0 "$disk" "$spare")
dmsetup message r0 0 scan >/dev/null
sleep 6
c1=$(field r0 scan_cursor)
check "scan is under way (cursor $c1)" test "$c1" -gt 0
expect_field r0 scan_active 1

dmsetup suspend r0
c2=$(field r0 scan_cursor)
sleep 3
check "no progress while suspended" test "$(field r0 scan_cursor)" = "$c2"
dmsetup resume r0
sleep 4
c3=$(field r0 scan_cursor)
check "progress again after resume ($c2 -> $c3)" test "$c3" -gt "$c2"

dm_remove r0
saved=$("$DMR_META" dump "$spare" | sed -n 's/^scan_cursor: //p')
check "cursor committed at removal ($saved)" test "$saved" -ge "$c3"
dev=$(mk_remap r0 "$disk" "$spare")
check "re-created device starts at the saved cursor" test "$(field r0 scan_cursor)" -ge "$saved"
echo 1048576 >$h/scan_rate_kib
# The interrupted pass continues by itself (no trigger, scanning off).
echo 1 >$h/health_scanning
for _ in $(seq 240); do [[ $(field r0 scan_passes) == 1 ]] && break; sleep 0.5; done
expect_field r0 scan_passes 1
scanned=$(sed -n 's/.* scanned=\([0-9]*\) .*/\1/p' $(dev_dir r0)/scan)
check "second activation scanned only the rest ($scanned = 131072 - $saved blocks)" test "$scanned" = $((131072 - saved))
dm_remove r0
check "completed pass committed" grep -qx "scan_passes: 1" <("$DMR_META" dump "$spare")
check "cursor back at 0 after the pass" grep -qx "scan_cursor: 0" <("$DMR_META" dump "$spare")
finish
