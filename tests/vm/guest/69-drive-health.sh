#!/bin/bash
# vm-kernels: one (the userspace tools: make test runs it on one kernel, make test-long on all)
# vm-nvme: 64
# Drive health (issue 25, docs/remapd.md "Drive health"): remapd reads the
# main's drive with smartctl -j.  A fake smartctl (the JSON of a failed
# self-test) names sector 4000, which is slow (dm-delay, 300 ms) but
# readable: remapd moves it to the spare with its data (drive_relocated),
# the first reading alerts drive_degraded, the drive's score caps the
# health (remapctl health, status --json, metrics).  A second reading
# (after a restart: the previous one is kept in the state file) names
# sector 6000, which fails: it becomes pending, and the changed figures
# are in drive_degraded's environment.  Without smartctl: one info line, no
# alert.  The real smartctl on QEMU's emulated NVMe drive gives a reading
# (NVMe, its health log figures), and on a dm main ("no data") one info
# line and no alert.
. "$(dirname "$0")/remap-lib.sh"
if declare -F load_remap >/dev/null; then load_remap; else load_module; fi

RCTL=$DMR_REPO/build/cmake/daemon/remapctl/remapctl
REMAPD=$DMR_REPO/build/cmake/daemon/remapd/remapd
FIX=$DMR_REPO/daemon/tests/data/smartctl
[[ -x $RCTL && -x $REMAPD ]] || die "remapctl/remapd not built (cmake --build build/cmake)"
export DM_REMAP_BACKUP_DIR=/tmp/dmr-lib
export DM_REMAP_BINDINGS=/tmp/dmr-bindings
count() { grep -c "^$1 " /tmp/hook.log 2>/dev/null || true; }
relocations() { test "$(count drive_relocated)" -eq "$1"; }
pid=
stop_remapd() { [[ -z $pid ]] || { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; }; }
start_remapd() {
    "$REMAPD" -f -c /tmp/remapd.conf >>/tmp/remapd.log 2>&1 &
    pid=$!
}
trap 'stop_remapd; _dmr_cleanup' EXIT

size=$((32 * 2048))
disk=$(mkloop 32 random)
spare=$(mkloop 6)
modprobe dm-delay
# Sector 4000 is slow but reads; 6000-6007 fail.
main=$(dm_create slow0 "0 4000 linear $disk 0
4000 8 delay $disk 4000 300
4008 1992 linear $disk 4008
6000 8 error
6008 $((size - 6008)) linear $disk 6008")
"$RCTL" create --main "$main" --spare "$spare" --name r0 >/dev/null || die "create failed"
_dmr_register dm r0
uuid=$(field r0 uuid)
orig=$(read_sectors "$disk" 4000 1 | md5sum)

mkdir -p /tmp/hookenv
cat >/tmp/hook.sh <<'HOOK'
#!/bin/sh
env | grep '^REMAPD_' | sort >"/tmp/hookenv/$REMAPD_EVENT"
echo "$REMAPD_EVENT $REMAPD_DEVICE $REMAPD_HEALTH" >>/tmp/hook.log
HOOK
chmod +x /tmp/hook.sh
cat >/tmp/fake-smartctl <<'FAKE'
#!/bin/sh
echo "$*" >>/tmp/smartctl.args
cat /tmp/smart.json
exit 192
FAKE
chmod +x /tmp/fake-smartctl
# smartctl's JSON of a drive whose newest extended self-test failed at LBA $1.
selftest_json() {
    jq --argjson lba "$1" --argjson pend "$2" \
        '.ata_smart_self_test_log.extended.table[0].lba = $lba |
         (.ata_smart_attributes.table[] | select(.id == 197) | .raw.value) = $pend' \
        "$FIX/ata-selftest-failed.json" >/tmp/smart.json
}
selftest_json 4000 1
cat >/tmp/remapd.conf <<'CONF'
poll_interval_s = 1
hook = /tmp/hook.sh
metrics_file = /tmp/remapd.prom
smartctl = /tmp/fake-smartctl
CONF

# 1. A readable sector the drive names goes to the spare with its data.
start_remapd
check "drive_relocated" wait_for 30 grep -q "^drive_relocated r0" /tmp/hook.log
check "smartctl ran on the main's node" grep -qx -- "-j -x /dev/dm-[0-9]*" /tmp/smartctl.args
check "moved: sector 4000" grep -qx "REMAPD_DRIVE_MOVED_SECTORS=4000" /tmp/hookenv/drive_relocated
check "nothing pending" grep -qx "REMAPD_DRIVE_PENDING_SECTORS=" /tmp/hookenv/drive_relocated
check "block 4000 remapped" wait_for 5 sh -c "'$RCTL' status r0 --extents | grep -Eq '^4000 +1 +[0-9]+ +remapped'"
expect_field r0 pending 0
check "first reading alerts drive_degraded" grep -q "^drive_degraded r0" /tmp/hook.log
check "drive_degraded env: self-test LBA" grep -qx "REMAPD_DRIVE_SELFTEST_LBA=4000" /tmp/hookenv/drive_degraded
check "drive_degraded env: drive health" grep -qx "REMAPD_DRIVE_HEALTH=40" /tmp/hookenv/drive_degraded
# The block lives on the spare now: overwrite it on the main, it still
# reads its old data through r0.
put_sectors "$disk" 4000 1 /dev/zero
check "the data is on the spare" test "$(read_sectors /dev/mapper/r0 4000 1 | md5sum)" = "$orig"
check "health capped at the drive's 40" wait_for 10 grep -qx "remapd_device_health{device=\"r0\"} 40" /tmp/remapd.prom
check "metrics: drive health" grep -qx "remapd_drive_health{device=\"r0\"} 40" /tmp/remapd.prom
check "metrics: self-test failed" grep -qx "remapd_drive_selftest_passed{device=\"r0\"} 0" /tmp/remapd.prom
expect_rc 3 health r0
check "health table: drive 40, DEGRADED" grep -Eq "^r0 +40 +rw .* 40 +DEGRADED" /tmp/rctl.out
expect_rc 3 health r0 --json
check "health --json: drive.health 40" test "$(jq -r '.devices[0].drive.health' /tmp/rctl.out)" = 40
check "health --json: verdict degraded" test "$(jq -r '.devices[0].verdict' /tmp/rctl.out)" = degraded
expect_rc 0 status r0 --json
check "status --json: drive figures" test "$(jq -r '.devices[0].drive.figures.selftest_lba' /tmp/rctl.out)" = 4000
expect_rc 0 status r0
check "status: drive_health line" grep -q "drive_health.*40 (/dev/dm-" /tmp/rctl.out
sleep 2
check "one drive_relocated, one drive_degraded" test "$(count drive_relocated):$(count drive_degraded)" = 1:1

# 2. The next reading (a restart: the previous one is in the state file,
# made a day old) names sector 6000, which fails: pending.
stop_remapd
state=$DM_REMAP_BACKUP_DIR/drive-health/$uuid.json
check "state file kept" test "$(jq -r .figures.selftest_lba "$state")" = 4000
jq '.time -= 90000' "$state" >/tmp/state.json && cp /tmp/state.json "$state"
selftest_json 6000 2
start_remapd
check "second drive_relocated" wait_for 30 relocations 2
check "pending: sector 6000" grep -qx "REMAPD_DRIVE_PENDING_SECTORS=6000" /tmp/hookenv/drive_relocated
check "nothing moved" grep -qx "REMAPD_DRIVE_MOVED_SECTORS=" /tmp/hookenv/drive_relocated
check "block 6000 pending" sh -c "'$RCTL' status r0 --extents | grep -Eq '^6000 +1 +- +pending'"
expect_field r0 unreadable 0
check "changes in drive_degraded" grep -qx "REMAPD_DRIVE_CHANGES=pending 1->2, selftest_lba 4000->6000" /tmp/hookenv/drive_degraded
check "block 4000 still remapped" sh -c "'$RCTL' status r0 --extents | grep -Eq '^4000 +1 +[0-9]+ +remapped'"

# 3. No smartctl: one info line, no alert.
stop_remapd
: >/tmp/hook.log
sed -i 's|^smartctl = .*|smartctl = /nonexistent/smartctl|' /tmp/remapd.conf
start_remapd
check "no-smartctl line" wait_for 20 grep -q "/nonexistent/smartctl cannot be run" /tmp/remapd.log
sleep 3
check "said once" test "$(grep -c '/nonexistent/smartctl cannot be run' /tmp/remapd.log)" -eq 1
check "no drive alert" test "$(count drive_degraded):$(count drive_relocated)" = 0:0

# 4. The real smartctl: on the emulated NVMe drive a reading; on the dm
# main of r0, no data: one info line, no alert.
stop_remapd
modprobe nvme 2>/dev/null || true
check "emulated NVMe drive" wait_for 20 test -b /dev/nvme0n1
nspare=$(mkloop 6)
"$RCTL" create --main /dev/nvme0n1 --spare "$nspare" --name n0 >/dev/null || die "create n0 failed"
_dmr_register dm n0
nuuid=$(field n0 uuid)
[[ -z ${DMR_OUT:-} ]] || smartctl -j -x /dev/nvme0n1 >"$DMR_OUT/smartctl-qemu-nvme.json" || true
sed -i 's|^smartctl = .*|smartctl = /usr/sbin/smartctl|' /tmp/remapd.conf
rm -f "$state"
start_remapd
nstate=$DM_REMAP_BACKUP_DIR/drive-health/$nuuid.json
check "NVMe reading" wait_for 30 test -s "$nstate"
check "NVMe: status ok" test "$(jq -r .status "$nstate")" = ok
check "NVMe: protocol" test "$(jq -r .drive.protocol "$nstate")" = NVMe
check "NVMe: critical warning 0" test "$(jq -r .figures.critical_warning "$nstate")" = 0
check "NVMe: percentage used" test "$(jq -r '.figures.percentage_used | type' "$nstate")" = number
check "NVMe: available spare" test "$(jq -r '.figures.available_spare | type' "$nstate")" = number
check "metrics: NVMe drive health" wait_for 10 grep -q "^remapd_drive_health{device=\"n0\"} [0-9]" /tmp/remapd.prom
check "dm main: no data line" wait_for 20 grep -q "r0: no drive health for /dev/dm-[0-9]* (no_data)" /tmp/remapd.log
sleep 2
check "no drive alert for either" test "$(count drive_degraded):$(count drive_relocated)" = 0:0
expect_rc 0 health n0
stop_remapd
finish
