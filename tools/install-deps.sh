#!/usr/bin/env bash
# Install everything the build, the tests and the demo need (Debian 12).
# Idempotent and fast when everything is present: apt runs only if a
# package or a kernel is missing.  Needs root (or sudo).
#
#   install-deps.sh          `make deps` / `make test`: the packages, and the
#                            two test kernels (Debian's 6.1 and bookworm-
#                            security's 6.12, image + headers), unpacked under
#                            build/kernels/root by tools/fetch-test-kernels.sh,
#                            never installed: the machine's boot menu and
#                            default stay as they are (README "The two
#                            commands").  Kernels already installed with
#                            their headers are used as they are.
#   install-deps.sh --demo   `make demo`: the packages, and a test kernel the
#                            same way if none is usable yet.
set -euo pipefail

demo=""
[[ ${1:-} == --demo ]] && demo=1

PKGS=(
  build-essential bc flex bison libelf-dev kmod cpio rsync
  qemu-system-x86 busybox-static dmsetup fio e2fsprogs util-linux udev
  sparse cmake pkg-config
  libdevmapper-dev libudev-dev libblkid-dev libcli11-dev libspdlog-dev libfmt-dev
  nlohmann-json3-dev libgtest-dev libsystemd-dev
  lvm2  # 49-lvm-filter: the documented LVM filter keeps the claimed main out
  gddrescue  # 65-export-import: remapctl export/import against the real ddrescuelog
  smartmontools  # 69-drive-health: smartctl -j on the VM's emulated NVMe drive
  clang libclang-rt-14-dev valgrind libbenchmark-dev jq
  # tools/blkid-prober/check.sh: util-linux's libblkid built with our prober
  autoconf automake libtool autopoint gettext
  # make deb, man page and completion tests, DKMS build test
  debhelper dh-dkms dkms lintian mandoc groff-base bash-completion dpkg-dev fakeroot
  # the package test in the VM (56-package): mkinitramfs/lsinitramfs, man -w,
  # systemd-analyze verify
  initramfs-tools zstd man-db systemd
  # what building a module against the unpacked kernels' headers needs
  # (their packages' dependencies, which are not installed with them;
  # fetch-test-kernels.sh installs any others a new kernel adds)
  gcc-12 pahole libssl3
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

updated=""
apt_update() {
  if [ -z "$updated" ]; then
    $SUDO apt-get update -qq
    updated=1
  fi
}

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  apt_update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The test kernels, unpacked (tools/fetch-test-kernels.sh).  The demo needs
# one; the tests want both series.
repo=$(cd "$(dirname "$0")/.." && pwd -P)
# It skips a series that has a usable kernel, and runs apt-get update only
# when it has a kernel to fetch.
if [[ -z $demo ]] || ! "$repo/tests/vm/kernels.sh" >/dev/null 2>&1; then
  # As the caller, not root: it writes under build/ (it uses sudo for apt).
  "$repo/tools/fetch-test-kernels.sh"
fi
"$repo/tests/vm/kernels.sh" >/dev/null || { echo "install-deps: no usable test kernel" >&2; exit 1; }
echo "install-deps: all dependencies present (test kernels: $("$repo/tests/vm/kernels.sh" | tr '\n' ' '))"
