#!/bin/bash
# vm-smp: 2 (races and concurrency: with VM_PARALLEL=1 it runs alone, with 2 vCPUs)
# Stress for a bounded time (DMR_STRESS_SECONDS, default 60; `make test-long`
# runs 600): everything at once on one remap-v4 device --
#   * 4 fio verify writers (crc32c, 512 B - 128 KiB, iodepth 8), each
#     rewriting and verifying its own quarter of the device, in a loop;
#   * bad sectors appearing live: DMR_STRESS_BAD (default 1000) write-only bad
#     ranges of 1-4 sectors are added in DMR_STRESS_STEPS batches by
#     reloading the table of the main device's write path (reads keep
#     returning the old data, as on a real disk);
#   * suspend/resume and reloads of the same table of the remap device;
#   * a message flood: list, status, help, a bad message, clear_stats, scan,
#     and `remap` of random sectors (admin-marked bad blocks, moved while
#     the writers write them).
# Then one full-device fio verify pass writes every sector, so every bad
# sector must end up remapped, and the device is reassembled from its
# metadata with the same contents.  The harness checks dmesg.
. "$(dirname "$0")/remap-lib.sh"
load_remap
modprobe dm-delay

secs=${DMR_STRESS_SECONDS:-60}
nbad=${DMR_STRESS_BAD:-1000}
steps=${DMR_STRESS_STEPS:-10}
[[ $secs =~ ^[1-9][0-9]*$ && $nbad =~ ^[0-9]+$ && $steps =~ ^[1-9][0-9]*$ ]] ||
    die "bad DMR_STRESS_SECONDS/BAD/STEPS: $secs/$nbad/$steps"
log "stress: ${secs}s, $nbad bad ranges in $steps batches"

mb=128
size=$((mb * 2048))
((nbad <= size / 16)) || die "DMR_STRESS_BAD=$nbad: at most $((size / 16))"
disk=$(mkloop $mb)
spare=$(mkloop 64)
# main0 reads from the disk and writes through wmap0, which is the disk
# except for the bad ranges (error segments); flushes go to the disk.
wmap=$(dm_create wmap0 "0 $size linear $disk 0")
main=$(dm_create main0 "0 $size delay $disk 0 0 $wmap 0 0 $disk 0 0")
dev=$(mk_remap r0 "$main" "$spare")

# All bad ranges, in injection order: range j sits in a distinct 16-sector
# slot (a fixed pseudo-random permutation), 1-4 sectors at offset 0-11.
awk -v n="$nbad" -v slots=$((size / 16)) 'BEGIN {
    srand(4242)
    for (i = 0; i < slots; i++) p[i] = i
    for (j = 0; j < n; j++) {
        r = j + int(rand() * (slots - j)); t = p[j]; p[j] = p[r]; p[r] = t
        printf "%d:%d\n", p[j] * 16 + int(rand() * 12), 1 + int(rand() * 4)
    }
}' >/tmp/bad-all
check "bad ranges generated" test "$(wc -l </tmp/bad-all)" -eq "$nbad"

deadline=$((SECONDS + secs))
quarter=$((mb / 4))

# Writers: each pass rewrites a quarter at random and verifies it.
for j in 0 1 2 3; do
    (
        pass_no=0
        while ((SECONDS < deadline)); do
            pass_no=$((pass_no + 1))
            fio --name=w$j --filename="$dev" --ioengine=libaio --direct=1 --iodepth=8 \
                --rw=randwrite --bsrange=512-128k --blockalign=512 \
                --offset=$((j * quarter))M --size=${quarter}M \
                --verify=crc32c --do_verify=1 --verify_fatal=1 --randrepeat=0 \
                --output=/tmp/fio-w$j.out || { echo "writer $j pass $pass_no FAILED"; exit 1; }
        done
        echo "writer $j: $pass_no passes"
    ) &
    wpids+=($!)
done

# Injector: the bad ranges arrive in batches, batch k at k/(steps+1) of the
# run (later if building the table takes longer than that).
(
    t0=$SECONDS
    for ((k = 1; k <= steps; k++)); do
        while ((SECONDS < t0 + secs * k / (steps + 1))); do sleep 0.5; done
        head -n $((nbad * k / steps)) /tmp/bad-all >/tmp/bad-now
        swap_table wmap0 "$(linear_with_errors_table "$disk" "$size" "$(cat /tmp/bad-now)")"
        log "injected $(wc -l </tmp/bad-now) bad ranges"
    done
) &
inj_pid=$!

# Suspend/resume and same-table reloads of the remap device.
(
    table=$(dmsetup table r0)
    n=0
    while ((SECONDS < deadline)); do
        dmsetup suspend r0 || exit 1
        sleep 0.1
        dmsetup resume r0 || exit 1
        dmsetup reload r0 --table "$table" || exit 1
        dmsetup resume r0 || exit 1
        n=$((n + 1))
        sleep 0.5
    done
    echo "suspend/reload cycles: $n"
) &
ctl_pid=$!

# Message flood.  `remap` may fail only because the block is remapped
# already or (EBUSY) while the device is suspended; every other message
# must succeed, the bogus one must fail.
(
    n=0 bad_ok=0 r=0 busy=0
    : >/tmp/manual
    while ((SECONDS < deadline)); do
        dmsetup message r0 0 list >/dev/null || { echo "list failed"; exit 1; }
        dmsetup status r0 >/dev/null || { echo "status failed"; exit 1; }
        dmsetup message r0 0 help >/dev/null || { echo "help failed"; exit 1; }
        dmsetup message r0 0 clear_stats || { echo "clear_stats failed"; exit 1; }
        if dmsetup message r0 0 bogus 2>/dev/null; then bad_ok=$((bad_ok + 1)); fi
        # remap and scan are refused (EBUSY) while the suspend loop has the
        # device suspended; that is the only other refusal allowed.
        if ((n % 10 == 0)) && ! out=$(dmsetup message r0 0 scan 2>&1); then
            grep -q "Device or resource busy" <<<"$out" || { echo "scan failed: $out"; exit 1; }
            busy=$((busy + 1))
        fi
        s=$(((RANDOM * 32768 + RANDOM) % size))
        if out=$(dmsetup message r0 0 remap "$s" 2>&1); then
            echo "$s" >>/tmp/manual
            r=$((r + 1))
        elif grep -q "Device or resource busy" <<<"$out"; then
            busy=$((busy + 1))
        elif ! in_dmesg "remap: sector $s (block $s) is already remapped"; then
            echo "remap $s failed: $out"
            exit 1
        fi
        n=$((n + 1))
    done
    echo "message rounds: $n, manual remaps: $r, refused while suspended: $busy"
    ((bad_ok == 0)) || { echo "bogus message accepted $bad_ok times"; exit 1; }
) &
msg_pid=$!

for p in "${wpids[@]}"; do
    wait "$p" && pass "writer passes verified" || fail "a writer failed (see /tmp/fio-w*.out)"
done
wait "$inj_pid" && pass "bad sectors injected live" || fail "injector failed"
wait "$ctl_pid" && pass "suspend/resume/reload loop" || fail "suspend/resume/reload loop"
wait "$msg_pid" && pass "message flood" || fail "message flood"
for j in 0 1 2 3; do grep -q "err= 0" /tmp/fio-w$j.out || { cat /tmp/fio-w$j.out; fail "writer $j errors"; }; done

# Every sector written once more, sequentially (random writes with variable
# sizes do not cover every sector: fio turns its random map off for them),
# so every bad sector must end up remapped.
if fio_verify "$dev" --rw=write --bsrange=64k-64k; then pass "final full-device verify"; else
    cat /tmp/fio.out
    fail "final full-device verify"
fi
dmsetup message r0 0 list >/tmp/list
check "every injected bad sector is remapped" not_remapped /tmp/list </tmp/bad-all
check "every manual remap is listed" not_remapped /tmp/list </tmp/manual
total=$(awk -F'[ =]' '{ s += $4 } END { print s + 0 }' /tmp/list)
expect_field r0 remapped "$total"
expect_field r0 pending 0
expect_field r0 mode rw
log "remapped blocks: $total ($(wc -l </tmp/list) extents, $(wc -l </tmp/manual) manual)"
sum=$(md5_of "$dev")
dm_remove r0
check "metadata copies all valid" meta_ok "$spare"
dev=$(mk_remap r0 "$main" "$spare")
check "same data after reassembly" test "$(md5_of "$dev")" = "$sum"
expect_field r0 remapped "$total"
finish
