#!/usr/bin/env bash
# Install everything the build, the tests and the demo need (Debian 12).
# Idempotent and fast when everything is present: apt runs only if a
# package or a kernel is missing.  Needs root (or sudo).
set -euo pipefail

PKGS=(
  build-essential bc flex bison libelf-dev kmod cpio rsync
  linux-image-amd64 linux-headers-amd64
  qemu-system-x86 busybox-static dmsetup fio e2fsprogs util-linux udev
  sparse cmake pkg-config
  libdevmapper-dev libudev-dev libcli11-dev libspdlog-dev libfmt-dev
  nlohmann-json3-dev libgtest-dev libsystemd-dev
  clang libclang-rt-14-dev valgrind libbenchmark-dev jq
)

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

if [ -z "$have612" ]; then
  apt_update
  v=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' |
      awk '{print $1}' | sed 's/^linux-image-//' | sort -V | tail -n 1)
  if [ -n "$v" ]; then
    echo "install-deps: installing kernel $v"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
      "linux-image-$v" "linux-headers-$v"
  else
    echo "install-deps: no 6.12 kernel in the apt sources; testing on 6.1 only" >&2
  fi
fi
echo "install-deps: all dependencies present"
