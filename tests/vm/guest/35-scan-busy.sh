#!/bin/bash
# The scanner must not call healthy blocks slow because its reads queued
# behind foreground I/O.  Main is a null_blk device that serves one request
# at a time, each in 20 ms: idle, a scan read is fast enough (an idle pass
# finds nothing slow); behind fio's 16 queued reads every read takes far
# longer than scan_warn_ms (fio's own latency shows it).  With
# marginal_remap_percent=100 a block wrongly found slow twice would be moved
# (and spare blocks are never reused), so: no warning, nothing moved.
. "$(dirname "$0")/remap-lib.sh"
load_module
h=/sys/kernel/dm-remap-v4/health
warn_ms=100
echo 0 >$h/health_scanning # no automatic pass; we trigger them
echo 1048576 >$h/scan_rate_kib
echo $warn_ms >$h/scan_warn_ms
echo 100 >$h/marginal_remap_percent
modprobe null_blk nr_devices=1 gb=1 queue_mode=2 submit_queues=1 hw_queue_depth=1 \
    irqmode=2 completion_nsec=20000000
main=$(dm_create nb0 "0 32768 linear /dev/nullb0 0") # 16 MiB of it
spare=$(mkloop 8)
dev=$(mk_remap r0 "$main" "$spare")

wait_pass() {
    for _ in $(seq 240); do [[ $(field r0 scan_passes) == "$1" ]] && break; sleep 0.5; done
    expect_field r0 scan_passes "$1"
}
dmsetup message r0 0 scan >/dev/null
wait_pass 1
check "idle pass: nothing slow" test "$(field r0 scan_warnings)" = 0

fio --name=busy --filename="$dev" --ioengine=libaio --direct=1 --iodepth=16 \
    --rw=randread --bs=4k --time_based --runtime=25 --output-format=json \
    --output=/tmp/fio.json &
fio_pid=$!
sleep 2
dmsetup message r0 0 scan >/dev/null
wait $fio_pid || fail "fio failed"
clat_ms=$(jq '.jobs[0].read.clat_ns.mean / 1000000 | floor' /tmp/fio.json)
log "fio read latency behind the queue: $clat_ms ms (scan_warn_ms $warn_ms)"
check "reads while busy are slower than scan_warn_ms" test "$clat_ms" -gt $warn_ms
check "the scanner read while fio was busy" test "$(field r0 scan_cursor)" -gt 0
expect_field r0 scan_warnings 0
expect_field r0 remapped 0
expect_field r0 spare_used 0
check "no block called marginal or moved" bash -c "! dmesg | grep -q 'marginal'"
finish
