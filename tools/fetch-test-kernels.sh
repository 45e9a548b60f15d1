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
# build/kernels/debs/), `dpkg-deb -x` into build/kernels/root/, then what
# the packages' maintainer scripts would do, inside that tree: depmod, and
# the headers pointed at the unpacked tree (the Makefile's include of the
# common headers, the lib/modules/<v>/build and source links).
# Nothing outside build/kernels/ changes; apt-get update runs (root) only
# if a package is not known to apt.
#
# Env: DMR_KERNEL_ROOT (default <repo>/build/kernels/root).
# Usage: fetch-test-kernels.sh [VERSION...] (default: the two above)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd -P)
root=${DMR_KERNEL_ROOT:-$repo/build/kernels/root}
debs=$(dirname "$root")/debs
mkdir -p "$root" "$debs"

have_series() { # SERIES (6.1, 6.12): a usable kernel of it exists
    DMR_KERNEL_ROOT=$root "$repo/tests/vm/kernels.sh" 2>/dev/null | grep -q "^${1//./\\.}\."
}
updated=
apt_update() {
    [[ -n $updated ]] && return
    apt-get update -qq
    updated=1
}
newest() { # PATTERN: the newest linux-image-<v> version matching it
    apt-cache search --names-only "^linux-image-$1\$" | awk '{print $1}' |
        sed 's/^linux-image-//' | sort -V | tail -n 1
}

versions=("$@")
if ((${#versions[@]} == 0)); then
    if ! have_series 6.1; then
        v=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: linux-image-\(6\.1\.[^ ]*-amd64\)$/\1/p' | head -n 1)
        [[ -n $v ]] || { apt_update; v=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: linux-image-\(6\.1\.[^ ]*-amd64\)$/\1/p' | head -n 1); }
        [[ -n $v ]] && versions+=("$v")
    fi
    if ! have_series 6.12; then
        v=$(newest '6\.12\.[0-9]+\+deb12-amd64')
        [[ -n $v ]] || { apt_update; v=$(newest '6\.12\.[0-9]+\+deb12-amd64'); }
        if [[ -n $v ]]; then versions+=("$v"); else
            echo "fetch-test-kernels: no 6.12 kernel in the apt sources; testing on 6.1 only" >&2
        fi
    fi
fi

for v in "${versions[@]}"; do
    if [[ -f $root/boot/vmlinuz-$v && -f $root/lib/modules/$v/modules.dep &&
        -f $root/usr/src/linux-headers-$v/.relocated ]]; then
        continue
    fi
    apt-cache show "linux-image-$v" >/dev/null 2>&1 || apt_update
    pkgs=("linux-image-$v" "linux-headers-$v")
    mapfile -t -O 2 pkgs < <(apt-cache depends "linux-headers-$v" |
        sed -n 's/^ *Depends: \(linux-headers-[^ ]*-common\|linux-kbuild-[^ ]*\)$/\1/p' | sort -u)
    echo "fetch-test-kernels: $v: ${pkgs[*]} (unpacked into $root, not installed)"
    (cd "$debs" && apt-get -o APT::Sandbox::User=root download -qq "${pkgs[@]}")
    for p in "${pkgs[@]}"; do
        f=$(ls -t "$debs/${p}_"*.deb | head -n 1)
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
    [[ -f $hdr/.config && -f $root/boot/config-$v ]] || { echo "fetch-test-kernels: $v is incomplete" >&2; exit 1; }
    touch "$hdr/.relocated"
done
