#!/bin/bash
# List kernel versions usable for VM tests, oldest first, one per line.
# Usable = headers (/lib/modules/<v>/build, to build the module) AND a
# bootable image (/boot/vmlinuz-<v>).  If KVER is set, only that version is
# checked and printed; it is an error (exit 1) if it is not usable.
set -euo pipefail

usable() {
    [[ -d /lib/modules/$1/build && -f /boot/vmlinuz-$1 ]]
}

if [[ -n ${KVER:-} ]]; then
    if ! usable "$KVER"; then
        echo "kernels.sh: KVER=$KVER is not usable (need /lib/modules/$KVER/build and /boot/vmlinuz-$KVER)" >&2
        exit 1
    fi
    echo "$KVER"
    exit 0
fi

found=()
shopt -s nullglob
for img in /boot/vmlinuz-*; do
    v=${img#/boot/vmlinuz-}
    if usable "$v"; then
        found+=("$v")
    fi
done
if ((${#found[@]} == 0)); then
    echo "kernels.sh: no usable kernel (need /boot/vmlinuz-<v> and /lib/modules/<v>/build)" >&2
    exit 1
fi
printf '%s\n' "${found[@]}" | sort -V
