#!/bin/bash
# vm-kernels: one (the userspace tools: make test runs it on one kernel, make test-long on all)
# remapd alerts and the notification hook: health dropping below the
# threshold (a read error leaves pending blocks: also pending_new,
# read_errors and read_failed), recovering, remaps growing faster than
# remap_rate_threshold (and remapped_new), and the spare running low each
# run the hook once (not once per poll) with REMAPD_* in its environment;
# the metrics file follows the device; `remapd --test-hook` runs the hook
# with a test event for r0; the main failing everywhere gives
# device_failed, its recovery device_ok; a hung hook is killed at
# hook_timeout_s while polling goes on.
. "$(dirname "$0")/remap-lib.sh"
if declare -F load_remap >/dev/null; then load_remap; else load_module; fi

RCTL=$DMR_REPO/build/cmake/daemon/remapctl/remapctl
REMAPD=$DMR_REPO/build/cmake/daemon/remapd/remapd
[[ -x $RCTL && -x $REMAPD ]] || die "remapctl/remapd not built (cmake --build build/cmake)"

events() { cut -d' ' -f1 /tmp/hook.log 2>/dev/null | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' '; }
count() { grep -c "^$1 " /tmp/hook.log 2>/dev/null || true; }
reads_ok() { read_sectors "$@" >/dev/null; }
health_at_least() { test "$(field r0 health)" -ge "$1"; }

size=$((32 * 2048))
disk=$(mkloop 32 random)
spare=$(mkloop 6) # 12288 sectors: 3072 spare blocks
main=$(mk_linear_with_errors bad0 "$disk" "$size" "5000:4 6000:4")
"$RCTL" create --main "$main" --spare "$spare" --name r0 >/dev/null || die "create failed"
_dmr_register dm r0
uuid=$(field r0 uuid)

mkdir -p /tmp/hookenv
cat >/tmp/hook.sh <<'HOOK'
#!/bin/sh
# The environment first: a check that saw the log line finds it written.
env | grep '^REMAPD_' | sort >"/tmp/hookenv/$REMAPD_EVENT"
echo "$REMAPD_EVENT $REMAPD_DEVICE $REMAPD_HEALTH" >>/tmp/hook.log
HOOK
chmod +x /tmp/hook.sh
cat >/tmp/remapd.conf <<'CONF'
poll_interval_s = 1
health_threshold = 50    # the default: any pending block alerts
remap_rate_threshold = 2
spare_low_percent = 100  # any spare use alerts
hook = /tmp/hook.sh
hook_timeout_s = 5
metrics_file = /tmp/remapd.prom
CONF
"$REMAPD" -f -c /tmp/remapd.conf >/tmp/remapd.log 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; _dmr_cleanup' EXIT
check "daemon up" wait_for 20 test -s /tmp/remapd.prom
sleep 2
check "healthy device: no hook run" test ! -s /tmp/hook.log

# A read error: 4 pending blocks, health 40 (any pending block caps it) < 50.
if read_sectors /dev/mapper/r0 5000 4 >/dev/null 2>&1; then fail "bad read succeeded"; fi
expect_field r0 pending 4
check "health_low hook ran" wait_for 10 grep -q "^health_low r0 40$" /tmp/hook.log
sleep 3
check "one health_low for several polls ($(events))" test "$(count health_low)" -eq 1
check "hook env: device" grep -qx "REMAPD_DEVICE=r0" /tmp/hookenv/health_low
check "hook env: uuid" grep -qx "REMAPD_UUID=$uuid" /tmp/hookenv/health_low
check "hook env: pending" grep -qx "REMAPD_PENDING=4" /tmp/hookenv/health_low
check "hook env: message" grep -q "^REMAPD_MESSAGE=r0: health 40 (threshold 50)" /tmp/hookenv/health_low
check "alert logged" grep -q "r0: health 40 (threshold 50)" /tmp/remapd.log
check "pending_new hook ran" wait_for 10 grep -q "^pending_new r0 40$" /tmp/hook.log
check "one pending_new ($(events))" test "$(count pending_new)" -eq 1
check "pending_new env: pending" grep -qx "REMAPD_PENDING=4" /tmp/hookenv/pending_new
check "pending_new message" grep -qx "REMAPD_MESSAGE=r0: 4 new pending block(s), 4 in all: unreadable on the main, their data is lost until they are written" /tmp/hookenv/pending_new
check "read_errors hook ran" wait_for 10 grep -q "^read_errors r0 " /tmp/hook.log
rerr=$(field r0 read_errors)
check "read_errors env: the counter ($rerr)" grep -qx "REMAPD_READ_ERRORS=$rerr" /tmp/hookenv/read_errors
check "read_errors counted ($rerr)" test "$rerr" -gt 0
check "read_failed hook ran" wait_for 10 grep -q "^read_failed r0 " /tmp/hook.log
check "read_failed env: the counter" grep -qx "REMAPD_FAILED_READS=$(field r0 failed_reads)" /tmp/hookenv/read_failed

# Writing the blocks remaps them: health back above the threshold (4
# remapped, 4 today, the failed read and the errors still count), 4 new
# remaps in the hour (> 2), spare no longer 100% free.
put_sectors /dev/mapper/r0 5000 4
expect_field r0 remapped 4
h=$(field r0 health)
check "health recovered ($h)" test "$h" -ge 50 -a "$h" -lt 100
check "health_ok hook ran" wait_for 10 grep -q "^health_ok r0 $h$" /tmp/hook.log
check "remap_rate_high hook ran" wait_for 10 grep -q "^remap_rate_high r0" /tmp/hook.log
check "spare_low hook ran" wait_for 10 grep -q "^spare_low r0" /tmp/hook.log
# The 4 remaps may land in one poll or in two: spare_low and remapped_new
# may see a partial count, but free + remapped is always the 3072 blocks.
sfree=$(sed -n 's/^REMAPD_SPARE_FREE=//p' /tmp/hookenv/spare_low)
sremapped=$(sed -n 's/^REMAPD_REMAPPED=//p' /tmp/hookenv/spare_low)
check "spare env ($sfree free + $sremapped remapped = 3072)" test "$((sfree + sremapped))" -eq 3072
check "remapped_new hook ran" wait_for 10 grep -q "^remapped_new r0" /tmp/hook.log
check "last remapped_new has all 4" wait_for 10 grep -qx "REMAPD_REMAPPED=4" /tmp/hookenv/remapped_new
sleep 3
nnew=$(count remapped_new)
check "remapped_new once per poll with new remaps ($nnew)" test "$nnew" -ge 1 -a "$nnew" -le 4
check "each event once ($(events))" test "$(count health_ok):$(count remap_rate_high):$(count spare_low):$(count pending_new)" = "1:1:1:1"
check "metrics: remapped" grep -qx "remapd_remapped_blocks{device=\"r0\"} 4" /tmp/remapd.prom
check "metrics: health" grep -qx "remapd_device_health{device=\"r0\"} $h" /tmp/remapd.prom
runs=$(wc -l </tmp/hook.log)
check "metrics: hook runs counted ($runs)" grep -qx "remapd_hook_runs_total $runs" /tmp/remapd.prom

# remapd --test-hook, next to the running daemon: one test event for r0,
# waited for; a failing hook is exit 1.
check "--test-hook exit 0" "$REMAPD" --test-hook -c /tmp/remapd.conf
check "test hook ran for r0" grep -q "^test r0 $h$" /tmp/hook.log
check "test env: uuid" grep -qx "REMAPD_UUID=$uuid" /tmp/hookenv/test
check "test env: main_state" grep -qx "REMAPD_MAIN_STATE=ok" /tmp/hookenv/test
sed 's|^hook = .*|hook = /bin/false|' /tmp/remapd.conf >/tmp/remapd-false.conf
rc=0
"$REMAPD" --test-hook -c /tmp/remapd-false.conf 2>/tmp/test-hook.err || rc=$?
check "--test-hook with a failing hook: exit 1 ($rc)" test "$rc" -eq 1
check "failure named" grep -q "hook /bin/false for test exited with status 1" /tmp/test-hook.err

# The main fails everywhere (its table becomes dm-error): device_failed;
# it answers again: device_ok.
bad0_table=$(dmsetup table bad0)
swap_table bad0 "0 $size error"
if read_sectors /dev/mapper/r0 100 1 >/dev/null 2>&1; then fail "read from a failed main succeeded"; fi
expect_field r0 main_state failed
check "device_failed hook ran" wait_for 10 grep -q "^device_failed r0" /tmp/hook.log
check "device_failed env" grep -qx "REMAPD_MAIN_STATE=failed" /tmp/hookenv/device_failed
swap_table bad0 "$bad0_table"
check "main answers again" reads_ok /dev/mapper/r0 100 1
expect_field r0 main_state ok
check "device_ok hook ran" wait_for 10 grep -q "^device_ok r0" /tmp/hook.log
check "health above the threshold again" wait_for 10 health_at_least 50
sleep 2 # a poll sees it: the next health drop alerts again
check "one device_failed, one device_ok ($(events))" test "$(count device_failed):$(count device_ok)" = "1:1"

# A hook that hangs is killed at the timeout; polling goes on meanwhile.
cat >/tmp/hook.sh <<'HOOK'
#!/bin/sh
[ "$REMAPD_EVENT" = health_low ] || exit 0
echo "$REMAPD_EVENT hung" >>/tmp/hook.log
sleep 600
HOOK
sed -i 's/^hook_timeout_s = 5/hook_timeout_s = 2/' /tmp/remapd.conf
kill -HUP "$pid"
check "reloaded" wait_for 5 grep -q "configuration reloaded" /tmp/remapd.log
if read_sectors /dev/mapper/r0 6000 4 >/dev/null 2>&1; then fail "bad read succeeded"; fi
check "hung hook started" wait_for 10 grep -q "^health_low hung" /tmp/hook.log
t1=$(sed -n 's/^remapd_last_poll_timestamp_seconds //p' /tmp/remapd.prom)
sleep 1.5
t2=$(sed -n 's/^remapd_last_poll_timestamp_seconds //p' /tmp/remapd.prom)
check "polling continues while the hook hangs ($t1 -> $t2)" test "$t2" -gt "$t1"
check "hung hook killed at the timeout" wait_for 10 grep -q "killed after 2 s timeout" /tmp/remapd.log
check "no hook process left" bash -c "! pgrep -f '^sleep 600$'"
if wait_for 5 grep -qx "remapd_hook_failures_total 1" /tmp/remapd.prom; then
    pass "failure counted"
else
    fail "failure counted: $(grep _hook_ /tmp/remapd.prom | tr '\n' ' '); events $(events); log: $(grep -a 'hook' /tmp/remapd.log | tail -6 | tr '\n' '|')"
fi
check "daemon alive" kill -0 "$pid"
kill -TERM "$pid"
wait "$pid"
check "clean stop" test $? -eq 0
finish
