#!/bin/bash
# vm-kernels: one (make test runs it on one kernel, the kernels taking turns; make test-long on all)
# A block the scanner once found slow is not "marginal" for ever (issue 21,
# item 9).  The scanner's memory of slow blocks ends with the pass, and the
# second read that makes a block marginal is made at the end of the pass,
# after the rest of the disk was read (a read at once would come from the
# drive's cache; the block layer refuses REQ_FUA on a read).
#
#  1. Block X is slow only while the pass reads it (the load that made it
#     slow is gone by the end of the pass): a warning, not moved.
#  2. The same in a second pass (a day later): a second warning, still not
#     moved (the old code remembered pass 1 and moved it here; with the
#     immediate re-read it moved it in pass 1 already).
#  3. X slow for the whole pass: marginal, moved with its data.
#  4. Block Y slow for the whole pass, but the disk is busy when the pass
#     ends: the second read waits for an idle second (a read under load
#     says nothing), then Y is moved.
. "$(dirname "$0")/remap-lib.sh"
load_module
modprobe dm-delay
scan_test_settings 100
# A 32 MiB pass at 4 MiB/s takes ~8 s: time to take the slowness away after
# the warning and before the pass ends.
echo 4096 >/sys/kernel/dm-remap-v4/health/scan_rate_max_kib

size=$((32 * 2048))
x=2048 y=4096
disk=$(mkloop 32 random)
spare=$(mkloop 8)
slow_block=$x
table() { # table slow|fast: $slow_block slow (reads +250 ms) or not
    local b=$slow_block
    echo "0 $b linear $disk 0"
    if [[ $1 == slow ]]; then
        echo "$b 1 delay $disk $b 250 $disk $b 0"
    else
        echo "$b 1 linear $disk $b"
    fi
    echo "$((b + 1)) $((size - b - 1)) linear $disk $((b + 1))"
}
main=$(dm_create main0 "$(table fast)")
dev=$(mk_remap r0 "$main" "$spare")
want=$(md5_of "$dev" $x 1)

# one_pass N SLOWNESS: run pass N with $slow_block slow; "once" takes the
# slowness away as soon as the pass warned about it, "always" leaves it,
# "busy-end" leaves it and reads r0 elsewhere from then until after the
# pass's end.
one_pass() {
    local n=$1 how=$2 w0 fio_pid=
    w0=$(field r0 scan_warnings)
    swap_table main0 "$(table slow)"
    sleep 2 # idle: a read made busy says nothing about slowness
    dmsetup message r0 0 scan >/dev/null
    if [[ $how != always ]]; then
        local t0=$SECONDS
        while ((SECONDS - t0 < 40)) && (($(field r0 scan_warnings) <= w0)); do sleep 0.1; done
        [[ $how == once ]] && swap_table main0 "$(table fast)"
        check "pass $n: block $slow_block warned before the pass ended" \
            test "$(field r0 scan_passes)" -lt "$n"
    fi
    if [[ $how == busy-end ]]; then
        # Busy, the pass goes on at the min rate: make it as fast as idle.
        # (Not before: the first second of a pass after foreground I/O is
        # busy, and it would read Y without timing it.)
        # Until fio's reads flow, the pass crawls (1 KiB/s): on the debug
        # kernel fio took long enough to start that the pass ended, idle,
        # before it.  fio stays busy until the checks below are done.
        local h=/sys/kernel/dm-remap-v4/health reads0
        echo 1 >$h/scan_rate_min_kib # min <= max, or sysfs refuses
        echo 1 >$h/scan_rate_max_kib
        reads0=$(field r0 reads)
        fio --name=busy --filename="$dev" --ioengine=libaio --direct=1 --iodepth=2 \
            --rw=randread --bs=4k --offset=16M --size=8M --time_based --runtime=300 \
            --eta=never --output=/tmp/fio.out &
        fio_pid=$!
        flowing() { (($(field r0 reads) > reads0 + 100)); }
        wait_for 120 flowing || fail "pass $n: fio's reads never reached r0"
        echo 4096 >$h/scan_rate_max_kib
        echo 4096 >$h/scan_rate_min_kib
        at_end() { (($(field r0 scan_cursor) >= size)); }
        # (or complete: a pass that ends while busy starts the next at 0)
        end_or_done() { at_end || (($(field r0 scan_passes) >= n)); }
        wait_for 240 end_or_done || true
        at_end_busy() { at_end && kill -0 $fio_pid; }
        check "pass $n: the pass read to its end while fio ran" at_end_busy
        check "pass $n: ... and is not complete while the disk is busy" \
            test "$(field r0 scan_passes)" -lt "$n"
        kill $fio_pid 2>/dev/null || true
        wait $fio_pid 2>/dev/null || true
    fi
    for _ in $(seq 600); do [[ $(field r0 scan_passes) == "$n" ]] && break; sleep 0.2; done
    expect_field r0 scan_passes "$n"
    [[ $how == always ]] && swap_table main0 "$(table fast)"
    check "pass $n: one warning, for block $slow_block" test "$(field r0 scan_warnings)" = $((w0 + 1))
}
# A part gone wrong makes the later ones wait for what will not come: stop.
stop_on_failure() { ((_dmr_failures == 0)) || finish; }

one_pass 1 once
expect_field r0 remapped 0
check "pass 1: X not called marginal" bash -c "! dmesg | grep -q marginal"
stop_on_failure

one_pass 2 once
expect_field r0 remapped 0
check "pass 2: X slow once in each of two passes is not moved" bash -c "! dmesg | grep -q marginal"
stop_on_failure

one_pass 3 always
expect_field r0 remapped 1
check "pass 3: X slow at its read and at the end of the pass: moved" \
    grep -qx "lblock=$x len=1 sblock=0 flags=remapped" <<<"$(dmsetup message r0 0 list)"
check "X moved with its data" test "$(md5_of "$dev" $x 1)" = "$want"
stop_on_failure

slow_block=$y
want=$(md5_of "$dev" $y 1)
one_pass 4 busy-end
expect_field r0 remapped 2
check "pass 4: Y read again once the disk was idle, and moved" \
    grep -qx "lblock=$y len=1 sblock=1 flags=remapped" <<<"$(dmsetup message r0 0 list)"
check "Y moved with its data" test "$(md5_of "$dev" $y 1)" = "$want"
finish
