#!/bin/bash
# vm-kernels: one (the userspace tools: make test runs it on one kernel, make test-long on all)
# remapd reacts to device-mapper events, not only to its poll timer: with
# poll_interval_s = 3600 (no poll after the first), a read that fails for
# the application, a remap and a manual `remap` of an unreadable block each
# reach the hook within seconds.  The target raises a dm event when its
# remap table changes or a read fails for its caller; remapd polls
# /dev/mapper/control (DM_DEV_ARM_POLL) and reads the statuses at once.
. "$(dirname "$0")/remap-lib.sh"
load_remap

RCTL=$DMR_REPO/build/cmake/daemon/remapctl/remapctl
REMAPD=$DMR_REPO/build/cmake/daemon/remapd/remapd
[[ -x $RCTL && -x $REMAPD ]] || die "remapctl/remapd not built (cmake --build build/cmake)"

events() { cut -d' ' -f1 /tmp/hook.log 2>/dev/null | tr '\n' ' '; }

size=$((32 * 2048))
disk=$(mkloop 32 random)
spare=$(mkloop 6)
main=$(mk_linear_with_errors bad0 "$disk" "$size" "5000:4 7000:1")
"$RCTL" create --main "$main" --spare "$spare" --name r0 >/dev/null || die "create failed"
_dmr_register dm r0

cat >/tmp/hook.sh <<'HOOK'
#!/bin/sh
echo "$REMAPD_EVENT $REMAPD_DEVICE" >>/tmp/hook.log
HOOK
chmod +x /tmp/hook.sh
cat >/tmp/remapd.conf <<'CONF'
poll_interval_s = 3600
remap_rate_threshold = 0
spare_low_percent = 0
hook = /tmp/hook.sh
CONF
"$REMAPD" -f -v -c /tmp/remapd.conf >/tmp/remapd.log 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; _dmr_cleanup' EXIT
check "daemon up" wait_for 20 grep -q "remapd .* starting" /tmp/remapd.log
check "dm event wake-ups available" bash -c "! grep -q 'no device-mapper event wake-ups' /tmp/remapd.log"
sleep 2 # past the first poll: from here only events make remapd look
check "healthy device: no hook run" test ! -s /tmp/hook.log

if read_sectors /dev/mapper/r0 5000 4 >/dev/null 2>&1; then fail "bad read succeeded"; fi
check "pending_new within 5 s of the failed read ($(events))" wait_for 5 grep -q "^pending_new r0$" /tmp/hook.log
check "read_failed within 5 s ($(events))" wait_for 5 grep -q "^read_failed r0$" /tmp/hook.log
check "health_low within 5 s ($(events))" wait_for 5 grep -q "^health_low r0$" /tmp/hook.log

put_sectors /dev/mapper/r0 5000 4
check "remapped_new within 5 s of the remap ($(events))" wait_for 5 grep -q "^remapped_new r0$" /tmp/hook.log

dmsetup message r0 0 remap 7000 >/dev/null
check "unreadable_new within 5 s of the manual remap ($(events))" wait_for 5 grep -q "^unreadable_new r0$" /tmp/hook.log
check "woken by dm events (log)" grep -q "device-mapper event: polling the devices" /tmp/remapd.log
check "daemon alive" kill -0 "$pid"
kill -TERM "$pid"
wait "$pid"
check "clean stop" test $? -eq 0
finish
