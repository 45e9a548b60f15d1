# shellcheck shell=bash
# remap-v4 helpers for guest tests, on top of lib.sh.  Source it:
#   . "$(dirname "$0")/remap-lib.sh"
# shellcheck source=tests/vm/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DMR_META=${DMR_REPO:-$PWD}/build/cmake/tools/dmr-meta
[[ -x $DMR_META ]] || die "missing $DMR_META (run make userspace)"

# remap_table MAIN SPARE [FEATURE...]: a one-target remap-v4 table over all of MAIN.
remap_table() {
    local main=$1 spare=$2
    shift 2
    local feats=""
    (($#)) && feats=" $# $*"
    echo "0 $(sectors "$main") remap-v4 $main $spare$feats"
}
# mk_remap NAME MAIN SPARE [FEATURE...]: create it; prints /dev/mapper/NAME.
mk_remap() {
    local name=$1 main=$2 spare=$3
    shift 3
    dm_create "$name" "$(remap_table "$main" "$spare" "$@")"
}
# dev_dir NAME: the device's directory in /sys/kernel/dm-remap-v4/devices,
# named like /sys/block/dm-<minor> (a rename does not change it).
dev_dir() {
    echo "/sys/kernel/dm-remap-v4/devices/$(dm_kname "$1")"
}
# field NAME KEY: value of KEY=... in `dmsetup status NAME`.
field() {
    dmsetup status "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}
# expect_field NAME KEY VALUE: one check.
expect_field() {
    local got
    got=$(field "$1" "$2")
    if [[ $got == "$3" ]]; then pass "$1 $2=$3"; else fail "$1 $2=$got, expected $3"; fi
}
# in_dmesg PATTERN: true if the kernel log contains PATTERN.  (Not grep -q:
# it would exit at the first match, dmesg would die of SIGPIPE, and
# pipefail would turn the match into a failure.)
in_dmesg() {
    dmesg | grep -- "$1" >/dev/null
}
# not_remapped LIST: reads sector ranges "START[:LEN]" (LEN default 1), one
# per line, on stdin and prints every sector that no extent in LIST (a saved
# `dmsetup message NAME 0 list`) covers; false if there is one.  Sector by
# sector, because concurrent writes may remap one bad range in several
# extents whose spare blocks are not contiguous.  Assumes 512-byte blocks
# (block number = sector).
not_remapped() {
    awk -F'[ =]' '
        FNR == NR { for (x = $2; x < $2 + $4; x++) hit[x] = 1; next }
        { n = split($0, r, ":"); len = n > 1 ? r[2] : 1
          for (x = r[1]; x < r[1] + len; x++) if (!(x in hit)) { print "not remapped:", x; bad = 1 } }
        END { exit bad }' "$1" -
}
# meta_ok SPARE: all 5 metadata copies valid and current (checked in userspace:
# this also proves the kernel's CRC-32 matches the userspace one).
meta_ok() {
    "$DMR_META" verify "$1" >/tmp/meta-verify.out 2>&1
}
# fio_verify DEV [extra fio args...]: random writes of 512 B - 256 KiB over
# the whole device with crc32c verification; fails on any error.
fio_verify() {
    local dev=$1
    shift
    fio --name=verify --filename="$dev" --ioengine=libaio --direct=1 --iodepth=16 \
        --rw=randwrite --bsrange=512-256k --blockalign=512 --size=100% \
        --verify=crc32c --do_verify=1 --verify_fatal=1 --randrepeat=0 \
        --output=/tmp/fio.out "$@"
}
# wait_for SECONDS CMD...: run CMD every 0.1 s until it succeeds; false if
# it has not within SECONDS.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}
# expect_rc WANT ARGS...: one check that `$RCTL ARGS...` (the test sets
# RCTL) exits WANT; its output in /tmp/rctl.out and /tmp/rctl.err, printed
# on a mismatch.
expect_rc() {
    local want=$1 rc=0
    shift
    "$RCTL" "$@" >/tmp/rctl.out 2>/tmp/rctl.err || rc=$?
    if ((rc == want)); then pass "remapctl $* -> $rc"; else
        cat /tmp/rctl.out /tmp/rctl.err
        fail "remapctl $* -> $rc, expected $want"
    fi
}
# remapd_once EXPECTED: `$REMAPD --once` with an empty config, one check of
# its exit code; its output in /tmp/once.log (printed on a mismatch).
remapd_once() {
    local rc=0
    : >/tmp/remapd.conf
    "$REMAPD" --once -c /tmp/remapd.conf >/tmp/once.log 2>&1 || rc=$?
    if ((rc == $1)); then pass "remapd --once -> $rc"; else
        cat /tmp/once.log
        fail "remapd --once -> $rc, expected $1"
    fi
}
# put_sectors DEV START COUNT [SRC]: O_DIRECT write of whole 512-byte sectors.
# (lib.sh's write_sectors uses bs=1M, and dd drops O_DIRECT for a short last
# block: the page cache would then read-modify-write neighbouring sectors,
# which fails on purpose next to unreadable blocks.)
put_sectors() {
    dd if="${4:-/dev/urandom}" of="$1" bs=512 seek="$2" count="$3" \
        oflag=direct iflag=fullblock conv=notrunc status=none
}
# write_only_bad_table DISK ERRDEV SIZE "START:LEN ...": DISK via dm-linear,
# except the ranges, which keep reading the old data but fail every write
# (dm-delay with a separate write device), like sectors of a real disk that
# went bad under data that is still readable.  Flushes go to DISK.
write_only_bad_table() {
    local disk=$1 err=$2 size=$3 ranges=$4 pos=0 r s l
    for r in $(tr ' ' '\n' <<<"$ranges" | grep . | sort -t: -k1,1n); do
        s=${r%%:*} l=${r#*:}
        ((s > pos)) && echo "$pos $((s - pos)) linear $disk $pos"
        echo "$s $l delay $disk $s 0 $err $s 0 $disk $s 0"
        pos=$((s + l))
    done
    ((pos < size)) && echo "$pos $((size - pos)) linear $disk $pos"
    return 0
}
# scan_test_settings WARN_MS: scanner settings for the scanner tests: no
# automatic pass (they trigger one), no rate limit, the given slowness
# threshold, and every marginal block moved.
scan_test_settings() {
    local h=/sys/kernel/dm-remap-v4/health
    echo 0 >$h/health_scanning
    echo 1048576 >$h/scan_rate_kib
    echo "$1" >$h/scan_warn_ms
    echo 100 >$h/marginal_remap_percent
}
# load_remap: the module with the background scanner off, so tests of the
# I/O path see deterministic counters (the scanner has its own tests).
load_remap() {
    load_module
    echo 0 >/sys/module/dm_remap_v4/parameters/enable_background_scanning
}
