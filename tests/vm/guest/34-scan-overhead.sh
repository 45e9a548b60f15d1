#!/bin/bash
# vm-kernels: one (a long measurement: make test runs it on one kernel, make test-long on all)
# vm-alone (timing: a VM running beside it made its ratio fail; run-suite.sh runs it by itself)
# vm-long-only (a 3 min timing measurement with a thin margin: make test-long runs it, make test not)
# Scanner overhead on foreground I/O: fio 4 KiB random reads at depth 32 on
# a RAM disk, with the scanner active at its default rate vs paused, in
# interleaved rounds (alternating order).
# Asserted (deterministic counts): the scanner really ran in every "on"
# round and paused in every "off" round, and the bytes it read while fio
# was busy are under 1% of what fio read (busy, it paces itself to
# scan_rate_min_kib, default 128 KiB/s).  Reported: the median on/off IOPS ratio and its spread; under
# TCG that timing noise is +-20% per round, so only a gross regression
# (ratio of medians < 0.90) fails the test.
# vm-timeout: 600
. "$(dirname "$0")/remap-lib.sh"
load_module
h=/sys/kernel/dm-remap-v4/health
rounds=${ROUNDS:-10}
# The idle pace would finish the 256 MiB pass in the idle second between
# rounds: cap it (36-scan-rate measures it), so every round has a pass to run.
echo 4096 >$h/scan_rate_max_kib
modprobe brd rd_nr=2 rd_size=$((256 * 1024))
dev=$(mk_remap r0 /dev/ram0 /dev/ram1)
fio --name=fill --filename="$dev" --rw=write --bs=1M --direct=1 --size=256M \
    --output=/dev/null
# Start a pass by hand, then re-activate: the interrupted pass continues as
# an automatic one, which health_scanning pauses and resumes.
echo 0 >$h/health_scanning
dmsetup message r0 0 scan >/dev/null
sleep 2
dm_remove r0
dev=$(mk_remap r0 /dev/ram0 /dev/ram1)
check "pass interrupted at block $(field r0 scan_cursor)" test "$(field r0 scan_cursor)" -gt 0

# round: one 5 s fio run of random reads; sets v (IOPS), the scan cursor
# c0/c1 sampled about 2 s apart once fio's reads are flowing (only busy time
# counts) and dt, the time from before the first sample to after the second
# (on the slow debug kernel a `dmsetup status` takes a good part of a
# second: the 2 s of sleep alone undercount the interval).
round() {
    local r0 ta tb
    r0=$(field r0 reads)
    fio --name=rr --filename="$dev" --rw=randread --bs=4k --ioengine=libaio \
        --iodepth=32 --direct=1 --time_based --runtime=5 --randrepeat=0 \
        --output-format=json --output=/tmp/rr.json &
    local pid=$!
    for _ in $(seq 40); do (($(field r0 reads) > r0 + 1000)) && break; sleep 0.1; done
    ta=$(date +%s.%N)
    c0=$(field r0 scan_cursor)
    sleep 2
    c1=$(field r0 scan_cursor)
    tb=$(date +%s.%N)
    dt=$(awk -v a="$ta" -v b="$tb" 'BEGIN { printf "%.3f", b - a }')
    wait $pid
    v=$(/usr/bin/python3 -c 'import json; print(int(json.load(open("/tmp/rr.json"))["jobs"][0]["read"]["iops"]))')
}
declare -a on off
ran=0 idle=0 scanned=0 busy_s=0
for i in $(seq 1 "$rounds"); do
    order="1 0"
    ((i % 2 == 0)) && order="0 1"
    for s in $order; do
        echo "$s" >$h/health_scanning
        sleep 1
        round
        if ((s)); then
            on+=("$v")
            ((c1 > c0)) && ran=$((ran + 1))
            scanned=$((scanned + c1 - c0))
            busy_s=$(awk -v a="$busy_s" -v b="$dt" 'BEGIN { printf "%.3f", a + b }')
        else
            off+=("$v")
            ((c1 == c0)) && idle=$((idle + 1))
        fi
    done
    log "round $i: on=${on[-1]} off=${off[-1]} IOPS"
done
echo 0 >$h/health_scanning
check "scanner advanced in every 'on' round ($ran/$rounds)" test "$ran" = "$rounds"
check "scanner paused in every 'off' round ($idle/$rounds)" test "$idle" = "$rounds"
result=$(/usr/bin/python3 - "${on[*]}" "${off[*]}" <<'PY'
import statistics, sys
on = [float(x) for x in sys.argv[1].split()]
off = [float(x) for x in sys.argv[2].split()]
r = sorted(a / b for a, b in zip(on, off))
print(f"{statistics.median(r):.3f} {r[0]:.3f} {r[-1]:.3f} "
      f"{statistics.median(on) / statistics.median(off):.3f} {sum(on):.0f}")
PY
)
read -r median lo hi ratio_of_medians on_iops_sum <<<"$result"
# Scanner bytes vs foreground bytes over the sampled intervals of the "on"
# rounds (fio's mean IOPS of each round times the mean interval).
share=$(/usr/bin/python3 -c "print(f'{$scanned * 512 / ($on_iops_sum * $busy_s / $rounds * 4096) * 100:.3f}')")
log "scanner overhead: median per-round IOPS ratio on/off = $median (min $lo, max $hi), ratio of medians = $ratio_of_medians, $rounds rounds"
log "scanner read $scanned blocks in the 'on' rounds = $share% of the foreground bytes"
[[ -n ${DMR_OUT:-} ]] && echo "median=$median min=$lo max=$hi ratio_of_medians=$ratio_of_medians io_share_pct=$share rounds=$rounds" >"$DMR_OUT/scan-overhead.txt"
# Busy, the scanner paces itself to scan_rate_min_kib; that is under 1% of
# the foreground bytes only when fio moves at least 100x the min rate.  On
# a slow kernel (the lockdep/KASAN build under TCG: a few hundred IOPS)
# check the pace itself instead: at most the min rate plus one 64 KiB
# chunk per sampled interval (a chunk read across its start).
min_kib=$(cat $h/scan_rate_min_kib)
fio_kib=$((on_iops_sum * 4 / rounds))
scan_kib=$(awk -v s="$scanned" -v t="$busy_s" 'BEGIN { printf "%d", s / 2 / t }')
slack_kib=$(awk -v t="$busy_s" -v r="$rounds" 'BEGIN { printf "%d", 64 * r / t }')
log "fio $fio_kib KiB/s, scanner $scan_kib KiB/s while busy over ${busy_s} s sampled (min rate $min_kib KiB/s)"
if ((fio_kib >= 100 * min_kib)); then
    check "scanner I/O while busy is under 1% of foreground I/O ($share%)" /usr/bin/python3 -c "import sys; sys.exit(0 if $share < 1 else 1)"
else
    log "fio is under 100x the min rate on this kernel: checking the busy pace, not the 1% share"
    check "scanner pace while busy ($scan_kib KiB/s) is at most the min rate + one chunk per sample ($slack_kib KiB/s)" \
        test "$scan_kib" -le $((min_kib + slack_kib))
fi
check "no gross slowdown (ratio of medians $ratio_of_medians >= 0.90)" /usr/bin/python3 -c "import sys; sys.exit(0 if $ratio_of_medians >= 0.90 else 1)"
finish
