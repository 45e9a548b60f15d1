#!/bin/bash
# vm-kernels: one (the userspace tools: make test runs it on one kernel, make test-long on all)
# remapd as a daemon with udevd running: a spare attached after the daemon
# started is assembled within 5 s; a device removed by the admin is not
# re-created on its own, but writing "scan" to the module's
# trigger_discovery is answered with a rescan that assembles it; a SIGHUP
# with a bad config keeps the old one; SIGTERM stops the daemon cleanly.
. "$(dirname "$0")/remap-lib.sh"
if declare -F load_remap >/dev/null; then load_remap; else load_module; fi

RCTL=$DMR_REPO/build/cmake/daemon/remapctl/remapctl
REMAPD=$DMR_REPO/build/cmake/daemon/remapd/remapd
[[ -x $RCTL && -x $REMAPD ]] || die "remapctl/remapd not built (cmake --build build/cmake)"

# wait_for SECONDS CMD...: poll CMD every 0.1 s; true once it succeeds.

# udevd, so the daemon hears udev's processed events as on a real system.
# The guest root is a chroot: udevadm ignores requests there unless told.
export SYSTEMD_IGNORE_CHROOT=1
/lib/systemd/systemd-udevd --daemon || die "cannot start systemd-udevd"
wait_for 10 test -S /run/udev/control || die "udevd control socket missing"
udevadm trigger --action=add --subsystem-match=block
udevadm settle -t 30 || true

main=$(mkloop 32 random)
spare=$(mkloop 16)
"$RCTL" create --main "$main" --spare "$spare" --name r0 >/dev/null || die "create failed"
_dmr_register dm r0
uuid=$(field r0 uuid)
name=r0  # bound by create --name in /etc/dm-remap/bindings: reassembly keeps it
for s in 100 200 300; do "$RCTL" remap r0 "$s" >/dev/null; done
put_sectors /dev/mapper/r0 100 1
want_list=$(dmsetup message r0 0 list)
want_data=$(md5_of /dev/mapper/r0)
"$RCTL" remove r0 >/dev/null || die "remove failed"
_dmr_forget dm r0
_dmr_register dm "$name"

# Detach the spare (keep its file); start the daemon without it.
spare_file=$(losetup -nO BACK-FILE "$spare")
losetup -d "$spare"
_dmr_forget loop "$spare"
_dmr_register file "$spare_file"
udevadm settle -t 30 || true

cat >/tmp/remapd.conf <<'CONF'
poll_interval_s = 1
metrics_file = /tmp/remapd.prom
CONF
"$REMAPD" -f -v -c /tmp/remapd.conf >/tmp/remapd.log 2>&1 &
pid=$!
stop_daemon() { kill "$pid" 2>/dev/null || true; }
trap 'stop_daemon; _dmr_cleanup' EXIT
check "daemon up (first poll written)" wait_for 20 test -s /tmp/remapd.prom
check "daemon listens to udev events" grep -q "uevents from udev" /tmp/remapd.log
check "nothing assembled without the spare" test -z "$(dmsetup ls --target remap-v4 | grep -v 'No devices')"

t0=$EPOCHREALTIME
spare=$(losetup --find --show "$spare_file")
_dmr_register loop "$spare"
if wait_for 5 dmsetup info "$name"; then
    pass "hot-plugged spare assembled as $name in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
else
    tail -n 30 /tmp/remapd.log
    fail "hot-plugged spare not assembled within 5 s"
fi
check "remaps intact" test "$(dmsetup message "$name" 0 list 2>/dev/null)" = "$want_list"
dmsetup mknodes "$name" >/dev/null 2>&1 || true
check "data intact" test "$(md5_of "/dev/mapper/$name")" = "$want_data"
check "assembly logged" grep -q "assembled $name" /tmp/remapd.log
check "metrics name the device" wait_for 5 grep -q "remapd_device_health{device=\"$name\"}" /tmp/remapd.prom

# An admin's removal sticks: removal events do not re-assemble.
"$RCTL" remove "$name" >/dev/null || fail "remove $name"
sleep 3
if dmsetup info "$name" >/dev/null 2>&1; then
    tail -n 25 /tmp/remapd.log
    fail "removed device re-created by the daemon"
else
    pass "removed device not re-created by the daemon"
fi

# The kernel's discovery trigger makes the daemon rescan.
trig=/sys/kernel/dm-remap-v4/discovery/trigger_discovery
if [[ -e $trig ]]; then
    echo scan >"$trig"
    if wait_for 5 dmsetup info "$name"; then pass "trigger_discovery answered with assembly"; else
        tail -n 20 /tmp/remapd.log
        fail "trigger_discovery did not lead to assembly"
    fi
    check "trigger logged" grep -q "kernel requested discovery" /tmp/remapd.log
else
    log "no $trig in this module: trigger test skipped"
fi

# The udev rule marks the spare (the probe program path adapted to the build).
sed "s|/usr/sbin/remapctl|$RCTL|" "$DMR_REPO/daemon/udev/69-dm-remap-v4.rules" \
    >/etc/udev/rules.d/69-dm-remap-v4.rules
udevadm control --reload
spare_devt=$(lsblk -dno MAJ:MIN "$spare" | tr -d ' ')
if dmsetup info "$name" >/dev/null 2>&1; then "$RCTL" remove "$name" >/dev/null; fi
for d in "$spare" "$main"; do echo change >"/sys/class/block/${d#/dev/}/uevent"; done
udevadm settle -t 30 || true
props=$(udevadm info --query=property --name="$spare")
check "udev rule marks the spare" grep -qx "DM_REMAP_V4_SPARE=1" <<<"$props"
check "udev rule records the pair" grep -qx "DM_REMAP_V4_PAIR_UUID=$uuid" <<<"$props"
check "udev rule sets ID_FS_TYPE" grep -qx "ID_FS_TYPE=dm_remap_v4_spare" <<<"$props"
check "udev rule sets SYSTEMD_READY=0" grep -qx "SYSTEMD_READY=0" <<<"$props"
check "udev rule leaves the main alone" bash -c "! udevadm info --query=property --name='$main' | grep -q DM_REMAP_V4"
# The change events re-assembled the pair (auto_assemble is on).
check "change event assembles again" wait_for 5 dmsetup info "$name"
check "spare is in the table" test "$(dmsetup table "$name" | awk '{print $5}')" = "$spare_devt"

# SIGHUP with a broken config keeps the old one.
echo "bogus_key = 1" >>/tmp/remapd.conf
kill -HUP "$pid"
check "bad reload reported with its line" wait_for 5 grep -q "/tmp/remapd.conf:3: unknown key 'bogus_key'" /tmp/remapd.log
check "old configuration kept" grep -q "keeping the previous configuration" /tmp/remapd.log
check "daemon still running" kill -0 "$pid"

kill -TERM "$pid"
rc=0
timeout 10 tail --pid="$pid" -f /dev/null || rc=$?
wait "$pid" 2>/dev/null
drc=$?
check "SIGTERM stops the daemon" test "$rc" -eq 0
check "clean exit status" test "$drc" -eq 0
check "stop logged" grep -q "remapd stopped" /tmp/remapd.log
check "devices stay up after the daemon stops" bash -c "[[ ! -e $trig ]] || dmsetup info $name"
finish
