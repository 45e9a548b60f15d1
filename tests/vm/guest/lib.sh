# shellcheck shell=bash
# Helpers for guest tests (run inside the VM by run-vm.sh).  Source it:
#   . "$(dirname "$0")/lib.sh"
# It enables `set -euo pipefail` and installs an EXIT trap that tears down
# whatever the helpers created (dm devices, loop devices, backing files),
# so a failing test does not leave state behind for later steps.
#
# Sizes and offsets are in 512-byte sectors unless the name says MB.
set -euo pipefail

# No udev in the VM (dmsetup creates /dev/mapper nodes), except in a
# systemd boot (run-vm.sh --systemd), where systemd-udevd runs.
[[ -n ${DMR_SYSTEMD:-} ]] || export DM_DISABLE_UDEV=1

DMR_TEST=${DMR_TEST:-$(basename "$0" .sh)}
# Teardown registry: one "<kind> <what>" line per object the helpers
# created.  A file (not an array) because helpers usually run inside $(...)
# subshells, whose variable changes would be lost.
_dmr_reg=/tmp/.dmr-cleanup.$$
: >"$_dmr_reg"
_dmr_register() { echo "$1 $2" >>"$_dmr_reg"; }
_dmr_forget() {
    local tmp
    tmp=$(grep -vxF "$1 $2" "$_dmr_reg" || true)
    printf '%s\n' "$tmp" | grep . >"$_dmr_reg" || true
}

# Messages carry the guest uptime, to line up with dmesg timestamps.
_dmr_t() { cut -d' ' -f1 /proc/uptime; }
log() { echo "[$DMR_TEST $(_dmr_t)] $*"; }
die() {
    echo "[$DMR_TEST] FATAL: $*" >&2
    exit 1
}
# pass/fail record one check; fail does not abort, so a test can report
# several problems; call `finish` at the end to turn failures into exit 1.
_dmr_failures=0
pass() { echo "[$DMR_TEST] PASS: $*"; }
fail() {
    echo "[$DMR_TEST] FAIL: $*" >&2
    _dmr_failures=$((_dmr_failures + 1))
}
finish() {
    if ((_dmr_failures)); then
        die "$_dmr_failures check(s) failed"
    fi
    log "all checks passed"
}
# check DESCRIPTION CMD...: pass if CMD succeeds, fail otherwise.
check() {
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}

# --- teardown ------------------------------------------------------------------
# dm_remove NAME: remove a dm device (retrying: a just-closed device can be
# briefly busy) and forget it.
dm_remove() {
    dmsetup remove --retry "$1" || return 1
    _dmr_forget dm "$1"
}
# rmloop DEV: detach a loop device made by mkloop and delete its file.
rmloop() {
    local dev=$1 file
    file=$(losetup -nO BACK-FILE "$dev" 2>/dev/null || true)
    file=${file% (deleted)}
    losetup -d "$dev" || return 1
    _dmr_forget loop "$dev"
    if [[ -n $file ]]; then
        rm -f "$file"
        _dmr_forget file "$file"
    fi
}
# Undo everything still registered, newest first.  Keeps the exit status.
_dmr_cleanup() {
    local rc=$? kind what
    set +e
    if [[ -f $_dmr_reg ]]; then
        while read -r kind what; do
            case $kind in
                dm) dmsetup remove --retry "$what" >/dev/null 2>&1 ;;
                loop) losetup -d "$what" 2>/dev/null ;;
                file) rm -f "$what" ;;
            esac
        done < <(tac "$_dmr_reg")
        rm -f "$_dmr_reg"
    fi
    return "$rc"
}
trap _dmr_cleanup EXIT

# --- module ----------------------------------------------------------------------
# require_ko: fail clearly unless the harness found the module for this kernel.
require_ko() {
    if [[ -z ${DMR_KO:-} || ! -f ${DMR_KO:-} ]]; then
        die "dm-remap-v4.ko for ${DMR_KVER:-?} not found (expected ${DMR_REPO:-<repo>}/build/kmod/${DMR_KVER:-<kver>}/dm-remap-v4.ko; run 'make module-all')"
    fi
}
# load_dm: device-mapper core (linear and error targets live in dm-mod).
load_dm() {
    modprobe dm-mod 2>/dev/null || true # may be builtin
    dmsetup targets | grep -qw linear || modprobe dm-linear ||
        die "dm-linear target not available"
}
# load_module: dm core + our module (its kernel dependencies first, since
# insmod does not resolve them); verify the target registered.
load_module() {
    local ko=${1:-$DMR_KO}
    require_ko
    [[ -f $ko ]] || die "missing $ko (run 'make module-all')"
    load_dm
    local deps d
    deps=$(modinfo -F depends "$ko" 2>/dev/null || true)
    for d in ${deps//,/ }; do
        modprobe "$d" || die "cannot load dependency $d of $ko"
    done
    if [[ ! -d /sys/module/dm_remap_v4 ]]; then
        insmod "$ko" || die "insmod $ko failed"
    fi
    dmsetup targets | grep -q '^remap-v4 ' || die "remap-v4 target not registered after insmod"
}
# load_module_fault: the test-only build with fault injection points
# (kernel/dmr-fault.h), built by `make module-all` next to the normal one.
load_module_fault() {
    require_ko
    load_module "${DMR_KO%/*}/fault/dm-remap-v4.ko"
    [[ -e /sys/module/dm_remap_v4/parameters/fault_move_delay_ms ]] ||
        die "the loaded dm-remap-v4 has no fault injection parameters"
}
unload_module() {
    rmmod dm_remap_v4
}

# --- block devices -----------------------------------------------------------------
# mkloop SIZE_MB [zero|random]: backing file in /tmp (tmpfs) + loop device;
# prints /dev/loopN.  Direct I/O is used when the kernel supports it on tmpfs
# (6.6+), so tests bypass the loop page cache there.
mkloop() {
    local mb=$1 fill=${2:-zero} file dev
    modprobe loop 2>/dev/null || true
    file=$(mktemp /tmp/dmr-loop.XXXXXX)
    _dmr_register file "$file"
    case $fill in
        zero) truncate -s "${mb}M" "$file" ;;
        random) dd if=/dev/urandom of="$file" bs=1M count="$mb" status=none ;;
        *) die "mkloop: bad fill '$fill'" ;;
    esac
    dev=$(losetup --find --show --direct-io=on "$file" 2>/dev/null) ||
        dev=$(losetup --find --show "$file") || die "losetup $file failed"
    _dmr_register loop "$dev"
    echo "$dev"
}
# sectors DEV: size in 512-byte sectors.
sectors() {
    blockdev --getsz "$1"
}
# md5_of DEV [START COUNT]: md5 of the whole device or of COUNT sectors from
# START, read with O_DIRECT so the device (not the page cache) is checked.
md5_of() {
    local dev=$1 start=${2:-0} count=${3:-}
    [[ -n $count ]] || count=$(($(sectors "$dev") - start))
    dd if="$dev" iflag=direct,skip_bytes,count_bytes bs=1M \
        skip=$((start * 512)) count=$((count * 512)) status=none | md5sum | cut -d' ' -f1
}
# read_sectors DEV START COUNT: O_DIRECT read, data to stdout (fails on EIO).
read_sectors() {
    dd if="$1" iflag=direct,skip_bytes,count_bytes bs=1M \
        skip=$(($2 * 512)) count=$(($3 * 512)) status=none
}
# write_sectors DEV START COUNT [SRC]: O_DIRECT write from SRC (default
# /dev/urandom), fsynced.
write_sectors() {
    dd if="${4:-/dev/urandom}" of="$1" oflag=direct,seek_bytes iflag=count_bytes,fullblock \
        bs=1M seek=$(($2 * 512)) count=$(($3 * 512)) conv=notrunc,fsync status=none
}

# --- device-mapper tables ------------------------------------------------------------
# linear_with_errors_table DEV SIZE "START:LEN ...": prints a table mapping
# sectors [0,SIZE) identically onto DEV, except the given ranges, which are
# `error` targets (every I/O to them fails with EIO).
linear_with_errors_table() {
    local dev=$1 size=$2 ranges=${3:-} pos=0 r s l
    for r in $(tr ' ' '\n' <<<"$ranges" | grep . | sort -t: -k1,1n); do
        s=${r%%:*}
        l=${r#*:}
        [[ $s =~ ^[0-9]+$ && $l =~ ^[0-9]+$ && $l -gt 0 ]] || die "bad error range '$r'"
        ((s >= pos)) || die "error ranges overlap at '$r'"
        ((s + l <= size)) || die "error range '$r' beyond size $size"
        if ((s > pos)); then
            echo "$pos $((s - pos)) linear $dev $pos"
        fi
        echo "$s $l error"
        pos=$((s + l))
    done
    if ((pos < size)); then
        echo "$pos $((size - pos)) linear $dev $pos"
    fi
}
# dm_kname NAME: the kernel name of a dm device (dm-<minor>, as in /sys/block).
dm_kname() {
    echo "dm-$(dmsetup info -c --noheadings -o minor "$1" | tr -d ' ')"
}
# dm_create NAME TABLE: create a dm device (removed at exit); prints its path.
dm_create() {
    local name=$1 table=$2
    dmsetup create "$name" <<<"$table" >&2 || die "dmsetup create $name failed: $table"
    _dmr_register dm "$name"
    dmsetup mknodes "$name" >/dev/null 2>&1 || true
    echo "/dev/mapper/$name"
}
# mk_linear_with_errors NAME DEV SIZE "START:LEN ...": the fault-injection
# device: DEV seen through dm-linear with failing ranges; prints its path.
mk_linear_with_errors() {
    local name=$1 dev=$2 size=$3 ranges=${4:-}
    dm_create "$name" "$(linear_with_errors_table "$dev" "$size" "$ranges")"
}
# swap_table NAME TABLE: replace a live device's table (suspend/load/resume),
# e.g. to inject new failing ranges under a running workload.
swap_table() {
    local name=$1 table=$2
    dmsetup suspend "$name" || die "suspend $name"
    if ! dmsetup load "$name" <<<"$table"; then
        dmsetup resume "$name"
        die "load new table into $name failed: $table"
    fi
    dmsetup resume "$name" || die "resume $name"
}
