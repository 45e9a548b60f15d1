#!/bin/bash
# vm-kernels: one (the userspace tools: make test runs it on one kernel, make test-long on all)
# remapctl and remapd explain a missing device-mapper or remap-v4 target,
# and `create` refuses before it writes anything to the spare:
#   1. no device-mapper (dm_mod unloaded, kernel autoload off): the error
#      names /dev/mapper/control and `modprobe dm-mod`, also as a --json
#      document; create leaves the spare byte-identical;
#   2. dm_mod loaded, the target not (dm-remap-v4 is not installed in
#      /lib/modules, so remapctl's modprobe fails): create says
#      "kernel target remap-v4 not loaded: modprobe dm-remap-v4", writes
#      nothing to the spare and creates no device;
#   3. a paired spare with the module unloaded: discover --assemble and
#      remapd --once (which leave the loading to the kernel's table load)
#      say the same and write nothing; `remapd -t` assembles
#      nothing; `health` takes its threshold from the remapd config.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

RCTL=$DMR_REPO/build/cmake/daemon/remapctl/remapctl
REMAPD=$DMR_REPO/build/cmake/daemon/remapd/remapd
[[ -x $RCTL && -x $REMAPD ]] || die "remapctl/remapd not built (make userspace)"
command -v jq >/dev/null || die "jq is needed to check --json output"
require_ko
modinfo dm-remap-v4 >/dev/null 2>&1 &&
    die "dm-remap-v4 is installed in /lib/modules/$(uname -r): modprobe would load it, the not-loaded case cannot be tested"

# run_rctl ARGS...: remapctl, output in /tmp/rctl.{out,err}, exit code in $rc.
run_rctl() {
    rc=0
    "$RCTL" "$@" >/tmp/rctl.out 2>/tmp/rctl.err || rc=$?
    log "remapctl $* -> $rc: $(head -c 300 /tmp/rctl.err)"
}
# expect_json_error CODE PREFIX: stdout is the error document of exit CODE
# whose message starts with PREFIX and equals the stderr line.
expect_json_error() {
    local code=$1 prefix=$2 msg
    check "exit $code" test "$rc" -eq "$code"
    check "error document on stdout" jq -e --argjson c "$code" --arg p "$prefix" \
        '.schema_version == 1 and .exit_status == $c and .messages[0].severity == "error"
         and (.messages[0].string | startswith($p))' /tmp/rctl.out
    msg=$(jq -r '.messages[0].string' /tmp/rctl.out)
    check "document and stderr say the same" test "remapctl: $msg" = "$(cat /tmp/rctl.err)"
}
spare_sum() { md5_of "$1"; }

main=$(mkloop 32 random)
spare=$(mkloop 16)
before=$(spare_sum "$spare")

# --- 1. no device-mapper ------------------------------------------------------------------
# Opening /dev/mapper/control would make the kernel load dm-mod
# (char-major-10-236): switch its module loader off for this part.
old_modprobe=$(cat /proc/sys/kernel/modprobe)
if [[ -d /sys/module/dm_mod && ! -e /sys/module/dm_mod/refcnt ]]; then
    log "dm-mod is built in: part 1 (no device-mapper) cannot run on this kernel"
else
    [[ -d /sys/module/dm_mod ]] && { rmmod dm_mod || die "cannot unload dm_mod"; }
    echo /bin/false >/proc/sys/kernel/modprobe
    run_rctl list
    check "list: exit 1 without device-mapper" test "$rc" -eq 1
    check "list: names the control node and dm-mod" \
        grep -Eq '^remapctl: /dev/mapper/control: .*\(is device-mapper loaded\? modprobe dm-mod\)$' /tmp/rctl.err
    check "list: no 'out of memory'" sh -c "! grep -q 'out of memory' /tmp/rctl.err"
    run_rctl --json status
    expect_json_error 1 "/dev/mapper/control: "
    run_rctl create --main "$main" --spare "$spare" --name r0
    check "create without device-mapper: exit 1" test "$rc" -eq 1
    check "create: names dm-mod" grep -q 'modprobe dm-mod' /tmp/rctl.err
    check "create: spare unchanged" test "$(spare_sum "$spare")" = "$before"
    echo "$old_modprobe" >/proc/sys/kernel/modprobe
    check "dm_mod was really absent" test ! -d /sys/module/dm_mod
fi

# --- 2. device-mapper, but no remap-v4 target ------------------------------------------------
echo "$old_modprobe" >/proc/sys/kernel/modprobe
load_dm
check "remap-v4 not loaded" sh -c "! dmsetup targets | grep -q '^remap-v4 '"
want="kernel target remap-v4 not loaded: modprobe dm-remap-v4 (tried it: exit 1; is dm-remap-v4 installed for kernel $(uname -r)?)"
run_rctl create --main "$main" --spare "$spare" --name r0
check "create: exit 1 without the target" test "$rc" -eq 1
check "create: says the target is not loaded" test "$(cat /tmp/rctl.err)" = "remapctl: $want"
check "create: spare byte-identical (nothing formatted)" test "$(spare_sum "$spare")" = "$before"
check "create: no device r0" sh -c "! dmsetup info r0 >/dev/null 2>&1"
check "create: no v4 signature on the spare" test -z "$("$RCTL" probe "$spare")"
run_rctl create --main "$main" --spare "$spare" --json
expect_json_error 1 "kernel target remap-v4 not loaded: modprobe dm-remap-v4"
check "create --json: command is create" jq -e '.command == "create"' /tmp/rctl.out
check "create --json: spare byte-identical" test "$(spare_sum "$spare")" = "$before"
run_rctl version --json
check "version: kernel_target null" jq -e '.kernel_target == null' /tmp/rctl.out

# --- 3. a paired spare, module unloaded --------------------------------------------------------
load_module
echo 0 >/sys/module/dm_remap_v4/parameters/enable_background_scanning
run_rctl create --main "$main" --spare "$spare" --name r0
check "create with the module loaded works" test "$rc" -eq 0
_dmr_register dm r0
uuid=$(dmsetup status r0 | grep -o 'uuid=[0-9a-f-]*' | cut -d= -f2)

# health: the threshold is remapd's, from the same config file.
printf 'health_threshold = 100\n' >/tmp/hundred.conf
run_rctl health --json -c /tmp/hundred.conf r0
check "health: threshold from the config" \
    jq -e '.threshold == 100 and .threshold_source == "config" and .config == "/tmp/hundred.conf"' /tmp/rctl.out
run_rctl health --json r0
check "health: no /etc/remapd.conf gives the default" jq -e '.threshold == 50 and .threshold_source == "default"' /tmp/rctl.out
run_rctl health -c /tmp/hundred.conf --threshold 7 --json r0
check "health: --threshold wins" jq -e '.threshold == 7 and .threshold_source == "option"' /tmp/rctl.out

dmsetup remove r0
_dmr_forget dm r0
: >/tmp/empty.conf
rc=0
"$REMAPD" -t -c /tmp/empty.conf >/tmp/t.log 2>&1 || rc=$?
check "remapd -t: exit 0" test "$rc" -eq 0
check "remapd -t: assembled nothing" sh -c "! dmsetup table --target remap-v4 | grep -q remap-v4"
rc=0
"$REMAPD" --once -c /tmp/empty.conf >/tmp/once.log 2>&1 || rc=$?
check "positive control: remapd --once assembles the pair (under its bound name r0)" dmsetup info r0
dmsetup remove r0
# That assembly recorded the main's identification layers (a new commit):
# the failures below must leave the spare as it is now.
paired=$(spare_sum "$spare")
printf 'poll_interval_s = 0\n' >/tmp/bad.conf
rc=0
"$REMAPD" --check-config -c /tmp/bad.conf >/tmp/t.log 2>&1 || rc=$?
check "remapd -t: bad config exit 1" test "$rc" -eq 1
check "remapd -t: names file and line" grep -q '^remapd: /tmp/bad.conf:1: poll_interval_s: ' /tmp/t.log

rmmod dm_remap_v4
want_load="kernel target remap-v4 not loaded: modprobe dm-remap-v4 (the kernel could not load it for the table; is dm-remap-v4 installed for kernel $(uname -r)?)"
run_rctl discover --assemble
check "discover --assemble: exit 3" test "$rc" -eq 3
check "discover --assemble: says the target is not loaded" grep -qF "$want_load" /tmp/rctl.err
rc=0
"$REMAPD" --once -c /tmp/empty.conf >/tmp/once.log 2>&1 || rc=$?
log "remapd --once -> $rc: $(grep -i remap-v4 /tmp/once.log | head -3)"
check "remapd --once: exit 3" test "$rc" -eq 3
check "remapd --once: says the target is not loaded" grep -qF "$want_load" /tmp/once.log
check "nothing assembled" sh -c "! dmsetup table --target remap-v4 | grep -q remap-v4"
check "paired spare byte-identical" test "$(spare_sum "$spare")" = "$paired"
finish
