#!/usr/bin/env bash
# fetch-test-kernels.sh: the Debian kernels the VM tests boot, unpacked
# under build/kernels/root/ instead of installed, so `make test` never
# changes which kernel the host boots (installing linux-image-* would make
# GRUB boot the newest one).  Which: the 6.1 LTS kernel of linux-image-amd64
# and the newest 6.12 of bookworm-security.  A series is skipped when a
# kernel of it is usable already (tests/vm/kernels.sh: installed, or
# unpacked here before).
#
# For each version <v>: `apt-get download` of linux-image-<v>, linux-headers-<v>
# and the headers' linux-headers-*-common and linux-kbuild-* (into
# build/kernels/debs/<v>/), `dpkg-deb -x` into build/kernels/root/, then
# what the packages' maintainer scripts would do, inside that tree: depmod,
# and the headers pointed at the unpacked tree (the Makefile's include of
# the common headers, the lib/modules/<v>/build and source links).  What
# those packages depend on that is not a kernel package (pahole, libssl3,
# gcc-12, ...) is installed with apt, since building a module needs it.
# Nothing else changes outside build/kernels/.  Root (or sudo) is needed
# only for apt-get update/install; run it as the user who owns the clone.
#
# --rt: the PREEMPT_RT flavour instead (linux-image-*-rt-amd64: the 6.1
# of linux-image-rt-amd64 and the newest 6.12 -rt), unpacked the same way
# under build/kernels/rt/root/, which `tests/vm/kernels.sh --rt` lists and
# the plain list does not: opt-in (`make test-rt`), never part of `make test`.
#
# Env: DMR_KERNEL_ROOT (default <repo>/build/kernels/root), with --rt
# DMR_RT_KERNEL_ROOT (default <repo>/build/kernels/rt/root).
# Usage: fetch-test-kernels.sh [--rt] [VERSION...] (default: the two above)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd -P)
flavour=amd64 list=()
if [[ ${1:-} == --rt ]]; then
    shift
    flavour=rt-amd64 list=(--rt)
    root=${DMR_RT_KERNEL_ROOT:-$repo/build/kernels/rt/root}
else
    root=${DMR_KERNEL_ROOT:-$repo/build/kernels/root}
fi
debs=$(dirname "$root")/debs
mkdir -p "$root" "$debs"
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO=sudo

have_series() { # SERIES (6.1, 6.12): a usable kernel of it exists
    DMR_KERNEL_ROOT=$root DMR_RT_KERNEL_ROOT=$root "$repo/tests/vm/kernels.sh" "${list[@]}" 2>/dev/null |
        grep "^${1//./\\.}\." | grep -q -- "-$flavour\$"
}
updated=
apt_update() {
    [[ -n $updated ]] && return
    $SUDO apt-get update -qq
    updated=1
}
# The 6.1 version linux-image-amd64 (-rt-amd64) depends on, and the newest
# 6.12 one.
pick_61() {
    { apt-cache depends "linux-image-$flavour" 2>/dev/null || true; } |
        sed -n "s/.*Depends: linux-image-\(6\.1\.[^ ]*-$flavour\)\$/\1/p" | head -n 1
}
pick_612() {
    { apt-cache search --names-only "^linux-image-6\\.12\\.[0-9]+\\+deb12-$flavour\$" 2>/dev/null || true; } |
        awk '{print $1}' | sed 's/^linux-image-//' | sort -V | tail -n 1
}
# Unpacked here and usable, as kernels.sh decides it (relocated, links
# still resolving: a moved clone leaves them dangling, so fetch again).
unpacked() {
    DMR_TEST_KERNELS=unpacked DMR_KERNEL_ROOT=$root DMR_RT_KERNEL_ROOT=$root KVER=$1 \
        "$repo/tests/vm/kernels.sh" >/dev/null 2>&1
}

versions=("$@")
if ((${#versions[@]} == 0)); then
    want=()
    have_series 6.1 || want+=(6.1)
    have_series 6.12 || want+=(6.12)
    # Choosing versions from stale package lists would name packages the
    # archive no longer has: update first (the old install-deps did too).
    ((${#want[@]} == 0)) || apt_update
    for s in "${want[@]}"; do
        if [[ $s == 6.1 ]]; then v=$(pick_61); else v=$(pick_612); fi
        if [[ -n $v ]]; then versions+=("$v"); else
            echo "fetch-test-kernels: no $s $flavour kernel in the apt sources; not testing on $s" >&2
        fi
    done
fi

for v in "${versions[@]}"; do
    unpacked "$v" && continue
    apt-cache show "linux-image-$v" >/dev/null 2>&1 || apt_update
    pkgs=("linux-image-$v" "linux-headers-$v")
    mapfile -t -O 2 pkgs < <(apt-cache depends "linux-headers-$v" |
        sed -n 's/^ *Depends: \(linux-headers-[^ ]*-common\(-rt\)\{0,1\}\|linux-kbuild-[^ ]*\)$/\1/p' | sort -u)
    echo "fetch-test-kernels: $v: ${pkgs[*]} (unpacked into $root, not installed)"
    # What the headers and kbuild depend on that is not a kernel package:
    # the compiler, pahole (6.12 generates BTF for every module), the
    # libraries of kbuild's tools (linux-base: only the image's scripts).
    mapfile -t needs < <(apt-cache depends "${pkgs[@]:1}" |
        sed -n 's/^ *|\{0,1\}Depends: \([^ <>]*\)$/\1/p' |
        grep -Ev '^linux-(image|headers|kbuild)-|^linux-base$' | sort -u)
    missing=()
    for p in "${needs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if ((${#missing[@]})); then
        echo "fetch-test-kernels: installing what building modules for $v needs: ${missing[*]}"
        apt_update
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
    # A directory per version, so a re-run or another ABI of a package with
    # the same name (linux-kbuild-6.1) never picks a stale file.
    dl=$debs/$v
    rm -rf "$dl"
    mkdir -p "$dl"
    (cd "$dl" && apt-get -o APT::Sandbox::User="$(id -un)" download -qq "${pkgs[@]}")
    for f in "$dl"/*.deb; do
        dpkg-deb -x "$f" "$root"
    done
    depmod -b "$root" "$v"
    hdr=$root/usr/src/linux-headers-$v
    # "include /usr/src/linux-headers-<x>-common/Makefile": the unpacked one.
    sed -i "s|^include /usr/src/|include $root/usr/src/|" "$hdr/Makefile"
    # Absolute host paths: the VM sees the host's tree at the same paths
    # (a relative link would resolve against the guest's /usr/lib/modules).
    ln -sfn "$hdr" "$root/lib/modules/$v/build"
    src=$(readlink "$root/lib/modules/$v/source" || true)
    [[ $src != /usr/src/* ]] || ln -sfn "$root$src" "$root/lib/modules/$v/source"
    common=$(sed -n "s|^include \($root/usr/src/[^ ]*\)/Makefile$|\1|p" "$hdr/Makefile")
    if [[ ! -f $hdr/.config || ! -f $root/boot/config-$v || -z $common || ! -f $common/Makefile ||
        ! -x $hdr/scripts/basic/fixdep ]]; then
        echo "fetch-test-kernels: $v is incomplete after unpacking (${pkgs[*]})" >&2
        exit 1
    fi
    touch "$hdr/.relocated"
done
