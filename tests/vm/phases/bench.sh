#!/bin/bash
# Guest half of tools/bench/run.sh (`make bench`).  Results go to $DMR_OUT
# as one line per measurement ("key=value ..."); tools/bench/report.py
# turns them into tables.
#
#   bench.sh io BACKING NREMAP   fio on remap-v4 vs dm-linear over the same
#                                main device (BACKING nullb: null_blk, no
#                                memory backing; loop: loop device over a
#                                sparse file in tmpfs), NREMAP blocks remapped
#                                by tools/bench/mkremaps (extents of 8 blocks,
#                                one every 800 blocks); fio is confined to the
#                                first 100*max(NREMAP,1000) blocks, so 4 KiB
#                                I/O hits a remapped block ~1% of the time.
#   bench.sh meta                activation time (empty and full table) and
#                                metadata commit latency (`dmsetup message
#                                remap`), spare on /dev/vda (a host file) and
#                                on a RAM loop device.
#
# Environment: BENCH_MKREMAPS (path of the mkremaps binary), ROUNDS (default
# 5), RUNTIME (seconds per fio run, default 3), NCOMMIT (remap messages
# timed per configuration, default 100), NACT (activations timed, default 7).
. "$(dirname "$0")/../guest/remap-lib.sh"

mode=${1:?io or meta}
out=${DMR_OUT:?needs --out}
rounds=${ROUNDS:-5}
runtime=${RUNTIME:-3}
mkremaps=${BENCH_MKREMAPS:?}
[[ -x $mkremaps ]] || die "no mkremaps at $mkremaps"
load_remap
# Timing noise from the kernel log on the serial console is not wanted.
dmesg -n 1

now_ns() { date +%s%N; }

# nullb NAME SIZE_MB MEMORY_BACKED: a null_blk device made through configfs; prints /dev/nullbN.
nullb() {
    local d=/sys/kernel/config/nullb/$1
    mkdir "$d" || die "configfs nullb $1"
    echo "$2" >"$d/size"
    echo 512 >"$d/blocksize"
    echo "$3" >"$d/memory_backed"
    echo 1 >"$d/power"
    # The disk is named after the configfs item on recent kernels.
    if [[ -e /sys/block/$1 ]]; then echo "/dev/$1"; else echo "/dev/nullb$(cat "$d/index")"; fi
}
setup_nullb() {
    modprobe null_blk nr_devices=0 || die "no null_blk"
    mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config
}
# sparse_loop SIZE_SECTORS: loop device over a sparse tmpfs file (no direct I/O).
sparse_loop() {
    local f
    modprobe loop 2>/dev/null || true
    f=$(mktemp /tmp/bench-loop.XXXXXX)
    _dmr_register file "$f"
    truncate -s $(($1 * 512)) "$f"
    dev=$(losetup --find --show "$f") || die "losetup"
    _dmr_register loop "$dev"
    echo "$dev"
}
io_stat() { # DEV: reads+writes completed
    awk '{ print $1 + $5 }' "/sys/block/$(basename "$(readlink -f "$1")")/stat"
}

case $mode in
    io)
        backing=${2:?nullb or loop}
        n=${3:?number of remapped blocks}
        region=$((100 * (n > 1000 ? n : 1000)))   # blocks = sectors (512 B)
        main_sectors=10000000                      # room for 100,000 remaps
        case $backing in
            nullb)
                setup_nullb
                main=$(nullb nbmain 4883 0)
                spare=$(nullb nbspare 64 1)
                ;;
            loop)
                main=$(sparse_loop "$main_sectors")
                spare=$(sparse_loop $((64 * 2048)))
                ;;
            *) die "unknown backing $backing" ;;
        esac
        msz=$(sectors "$main")
        ((msz >= region)) || die "main too small"
        if ((n > 0)); then
            "$mkremaps" "$spare" "$msz" "$n" || die "mkremaps failed"
        fi
        mk_remap r0 "$main" "$spare" >/dev/null
        dm_create l0 "0 $msz linear $main 0" >/dev/null
        [[ $(field r0 remapped) == "$n" ]] || die "remapped=$(field r0 remapped), expected $n"
        log "$backing, $n remapped blocks in $(field r0 extents) extents, fio region $((region / 2048)) MiB"
        # workload: name rw bs iodepth
        workloads=("randread-4k-qd1 randread 4k 1" "randread-4k-qd32 randread 4k 32"
                   "randwrite-4k-qd1 randwrite 4k 1" "randwrite-4k-qd32 randwrite 4k 32"
                   "seqread-128k-qd8 read 128k 8")
        for ((i = 1; i <= rounds; i++)); do
            for ((w = 0; w < ${#workloads[@]}; w++)); do
                read -r name rw bs qd <<<"${workloads[w]}"
                order="r0 l0"
                (((i + w) % 2 == 0)) && order="l0 r0"
                for dev in $order; do
                    s0=$(io_stat "$spare")
                    fio --name=b --filename="/dev/mapper/$dev" --ioengine=libaio --direct=1 \
                        --rw="$rw" --bs="$bs" --iodepth="$qd" --size=$((region * 512)) \
                        --time_based --runtime="$runtime" --ramp_time=0.5 \
                        --output-format=json --output=/tmp/fio.json >/dev/null ||
                        die "fio $name on $dev failed"
                    s1=$(io_stat "$spare")
                    read -r iops bw lat ios < <(/usr/bin/python3 -c '
import json, sys
j = json.load(open("/tmp/fio.json"))["jobs"][0]
t = j["read"] if j["read"]["io_bytes"] else j["write"]
print("%.1f %d %.1f %d" % (t["iops"], t["bw"], t["lat_ns"]["mean"] / 1000, t["total_ios"]))')
                    echo "backing=$backing remaps=$n workload=$name round=$i dev=${dev%0} iops=$iops bw_kib=$bw lat_us=$lat ios=$ios spare_ios=$((s1 - s0))" >>"$out/io.txt"
                    if [[ $backing == loop && $rw == randwrite ]]; then
                        # Free the tmpfs pages fio wrote (the loop device
                        # itself is held exclusively by both dm devices).
                        blkdiscard -o 0 -l $((region * 512)) /dev/mapper/l0
                    fi
                done
            done
            log "round $i/$rounds done"
        done
        ;;
    meta)
        # Activation: a table of DMR_MAX_EXTENTS one-block extents, vs an
        # empty table and dm-linear; NACT create+remove cycles each, timed
        # around `dmsetup create` (includes the dmsetup process itself).
        nact=${NACT:-7}
        ncommit=${NCOMMIT:-100}
        full=$(sparse_loop $((9216 + 32768)))
        empty=$(sparse_loop $((9216 + 32768)))
        setup_nullb
        main=$(nullb nbamain 64 0)
        msz=$(sectors "$main")
        "$mkremaps" --len 1 --spacing 2 "$full" "$msz" 21824 >/dev/null || die "mkremaps full"
        mk_remap r0 "$main" "$empty" >/dev/null && dm_remove r0 # format it
        for ((i = 1; i <= nact; i++)); do
            for kind in linear empty full; do
                case $kind in
                    linear) t="0 $msz linear $main 0" ;;
                    empty) t=$(remap_table "$main" "$empty") ;;
                    full) t=$(remap_table "$main" "$full") ;;
                esac
                t0=$(now_ns)
                dmsetup create a0 --table "$t" || die "create $kind"
                t1=$(now_ns)
                [[ $kind != full || $(field a0 extents) == 21824 ]] || die "full table not loaded"
                dmsetup remove a0
                echo "kind=activate table=$kind round=$i us=$(((t1 - t0) / 1000))" >>"$out/meta.txt"
            done
        done
        # Commit latency: NCOMMIT `dmsetup message remap` on distinct blocks
        # (each becomes its own extent and one commit of all 5 copies), vs
        # NCOMMIT `dmsetup message help` (the dmsetup round trip alone).
        # Spares: /dev/vda (a file on the host: FUA/flush reach the host's
        # fdatasync) and a RAM loop device; tables empty and near-full.
        ram=$(sparse_loop $((9216 + 65536)))
        ramfull=$(sparse_loop $((9216 + 65536)))
        "$mkremaps" --len 1 --spacing 2 "$ramfull" "$msz" 21000 >/dev/null || die "mkremaps ramfull"
        "$mkremaps" --len 1 --spacing 2 /dev/vdb "$msz" 21000 >/dev/null || die "mkremaps vdb"
        for cfg in "virtio-empty /dev/vda" "virtio-21000 /dev/vdb" "ram-empty $ram" "ram-21000 $ramfull"; do
            read -r name sp <<<"$cfg"
            mk_remap c0 "$main" "$sp" >/dev/null
            e0=$(field c0 extents)
            base=$((e0 > 0 ? 2 * 21000 + 1000 : 1000))
            t0=$(now_ns)
            for ((i = 0; i < ncommit; i++)); do
                dmsetup message c0 0 help >/dev/null
            done
            t1=$(now_ns)
            for ((i = 0; i < ncommit; i++)); do
                dmsetup message c0 0 remap $((base + 4 * i)) >/dev/null || die "remap $i"
            done
            t2=$(now_ns)
            [[ $(field c0 extents) == $((e0 + ncommit)) ]] || die "remaps not recorded"
            echo "kind=commit spare=$name extents_before=$e0 n=$ncommit help_us=$(((t1 - t0) / ncommit / 1000)) remap_us=$(((t2 - t1) / ncommit / 1000))" >>"$out/meta.txt"
            dm_remove c0
        done
        ;;
    *) die "unknown mode $mode" ;;
esac
log "done"
