#!/bin/bash
# Guest half of tools/bench/icount/run.sh: the instruction-count benchmark.
# Runs tools/bench/icount/iobench (synchronous O_DIRECT I/O between the
# icount plugin's markers) on each configuration, all over the same RAM
# disk (brd), one after the other in this boot.
#
#   icount.sh CONFIG...   configurations, in order, from:
#     raw        /dev/ram0 itself
#     linear     dm-linear over it
#     remap0     remap-v4, no remaps
#     remap1k    remap-v4, 1,000 extents of 160 blocks, one every 16,000
#                blocks (1% of the I/O region)
#     remap20k   remap-v4, 20,000 extents of 8 blocks, one every 800 blocks
#                (1% of the I/O region)
#     seq-linear, seq-remap0, seq-remap1k, seq-remap20k: 128 KiB sequential
#                reads from sector 0 on the device above (crossing extents)
#
# Random 4 KiB I/O covers the first REGION = 16,000,000 sectors (the 20,000
# extents' range; 1,000 extents of 160 blocks span the same range) in every
# configuration, so only the target differs.  Writes $DMR_OUT/phases.txt,
# one line per counted phase in marker order: "CONFIG PHASE IOS"; at the end
# $DMR_OUT/kallsyms (for the per-symbol profile) and module addresses.
#
# Environment: ICOUNT_BIN (iobench), BENCH_MKREMAPS, ICOUNT_NIO (I/Os per
# phase, default 2000), ICOUNT_SEQ_NIO (default 500), ICOUNT_SEED (default 1),
# ICOUNT_KO (module to load instead of $DMR_KO).
. "$(dirname "$0")/../guest/remap-lib.sh"

out=${DMR_OUT:?needs --out}
bin=${ICOUNT_BIN:?}
mkremaps=${BENCH_MKREMAPS:?}
nio=${ICOUNT_NIO:-2000}
seq_nio=${ICOUNT_SEQ_NIO:-500}
seed=${ICOUNT_SEED:-1}
region=16000000			# sectors
[[ -x $bin && -x $mkremaps ]] || die "no iobench/mkremaps"
(($#)) || die "no configurations"
load_module "${ICOUNT_KO:-$DMR_KO}"
echo 0 >/sys/module/dm_remap_v4/parameters/enable_background_scanning
dmesg -n 1
: >"$out/phases.txt"

# One RAM disk for main, one blank one per remap-v4 spare; brd allocates
# pages on first write, so 8 GiB each costs only what is written.
modprobe brd rd_nr=4 rd_size=$((8 * 1024 * 1024)) || die "no brd"
main=/dev/ram0
msz=$(sectors $main)
((msz >= region)) || die "main too small"

# only_remap NAME: remap-v4 refuses a main device another remap-v4 target
# uses, so remove the other configurations' devices first.
only_remap() {
    local r
    for r in r0 r1 r2; do
        [[ $r == "$1" || ! -e /dev/mapper/$r ]] || dmsetup remove "$r" || die "remove $r"
    done
}
# dev CONFIG: the device a configuration measures (created on first use).
dev() {
    case $1 in
        remap0) only_remap r0 ;;
        remap1k) only_remap r1 ;;
        remap20k) only_remap r2 ;;
    esac
    case $1 in
        raw) echo $main ;;
        linear) [[ -e /dev/mapper/l0 ]] || dm_create l0 "0 $msz linear $main 0" >/dev/null
                echo /dev/mapper/l0 ;;
        remap0) [[ -e /dev/mapper/r0 ]] || mk_remap r0 $main /dev/ram1 >/dev/null
                echo /dev/mapper/r0 ;;
        remap1k) if [[ ! -e /dev/mapper/r1 ]]; then
                     [[ -e /tmp/ram2.done ]] ||
                         "$mkremaps" --len 160 /dev/ram2 "$msz" 160000 >&2 || die "mkremaps"
                     touch /tmp/ram2.done
                     mk_remap r1 $main /dev/ram2 >/dev/null
                     [[ $(field r1 extents) == 1000 ]] || die "r1: $(field r1 extents) extents"
                 fi
                 echo /dev/mapper/r1 ;;
        remap20k) if [[ ! -e /dev/mapper/r2 ]]; then
                      [[ -e /tmp/ram3.done ]] ||
                          "$mkremaps" /dev/ram3 "$msz" 160000 >&2 || die "mkremaps"
                      touch /tmp/ram3.done
                      mk_remap r2 $main /dev/ram3 >/dev/null
                      [[ $(field r2 extents) == 20000 ]] || die "r2: $(field r2 extents) extents"
                  fi
                  echo /dev/mapper/r2 ;;
        *) die "unknown configuration $1" ;;
    esac
}

for c in "$@"; do
    if [[ $c == seq-* ]]; then
        d=$(dev "${c#seq-}")
        "$bin" seq "$d" "$seq_nio" $((128 * 1024)) >/tmp/phases || die "iobench $c"
    else
        d=$(dev "$c")
        "$bin" rand "$d" "$nio" "$seed" $((region * 512)) >/tmp/phases || die "iobench $c"
    fi
    sed "s/^phase /$c /" /tmp/phases >>"$out/phases.txt"
    log "$c: $(tr '\n' ' ' </tmp/phases)"
done
cp /proc/kallsyms "$out/kallsyms"
