#!/bin/bash
# vm-kernels: one (make test runs it on one kernel, the kernels taking turns; make test-long on all)
# The scanner counts a read as slow only if the device was idle during it:
# a read that waited behind foreground I/O says nothing about the block,
# and with marginal_remap_percent=100 a block wrongly found slow twice would
# be moved (spare blocks are never reused).  Sectors 0-7 of main are slow
# for every read (dm-delay, +400 ms): while fio reads elsewhere on the
# device, a pass that starts at them must not warn or move anything; once
# the device is idle, a pass finds exactly those 8 blocks.
. "$(dirname "$0")/remap-lib.sh"
load_module
modprobe dm-delay
scan_test_settings 100
disk=$(mkloop 16 random)
size=$(sectors "$disk")
main=$(dm_create main0 "0 8 delay $disk 0 400 $disk 0 0
8 $((size - 8)) linear $disk 8")
spare=$(mkloop 8)
dev=$(mk_remap r0 "$main" "$spare")

# Busy: fio reads 1-16 MiB while a pass starts at the slow sectors.
fio --name=busy --filename="$dev" --ioengine=libaio --direct=1 --iodepth=4 \
    --rw=randread --bs=4k --offset=1M --time_based --runtime=20 --output=/tmp/fio.out &
fio_pid=$!
# Start the pass only once fio's reads are flowing (a slow guest may take
# seconds to start fio; a pass started idle would rightly classify).
r0=$(field r0 reads)
for _ in $(seq 100); do (($(field r0 reads) > r0 + 200)) && break; sleep 0.1; done
check "fio's reads are flowing" test "$(field r0 reads)" -gt $((r0 + 200))
dmsetup message r0 0 scan >/dev/null
for _ in $(seq 60); do (($(field r0 scan_cursor) > 8)) && break; sleep 0.5; done
check "the busy pass read past the slow sectors" test "$(field r0 scan_cursor)" -gt 8
wait $fio_pid || fail "fio failed"
expect_field r0 scan_warnings 0
expect_field r0 remapped 0
expect_field r0 spare_used 0
check "no block called marginal" bash -c "! dmesg | grep -q 'marginal'"

# Idle: the next pass finds exactly the slow sectors and moves them.
for _ in $(seq 240); do [[ $(field r0 scan_passes) == 1 ]] && break; sleep 0.5; done
expect_field r0 scan_passes 1
dmsetup message r0 0 scan >/dev/null
for _ in $(seq 240); do [[ $(field r0 scan_passes) == 2 ]] && break; sleep 0.5; done
expect_field r0 scan_passes 2
check "idle pass: the 8 slow blocks warned" test "$(field r0 scan_warnings)" -ge 8
check "idle pass: exactly they moved" grep -qx "lblock=0 len=8 sblock=0 flags=remapped" <<<"$(dmsetup message r0 0 list)"
finish
