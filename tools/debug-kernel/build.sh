#!/usr/bin/env bash
# Builds the debug kernel for `make test-debug`: Debian's linux-source-6.1
# with lockdep, KASAN, debug objects and list debugging (debug.config), as
# small as `make defconfig kvm_guest.config` allows, so it builds in well
# under an hour on 2 cores.
#
# Everything stays under build/debug-kernel/ (the host's /boot and
# /lib/modules are never touched):
#   src/                       the kernel tree, built in place; KDIR for M= builds
#   boot/vmlinuz-<kver>        the image QEMU boots (+ config-, System.map-)
#   lib/modules/<kver>/        modules_install with INSTALL_MOD_PATH; build -> src
#   kver                       the kernel release string, e.g. 6.1.192-dmrdebug
#   stamp                      hash of what the build depends on (see below)
# tests/vm/kernels.sh finds it there: `kernels.sh --debug` lists it,
# `KVER=<kver>` selects it, run-vm.sh boots it.
#
# Cached: nothing is done when the stamp matches debug.config + the source
# package version and the image and modules exist.  Otherwise the tree is
# (re)configured and `make` rebuilds what changed.
#
# Env: DMR_DEBUG_KERNEL_DIR (default <repo>/build/debug-kernel), JOBS
# (default nproc), FORCE=1 (rebuild even if the stamp matches).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
out=${DMR_DEBUG_KERNEL_DIR:-$repo/build/debug-kernel}
fragment=$here/debug.config
tarball=/usr/src/linux-source-6.1.tar.xz
jobs=${JOBS:-$(nproc)}
src=$out/src

say() { echo "debug-kernel: $*" >&2; }
die() {
    say "ERROR: $*"
    exit 1
}

# --- dependencies (not in install-deps.sh: linux-source alone is 140 MB) ---------
pkgs=(linux-source-6.1 build-essential bc flex bison libelf-dev libssl-dev
      dwarves xz-utils rsync cpio kmod python3)
install_deps() {
    local p missing=() sudo=
    for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    [[ $(id -u) -eq 0 ]] || sudo=sudo
    say "installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# The stamp: the fragment and the exact source package (a security update of
# linux-source-6.1 changes the kernel, so it is rebuilt).
src_version() {
    dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || echo none
}
want_stamp() {
    { src_version; cat "$fragment"; } | sha256sum | cut -d' ' -f1
}
is_current() {
    local kver
    [[ -f $out/stamp && -f $out/kver ]] || return 1
    kver=$(<"$out/kver")
    [[ $(<"$out/stamp") == "$(want_stamp)" && -s $out/boot/vmlinuz-$kver &&
       -f $out/lib/modules/$kver/modules.dep && -f $src/Module.symvers ]]
}

mkdir -p "$out"
# One build at a time (two `make test-debug` runs would share the tree).
exec 9>"$out/.lock"
flock 9

if [[ ${FORCE:-0} != 1 ]] && is_current; then
    say "$(<"$out/kver") is up to date in $out"
    exit 0
fi
t0=$SECONDS
install_deps
[[ -f $tarball ]] || die "$tarball missing (apt-get install linux-source-6.1)"

# --- source ------------------------------------------------------------------
# Unpacked once per source package version; a new version starts from scratch.
if [[ ! -f $src/.dmr-src-version || $(<"$src/.dmr-src-version") != "$(src_version)" ]]; then
    say "unpacking $tarball"
    rm -rf "${src:?}" "${src:?}.tmp"
    mkdir -p "$src.tmp"
    tar -xJf "$tarball" -C "$src.tmp" --strip-components=1
    src_version >"$src.tmp/.dmr-src-version"
    mv "$src.tmp" "$src"
fi

# --- config ------------------------------------------------------------------
# LOCALVERSION= on every make: keeps scripts/setlocalversion from appending
# "+" (the release is <version>-dmrdebug from CONFIG_LOCALVERSION).
kmake() {
    nice -n 10 make -C "$src" -j "$jobs" LOCALVERSION= "$@"
}
say "configuring: defconfig + kvm_guest.config + $(basename "$fragment")"
kmake -s defconfig
kmake -s kvm_guest.config >/dev/null
(cd "$src" && scripts/kconfig/merge_config.sh -m .config "$fragment" >/dev/null)
kmake -s olddefconfig

# merge_config.sh only warns about options it could not set; fail instead.
"$here/check-config.sh" "$src/.config" "$fragment" || die "the merged .config lacks required options (above)"

# --- build -------------------------------------------------------------------
say "building with -j$jobs (log: $out/build.log)"
if ! kmake all >"$out/build.log" 2>&1; then
    tail -n 40 "$out/build.log" >&2
    die "kernel build failed (log: $out/build.log)"
fi
kver=$(make -s -C "$src" LOCALVERSION= kernelrelease)
[[ $kver == *-dmrdebug ]] || die "unexpected kernel release '$kver' (want *-dmrdebug)"

# --- install under $out only ---------------------------------------------------
# Only this release: a stale one would also be listed by kernels.sh --debug.
rm -rf "${out:?}/lib/modules" "${out:?}/boot" "${out:?}/kver" "${out:?}/stamp"
kmake -s INSTALL_MOD_PATH="$out" DEPMOD=/sbin/depmod modules_install >>"$out/build.log" 2>&1 ||
    die "modules_install failed (log: $out/build.log)"
# The tree stays usable as KDIR: /lib/modules/<kver>/build, as Debian does it.
ln -sfn "$src" "$out/lib/modules/$kver/build"
rm -f "$out/lib/modules/$kver/source"
mkdir -p "$out/boot"
install -m 644 "$src/arch/x86/boot/bzImage" "$out/boot/vmlinuz-$kver"
install -m 644 "$src/.config" "$out/boot/config-$kver"
install -m 644 "$src/System.map" "$out/boot/System.map-$kver"
echo "$kver" >"$out/kver"
want_stamp >"$out/stamp"
say "built $kver in $(((SECONDS - t0) / 60)) min $(((SECONDS - t0) % 60)) s"
