#!/bin/bash
# run-vm.sh [options] -- SCRIPT [ARGS...]
#
# Boots a throw-away QEMU VM (TCG) on a Debian kernel with the host root
# shared read-only (plus a RAM overlay, so the guest can write anywhere) and
# runs SCRIPT (a host path; same path in the guest) with ARGS, as root, with
# cwd = repository root, stdin = /dev/null, stdout/stderr on the serial
# console.  The console is shown live and saved to the log file.
#
# Options:
#   --kernel KVER     kernel to boot (default: $KVER, else newest from kernels.sh);
#                     a Debian kernel, or the debug kernel from build/debug-kernel
#                     (kernels.sh --debug), booted from there, not from /boot
#   --timeout SEC     kill QEMU and fail (124) after SEC s (default: $VM_TIMEOUT,
#                     else 300; debug kernel 1200: kernels.sh --info)
#   --kill-after SEC  SIGKILL QEMU after SEC s (fractions ok) to simulate a
#                     power cut; returns 137 if it fired (see exit codes)
#   --mem MB          guest RAM (default: $VM_MEM, else 2048; debug kernel 3072)
#   --disk FILE       attach FILE as a raw virtio disk (repeatable; the guest
#                     sees them as /dev/vda, /dev/vdb, ... in order)
#   --nvme FILE       attach FILE as an emulated NVMe drive (QEMU's -device
#                     nvme, serial dmr-nvme; the guest sees /dev/nvme0n1),
#                     e.g. for smartctl on a real NVMe health log
#   --upper FILE      an ext4 image (mkfs.ext4 on the host) that holds the
#                     overlay's upper layer instead of RAM: what the guest
#                     changes in its root persists to the next boot on FILE
#                     (attached after the --disk disks, found by its serial)
#   --systemd         boot the guest's systemd as PID 1 (over the overlay
#                     root) into dmr-vm.target = basic.target + a oneshot
#                     unit that runs SCRIPT (stdout on the console), then
#                     powers off through systemd; systemd-udevd runs, so
#                     DM_DISABLE_UDEV is not set and DMR_SYSTEMD=1 is
#   --out DIR         share host DIR read-write, mounted at the same path in
#                     the guest (repeatable; first one exported as DMR_OUT)
#   --env K=V         export K=V into the guest script's environment (repeatable)
#   --log FILE        console log (default: build/vm/logs/run-vm.log)
#   --smp N           vCPUs (default: $VM_SMP, else 2)
#   --qemu-arg ARG    pass ARG to QEMU as is (repeatable; e.g. the icount
#                     benchmark's -icount and -plugin, tools/bench/icount)
#   --quiet           do not echo the console live (log file only)
#
# Guest environment: DMR_KVER, DMR_REPO, DMR_KO (only if
# build/kmod/<KVER>/dm-remap-v4.ko exists), DMR_OUT (if --out), DM_DISABLE_UDEV=1,
# plus every --env (--systemd: DMR_SYSTEMD=1 instead of DM_DISABLE_UDEV).
#
# Exit status:
#   0..255  the guest script's exit status (when the kernel log is clean)
#   122     guest kernel log contains Oops/BUG/WARNING/... (lines are printed)
#   124     --timeout expired, QEMU killed
#   125     harness error (bad usage, missing kernel, init could not set up)
#   126     guest ended without reporting a status (panic, crash, reset)
#   137     --kill-after fired: QEMU was SIGKILLed as requested ("power cut")
# A guest script should avoid exiting with these codes itself.
#
# A kernel that dies, or hangs for VM_BOOT_TIMEOUT s (default 120; debug
# kernel 600), before the guest init ran is booted once more (retry_boot below).
# Env knobs: VM_TIMEOUT, VM_BOOT_TIMEOUT, VM_MEM, VM_ACCEL (default tcg:
# nested KVM hangs here), VM_CPU (default max).
#
# run-vm.sh --scan-log FILE: print the lines of FILE (a guest kernel log)
# that make a run fail with 122, and exit 122 if there are any, else 0.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}
err() {
    echo "run-vm: $*" >&2
    exit 125
}

# Kernel log lines that fail a run (122): Oops, BUG:, WARNING:, KASAN,
# lockdep, ... (the list and why: kernel-log-bad.re).
bad_re=$(grep -v -e '^#' -e '^$' "$here/kernel-log-bad.re" | paste -sd '|') ||
    err "cannot read $here/kernel-log-bad.re"
if [[ ${1:-} == --scan-log ]]; then
    [[ -f ${2:-} ]] || err "usage: $0 --scan-log FILE"
    grep -aE "$bad_re" "$2" && exit 122
    exit 0
fi

orig_args=("$@")
kver=${KVER:-}
timeout_s=${VM_TIMEOUT:-}
kill_after=
mem=${VM_MEM:-}
smp=${VM_SMP:-2}
qemu_extra=()
disks=()
nvmes=()
upper=
systemd=0
outs=()
envs=()
log=$repo/build/vm/logs/run-vm.log
quiet=0
while (($#)); do
    case $1 in
        --kernel) kver=${2:?}; shift 2 ;;
        --timeout) timeout_s=${2:?}; shift 2 ;;
        --kill-after) kill_after=${2:?}; shift 2 ;;
        --mem) mem=${2:?}; shift 2 ;;
        --disk) disks+=("${2:?}"); shift 2 ;;
        --nvme) nvmes+=("${2:?}"); shift 2 ;;
        --out) outs+=("${2:?}"); shift 2 ;;
        --upper) upper=${2:?}; shift 2 ;;
        --systemd) systemd=1; shift ;;
        --env) envs+=("${2:?}"); shift 2 ;;
        --log) log=${2:?}; shift 2 ;;
        --smp) smp=${2:?}; shift 2 ;;
        --qemu-arg) qemu_extra+=("${2:?}"); shift 2 ;;
        --quiet) quiet=1; shift ;;
        -h | --help) usage; exit 0 ;;
        --) shift; break ;;
        *) usage >&2; err "unknown option: $1" ;;
    esac
done
(($# >= 1)) || { usage >&2; err "missing SCRIPT"; }
script=$1
shift

[[ -f $script ]] || err "no such script: $script"
script=$(realpath "$script")

if [[ -z $kver ]]; then
    kver=$("$here/kernels.sh" | tail -n 1) || err "no usable kernel"
fi
# Where the kernel's image and modules are and its defaults (kernels.sh --info).
info=$("$here/kernels.sh" --info "$kver") || err "kernel $kver not usable"
declare -A kinfo=()
while IFS='=' read -r k v; do
    kinfo[$k]=$v
done <<<"$info"
timeout_s=${timeout_s:-${kinfo[timeout]}}
mem=${mem:-${kinfo[mem]}}
kimage=${kinfo[image]}
kmoddir=${kinfo[moddir]}

[[ $timeout_s =~ ^[0-9]+$ ]] || err "--timeout must be whole seconds"
[[ -z $kill_after || $kill_after =~ ^[0-9]+(\.[0-9]+)?$ ]] || err "bad --kill-after"
[[ $mem =~ ^[0-9]+$ ]] || err "bad --mem"
[[ $smp =~ ^[1-9][0-9]*$ ]] || err "bad --smp"

command -v qemu-system-x86_64 >/dev/null || err "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"

# Paths go through vm.conf / the kernel command line unquoted.
nospace() {
    [[ $1 != *[[:space:]\'\"]* ]] || err "path with whitespace or quotes not supported: $1"
}
nospace "$repo"
nospace "$script"
nospace "$kmoddir"

# Initramfs, cached per kernel; rebuilt when the builder or modules change.
initrd=$repo/build/vm/initramfs-$kver.cpio.gz
if [[ ! -s $initrd || $here/build-initramfs.sh -nt $initrd ||
      $kmoddir/modules.dep -nt $initrd ]]; then
    "$here/build-initramfs.sh" "$kver" "$initrd" "$kmoddir" || err "initramfs build failed"
fi

mkdir -p "$repo/build/vm/tmp" "$(dirname "$log")"
rundir=$(mktemp -d "$repo/build/vm/tmp/run.XXXXXX")
qpid=
tpid=
wpids=()
# shellcheck disable=SC2317  # invoked via trap
cleanup() {
    local p
    for p in "${wpids[@]}" $tpid $qpid; do
        kill "$p" 2>/dev/null || true
    done
    rm -rf "$rundir"
}
trap cleanup EXIT
trap 'echo "run-vm: interrupted" >&2; exit 130' INT TERM

# --- guest job -------------------------------------------------------------
qemu_outs=()
vm_outs=()
i=0
for d in "${outs[@]}"; do
    mkdir -p "$d"
    d=$(realpath "$d")
    nospace "$d"
    qemu_outs+=(-virtfs "local,path=${d//,/,,},mount_tag=out$i,security_model=none,multidevs=remap")
    vm_outs+=("out$i=$d")
    i=$((i + 1))
done
{
    echo "# generated by run-vm.sh, read by the initramfs /init"
    echo "DMR_EXPOSE='$repo $(dirname "$script") $rundir'"
    echo "DMR_OUTS='${vm_outs[*]}'"
    # Not installed on the host: /init mounts it at /lib/modules/<kver>.
    if [[ $kmoddir != "/lib/modules/$kver" ]]; then
        echo "DMR_KMODDIR='$kmoddir'"
    fi
} >"$rundir/vm.conf"

ko=$repo/build/kmod/$kver/dm-remap-v4.ko
{
    echo "#!/bin/bash"
    echo "# generated by run-vm.sh: environment + the guest script"
    echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    if ((systemd)); then
        echo "export HOME=/root LC_ALL=C TERM=dumb DMR_SYSTEMD=1"
    else
        echo "export HOME=/root LC_ALL=C TERM=dumb DM_DISABLE_UDEV=1"
    fi
    printf 'export DMR_KVER=%q DMR_REPO=%q\n' "$kver" "$repo"
    if [[ -f $ko ]]; then
        printf 'export DMR_KO=%q\n' "$ko"
    fi
    if ((${#outs[@]})); then
        printf 'export DMR_OUT=%q\n' "${vm_outs[0]#*=}"
    fi
    for kv in "${envs[@]}"; do
        [[ $kv =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || err "bad --env: $kv"
        printf 'export %s=%q\n' "${kv%%=*}" "${kv#*=}"
    done
    printf 'cd %q || exit 125\n' "$repo"
    printf 'if [[ -x %q ]]; then exec' "$script"
    printf ' %q' "$script" "$@"
    printf '; else exec bash'
    printf ' %q' "$script" "$@"
    printf '; fi\n'
} >"$rundir/job.sh"

# --- QEMU --------------------------------------------------------------------
qemu_disks=()
for f in "${disks[@]}"; do
    [[ -f $f || -b $f ]] || err "no such disk image: $f"
    f=$(realpath "$f")
    qemu_disks+=(-drive "file=${f//,/,,},if=virtio,format=raw,cache=writeback,discard=unmap")
done
n=0
for f in "${nvmes[@]}"; do
    [[ -f $f ]] || err "no such NVMe image: $f"
    f=$(realpath "$f")
    qemu_disks+=(-drive "file=${f//,/,,},if=none,id=dmrnvme$n,format=raw,cache=writeback"
                 -device "nvme,drive=dmrnvme$n,serial=dmr-nvme$n")
    n=$((n + 1))
done
if [[ -n $upper ]]; then
    [[ -f $upper ]] || err "no such upper image: $upper"
    f=$(realpath "$upper")
    # The last PCI slot: probed after the --disk disks, which keep their
    # names (vda, vdb, ...); the guest's /init finds it by its serial.
    qemu_disks+=(-drive "file=${f//,/,,},if=none,id=dmrupper,format=raw,cache=writeback"
                 -device "virtio-blk-pci,drive=dmrupper,serial=dmr-upper,addr=0x1f")
fi

# tsc=reliable: under a loaded TCG host the clocksource watchdog sees the
# TSC "skew" against the HPET and marks it unstable mid-test; the kernel
# then flips the sched_clock static key by live text patching, and TCG's
# cross-vCPU code modification sometimes lets the other vCPU execute the
# stale int3 (Oops in sched_clock_cpu, seen twice on 6.12).  The emulated
# TSC follows the host clock, so it is as good as reliable.
cmdline="console=ttyS0,115200 loglevel=5 panic=-1 log_buf_len=8M mitigations=off tsc=reliable"
# Per-kernel extras (kernels.sh --info): KFENCE sampling on Debian kernels
# that have it.
cmdline+=" 8250.nr_uarts=1${kinfo[cmdline]:+ ${kinfo[cmdline]}} dmr.job=$rundir/job.sh"
[[ -z $upper ]] || cmdline+=" dmr.upper=dmr-upper"
# Unit names, not descriptions, in systemd's console status lines: short
# enough not to be cut, and what a test looks for.
((systemd == 0)) || cmdline+=" dmr.systemd=1 systemd.status_unit_format=name"
qemu=(qemu-system-x86_64 -accel "${VM_ACCEL:-tcg}" -cpu "${VM_CPU:-max}" -smp "$smp" -m "$mem"
      -nographic -no-reboot -nic none
      -kernel "$kimage" -initrd "$initrd" -append "$cmdline"
      -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
      "${qemu_outs[@]}" "${qemu_disks[@]}" "${qemu_extra[@]}")

# QEMU writes to a private file (the verdict is parsed from it, so runs
# sharing a --log cannot confuse each other); `tail --pid` copies it live to
# the log and the terminal and stops when QEMU is gone.  QEMU's stdin is
# /dev/null so the terminal is never put in raw mode.
console=$rundir/console.log
: >"$console"
{
    echo "run-vm: kernel $kver, script $script $*"
    echo "run-vm: $(printf '%q ' "${qemu[@]}")"
} >"$log"
start=$EPOCHREALTIME
"${qemu[@]}" </dev/null >>"$console" 2>&1 &
qpid=$!
if ((quiet)); then
    tail -n +1 -s 0.2 -f --pid="$qpid" "$console" >>"$log" &
else
    # The full boot dmesg dump is long: show a one-line stub instead (it is
    # in the log; kernel warnings still appear live via the console).
    tail -n +1 -s 0.2 -f --pid="$qpid" "$console" | tee -a "$log" |
        sed -u '/^===== DMR DMESG BEGIN/,/^===== DMR DMESG END/{
                    /^===== DMR DMESG END/!d
                    s/.*/[guest dmesg: in the log]/
                }' &
fi
tpid=$!

# Watchdogs: each sleeps, leaves a flag file for the verdict and kills QEMU.
# stop_qemu SIGNAL: QEMU normally quits on TERM; make sure 5 s later.  (Sets
# the caller's spid, which its TERM trap kills.)
stop_qemu() {
    kill "-$1" "$qpid" 2>/dev/null || true
    [[ $1 == TERM ]] || return 0
    sleep 5 &
    spid=$!
    wait "$spid"
    kill -KILL "$qpid" 2>/dev/null || true
}
watchdog() { # <seconds> <signal> <flag>
    local spid
    sleep "$1" &
    spid=$!
    trap 'kill $spid 2>/dev/null; exit 0' TERM
    wait "$spid"
    touch "$rundir/$3"
    stop_qemu "$2"
}
watchdog "$timeout_s" TERM timed-out &
wpids+=($!)
# Boot watchdog: boots take 3-30 s here (the debug kernel: much longer); a
# kernel that has not reached our init after VM_BOOT_TIMEOUT s hung in the
# emulator (seen once on 6.1, at 1.2 s of kernel time), before anything of
# ours was loaded.
boot_watchdog() {
    local spid i
    trap 'kill $spid 2>/dev/null; exit 0' TERM
    for ((i = 0; i < boot_timeout; i++)); do
        grep -aq 'DMR-INIT: boot done' "$console" && exit 0
        sleep 1 &
        spid=$!
        wait "$spid"
    done
    touch "$rundir/boot-hung"
    stop_qemu TERM
}
boot_timeout=${VM_BOOT_TIMEOUT:-${kinfo[boot_timeout]}}
if ((boot_timeout < timeout_s)); then
    boot_watchdog &
    wpids+=($!)
fi
if [[ -n $kill_after ]]; then
    watchdog "$kill_after" KILL power-cut &
    wpids+=($!)
fi

qrc=0
wait "$qpid" || qrc=$?
qpid=
for p in "${wpids[@]}"; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
done
wpids=()
if [[ -n $tpid ]]; then
    wait "$tpid" || true
    tpid=
fi
elapsed=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')

# --- verdict -----------------------------------------------------------------
say() {
    echo "run-vm: $*" | tee -a "$log" >&2
}
clean=$rundir/console.txt
tr -d '\r' <"$console" >"$clean"
dmesg_txt=$rundir/dmesg.txt
sed -n '/^===== DMR DMESG BEGIN =====$/,/^===== DMR DMESG END =====$/p' "$clean" >"$dmesg_txt"
status=$(sed -n '/^===== DMR DMESG END =====$/,$p' "$clean" |
         sed -n 's/^DMR_EXIT=\([0-9][0-9]*\)$/\1/p' | tail -n 1)

# retry_boot WHY: boot once more (once) when the kernel died or hung before
# our init ran: nothing of ours was loaded, so the test never started.
retry_boot() {
    grep -aq '^DMR-INIT: boot done' "$clean" && return 0
    [[ -z ${DMR_VM_RETRIED:-} ]] || return 0
    say "$1, before the guest init ran: booting once more"
    { grep -aE "$bad_re|Kernel panic" "$clean" || tail -n 5 "$clean"; } | head -n 10 |
        sed 's/^/run-vm:   /' | tee -a "$log" >&2
    cp "$log" "$log.failed-boot" 2>/dev/null || true
    cleanup
    trap - EXIT
    DMR_VM_RETRIED=1 exec "$0" "${orig_args[@]}"
}

if [[ -e $rundir/boot-hung && -z $status ]]; then
    retry_boot "the kernel hung during boot (no guest init after ${boot_timeout}s)"
    say "TIMEOUT: the kernel did not reach the guest init within ${boot_timeout}s (VM_BOOT_TIMEOUT) -> 124 (log: $log)"
    exit 124
fi
if [[ -e $rundir/power-cut && -z $status ]]; then
    say "power cut: QEMU SIGKILLed after ${kill_after}s as requested (--kill-after) -> 137"
    exit 137
fi
if [[ -e $rundir/timed-out && -z $status ]]; then
    say "TIMEOUT: guest did not finish within ${timeout_s}s, QEMU killed -> 124 (log: $log)"
    grep -aE "$bad_re" "$clean" | head -n 40 | sed 's/^/run-vm:   /' >&2 || true
    exit 124
fi
if init_fail=$(grep -a '^DMR_INIT_FAILED=' "$clean"); then
    say "guest init failed: ${init_fail#DMR_INIT_FAILED=} -> 125 (log: $log)"
    exit 125
fi
if [[ -z $status ]]; then
    if ((qrc != 0)); then
        say "QEMU exited with status $qrc without a guest result -> 125 (log: $log)"
        tail -n 20 "$clean" | sed 's/^/run-vm:   /' >&2
        exit 125
    fi
    # A TCG flake (seen once in hundreds of boots: an int3 Oops in
    # sched_clock_cpu while 6.12 patched its own text at boot).
    retry_boot "the kernel died during boot"
    say "guest ended without DMR_EXIT (panic/crash/reset?) -> 126 (log: $log)"
    { grep -aE "$bad_re|Kernel panic" "$clean" || tail -n 30 "$clean"; } | head -n 60 |
        sed 's/^/run-vm:   /' >&2
    exit 126
fi
if bad=$(grep -aE "$bad_re" "$dmesg_txt"); then
    say "guest kernel log is not clean (guest script status $status) -> 122:"
    printf '%s\n' "$bad" | head -n 60 | sed 's/^/run-vm:   /' | tee -a "$log" >&2
    exit 122
fi
say "guest script exited with status $status (${elapsed}s incl. boot)"
exit "$status"
