#!/bin/bash
# kernels.sh                 Debian kernels usable for VM tests, oldest first,
#                            one per line: headers (to build the module) AND
#                            an image, either installed (/lib/modules/<v>/build,
#                            /boot/vmlinuz-<v>) or unpacked, never installed,
#                            by tools/fetch-test-kernels.sh under
#                            build/kernels/root/ (`make deps` does that, so
#                            the host's boot menu stays as it is).  This is
#                            what `make test` runs on.
# kernels.sh --debug         the debug kernel(s) built by tools/debug-kernel/build.sh
#                            under build/debug-kernel/ (never installed on the
#                            host); exit 1 if there is none.  `make test-debug`.
# kernels.sh --rt            Debian's PREEMPT_RT kernels (linux-image-*-rt-amd64)
#                            unpacked by `tools/fetch-test-kernels.sh --rt`
#                            under build/kernels/rt/root/ (never installed);
#                            exit 1 if there is none.  Opt-in: `make test-rt`,
#                            never in the plain list, so not in `make test`.
# kernels.sh --info <v>      how to build for and boot kernel <v>, as key=value
#                            lines (see kernel_info below); exit 1 if unusable.
# If KVER is set (first two forms), only that version is checked and printed;
# it is an error (exit 1) if it is not usable.  KVER may name a debug or an
# RT kernel.
# DMR_DEBUG_KERNEL_DIR: where build.sh put the debug kernel (default
# <repo>/build/debug-kernel).  DMR_KERNEL_ROOT: where fetch-test-kernels.sh
# unpacks (default <repo>/build/kernels/root).  DMR_RT_KERNEL_ROOT: where
# `fetch-test-kernels.sh --rt` unpacks (default <repo>/build/kernels/rt/root).
# DMR_TEST_KERNELS=unpacked:
# ignore installed kernels (what a machine without them sees).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
dk=${DMR_DEBUG_KERNEL_DIR:-$repo/build/debug-kernel}
kr=${DMR_KERNEL_ROOT:-$repo/build/kernels/root}
rk=${DMR_RT_KERNEL_ROOT:-$repo/build/kernels/rt/root}

usable_debian() {
    [[ ${DMR_TEST_KERNELS:-} != unpacked && -d /lib/modules/$1/build && -f /boot/vmlinuz-$1 ]]
}
# Unpacked by fetch-test-kernels.sh (.relocated: its fixes are done), and
# its build link, an absolute path, still resolves (not if the clone moved).
usable_unpacked() {
    unpacked_in "$kr" "$1"
}
unpacked_in() { # ROOT VERSION
    [[ -f $1/boot/vmlinuz-$2 && -f $1/lib/modules/$2/modules.dep &&
        -f $1/usr/src/linux-headers-$2/.relocated && -f $1/lib/modules/$2/build/Makefile ]]
}
# A PREEMPT_RT kernel unpacked by fetch-test-kernels.sh --rt, the same way.
usable_rt() {
    unpacked_in "$rk" "$1"
}
usable_debug() {
    [[ -f $dk/boot/vmlinuz-$1 && -f $dk/lib/modules/$1/modules.dep && -d $dk/lib/modules/$1/build ]]
}
usable() {
    usable_debian "$1" || usable_unpacked "$1" || usable_debug "$1" || usable_rt "$1"
}

# kernel_info <v>: what run-vm.sh, run-suite.sh, build-initramfs.sh and the
# Makefile need to know about a kernel.  Debug kernels are much slower under
# TCG (KASAN + lockdep: boots take minutes) and KASAN needs more memory, so
# they get longer default timeouts and more RAM (VM_TIMEOUT, VM_BOOT_TIMEOUT
# and VM_MEM still override).
#   image=        kernel image for QEMU -kernel
#   moddir=       its /lib/modules/<v> (on the host)
#   kdir=         build tree for out-of-tree modules (make -C <kdir> M=...)
#   config=       its .config
#   debug=        1 for a debug kernel from build/debug-kernel, else 0
#   timeout=      default per-test timeout, s       (VM_TIMEOUT)
#   boot_timeout= default boot watchdog, s           (VM_BOOT_TIMEOUT)
#   mem=          default guest RAM, MB              (VM_MEM)
#   cmdline=      extra kernel command line words
#   host_env=     extra KEY=VALUE words for host tests (run-suite.sh)
kernel_info() {
    local v=$1 cmdline='' r=''
    if usable_debian "$v" || usable_unpacked "$v" || usable_rt "$v"; then
        if usable_rt "$v"; then r=$rk; elif ! usable_debian "$v"; then r=$kr; fi
        # KFENCE (6.12) ships with sampling off (interval 0): turn it on so
        # it catches some out-of-bounds and use-after-free accesses.
        if grep -qx 'CONFIG_KFENCE=y' "$r/boot/config-$v" 2>/dev/null; then
            cmdline=kfence.sample_interval=10
        fi
        printf '%s\n' "image=$r/boot/vmlinuz-$v" "moddir=$r/lib/modules/$v" \
            "kdir=$r/lib/modules/$v/build" "config=$r/boot/config-$v" debug=0 \
            timeout=300 boot_timeout=120 mem=2048 "cmdline=$cmdline" host_env=
    elif usable_debug "$v"; then
        # Not kasan_multi_shot: the first KASAN report fails the run already,
        # and a systematic one then floods the console until the timeout.
        # FIRST_START: 60-powercut's first guess of when its writer starts
        # after QEMU does (25 s on Debian kernels).
        printf '%s\n' "image=$dk/boot/vmlinuz-$v" "moddir=$dk/lib/modules/$v" \
            "kdir=$dk/lib/modules/$v/build" "config=$dk/boot/config-$v" debug=1 \
            timeout=1200 boot_timeout=600 mem=3072 cmdline= \
            "host_env=FIRST_START=150"
    else
        return 1
    fi
}

mode=list
case ${1:-} in
    --debug) mode=debug ;;
    --rt) mode=rt ;;
    --info)
        kernel_info "${2:?usage: $0 --info <kver>}" || {
            echo "kernels.sh: kernel ${2} is not usable (need /lib/modules/$2/build and /boot/vmlinuz-$2, or an unpacked kernel in $kr or $rk, or a debug build in $dk)" >&2
            exit 1
        }
        exit 0
        ;;
    "") ;;
    *) echo "usage: $0 [--debug | --rt | --info <kver>]" >&2; exit 2 ;;
esac

if [[ -n ${KVER:-} ]]; then
    if [[ $mode == debug ]] && ! usable_debug "$KVER"; then
        echo "kernels.sh: KVER=$KVER is not a debug kernel in $dk" >&2
        exit 1
    fi
    if [[ $mode == rt ]] && ! usable_rt "$KVER"; then
        echo "kernels.sh: KVER=$KVER is not an RT kernel in $rk" >&2
        exit 1
    fi
    if ! usable "$KVER"; then
        echo "kernels.sh: KVER=$KVER is not usable (need /lib/modules/$KVER/build and /boot/vmlinuz-$KVER, or an unpacked kernel in $kr or $rk, or a debug build in $dk)" >&2
        exit 1
    fi
    echo "$KVER"
    exit 0
fi

found=()
shopt -s nullglob
if [[ $mode == debug ]]; then
    for img in "$dk"/boot/vmlinuz-*; do
        v=${img##*/vmlinuz-}
        if usable_debug "$v"; then
            found+=("$v")
        fi
    done
    if ((${#found[@]} == 0)); then
        echo "kernels.sh: no debug kernel in $dk (run tools/debug-kernel/build.sh)" >&2
        exit 1
    fi
elif [[ $mode == rt ]]; then
    for img in "$rk"/boot/vmlinuz-*; do
        v=${img##*/vmlinuz-}
        if usable_rt "$v"; then
            found+=("$v")
        fi
    done
    if ((${#found[@]} == 0)); then
        echo "kernels.sh: no RT kernel in $rk (run tools/fetch-test-kernels.sh --rt)" >&2
        exit 1
    fi
else
    for img in /boot/vmlinuz-* "$kr"/boot/vmlinuz-*; do
        v=${img##*/vmlinuz-}
        if usable_debian "$v" || usable_unpacked "$v"; then
            found+=("$v")
        fi
    done
    if ((${#found[@]} == 0)); then
        echo "kernels.sh: no usable kernel (need /boot/vmlinuz-<v> and /lib/modules/<v>/build, or one unpacked in $kr: make deps)" >&2
        exit 1
    fi
fi
printf '%s\n' "${found[@]}" | sort -Vu
