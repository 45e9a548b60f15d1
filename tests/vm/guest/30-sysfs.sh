#!/bin/bash
# vm-kernels: one (make test runs it on one kernel, the kernels taking turns; make test-long on all)
# The sysfs tree and module parameters: every file exists with the right
# mode; every writable one takes valid values and refuses bad ones (0, 169,
# -1, abc, empty, 4 KiB of garbage...) with EINVAL, unchanged; per-device
# directories follow the devices; trigger_discovery emits a uevent.
. "$(dirname "$0")/remap-lib.sh"
load_module

root=/sys/kernel/dm-remap-v4
params=/sys/module/dm_remap_v4/parameters
declare -A modes=(
    [stats/global_stats]=444 [stats/health_stats]=444 [stats/discovery_stats]=444
    [health/health_scanning]=644 [health/scan_interval]=644 [health/health_threshold]=644
    [health/scan_warn_ms]=644 [health/scan_rate_kib]=644 [health/marginal_remap_percent]=644
    [health/scan_rate_min_kib]=644 [health/scan_rate_max_kib]=644
    [health/trigger_health_scan]=200
    [discovery/device_list]=444 [discovery/auto_discovery]=644 [discovery/trigger_discovery]=200
    [config/version_info]=444 [config/reset_stats]=200
)
for f in "${!modes[@]}"; do
    if [[ -e $root/$f ]]; then
        m=$(stat -c %a "$root/$f")
        if [[ $m == "${modes[$f]}" ]]; then pass "$f mode $m"; else fail "$f mode $m, want ${modes[$f]}"; fi
    else
        fail "$f missing"
    fi
done
for p in dm_remap_debug enable_background_scanning scan_interval_hours scan_rate_min_kib scan_rate_max_kib; do
    check "parameter $p is 0644" test "$(stat -c %a "$params/$p")" = 644
done

garbage=$(head -c 3072 /dev/urandom | base64 -w0) # 4096 printable bytes
# try_write FILE VALUE: write must fail with EINVAL and leave FILE unchanged.
refuse_write() {
    local f=$1 v=$2 before out
    before=$(cat "$f")
    # An empty write never reaches the kernel: "empty" is a bare newline.
    [[ -n $v ]] || v=$'\n'
    if out=$(printf '%s' "$v" 2>&1 >"$f"); then
        fail "$(basename "$f") accepted '${v:0:20}'"
    elif [[ $(cat "$f") != "$before" ]]; then
        fail "$(basename "$f") changed by refused '${v:0:20}'"
    else
        pass "$(basename "$f") refuses '${v:0:20}'"
    fi
}
accept_write() {
    local f=$1 v=$2
    if echo "$v" >"$f" && [[ $(cat "$f") == "$v" ]]; then pass "$(basename "$f") takes $v"; else
        fail "$(basename "$f") did not take $v"
    fi
}
# file  min max  extra-bad-values
check_range() {
    local f=$1 lo=$2 hi=$3
    shift 3
    accept_write "$f" "$lo"
    accept_write "$f" "$hi"
    local bad=(-1 abc "" " " "1.5" "0x10" "+5" "$((hi + 1))" "99999999999999999999" "$garbage" "5 6" "$@")
    ((lo > 0)) && bad+=("$((lo - 1))")
    for v in "${bad[@]}"; do refuse_write "$f" "$v"; done
}
check_range $root/health/scan_interval 1 168
check_range $root/health/health_threshold 0 100
check_range $root/health/health_scanning 0 1
check_range $root/health/scan_warn_ms 1 10000
# The rate limits are kept min <= max: open the window before each range.
echo 1 >$root/health/scan_rate_min_kib
check_range $root/health/scan_rate_max_kib 1 4194304
check_range $root/health/scan_rate_min_kib 1 4194304
echo 1 >$root/health/scan_rate_min_kib
check_range $root/health/scan_rate_kib 1 4194304
check_range $params/scan_rate_max_kib 1 4194304
echo 1 >$params/scan_rate_min_kib
check_range $params/scan_rate_min_kib 1 4194304
# ... and a write that would cross them is refused, unchanged.
echo 300 >$root/health/scan_rate_min_kib
echo 1000 >$root/health/scan_rate_max_kib
refuse_write $root/health/scan_rate_min_kib 1001
refuse_write $params/scan_rate_min_kib 1001
refuse_write $root/health/scan_rate_max_kib 299
refuse_write $params/scan_rate_max_kib 299
check "min unchanged by the refused writes" test "$(cat $root/health/scan_rate_min_kib)" = 300
# The legacy single rate sets the max and pulls the min down with it.
accept_write $root/health/scan_rate_kib 200
check "legacy scan_rate_kib is the max" test "$(cat $root/health/scan_rate_max_kib)" = 200
check "legacy scan_rate_kib lowered the min" test "$(cat $root/health/scan_rate_min_kib)" = 200
check "module parameter shows the same min" test "$(cat $params/scan_rate_min_kib)" = 200
echo 256 >$root/health/scan_rate_min_kib 2>/dev/null && fail "min above max accepted"
echo 200000 >$root/health/scan_rate_max_kib
echo 256 >$root/health/scan_rate_min_kib
check_range $root/health/marginal_remap_percent 0 100
check_range $root/discovery/auto_discovery 0 1
check_range $params/scan_interval_hours 1 168
check_range $params/enable_background_scanning 0 1
check_range $params/dm_remap_debug 0 3

# Module parameters and sysfs files are the same setting.
echo 12 >$params/scan_interval_hours
check "scan_interval follows scan_interval_hours" test "$(cat $root/health/scan_interval)" = 12
echo 0 >$root/health/health_scanning
check "enable_background_scanning follows health_scanning" test "$(cat $params/enable_background_scanning)" = 0
check "health_stats shows the interval" grep -q "scan_interval_h=12" $root/stats/health_stats

# Command files take exactly their word.
for f in health/trigger_health_scan discovery/trigger_discovery config/reset_stats; do
    for v in $'\n' "scan scan" "SCAN" "2" "$garbage"; do
        if printf '%s' "$v" >"$root/$f" 2>/dev/null; then fail "$f accepted '${v:0:20}'"; else pass "$f refuses '${v:0:20}'"; fi
    done
done
check "version_info names the version (VERSION file)" grep -q "^dm-remap-v4 $(cat "$DMR_REPO/VERSION") format=4 max_extents=21824 features=" $root/config/version_info

# Per-device directory and device_list follow the device.
main=$(mkloop 16 random)
spare=$(mkloop 8)
mk_remap r0 "$main" "$spare" >/dev/null
dmsetup message r0 0 remap 100 >/dev/null
dev_dir=$(dev_dir r0)
check "devices/dm-<minor> exists" test -d $dev_dir
check "devices/dm-<minor>/name is r0" grep -qx r0 $dev_dir/name
check "devices/dm-<minor>/stats" grep -q "remapped=1 " $dev_dir/stats
check "devices/dm-<minor>/health" grep -qx "[0-9]*" $dev_dir/health
check "devices/dm-<minor>/scan" grep -q "^active=[01] cursor=" $dev_dir/scan
check "devices/dm-<minor>/trigger_health_scan is 0200" test "$(stat -c %a $dev_dir/trigger_health_scan)" = 200
check "device_list lists r0" grep -q "^r0 $(cat /sys/block/${main#/dev/}/dev) $(cat /sys/block/${spare#/dev/}/dev) $(field r0 uuid) 1 [0-9]*$" $root/discovery/device_list
check "discovery_stats counts one device" grep -q "active_devices=1" $root/stats/discovery_stats
dd if=/dev/mapper/r0 of=/dev/null bs=4k count=100 iflag=direct status=none
check "global_stats counts reads" grep -q "reads=[1-9]" $root/stats/global_stats
echo 1 >$root/config/reset_stats
check "reset_stats zeroes reads" grep -q "^reads=0 " $root/stats/global_stats
dmsetup reload r0 --table "$(dmsetup table r0)"
dmsetup resume r0
check "devices/dm-<minor> survives a reload" grep -q "remapped=1 " $dev_dir/stats
check "still one device after reload" grep -q "active_devices=1" $root/stats/discovery_stats
# A rename: the directory stays, its name file follows.
dmsetup rename r0 r0new
_dmr_forget dm r0
_dmr_register dm r0new
check "name follows a rename" grep -qx r0new $dev_dir/name
check "device_list lists it under its new name" grep -q "^r0new .* $(field r0new uuid) " $root/discovery/device_list
# A new device may take the old name: no clash.
main2=$(mkloop 16 random)
spare2=$(mkloop 8)
mk_remap r0 "$main2" "$spare2" >/dev/null
check "a new device can reuse a renamed device's old name" grep -qx r0 "$(dev_dir r0)/name"
dm_remove r0
dmsetup rename r0new r0
_dmr_forget dm r0new
_dmr_register dm r0
# Two remap-v4 targets in one table: two directories.
half=$(($(sectors "$main2") / 2))
if dmsetup create two <<<"0 $half remap-v4 $main2 $spare2
$half $half remap-v4 $main $spare" 2>/dev/null; then
    _dmr_register dm two
    fail "two targets, one using r0's devices, accepted"
else
    pass "a target using another device's main/spare is refused"
fi
main3=$(mkloop 16 random)
spare3=$(mkloop 8)
dm_create two "0 $half remap-v4 $main2 $spare2
$half $half remap-v4 $main3 $spare3" >/dev/null
d2=$(dev_dir two)
check "first target's directory" grep -qx two "$d2/name"
check "second target's directory (start sector added)" grep -qx two "$d2-$half/name"
check "no duplicate-name warning" bash -c "! dmesg | grep -q 'duplicate filename'"
dm_remove two
check "both removed with the device" test ! -e "$d2" -a ! -e "$d2-$half"
dm_remove r0
check "devices/dm-<minor> removed with the device" test ! -e $dev_dir
check "device_list empty" test -z "$(cat $root/discovery/device_list)"

# trigger_discovery: a KOBJ_CHANGE uevent (read straight from the kernel's
# uevent netlink socket: no udev in the VM).
/usr/bin/python3 - >/tmp/uevents <<'PY' &
import socket
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 15)  # NETLINK_KOBJECT_UEVENT
s.bind((0, 1))
s.settimeout(20)
open("/tmp/uevent-listening", "w").close()
while True:
    msg = s.recv(65536).split(b"\0")
    print(" ".join(m.decode(errors="replace") for m in msg), flush=True)
    if b"DM_REMAP_V4_EVENT=discovery" in msg:
        break
PY
mon=$!
for _ in $(seq 50); do [[ -e /tmp/uevent-listening ]] && break; sleep 0.1; done
echo scan >$root/discovery/trigger_discovery
wait $mon || true
check "uevent seen" grep -q "DM_REMAP_V4_EVENT=discovery" /tmp/uevents
check "uevent is a change of /sys/kernel/dm-remap-v4/discovery" grep -q "^change@/kernel/dm-remap-v4/discovery " /tmp/uevents
check "discovery_stats counts the trigger" grep -q "triggers=1 " $root/stats/discovery_stats
check "module unloads" rmmod dm_remap_v4
check "sysfs tree gone after unload" test ! -e $root
finish
