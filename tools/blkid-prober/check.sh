#!/bin/bash
# check.sh: the libblkid prober for dm-remap v4 spares
# (contrib/util-linux/0001-libblkid-add-dm-remap-v4-spare-prober.patch),
# built into the util-linux source of the installed libblkid and checked
# against spare images that the shared format code writes (dmr-mkspare).
# Stock libblkid knows no dm-remap format, so without the patch blkid,
# wipefs and mkfs see a spare as blank (docs/remapd.md, "udev rule").
#
#   1. fetch the util-linux source of the installed libblkid1 from Debian's
#      archive (apt-get source with private lists: no change to the
#      system's apt configuration), cached under build/util-linux/;
#   2. apply the patch, build libblkid, blkid and wipefs there;
#   3. check: a spare (small and with a multi-sector copy) is
#      TYPE=dm_remap_v4_spare with its pair UUID, USAGE=other; still found
#      with copy 0 damaged; not found with every copy's CRC broken, nor in
#      zeroes or an ext4 image; wipefs lists all five copies and -a erases
#      them; mkfs.ext4 on a terminal, with the patched libblkid, says the
#      image "contains a dm_remap_v4_spare" and formats nothing on "n";
#      remapctl probe reports the same UUID.
#
# Env: DMRMKSPARE, REMAPCTL (default: build/cmake's), BLKID_MUTANT=no-patch
# (build without the patch) or no-crc (the prober without its CRC check):
# the check must then fail.  Ends "blkid prober: N passed, M failed".
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd -P)
patch_file=$repo/contrib/util-linux/0001-libblkid-add-dm-remap-v4-spare-prober.patch
mkspare=${DMRMKSPARE:-$repo/build/cmake/tools/dmr-mkspare}
remapctl=${REMAPCTL:-$repo/build/cmake/daemon/remapctl/remapctl}
mutant=${BLKID_MUTANT:-}
cache=$repo/build/util-linux
passed=0 failed=0
die() { echo "blkid prober: FATAL: $*" >&2; exit 2; }
check() { # DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@" >/dev/null 2>&1; then
        echo "PASS: $what"
        passed=$((passed + 1))
    else
        echo "FAIL: $what"
        failed=$((failed + 1))
    fi
}
case $mutant in '' | no-patch | no-crc) ;; *) die "unknown BLKID_MUTANT=$mutant" ;; esac
[[ -x $mkspare && -x $remapctl ]] || die "build the userspace first (make userspace): $mkspare, $remapctl"

# 1. The source of the installed libblkid.
pkgver=$(dpkg-query -W -f '${Version}' libblkid1) || die "libblkid1 is not installed"
upver=${pkgver%%-*}
upver=${upver#*:}
mkdir -p "$cache/apt/lists/partial"
tarball=$(ls "$cache"/util-linux_*.orig.tar.* 2>/dev/null | head -n 1)
if [[ -z $tarball ]]; then
    # The archive the system's apt uses, as deb-src.
    uris=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null; \
        sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\(\S*\) .*/\2/p' /etc/apt/sources.list 2>/dev/null)
    suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
    keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    opt=
    [[ ! -f $keyring ]] || opt="[signed-by=$keyring] "
    for u in $(printf '%s\n' "$uris" | sort -u); do
        case $u in
            *security*) echo "deb-src $opt$u $suite-security main" ;;
            *) echo "deb-src $opt$u $suite main" ;;
        esac
    done >"$cache/apt/sources.list"
    [[ -s $cache/apt/sources.list ]] || die "no Debian archive in the system's apt sources"
    apt_opts=(-o "Dir::Etc::SourceList=$cache/apt/sources.list" -o Dir::Etc::SourceParts=/nonexistent
        -o "Dir::State::Lists=$cache/apt/lists" -o APT::Sandbox::User=root)
    apt-get "${apt_opts[@]}" -q update >"$cache/apt-update.log" 2>&1 ||
        die "apt-get update for the source lists failed ($cache/apt-update.log)"
    # The installed version, else the archive's (an older point release
    # may be gone from it; the prober does not depend on it).
    (cd "$cache" && { apt-get "${apt_opts[@]}" -q source --download-only "util-linux=$pkgver" ||
        apt-get "${apt_opts[@]}" -q source --download-only util-linux; }) \
        >"$cache/apt-source.log" 2>&1 || die "apt-get source util-linux failed ($cache/apt-source.log)"
    tarball=$(ls "$cache"/util-linux_*.orig.tar.* 2>/dev/null | head -n 1)
    [[ -n $tarball ]] || die "no util-linux_*.orig.tar.* after apt-get source"
fi
upver=${tarball##*/util-linux_}
upver=${upver%.orig.tar.*}

# 2. Build libblkid, blkid and wipefs with the patch (or the mutant).
src=$cache/src-${mutant:-patched}
stamp=$src/.built-$(sha256sum "$patch_file" "$0" | sha256sum | cut -c1-16)
if [[ ! -f $stamp ]]; then
    rm -rf "$src"
    mkdir -p "$src"
    tar xf "$tarball" -C "$src" --strip-components=1 || die "cannot unpack $tarball"
    if [[ $mutant != no-patch ]]; then
        (cd "$src" && patch -p1 -s <"$patch_file") || die "the patch does not apply to util-linux $upver"
    fi
    if [[ $mutant == no-crc ]]; then
        sed -i 's/if (!blkid_probe_verify_csum(pr, crc, le32_to_cpu(h->crc)))/if (0)/' \
            "$src/libblkid/src/superblocks/dm_remap.c"
        grep -q 'if (0)' "$src/libblkid/src/superblocks/dm_remap.c" || die "mutant no-crc did not apply"
    fi
    echo "building libblkid, blkid and wipefs of util-linux $upver (log: $src/build.log)"
    (
        cd "$src" &&
            ./autogen.sh &&
            ./configure --disable-all-programs --enable-libblkid --enable-blkid --enable-wipefs \
                --enable-libsmartcols --disable-nls --without-python --without-systemd --without-udev \
                --disable-bash-completion --without-readline --without-ncursesw --without-tinfo &&
            make -j"$(nproc)" blkid wipefs
    ) >"$src/build.log" 2>&1 || { tail -n 20 "$src/build.log"; die "the build failed ($src/build.log)"; }
    touch "$stamp"
fi
export LD_LIBRARY_PATH=$src/.libs
blkid=$src/blkid
wipefs=$src/wipefs
"$blkid" -V | grep -q "$upver" || die "$blkid does not run"

# 3. The checks, on images in a temporary directory.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/blkid-prober.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tag() { "$blkid" -p -o value -s "$2" "$1"; }
new_spare() { # IMAGE EXTENTS: prints the pair UUID
    truncate -s 0 "$1" && truncate -s 16M "$1" && "$mkspare" "$1" "$2"
}
uuid=$(new_spare "$tmp/spare.img" 3) || die "dmr-mkspare failed"
check "the stock blkid sees nothing on a spare (why the prober is needed)" \
    bash -c "LD_LIBRARY_PATH= /sbin/blkid -p '$tmp/spare.img'; test \$? -eq 2"
check "blkid -p: TYPE=dm_remap_v4_spare" test "$(tag "$tmp/spare.img" TYPE)" = dm_remap_v4_spare
check "blkid -p: UUID is the pair UUID ($uuid)" test "$(tag "$tmp/spare.img" UUID)" = "$uuid"
check "blkid -p: USAGE=other, VERSION=4" \
    test "$(tag "$tmp/spare.img" USAGE)/$(tag "$tmp/spare.img" VERSION)" = other/4
check "remapctl probe reports the same UUID" \
    grep -qx "DM_REMAP_V4_PAIR_UUID=$uuid" <("$remapctl" probe "$tmp/spare.img")

# A copy of 700 extents spans 34 sectors: the CRC covers all of them.
big=$(new_spare "$tmp/big.img" 700) || die "dmr-mkspare failed"
check "a spare with a 16 KiB metadata copy is found" test "$(tag "$tmp/big.img" UUID)" = "$big"
printf '\xff' | dd of="$tmp/big.img" bs=1 seek=$((3 * 4096 + 100)) conv=notrunc status=none
printf '\xff' | dd of="$tmp/big.img" bs=1 seek=$((512 * 1024 + 3 * 4096 + 100)) conv=notrunc status=none
check "copies 0 and 1 damaged in their 4th KiB: found through copy 2" \
    test "$(tag "$tmp/big.img" TYPE)" = dm_remap_v4_spare

cp --sparse=always "$tmp/spare.img" "$tmp/bad.img"
for kib in 0 512 1024 2048 4096; do
    # The last extent's flags: the header still reads right, the CRC not.
    printf '\x01' | dd of="$tmp/bad.img" bs=1 seek=$((kib * 1024 + 512 + 2 * 24 + 20)) conv=notrunc status=none
done
check "every copy's CRC broken: not a spare" bash -c "'$blkid' -p '$tmp/bad.img'; test \$? -eq 2"
check "remapctl agrees: no valid copy (exit 4)" \
    bash -c "'$remapctl' metadata verify '$tmp/bad.img'; test \$? -eq 4"
truncate -s 16M "$tmp/zero.img"
check "zeroes: nothing found" bash -c "'$blkid' -p '$tmp/zero.img'; test \$? -eq 2"
truncate -s 16M "$tmp/ext4.img"
mkfs.ext4 -q -F "$tmp/ext4.img" || die "mkfs.ext4 failed"
check "an ext4 image stays ext4" test "$(tag "$tmp/ext4.img" TYPE)" = ext4

cp --sparse=always "$tmp/spare.img" "$tmp/wipe.img"
check "wipefs lists the five copies" test "$("$wipefs" "$tmp/wipe.img" 2>/dev/null | grep -c dm_remap_v4_spare)" -eq 5
check "wipefs -a erases them" "$wipefs" -a -q "$tmp/wipe.img"
check "after wipefs -a: nothing found" bash -c "'$blkid' -p '$tmp/wipe.img'; test \$? -eq 2"
check "after wipefs -a: no valid copy for remapctl (exit 4)" \
    bash -c "'$remapctl' metadata verify '$tmp/wipe.img'; test \$? -eq 4"

# mke2fs asks only on a terminal (stdin and stdout): script(1) gives it one.
cp --sparse=always "$tmp/spare.img" "$tmp/mkfs.img"
out=$(echo n | script -qec "mkfs.ext4 '$tmp/mkfs.img'" /dev/null 2>&1)
printf '%s\n' "$out" | sed 's/^/  mkfs.ext4: /'
check "mkfs.ext4 says the spare contains a dm_remap_v4_spare" grep -q 'contains a dm_remap_v4_spare' <<<"$out"
check "mkfs.ext4 answered n: the spare's metadata is intact" "$remapctl" metadata verify "$tmp/mkfs.img"

echo "blkid prober: $passed passed, $failed failed"
((failed == 0))
