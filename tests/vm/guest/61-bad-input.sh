#!/bin/bash
# vm-kernels: one (make test runs it on one kernel, the kernels taking turns; make test-long on all)
# Bad inputs not covered by 11/16/17/30 (see docs/BAD-INPUT.md): module
# parameters at load time, the remaining table refusals (missing main, bad
# feature count, length not a multiple of the block size, a partition of the
# spare's disk as main, a spare formatted for another block size or bigger
# than it is now, a reload onto an erased spare), messages in ro mode and on
# a full table, and writes to read-only / reads of write-only sysfs files.
# Each is refused, logged, and changes nothing on either device.
. "$(dirname "$0")/remap-lib.sh"
require_ko
load_dm
for d in $(modinfo -F depends "$DMR_KO" | tr ',' ' '); do modprobe "$d"; done

# --- module parameters at load time -------------------------------------------
for p in scan_interval_hours=0 scan_interval_hours=169 scan_interval_hours=abc \
    enable_background_scanning=2 dm_remap_debug=4 dm_remap_debug=-1; do
    if insmod "$DMR_KO" "$p" 2>/dev/null; then
        fail "insmod with $p loaded the module"
        rmmod dm_remap_v4
    elif [[ -e /sys/module/dm_remap_v4 ]]; then
        fail "insmod with $p failed but left the module loaded"
    else
        pass "insmod with $p refused"
    fi
done
check "insmod names the bad parameter" in_dmesg "invalid for parameter \`dm_remap_debug'"
load_remap

# refuse TABLE WHY DEV...: create fails, dmesg says WHY, DEVs byte-identical.
refuse() {
    local table=$1 why=$2 d sums=() i=0
    shift 2
    for d in "$@"; do sums+=("$(md5_of "$d")"); done
    dmesg -C
    if dmsetup create bad --table "$table" 2>/dev/null; then
        _dmr_register dm bad
        fail "accepted: $table"
        dm_remove bad
        return
    fi
    if in_dmesg "$why"; then pass "refused ($why)"; else
        dmesg | tail -3
        fail "refused without saying '$why'"
    fi
    for d in "$@"; do
        [[ $(md5_of "$d") == "${sums[i]}" ]] || fail "$d changed by a refused table"
        i=$((i + 1))
    done
}
# loop4k FILE: a 4096-byte-sector loop device over FILE.
loop4k() {
    local dev
    dev=$(losetup --find --show -b 4096 "$1") || die "losetup -b 4096 $1"
    _dmr_register loop "$dev"
    echo "$dev"
}
backing() { losetup -nO BACK-FILE "$1"; }

main=$(mkloop 32 random)
spare=$(mkloop 8)
msz=$(sectors "$main")
refuse "0 $msz remap-v4 /dev/nonexistent $spare" "Cannot open main device" "$spare"
refuse "0 $msz remap-v4 $main $spare x no_auto_remap" "Invalid number of feature arguments" "$main" "$spare"

# 4 KiB logical blocks: the length must be whole blocks.
f4m=$(mktemp /tmp/dmr-4k.XXXXXX) f4s=$(mktemp /tmp/dmr-4k.XXXXXX)
_dmr_register file "$f4m"
_dmr_register file "$f4s"
head -c 8M /dev/urandom >"$f4m"
truncate -s 8M "$f4s"
m4=$(loop4k "$f4m")
s4=$(loop4k "$f4s")
refuse "0 $(($(sectors "$m4") - 1)) remap-v4 $m4 $s4" "Length is not a multiple of the logical block size" "$m4" "$s4"

# A partition of the spare's own disk as main.
pfile=$(mktemp /tmp/dmr-part.XXXXXX)
_dmr_register file "$pfile"
truncate -s 32M "$pfile"
/usr/bin/python3 - "$pfile" <<'PY'
import struct, sys
mbr = bytearray(512)
# one Linux partition: sectors 2048 .. 2048+16384
mbr[446:462] = struct.pack('<B3sB3sII', 0, b'\0\0\0', 0x83, b'\0\0\0', 2048, 16384)
mbr[510:512] = b'\x55\xaa'
with open(sys.argv[1], 'r+b') as f:
    f.write(mbr)
PY
pdisk=$(losetup --find --show -P "$pfile") || die "losetup -P"
_dmr_register loop "$pdisk"
for _ in $(seq 20); do [[ -b ${pdisk}p1 ]] && break; sleep 0.1; done
check "partition ${pdisk}p1 appeared" test -b "${pdisk}p1"
# The block layer refuses to open a disk exclusively while one of its
# partitions is (EBUSY), before the target's own same-disk check runs.
refuse "0 $(sectors "${pdisk}p1") remap-v4 ${pdisk}p1 $pdisk" \
    "Cannot open spare device\|Main and spare must be different devices" "$pdisk"
refuse "0 $(sectors "$pdisk") remap-v4 $pdisk ${pdisk}p1" \
    "Cannot open spare device\|Main and spare must be different devices" "$pdisk"

# A pair formatted with 512-byte blocks, brought back with 4 KiB blocks.
fm=$(backing "$main") fs=$(backing "$spare")
mk_remap r0 "$main" "$spare" >/dev/null
dmsetup message r0 0 remap 100 >/dev/null
dm_remove r0
m4b=$(loop4k "$fm")
s4b=$(loop4k "$fs")
refuse "0 $msz remap-v4 $m4b $s4b" "Spare was formatted for a different logical block size" "$m4b" "$s4b"
losetup -d "$m4b" "$s4b"
_dmr_forget loop "$m4b"
_dmr_forget loop "$s4b"

# The spare shrank since it was formatted.
small=$(mkloop 8)
fsm=$(backing "$small")
mk_remap r1 "$main" "$small" >/dev/null
dm_remove r1
losetup -d "$small"
_dmr_forget loop "$small"
truncate -s 7M "$fsm"
small=$(losetup --find --show "$fsm")
_dmr_register loop "$small"
refuse "0 $msz remap-v4 $main $small" "Spare device is smaller than when it was formatted" "$main" "$small"

# A reload onto a spare whose metadata was erased underneath: refused, the
# live table keeps working, nothing is formatted.
dev=$(mk_remap r0 "$main" "$spare")
dd if=/dev/zero of="$spare" bs=512 count=9216 oflag=direct conv=notrunc status=none
dmesg -C
if dmsetup reload r0 --table "$(dmsetup table r0)" 2>/dev/null; then
    fail "reload onto an erased spare accepted"
    dmsetup resume r0 || true
else
    check "reload onto an erased spare refused" in_dmesg "Spare metadata has been erased"
fi
check "live table still serves reads" read_sectors "$dev" 0 64 >/dev/null
check "live table still remaps block 100" grep -q "lblock=100 len=1" <<<"$(dmsetup message r0 0 list)"
check "erased metadata not rewritten by the refused reload" \
    test "$(md5_of "$spare" 0 9216)" = "$(dd if=/dev/zero bs=512 count=9216 status=none | md5sum | cut -d' ' -f1)"
dm_remove r0

# --- messages -----------------------------------------------------------------------
# ro mode: the spare's data area fails writes, a write to a bad main block
# switches the device to ro; a manual remap is then refused and commits nothing.
modprobe dm-delay
rspare=$(mkloop 8)
rsz=$(sectors "$rspare")
sp=$(dm_create sp0 "0 9216 linear $rspare 0
9216 $((rsz - 9216)) error")
bmain=$(mk_linear_with_errors bm0 "$main" "$msz" "2000:1")
mk_remap ro0 "$bmain" "$sp" >/dev/null
put_sectors /dev/mapper/ro0 2000 1 2>/dev/null && fail "write to a bad block with a failing spare succeeded"
expect_field ro0 mode ro
seq0=$(field ro0 seq) list0=$(dmsetup message ro0 0 list)
if dmsetup message ro0 0 remap 3000 >/dev/null 2>&1; then fail "remap accepted in ro mode"; else
    pass "remap refused in ro mode"
fi
check "ro refusal is logged" in_dmesg "remap: device is in ro mode"
check "ro refusal changed no extent" test "$(dmsetup message ro0 0 list)" = "$list0"
check "ro refusal committed nothing" test "$(field ro0 seq)" = "$seq0"
dm_remove ro0

# A full table (21,824 extents): a remap that needs a new extent is refused.
mk=$DMR_REPO/build/cmake/tools/bench/mkremaps
[[ -x $mk ]] || die "missing $mk (run make userspace)"
fspare=$(mkloop 16)
"$mk" --len 1 --spacing 2 "$fspare" "$msz" 21824 >/dev/null || die "mkremaps"
mk_remap full0 "$main" "$fspare" >/dev/null
expect_field full0 extents 21824
seq0=$(field full0 seq) used0=$(field full0 spare_used)
if dmsetup message full0 0 remap 60000 >/dev/null 2>&1; then fail "remap into a full table accepted"; else
    pass "remap into a full table refused"
fi
expect_field full0 extents 21824
check "full-table refusal committed nothing" test "$(field full0 seq)" = "$seq0"
# The spare block handed out before the insert failed is given back: no
# leak, and nothing left dirty for the removal to commit.
expect_field full0 spare_used "$used0"
dm_remove full0
check "nothing committed at removal either" grep -qx "seq: $seq0" <<<"$("$DMR_META" dump "$fspare" | grep '^seq:')"
check "no spare block leaked" grep -qx "spare_used: $used0" <<<"$("$DMR_META" dump "$fspare" | grep '^spare_used:')"

# --- sysfs ----------------------------------------------------------------------------
root=/sys/kernel/dm-remap-v4
mk_remap r0 "$main" "$spare" >/dev/null
d=devices/$(basename "$(dev_dir r0)")
for f in stats/global_stats stats/health_stats discovery/device_list config/version_info \
    $d/name $d/stats $d/health $d/scan; do
    before=$(cat "$root/$f")
    # kernfs refuses to open a file without a write bit for writing, even
    # for root (EACCES), before any store method is looked for.
    if err=$( (echo 1 >"$root/$f") 2>&1); then fail "$f (read-only) accepted a write"; else
        if grep -q "Permission denied" <<<"$err"; then pass "$f refuses writes (EACCES)"; else
            fail "$f refuses writes, but with: $err"
        fi
    fi
    # The stats may tick between two reads; the static files may not change.
    case $f in
        config/* | discovery/*) check "$f unchanged" test "$(cat "$root/$f")" = "$before" ;;
    esac
done
for f in health/trigger_health_scan discovery/trigger_discovery config/reset_stats $d/trigger_health_scan; do
    if err=$(cat "$root/$f" 2>&1 >/dev/null); then fail "$f (write-only) can be read"; else
        if grep -q "Permission denied" <<<"$err"; then pass "$f cannot be read (EACCES)"; else
            fail "$f cannot be read, but with: $err"
        fi
    fi
done
for v in $'\n' "scan scan" "SCAN" "2" "scan2"; do
    if printf '%s' "$v" >"$root/$d/trigger_health_scan" 2>/dev/null; then
        fail "$d/trigger_health_scan accepted '$v'"
    else
        pass "$d/trigger_health_scan refuses '${v//$'\n'/\\n}'"
    fi
done
check "$d/trigger_health_scan takes 'scan'" bash -c "echo scan >$root/$d/trigger_health_scan"
dm_remove r0
finish
