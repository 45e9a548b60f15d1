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
#     werr       the write-error path: remap-v4 (empty table) over a main
#                whose sectors [i * 32768 + 56, +8) fail writes (dm-error),
#                i < ICOUNT_WERR_NIO (default 100); iobench werr writes
#                4 KiB to each (phase "werr": failed write, bisection,
#                spare writes, metadata commit, acknowledgement) and, first,
#                to the healthy 4 KiB 8 KiB further on (phase "wok")
#     act-linear, act-remap0, act-remap20k: one activation, `dmsetup
#                create` of dm-linear / remap-v4 on an already formatted
#                spare with no extents / 20,000 extents (phase "exec")
#
# Random 4 KiB I/O covers the first REGION = 16,000,000 sectors (the 20,000
# extents' range; 1,000 extents of 160 blocks span the same range) in every
# configuration, so only the target differs.  Writes $DMR_OUT/phases.txt,
# one line per counted phase in marker order: "CONFIG PHASE IOS"; at the end
# $DMR_OUT/kallsyms (for the per-symbol profile) and module addresses.
#
# Environment: ICOUNT_BIN (iobench), BENCH_MKREMAPS, ICOUNT_NIO (I/Os per
# phase, default 2000), ICOUNT_SEQ_NIO (default 500), ICOUNT_SEED (default 1),
# ICOUNT_WERR_NIO (default 100), ICOUNT_KO (module to load instead of $DMR_KO).
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

# One RAM disk for main, one blank one per remap-v4 spare (ram4: werr's); brd allocates
# pages on first write, so 8 GiB each costs only what is written.
modprobe brd rd_nr=5 rd_size=$((8 * 1024 * 1024)) || die "no brd"
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

werr_nio=${ICOUNT_WERR_NIO:-100}
# act CONFIG: one counted `dmsetup create` (after an uncounted one that
# formats a blank spare), then the device is removed again.
act() {
    local t
    only_remap none
    case $1 in
        act-linear) t="0 $msz linear $main 0" ;;
        act-remap0) t=$(remap_table $main /dev/ram1) ;;
        act-remap20k) t=$(remap_table $main /dev/ram3)
                      [[ -e /tmp/ram3.done ]] || die "act-remap20k needs remap20k first" ;;
        *) die "unknown configuration $1" ;;
    esac
    dmsetup create a0 --table "$t" && dmsetup remove a0 || die "create $1"
    "$bin" exec dmsetup create a0 --table "$t" >/tmp/phases || die "iobench $1"
    dmsetup remove a0 || die "remove a0"
}
# werr: see the header; the device is removed afterwards (its spare is used up).
werr() {
    local i pos=0 t=""
    only_remap none
    for ((i = 0; i < werr_nio; i++)); do
        t+="$pos $((i * 32768 + 56 - pos)) linear $main $pos"$'\n'
        t+="$((i * 32768 + 56)) 8 error"$'\n'
        pos=$((i * 32768 + 64))
    done
    t+="$pos $((msz - pos)) linear $main $pos"
    dm_create we0 "$t" >/dev/null
    mk_remap rw0 /dev/mapper/we0 /dev/ram4 >/dev/null
    "$bin" werr /dev/mapper/rw0 "$werr_nio" $((32768 * 512)) $((56 * 512)) >/tmp/phases ||
        die "iobench werr"
    [[ $(field rw0 write_errors) -ge $werr_nio ]] || die "werr: only $(field rw0 write_errors) write errors"
    [[ $(field rw0 remapped) == $((werr_nio * 8)) ]] || die "werr: $(field rw0 remapped) blocks remapped"
    dmsetup remove rw0 && dmsetup remove we0 || die "remove rw0/we0"
}

for c in "$@"; do
    if [[ $c == act-* ]]; then
        act "$c"
        sed "s/^phase exec /$c exec /" /tmp/phases >>"$out/phases.txt"
        log "$c: $(tr '\n' ' ' </tmp/phases)"
        continue
    elif [[ $c == werr ]]; then
        werr
        # Two configurations: the healthy writes and the failing ones.
        sed "s/^phase \([a-z]*\) /\1 \1 /" /tmp/phases >>"$out/phases.txt"
        log "$c: $(tr '\n' ' ' </tmp/phases)"
        continue
    elif [[ $c == seq-* ]]; then
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
