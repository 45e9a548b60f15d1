#!/bin/bash
# vm-smp: 2 (races and concurrency: with VM_PARALLEL=1 it runs alone, with 2 vCPUs)
# Short stress: concurrent writers hitting bad sectors (concurrent remaps),
# suspend/resume and table reloads under I/O, a message flood, then spare
# exhaustion.  Data is verified by fio; the harness checks dmesg.
. "$(dirname "$0")/remap-lib.sh"
load_remap
modprobe dm-delay

size=$((64 * 2048))
disk=$(mkloop 64)
spare=$(mkloop 16)
err=$(dm_create err0 "0 $size error")
main=$(dm_create main0 "0 $size linear $disk 0")
dev=$(mk_remap r0 "$main" "$spare")

# 4 writers, one per 16 MiB region, each region with its own bad ranges.
bad=""
for j in 0 1 2 3; do
    for k in 1 2 3 4 5; do bad+=" $((j * 32768 + k * 5000 + j)):$((k + 1))"; done
done
swap_table main0 "$(write_only_bad_table "$disk" "$err" "$size" "$bad")"
fio --name=stress --filename="$dev" --ioengine=libaio --direct=1 --iodepth=8 \
    --rw=randwrite --bsrange=512-64k --blockalign=512 --numjobs=4 --size=16M \
    --offset_increment=16M --verify=crc32c --do_verify=1 --verify_fatal=1 \
    --randrepeat=0 --group_reporting --output=/tmp/fio-stress.out &
fio_pid=$!

# Meanwhile: suspend/resume, reloads with the same table, messages.
table=$(dmsetup table r0)
for i in $(seq 1 5); do
    dmsetup suspend r0
    sleep 0.2
    dmsetup resume r0
    dmsetup reload r0 --table "$table"
    dmsetup resume r0
done &
ctl_pid=$!
for i in $(seq 1 100); do
    dmsetup message r0 0 list >/dev/null
    dmsetup message r0 0 help >/dev/null
    dmsetup message r0 0 bogus >/dev/null 2>&1 || true
    dmsetup status r0 >/dev/null
done &
msg_pid=$!
wait "$ctl_pid" && pass "suspend/resume/reload loop" || fail "suspend/resume/reload loop"
wait "$msg_pid" && pass "message flood" || fail "message flood"
if wait "$fio_pid"; then pass "4 concurrent fio verify writers: no errors"; else
    cat /tmp/fio-stress.out
    fail "fio verify under stress"
fi
nbad=0
for r in $bad; do nbad=$((nbad + ${r#*:})); done
expect_field r0 remapped "$nbad"
check "metadata valid after stress" bash -c "dmsetup suspend r0 && $DMR_META verify $spare; rc=\$?; dmsetup resume r0; exit \$rc"
dm_remove r0

# Spare exhaustion: a spare with room for 3072 blocks, 3100 bad sectors.
dm_remove main0
small=$(mkloop 6) # 12288 sectors: data area = 12288 - 9216 = 3072 blocks
main=$(mk_linear_with_errors main1 "$disk" "$size" "10000:3100")
dev=$(mk_remap r1 "$main" "$small")
dd if=/dev/urandom of=/tmp/first bs=512 count=100 status=none
put_sectors "$dev" 10000 100 /tmp/first
# 20 KiB writes (3000 sectors = 75 of them: no short last block, which dd
# would write through the page cache): each bio is narrowed down to its bad
# blocks in one worker pass.
if dd if=/dev/urandom of="$dev" bs=20k seek=$((10100 * 512)) count=$((3000 * 512)) \
    oflag=direct,seek_bytes iflag=count_bytes,fullblock conv=notrunc status=none 2>/dev/null; then fail "writes beyond spare capacity succeeded"; else
    pass "writes beyond spare capacity fail with EIO"
fi
expect_field r1 spare_free 0
check "exhaustion is logged" in_dmesg "spare device is full"
check "data remapped before exhaustion intact" test "$(read_sectors "$dev" 10000 100 | md5sum)" = "$(md5sum </tmp/first)"
check "healthy blocks still writable" put_sectors "$dev" 0 64
check "healthy blocks still readable" read_sectors "$dev" 0 64 >/dev/null
expect_field r1 mode rw
check "remap failures counted" test "$(field r1 remap_failures)" -gt 0
dm_remove r1
check "metadata valid after exhaustion" meta_ok "$small"
finish
