#!/bin/bash
# vm-timeout: 2700
# The Debian packages of `make deb` (build/deb/, or $DMR_DEB_DIR) installed
# with dpkg into the guest, checked as an admin would see them:
#   - dpkg -i succeeds and DKMS builds the module for the running kernel;
#     modprobe finds it in /lib/modules/<kver>/updates/dkms and loads it;
#   - remapctl and remapd run from /usr/sbin; man pages, bash completion,
#     udev rule, systemd unit (enabled, `systemd-analyze verify` clean);
#     the installed udev rule + remapctl mark a spare (`udevadm test`);
#   - mkinitramfs for the running kernel holds what the hook promises (the
#     module and its dependency dm-mod, remapctl and the libraries it needs,
#     the udev rule, the local-block script);
#   - a remap device created with the installed remapctl keeps its data, and
#     the installed remapd --once assembles it again after a removal;
#   - dpkg --purge leaves no file behind (a file list of every directory the
#     packages touch, before the install and after the purge) and modprobe
#     no longer finds the module.
# The guest's root is the host root under a RAM overlay, so dpkg changes the
# guest only.  Slow under TCG: DKMS compiles the module in the guest (on
# 6.1 twice: DKMS also builds for the newest installed kernel).
# shellcheck source-path=SCRIPTDIR source=../guest/lib.sh
. "$(dirname "$0")/../guest/lib.sh"

kver=$(uname -r)
kre=${kver//./\\.}  # kver as a regular expression: 6.12.117+deb12 has a "+"
kre=${kre//+/\\+}
v=$(cat "$DMR_REPO/VERSION")
debdir=${DMR_DEB_DIR:-$DMR_REPO/build/deb}
dkms_deb=$debdir/dm-remap-v4-dkms_${v}_all.deb
tools_deb=$debdir/dm-remap-v4-tools_${v}_amd64.deb
for f in "$dkms_deb" "$tools_deb"; do
    [[ -f $f ]] || die "missing $f: run 'make deb' first (make test-long does)"
done
[[ -d /lib/modules/$kver/build ]] || die "no headers for $kver: DKMS cannot build (make deps)"
# The baseline must be a system without dm-remap: nothing installed, no
# module for this kernel anywhere modprobe looks.
for p in dm-remap-v4-dkms dm-remap-v4-tools; do
    if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q installed; then
        die "$p is installed on the host: the test needs a root without it"
    fi
done
modinfo -n dm-remap-v4 >/dev/null 2>&1 && die "a dm-remap-v4 module is already installed for $kver: $(modinfo -n dm-remap-v4)"

# Every file, directory and link (with its target) where the two packages,
# their maintainer scripts and DKMS write.  /lib is /usr/lib on Debian 12
# (merged /usr).  Big trees only as deep as a package adds to them (every
# lookup is a 9p round trip under TCG): the top of /usr/src and
# /usr/share/doc, the man sections we install to, the module tree without
# the kernel's own modules (kernel/).
snapshot() {
    {
        find /etc /usr/sbin /usr/bin /usr/share/bash-completion /usr/share/initramfs-tools \
            /usr/lib/systemd /usr/lib/udev /var/lib/dkms /var/lib/systemd /var/lib/dpkg/info \
            /usr/share/man/man4 /usr/share/man/man5 /usr/share/man/man8 -printf '%p %y %l\n'
        find /usr/src /usr/share/doc -maxdepth 1 -printf '%p %y %l\n'
        find "/usr/lib/modules/$kver" -path "/usr/lib/modules/$kver/kernel" -prune -o -printf '%p %y %l\n'
    } 2>/dev/null |
        # DKMS's module signing key pair: made by the first DKMS build on a
        # machine and used for every DKMS module, so it outlives this package.
        grep -v -e '^/var/lib/dkms/mok\.key ' -e '^/var/lib/dkms/mok\.pub ' | sort
}

# The trigger the tools package activates would rebuild the newest
# kernel's /boot/initrd.img (minutes under TCG, MODULES=most); this test
# builds its own initramfs for the running kernel below instead.
sed -i 's/^update_initramfs=.*/update_initramfs=no/' /etc/initramfs-tools/update-initramfs.conf
t0=$SECONDS
snapshot >/tmp/files.before
log "file list: $(wc -l </tmp/files.before) entries in $((SECONDS - t0)) s"

# --- dpkg -i ------------------------------------------------------------------
log "dpkg -i $dkms_deb $tools_deb"
t0=$SECONDS
rc=0
dpkg -i "$dkms_deb" "$tools_deb" >/tmp/dpkg-i.log 2>&1 || rc=$?
cat /tmp/dpkg-i.log
log "dpkg -i took $((SECONDS - t0)) s (DKMS build included)"
check "dpkg -i of both packages succeeds" test "$rc" -eq 0
for p in dm-remap-v4-dkms dm-remap-v4-tools; do
    check "$p is installed ($v)" test "$(dpkg-query -W -f='${Status} ${Version}' "$p" 2>/dev/null)" = "install ok installed $v"
done
check "the tools package activates the initramfs trigger" \
    grep -q 'Processing triggers for initramfs-tools' /tmp/dpkg-i.log
check "dkms status: installed for $kver" grep -q "^dm-remap-v4/$v, $kver, x86_64: installed" <(dkms status -m dm-remap-v4)

# --- the module ---------------------------------------------------------------
ko=$(modinfo -n dm-remap-v4 2>/dev/null || true)
check "modprobe finds the module in updates/dkms ($ko)" \
    grep -Eq "^/lib/modules/$kre/updates/dkms/dm-remap-v4\.ko(\.xz|\.zst|\.gz)?$" <<<"$ko"
check "the module's version is $v" test "$(modinfo -F version dm-remap-v4 2>/dev/null)" = "$v"
check "the module's vermagic is $kver" grep -Eq "^$kre " <(modinfo -F vermagic dm-remap-v4 2>/dev/null)
check "modprobe dm-remap-v4" modprobe dm-remap-v4
check "the remap-v4 target is registered" grep -q '^remap-v4 ' <(dmsetup targets)
# The loaded module is the file DKMS installed, not some other build.
check "the loaded module is DKMS's" test "$(cat /sys/module/dm_remap_v4/srcversion 2>/dev/null)" = "$(modinfo -F srcversion "$ko" 2>/dev/null)"

# --- the userspace --------------------------------------------------------------
check "remapctl is /usr/sbin/remapctl in PATH" test "$(command -v remapctl)" = /usr/sbin/remapctl
check "remapd is /usr/sbin/remapd in PATH" test "$(command -v remapd)" = /usr/sbin/remapd
remapctl version >/tmp/version.out 2>&1 || true
cat /tmp/version.out
check "remapctl version: remapctl $v" grep -q "^remapctl $v " /tmp/version.out
check "remapctl version: the loaded target" grep -q "remap-v4.*$v" <(grep -i 'kernel' /tmp/version.out)
check "remapd --version: $v" grep -q "$v" <(remapd --version 2>&1)
for page in 8:remapctl 8:remapd 5:remapd.conf 4:dm-remap-v4; do
    check "man page ${page#*:}(${page%%:*})" test -f "/usr/share/man/man${page%%:*}/${page#*:}.${page%%:*}.gz"
    check "man -w ${page%%:*} ${page#*:}" test "$(man -w "${page%%:*}" "${page#*:}" 2>/dev/null)" = "/usr/share/man/man${page%%:*}/${page#*:}.${page%%:*}.gz"
done
check "bash completion for remapctl" test -f /usr/share/bash-completion/completions/remapctl
check "config example in /usr/share/doc" test -f /usr/share/doc/dm-remap-v4-tools/remapd.conf.example
rules=/lib/udev/rules.d/69-dm-remap-v4.rules
check "udev rule installed" test -f "$rules"
check "udev rule calls the installed remapctl" grep -q 'IMPORT{program}="/usr/sbin/remapctl probe' "$rules"
unit=/lib/systemd/system/remapd.service
check "systemd unit installed" test -f "$unit"
check "unit runs /usr/sbin/remapd" grep -qx 'ExecStart=/usr/sbin/remapd -f' "$unit"
# Offline: loads the unit from disk, checks ExecStart is executable and
# every Documentation= man page exists.  No systemd as PID 1 here.
if systemd-analyze verify "$unit" >/tmp/verify.log 2>&1; then
    pass "systemd-analyze verify remapd.service"
else
    cat /tmp/verify.log
    fail "systemd-analyze verify remapd.service"
fi
check "remapd.service enabled (preset: sysinit.target.wants)" \
    test "$(readlink /etc/systemd/system/sysinit.target.wants/remapd.service)" = "$unit"
check "systemctl is-enabled remapd.service" test "$(systemctl is-enabled remapd.service 2>/dev/null)" = enabled

# --- a remap device made with the installed tools ---------------------------------
main=$(mkloop 32 random)
spare=$(mkloop 16)
if remapctl create --main "$main" --spare "$spare" --name pkg0 >/tmp/create.log 2>&1; then
    _dmr_register dm pkg0
    pass "remapctl create pkg0"
else
    cat /tmp/create.log
    fail "remapctl create pkg0"
fi
uuid=$(dmsetup info -c --noheadings -o uuid pkg0 2>/dev/null | sed 's/^DMREMAP4-//' || true)
dmsetup mknodes pkg0 >/dev/null 2>&1 || true
write_sectors /dev/mapper/pkg0 0 65536 || fail "write to /dev/mapper/pkg0"
want=$(md5_of "$main")
check "pkg0 reads what was written" test "$(md5_of /dev/mapper/pkg0)" = "$want"
check "remapctl remap pkg0 4096" remapctl remap pkg0 4096
check "pkg0 has 1 remapped block" grep -q 'remapped=1' <(dmsetup status pkg0)
write_sectors /dev/mapper/pkg0 4096 8 || fail "write to the remapped block"
want=$(md5_of /dev/mapper/pkg0)
# The installed udev rule with the installed remapctl marks the spare.
udevadm test "/sys/class/block/${spare#/dev/}" >/tmp/udevadm.log 2>&1 || true
check "udevadm test: the rule marks the spare" grep -qx 'DM_REMAP_V4_SPARE=1' /tmp/udevadm.log
check "udevadm test: the spare's pair uuid" grep -qx "DM_REMAP_V4_PAIR_UUID=$uuid" /tmp/udevadm.log
check "remapctl remove pkg0" remapctl remove pkg0
_dmr_forget dm pkg0
rc=0
remapd --once -c /dev/null >/tmp/once.log 2>&1 || rc=$?
name=pkg0  # the name create bound to the pair (/etc/dm-remap/bindings)
check "remapd --once assembles $name (exit $rc)" dmsetup info "$name"
_dmr_register dm "$name"
dmsetup mknodes "$name" >/dev/null 2>&1 || true
check "$name keeps its remap" grep -q 'remapped=1' <(dmsetup status "$name" 2>/dev/null)
check "$name reads what was written" test "$(md5_of "/dev/mapper/$name" 2>/dev/null)" = "$want"
dm_remove "$name" || fail "remove $name"

# --- initramfs ----------------------------------------------------------------------
# The host's configuration with MODULES=list (only the modules hooks ask
# for), so the build fits under TCG; every hook runs as with MODULES=most.
cp -a /etc/initramfs-tools /tmp/irconf
sed -i 's/^MODULES=.*/MODULES=list/' /tmp/irconf/initramfs.conf
t0=$SECONDS
rc=0
mkinitramfs -d /tmp/irconf -o /tmp/initrd.img "$kver" >/tmp/mkinitramfs.log 2>&1 || rc=$?
cat /tmp/mkinitramfs.log
log "mkinitramfs took $((SECONDS - t0)) s"
check "mkinitramfs $kver" test "$rc" -eq 0
check "the hook has no warning (module found)" test -z "$(grep "^W: dm-remap-v4" /tmp/mkinitramfs.log)"
lsinitramfs /tmp/initrd.img >/tmp/initrd.list || fail "lsinitramfs"
inlist() {
    grep -Eq "$1" /tmp/initrd.list
}
check "initramfs: the DKMS module" inlist "^(usr/)?lib/modules/$kre/updates/dkms/dm-remap-v4\.ko"
check "initramfs: its dependency dm-mod" inlist "^(usr/)?lib/modules/$kre/kernel/drivers/md/dm-mod\.ko"
check "initramfs: remapctl" inlist '^(usr/)?sbin/remapctl$'
check "initramfs: the udev rule" inlist '^(usr/)?lib/udev/rules\.d/69-dm-remap-v4\.rules$'
check "initramfs: the local-block script" inlist '^scripts/local-block/dm-remap-v4$'
check "initramfs: dmsetup (hook prerequisite)" inlist '^(usr/)?sbin/dmsetup$'
# The copy in the initramfs runs there: copy_exec brought its libraries.
mkdir /tmp/initrd
unmkinitramfs /tmp/initrd.img /tmp/initrd || fail "unmkinitramfs"
root=/tmp/initrd
[[ -d $root/main ]] && root=$root/main
check "initramfs: remapctl runs inside it" chroot "$root" /usr/sbin/remapctl version
check "initramfs: modinfo finds the module inside it" \
    test "$(modinfo -b "$root" -k "$kver" -F version dm-remap-v4 2>/dev/null)" = "$v"

# --- purge ----------------------------------------------------------------------------
check "the bindings file names pkg0 before the purge" grep -q " $uuid pkg0\$" /etc/dm-remap/bindings
check "modprobe -r dm-remap-v4" modprobe -r dm-remap-v4
# The bindings file lists pkg0: the tools' prerm refuses (issue 23 item 5),
# and an admin who means it says so.
rc=0
dpkg --purge dm-remap-v4-tools >/tmp/dpkg-purge.log 2>&1 || rc=$?
cat /tmp/dpkg-purge.log
check "dpkg --purge refused while the bindings list pkg0" test "$rc" -ne 0
check "...and the claim rule stays" test -e /lib/udev/rules.d/58-dm-remap-v4-claim.rules
rc=0
DM_REMAP_FORCE_REMOVE=1 dpkg --purge dm-remap-v4-tools dm-remap-v4-dkms >/tmp/dpkg-purge.log 2>&1 || rc=$?
cat /tmp/dpkg-purge.log
check "dpkg --purge of both packages with DM_REMAP_FORCE_REMOVE=1 succeeds" test "$rc" -eq 0
check "the module is gone for modprobe" bash -c "! modinfo -n dm-remap-v4 >/dev/null 2>&1"
check "no DKMS tree left" test ! -e /var/lib/dkms/dm-remap-v4
check "no /usr/src/dm-remap-v4-$v left" test ! -e "/usr/src/dm-remap-v4-$v"
check "no /usr/sbin/remapctl left" test ! -e /usr/sbin/remapctl
check "no enable link left" test ! -L /etc/systemd/system/sysinit.target.wants/remapd.service
check "no bindings file left (it named pkg0 before the purge)" test ! -e /etc/dm-remap/bindings
snapshot >/tmp/files.after
if diff /tmp/files.before /tmp/files.after >/tmp/files.diff; then
    pass "purge leaves the watched directories as before the install ($(wc -l </tmp/files.before) entries)"
else
    cat /tmp/files.diff
    fail "files differ after the purge (< before the install, > after the purge)"
fi
finish
