#!/bin/bash
# Guest half of tests/vm/long/host/57-package-boot.sh: the Debian packages
# installed as an admin would, the machine rebooted under systemd, then the
# packages removed and purged.  Every boot shares one overlay upper image
# (run-vm.sh --upper), so dpkg's and the admin's changes persist.
# Disks: /dev/vda = main (64 MiB), /dev/vdb = spare (32 MiB).  $DMR_OUT
# (--out) carries what one phase hands the next.
#   package-boot.sh install  (harness /init) dpkg -i both debs (DKMS builds
#                            the module)
#   package-boot.sh setup    (harness /init) remapctl create pkg0 on
#                            vda+vdb, ext4 on it, one block remapped, data
#                            written, an fstab line by UUID= for /mnt/pkg0
#   package-boot.sh nospare  (run-vm.sh --systemd, only the main attached:
#                            vda = main, the spare left out) a boot without
#                            the spare: pkg0 is not assembled, udev claimed
#                            the main, so neither the fstab line nor
#                            /dev/disk/by-uuid or by-label reach its stale
#                            file system, and remapd reported spare_missing
#   package-boot.sh boot     (run-vm.sh --systemd: systemd is PID 1) udev
#                            marked the spare and claimed the main,
#                            remapd.service (Type=notify) is active, pkg0 is
#                            assembled under its name, the fstab line
#                            mounted it (not the raw main), the data reads
#                            back
#   package-boot.sh mutate NAME  (harness /init, only for the proof that
#                            the boot checks can fail) break the installed
#                            system after the install:
#       no-enable   systemctl disable remapd.service
#       bad-fstab   the fstab line names a UUID no file system has
#       no-claim    the claim rule (58-dm-remap-v4-claim.rules) deleted
#   package-boot.sh purge    (harness /init) apt-get remove (refused while
#                            the binding exists; DM_REMAP_FORCE_REMOVE=1), then purge:
#                            no unit, rule, module, DKMS tree or binding left
# shellcheck source-path=SCRIPTDIR source=../guest/lib.sh
. "$(dirname "$0")/../guest/lib.sh"

phase=${1:?install, setup, mutate, nospare, boot or purge}
out=${DMR_OUT:?needs --out}
kver=$(uname -r)
v=$(cat "$DMR_REPO/VERSION")
debdir=${DMR_DEB_DIR:-$DMR_REPO/build/deb}
main=/dev/vda
spare=/dev/vdb
mnt=/mnt/pkg0
# Without the spare (nospare) the upper disk is vdb.
test_disks=(vda vdb)
[[ $phase != nospare ]] || test_disks=(vda)
for d in "${test_disks[@]}"; do
    [[ $(cat "/sys/block/$d/serial" 2>/dev/null) != dmr-upper ]] ||
        die "/dev/$d is the overlay upper disk, not a test disk"
done
unit=/lib/systemd/system/remapd.service
enable_link=/etc/systemd/system/sysinit.target.wants/remapd.service

case $phase in
install)
    for f in "$debdir/dm-remap-v4-dkms_${v}_all.deb" "$debdir/dm-remap-v4-tools_${v}_amd64.deb"; do
        [[ -f $f ]] || die "missing $f: run 'make deb' first (make test-long does)"
    done
    modinfo -n dm-remap-v4 >/dev/null 2>&1 && die "a dm-remap-v4 module is already installed for $kver"
    # As in 56-package: no rebuild of the newest kernel's /boot/initrd.img
    # by the trigger (minutes under TCG; 56-package tests the hook).
    sed -i 's/^update_initramfs=.*/update_initramfs=no/' /etc/initramfs-tools/update-initramfs.conf
    log "dpkg -i (DKMS builds the module for $kver)"
    rc=0
    dpkg -i "$debdir/dm-remap-v4-dkms_${v}_all.deb" "$debdir/dm-remap-v4-tools_${v}_amd64.deb" \
        >/tmp/dpkg-i.log 2>&1 || rc=$?
    cat /tmp/dpkg-i.log
    [[ $rc == 0 ]] || die "dpkg -i failed ($rc)"
    pass "dpkg -i of both packages"
    check "dkms status: installed for $kver" grep -q "^dm-remap-v4/$v, $kver, x86_64: installed" <(dkms status -m dm-remap-v4)
    check "remapd.service enabled" test "$(systemctl is-enabled remapd.service 2>/dev/null)" = enabled
    # What the purge must remove: every file the packages own, and what
    # DKMS installed.
    dpkg -L dm-remap-v4-dkms dm-remap-v4-tools >"$out/owned"
    modinfo -n dm-remap-v4 >"$out/module" || die "modinfo -n dm-remap-v4 after the install"
    ((_dmr_failures)) || echo installed >"$out/install.ok"
    ;;

setup)
    [[ -f $out/install.ok ]] || die "the install phase did not finish"
    modprobe dm-remap-v4 || die "modprobe dm-remap-v4"

    remapctl create --main "$main" --spare "$spare" --name pkg0 || die "remapctl create pkg0"
    dmsetup mknodes pkg0 >/dev/null 2>&1 || true
    [[ -b /dev/mapper/pkg0 ]] || die "no /dev/mapper/pkg0"
    mkfs.ext4 -q -L pkg0data /dev/mapper/pkg0 || die "mkfs.ext4 on pkg0"
    # The block holding the superblock moves to the spare: the raw main's
    # copy of it is stale from the first write on (the mount below).
    remapctl remap pkg0 2 || die "remapctl remap pkg0 2"
    fsuuid=$(blkid -s UUID -o value /dev/mapper/pkg0)
    [[ -n $fsuuid ]] || die "no file system UUID on pkg0"
    echo "$fsuuid" >"$out/fsuuid"
    mkdir -p "$mnt"
    mount /dev/mapper/pkg0 "$mnt" || die "mount pkg0"
    head -c 4M /dev/urandom >"$mnt/data.bin"
    md5sum <"$mnt/data.bin" | cut -d' ' -f1 >"$out/md5"
    umount "$mnt" || die "umount $mnt"
    remapctl status pkg0 || true
    check "pkg0 has a remapped block" grep -q 'remapped=1' <(dmsetup status pkg0)
    remapctl remove pkg0 || die "remapctl remove pkg0"
    # What an admin writes; nofail: a missing device must not stop the boot.
    echo "UUID=$fsuuid $mnt ext4 defaults,nofail,x-systemd.device-timeout=180s 0 2" >>/etc/fstab
    echo "set up" >"$out/setup.ok"
    ;;

nospare)
    [[ -f $out/setup.ok ]] || die "the setup phase did not finish"
    check "PID 1 is systemd" test "$(cat /proc/1/comm)" = systemd
    # remapd is active (Type=notify) after its first discovery pass.
    for ((i = 0; i < 120; i++)); do
        [[ $(systemctl is-active remapd.service) == active ]] && break
        sleep 1
    done
    udevadm settle --timeout=60 || true
    # A by-uuid link would start the mount at once; give it time to.
    sleep 20
    fsuuid=$(cat "$out/fsuuid")
    journalctl --no-pager -b -u remapd.service 2>&1 | tail -n 20 || true
    findmnt "$mnt" || true
    ls -l /dev/disk/by-uuid /dev/disk/by-label 2>&1 || true
    check "remapd.service is active" test "$(systemctl is-active remapd.service)" = active
    check "no spare attached: pkg0 is not assembled" bash -c '! dmsetup info pkg0 >/dev/null 2>&1'
    check "udev claimed the raw main (58-dm-remap-v4-claim.rules)" \
        grep -qx 'DM_REMAP_V4_MAIN=1' <(udevadm info --query=property "$main" 2>/dev/null)
    check "systemd has no ready device unit for the raw main (SYSTEMD_READY=0)" \
        test "$(systemctl is-active dev-vda.device)" != active
    check "no /dev/disk/by-uuid/$fsuuid" test ! -e "/dev/disk/by-uuid/$fsuuid"
    check "no /dev/disk/by-label/pkg0data" test ! -e /dev/disk/by-label/pkg0data
    check "the fstab line did not mount $mnt" bash -c "! findmnt -n '$mnt'"
    check "the raw main is mounted nowhere" bash -c "! findmnt -n -S '$main'"
    # Without the claim systemd fsck'd the raw main and tried to mount it
    # (the stale superblock made the mount fail): neither may even start.
    fsck_unit="systemd-fsck@$(systemd-escape -p "/dev/disk/by-uuid/$fsuuid").service"
    check "systemd never started mnt-pkg0.mount (its job waits for the device)" \
        test "$(systemctl show -P InactiveExitTimestampMonotonic mnt-pkg0.mount)" = 0
    check "systemd never started $fsck_unit on the raw main" \
        test "$(systemctl show -P InactiveExitTimestampMonotonic "$fsck_unit")" = 0
    check "remapd reported the missing spare (spare_missing)" \
        grep -aq "pkg0: main $main is attached but its spare is not" \
        <(journalctl --no-pager -b -u remapd.service 2>&1)
    ((_dmr_failures)) || echo "no spare" >"$out/nospare.ok"
    ;;

boot)
    [[ -f $out/setup.ok ]] || die "the setup phase did not finish"
    check "PID 1 is systemd" test "$(cat /proc/1/comm)" = systemd
    # nofail: local-fs.target does not wait for the mount; wait here, as
    # long as the device timeout in the fstab line.
    for ((i = 0; i < 200; i++)); do
        findmnt -n "$mnt" >/dev/null && break
        sleep 1
    done
    # Diagnostics only (systemctl status exits 3 for an inactive unit).
    systemctl --no-pager status remapd.service 2>&1 | head -n 20 || true
    journalctl --no-pager -b -u remapd.service 2>&1 | tail -n 20 || true
    findmnt "$mnt" || true
    check "systemd-udevd is active" test "$(systemctl is-active systemd-udevd.service)" = active
    check "remapd.service is active" test "$(systemctl is-active remapd.service)" = active
    check "remapd.service is Type=notify" test "$(systemctl show -P Type remapd.service)" = notify
    # Type=notify: active only after remapd's READY=1.
    check "remapd.service was started by sysinit.target (enabled)" \
        grep -qx 'remapd.service' <(systemctl list-dependencies --plain --no-pager sysinit.target | sed 's/^ *//')
    # An early unit with the wrong implicit dependencies makes a cycle that
    # systemd breaks by dropping some other job (PrivateTmp=yes did).
    journalctl --no-pager -b | grep -a -A4 'Found ordering cycle' || true
    check "no ordering cycle in this boot's journal" \
        bash -c "! journalctl --no-pager -b | grep -aq 'Found ordering cycle'"
    check "systemd-tmpfiles-setup.service ran" \
        test "$(systemctl is-active systemd-tmpfiles-setup.service)" = active
    check "pkg0 is assembled under its name" dmsetup info pkg0
    check "pkg0's DM UUID is a remap-v4 pair" grep -q '^DMREMAP4-' <(dmsetup info -c --noheadings -o uuid pkg0 2>/dev/null)
    check "pkg0 keeps its remapped block" grep -q 'remapped=1' <(dmsetup status pkg0 2>/dev/null)
    check "udev made /dev/mapper/pkg0" test -b /dev/mapper/pkg0
    check "udev marked the spare (69-dm-remap-v4.rules)" \
        grep -qx 'DM_REMAP_V4_SPARE=1' <(udevadm info --query=property "$spare" 2>/dev/null)
    check "udev claimed the raw main (58-dm-remap-v4-claim.rules)" \
        grep -qx 'DM_REMAP_V4_MAIN=1' <(udevadm info --query=property "$main" 2>/dev/null)
    fsuuid=$(cat "$out/fsuuid")
    check "/dev/disk/by-uuid/$fsuuid is pkg0" \
        test "$(readlink -f "/dev/disk/by-uuid/$fsuuid")" = "$(readlink -f /dev/mapper/pkg0)"
    check "the fstab line mounted $mnt" findmnt -n "$mnt"
    check "systemd mounted it (mnt-pkg0.mount active)" test "$(systemctl is-active mnt-pkg0.mount)" = active
    src=$(findmnt -n -o MAJ:MIN "$mnt" 2>/dev/null | tr -d ' ' || true)
    want=$(dmsetup info -c --noheadings -o major,minor --separator : pkg0 2>/dev/null | tr -d ' ' || true)
    check "$mnt is on pkg0 ($src = $want), not on the raw main" test -n "$src" -a "$src" = "$want"
    got=$(md5sum <"$mnt/data.bin" 2>/dev/null | cut -d' ' -f1 || true)
    check "the data written before the reboot reads back" test "$got" = "$(cat "$out/md5")"
    systemctl --no-pager list-units --failed || true
    # The hand-off to the purge phase: only when every check passed.
    ((_dmr_failures)) || echo booted >"$out/boot.ok"
    ;;

mutate)
    [[ -f $out/setup.ok ]] || die "the setup phase did not finish"
    case ${2:-} in
        no-enable)
            systemctl disable remapd.service || die "systemctl disable remapd.service"
            check "mutant: remapd.service disabled" test ! -e "$enable_link"
            ;;
        bad-fstab)
            sed -i "s|^UUID=$(cat "$out/fsuuid") |UUID=00000000-0000-4000-8000-000000000000 |" /etc/fstab
            check "mutant: the fstab line names another UUID" \
                grep -q '^UUID=00000000-0000-4000-8000-000000000000 /mnt/pkg0 ' /etc/fstab
            ;;
        no-claim)
            rm -f /lib/udev/rules.d/58-dm-remap-v4-claim.rules
            check "mutant: no claim rule" test ! -e /lib/udev/rules.d/58-dm-remap-v4-claim.rules
            ;;
        *) die "unknown mutant ${2:-}" ;;
    esac
    ;;

purge)
    [[ -f $out/boot.ok ]] || die "the boot phase did not pass"
    # The binding still lists the pair: a plain remove is refused by the
    # tools' prerm and changes nothing (issue 23 item 5); the admin who
    # means it says so.
    rc=0
    apt-get remove -y dm-remap-v4-tools >/tmp/remove.log 2>&1 || rc=$?
    cat /tmp/remove.log
    check "apt-get remove refused while the bindings list a pair" test "$rc" -ne 0
    check "...saying why" grep -q "not removing: /etc/dm-remap/bindings lists" /tmp/remove.log
    check "...and the claim rule is still there" test -e /lib/udev/rules.d/58-dm-remap-v4-claim.rules
    rc=0
    DM_REMAP_FORCE_REMOVE=1 apt-get remove -y dm-remap-v4-tools dm-remap-v4-dkms >/tmp/remove.log 2>&1 || rc=$?
    cat /tmp/remove.log
    check "apt-get remove with DM_REMAP_FORCE_REMOVE=1 succeeds" test "$rc" -eq 0
    check "after remove: no remapd.service" test ! -e "$unit"
    check "after remove: no udev rules" test -z "$(ls /lib/udev/rules.d/*dm-remap-v4* 2>/dev/null)"
    check "after remove: the module is gone for modprobe" bash -c '! modinfo -n dm-remap-v4 >/dev/null 2>&1'
    check "after remove: no DKMS tree" test ! -e /var/lib/dkms/dm-remap-v4
    check "after remove: the binding stays (configuration)" test -s /etc/dm-remap/bindings
    rc=0
    apt-get purge -y dm-remap-v4-tools dm-remap-v4-dkms >/tmp/purge.log 2>&1 || rc=$?
    cat /tmp/purge.log
    check "apt-get purge succeeds" test "$rc" -eq 0
    for p in dm-remap-v4-dkms dm-remap-v4-tools; do
        check "$p is not known to dpkg" test -z "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -v not-installed)"
    done
    left=$(while read -r f; do
        if [[ -e $f && ! -d $f ]]; then echo "$f"; fi
    done <"$out/owned")
    [[ -z $left ]] || sed 's/^/left: /' <<<"$left"
    check "no file of the packages left ($(wc -l <"$out/owned") paths)" test -z "$left"
    check "no module file left ($(cat "$out/module"))" test ! -e "$(cat "$out/module")"
    check "no enable link left" test ! -L "$enable_link"
    check "no /etc/dm-remap left" test ! -e /etc/dm-remap
    check "no /usr/src/dm-remap-v4-$v left" test ! -e "/usr/src/dm-remap-v4-$v"
    ;;
*) die "unknown phase $phase" ;;
esac
finish
