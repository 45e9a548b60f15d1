#!/usr/bin/env bash
# Install everything the build, the tests and the demo need (Debian 12).
# Idempotent and fast when everything is present: apt runs only if a
# package or a kernel is missing.  Needs root (or sudo).
#
#   install-deps.sh          `make deps` / `make test`: the packages, and the
#                            two test kernels (Debian's 6.1 and bookworm-
#                            security's 6.12, image + headers).  Installing a
#                            kernel image can change which kernel the machine
#                            boots (GRUB boots the newest): meant for test
#                            machines and CI, see README "The two commands".
#   install-deps.sh --demo   `make demo`: the packages, and no new kernel
#                            image: headers for a Debian kernel that is
#                            already installed (the running one if it is a
#                            Debian kernel), so the boot menu stays as it is.
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
  clang libclang-rt-14-dev valgrind libbenchmark-dev jq
  # tools/blkid-prober/check.sh: util-linux's libblkid built with our prober
  autoconf automake libtool autopoint gettext
  # make deb, man page and completion tests, DKMS build test
  debhelper dh-dkms dkms lintian mandoc groff-base bash-completion dpkg-dev fakeroot
  # the package test in the VM (56-package): mkinitramfs/lsinitramfs, man -w,
  # systemd-analyze verify
  initramfs-tools zstd man-db systemd
)
# The stock Debian 12 kernel (6.1), only for the tests: never for the demo.
[[ -n $demo ]] || PKGS+=(linux-image-amd64 linux-headers-amd64)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# The newest 6.12 kernel from bookworm-security, image and headers.
have612=""
for v in /boot/vmlinuz-6.12.*+deb12-amd64; do
  [ -e "$v" ] || continue
  kv=${v#/boot/vmlinuz-}
  [ -d "/lib/modules/$kv/build" ] && have612=$kv
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

if [[ -n $demo ]]; then
  # A Debian kernel whose image is installed already: headers only (their
  # image dependency is met, so nothing new becomes bootable).
  have=""
  for v in "/boot/vmlinuz-$(uname -r)" /boot/vmlinuz-*-amd64; do
    [ -e "$v" ] || continue
    kv=${v#/boot/vmlinuz-}
    if [ -d "/lib/modules/$kv/build" ]; then have=$kv; break; fi
    apt_update
    if apt-cache show "linux-headers-$kv" >/dev/null 2>&1; then
      echo "install-deps: installing headers for the installed kernel $kv"
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "linux-headers-$kv"
      have=$kv
      break
    fi
  done
  if [ -z "$have" ]; then
    echo "install-deps: no installed Debian kernel with headers in apt: the demo needs one" >&2
    echo "install-deps: (make deps installs the test kernels; on a server that changes the boot default)" >&2
    exit 1
  fi
  echo "install-deps: all demo dependencies present (kernel $have)"
  exit 0
fi

if [ -z "$have612" ]; then
  apt_update
  v=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' |
      awk '{print $1}' | sed 's/^linux-image-//' | sort -V | tail -n 1)
  if [ -n "$v" ]; then
    echo "install-deps: installing kernel $v (test kernel; it may become the boot default)"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
      "linux-image-$v" "linux-headers-$v"
  else
    echo "install-deps: no 6.12 kernel in the apt sources; testing on 6.1 only" >&2
  fi
fi
echo "install-deps: all dependencies present"
