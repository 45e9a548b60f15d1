#!/bin/bash
# selftest.sh: host-side checks that run-vm.sh reports failures correctly
# (a harness that always says PASS is worse than none).  Boots 6 VMs,
# about 2 minutes.  Kernel: $KVER, else run-vm.sh's default (newest).
#
#   dmesg-patterns  no VM: the checkers' report lines (KASAN, KFENCE, lockdep,
#                 sleeping in atomic, ODEBUG, list corruption, hung task) fail a
#                 run (run-vm.sh --scan-log -> 122); the banners the same
#                 checkers print at every boot do not
#   exit-status   guest `exit 3` -> run-vm returns 3; also checks cwd, args,
#                 DMR_* and --env plumbing from inside the guest
#   dmesg-check   guest writes "WARNING: test" to /dev/kmsg -> returns 122
#   panic         guest crashes the kernel (sysrq c) -> returns 126
#   timeout       guest sleeps forever, --timeout 20 -> returns 124
#   power-cut     guest writes a marker to --disk and a file to --out, then
#                 hangs; --kill-after -> returns 137; the marker must be in
#                 the disk image, and a second boot with the same disk file
#                 must read it back
#
# Prints `PASS|FAIL <check> (<s>s)` per check and `N passed, M failed`.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
work=$repo/build/vm/selftest
logs=$repo/build/vm/logs/selftest
rm -rf "$work"
mkdir -p "$work" "$logs"

kargs=()
if [[ -n ${KVER:-} ]]; then
    kargs=(--kernel "$KVER")
fi

passed=0
failed=0
why=
# expect NAME WANT_RC [run-vm args...]: run the VM, compare the exit status
# (on mismatch: sets $why, shows run-vm's messages).
expect() {
    local name=$1 want=$2 rc=0
    shift 2
    "$here/run-vm.sh" "${kargs[@]}" --quiet --log "$logs/$name.log" "$@" \
        >"$logs/$name.harness" 2>&1 || rc=$?
    if ((rc == want)); then
        return 0
    fi
    why="run-vm returned $rc, expected $want (log: $logs/$name.log)"
    sed 's/^/    /' "$logs/$name.harness" | tail -n 15 >&2
    return 1
}
# result NAME T0: PASS unless $why says what went wrong.
result() {
    if [[ -z $why ]]; then
        echo "PASS $1 ($((SECONDS - $2))s)"
        passed=$((passed + 1))
    else
        echo "FAIL $1 ($((SECONDS - $2))s): $why"
        failed=$((failed + 1))
    fi
    why=
}

# --- dmesg-patterns ----------------------------------------------------------------
# First lines of real reports (one per checker), then boot banners of a
# debug kernel (tools/debug-kernel) and of 6.12 with KFENCE on.
cat >"$work/bad-lines" <<'EOF'
[   41.102345] BUG: KASAN: slab-use-after-free in dmr_end_io+0x1c/0x40 [dm_remap_v4]
[   41.102345] BUG: KASAN: use-after-free in dmr_end_io+0x1c/0x40 [dm_remap_v4]
[   41.102345] general protection fault, probably for non-canonical address 0xdffffc0000000001: 0000 [#1] PREEMPT SMP KASAN
[   41.102345] BUG: KFENCE: out-of-bounds read in dmr_parse+0x2a/0x90 [dm_remap_v4]
[   41.102345] WARNING: possible circular locking dependency detected
[   41.102345] WARNING: possible recursive locking detected
[   41.102345] WARNING: inconsistent lock state
[   41.102345] WARNING: suspicious RCU usage
[   41.102345] INFO: trying to register non-static key.
[   41.102345] turning off the locking correctness validator.
[   41.102345] BUG: sleeping function called from invalid context at kernel/locking/mutex.c:580
[   41.102345] ODEBUG: free active (active state 0) object: 00000000c0ffee00 object type: timer_list hint: dmr_timer+0x0/0x20 [dm_remap_v4]
[   41.102345] list_add corruption. prev->next should be next (ffff888003a1b2c8), but was ffff888003a1b2d0. (prev=ffff888003a1b2c8).
[   41.102345] list_del corruption, ffff888003a1b2c8->next is LIST_POISON1 (dead000000000100)
[   41.102345] list_add double add: new=ffff888003a1b2c8, prev=ffff888003a1b2c8, next=ffff888003a1b2d0.
[   41.102345] INFO: lockdep is turned off.
[   41.102345] INFO: task kworker/u4:2:57 blocked for more than 60 seconds.
[   41.102345] watchdog: BUG: soft lockup - CPU#1 stuck for 26s! [fio:812]
EOF
cat >"$work/clean-lines" <<'EOF'
[    0.000000] kasan: KernelAddressSanitizer initialized (generic)
[    0.000000] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar
[    0.000000] rcu: 	RCU lockdep checking is enabled.
[    0.000000] rcu: 	RCU callback double-/use-after-free debug is enabled.
[    0.000000] ... MAX_LOCKDEP_SUBCLASSES:  8
[    0.000000] ... MAX_LOCKDEP_ENTRIES:     32768
[    0.000000] kfence: initialized - using 2097152 bytes for 255 objects at 0x(____ptrval____)-0x(____ptrval____)
[   12.345678] dm-remap-v4: r0: remapped 8 blocks
EOF
t0=$SECONDS
while IFS= read -r line; do
    printf '%s\n' "$line" >"$work/one-line"
    rc=0
    "$here/run-vm.sh" --scan-log "$work/one-line" >/dev/null || rc=$?
    ((rc == 122)) || why+="${why:+; }not caught (rc $rc): ${line#*] }"
done <"$work/bad-lines"
rc=0
"$here/run-vm.sh" --scan-log "$work/clean-lines" >"$work/clean-hits" || rc=$?
((rc == 0)) || why+="${why:+; }clean boot lines flagged: $(tr '\n' '|' <"$work/clean-hits")"
result dmesg-patterns "$t0"

# --- exit-status ---------------------------------------------------------------
cat >"$work/exit3.sh" <<'EOF'
#!/bin/bash
# exit 3 if the environment is as promised, 4 otherwise
ok=1
[[ $PWD == "$DMR_REPO" ]] || { echo "cwd $PWD != $DMR_REPO"; ok=0; }
[[ $DMR_KVER == "$(uname -r)" ]] || { echo "DMR_KVER $DMR_KVER != $(uname -r)"; ok=0; }
[[ $# == 2 && $1 == "a b" && $2 == "c" ]] || { echo "bad args: $*"; ok=0; }
[[ ${SELFTEST_VAR:-} == "x y'z" ]] || { echo "bad --env: ${SELFTEST_VAR:-}"; ok=0; }
[[ ${DM_DISABLE_UDEV:-} == 1 ]] || { echo "DM_DISABLE_UDEV unset"; ok=0; }
((ok)) && exit 3
exit 4
EOF
t0=$SECONDS
expect exit-status 3 --env "SELFTEST_VAR=x y'z" -- "$work/exit3.sh" "a b" c || true
result exit-status "$t0"

# --- dmesg-check -----------------------------------------------------------------
cat >"$work/warn.sh" <<'EOF'
#!/bin/bash
echo "WARNING: test" >/dev/kmsg
exit 0
EOF
t0=$SECONDS
if expect dmesg-check 122 -- "$work/warn.sh"; then
    grep -q 'WARNING: test' "$logs/dmesg-check.harness" || why="offending line not printed"
fi
result dmesg-check "$t0"

# --- panic -------------------------------------------------------------------------
cat >"$work/panic.sh" <<'EOF'
#!/bin/bash
echo c >/proc/sysrq-trigger
sleep 100000
EOF
t0=$SECONDS
if expect panic 126 -- "$work/panic.sh"; then
    grep -q 'Kernel panic' "$logs/panic.harness" || why="panic message not printed"
fi
result panic "$t0"

# --- timeout -----------------------------------------------------------------------
cat >"$work/hang.sh" <<'EOF'
#!/bin/bash
sleep 100000
EOF
t0=$SECONDS
expect timeout 124 --timeout 20 -- "$work/hang.sh" || true
result timeout "$t0"

# --- power-cut -------------------------------------------------------------------
disk=$work/disk.img
truncate -s 8M "$disk"
marker="dmr-selftest-$$-$RANDOM"
cat >"$work/write-and-hang.sh" <<'EOF'
#!/bin/bash
set -euo pipefail
printf '%s' "$MARKER" | dd of=/dev/vda oflag=direct,sync conv=notrunc,sync bs=512 status=none
echo "$MARKER" >"$DMR_OUT/written"
sleep 100000
EOF
cat >"$work/read-back.sh" <<'EOF'
#!/bin/bash
set -euo pipefail
got=$(dd if=/dev/vda iflag=direct bs=512 count=1 status=none | tr -d '\0')
echo "read back: $got"
[[ $got == "$MARKER" ]]
EOF
t0=$SECONDS
if expect power-cut 137 --kill-after 35 --timeout 120 --disk "$disk" --out "$work/out" \
        --env "MARKER=$marker" -- "$work/write-and-hang.sh"; then
    if [[ $(cat "$work/out/written" 2>/dev/null) != "$marker" ]]; then
        why="guest did not reach its write within 35s, or --out is broken"
    elif ! grep -q "$marker" "$disk"; then
        why="marker not in the disk image after the power cut"
    else
        expect power-cut-reboot 0 --disk "$disk" --env "MARKER=$marker" -- "$work/read-back.sh" || true
    fi
fi
result power-cut "$t0"

echo "$passed passed, $failed failed"
((failed == 0))
