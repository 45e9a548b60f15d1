#!/bin/bash
# vm-kernels: one (the userspace tools: make test runs it on one kernel, make test-long on all)
# Claimed mains and names that persist, with systemd-udevd running.
#
# ext4 with a label on a scsi_debug main (a WWN, like a real disk), paired
# with `remapctl create --name data0`: /dev/disk/by-label and by-uuid lead
# to the remap device, never to the raw main (whose remapped blocks are
# stale), also after `remapctl remove` and further udev events, and the
# main is SYSTEMD_READY=0 (58-dm-remap-v4-claim.rules, fed by the bindings
# file).  A second pair asking for the name data0 is refused and changes
# nothing.  Without the spare remapd assembles nothing and no link names the
# raw main; the spare hot-plugged back is assembled as data0 and the label
# mounts it.  A partition of a claimed whole disk is claimed too.
# `remapd --once` assembles the pair again as data0, and a pair
# assembled without a binding gets one (its main is claimed from then on).
# vm-timeout: 400
. "$(dirname "$0")/remap-lib.sh"
if declare -F load_remap >/dev/null; then load_remap; else load_module; fi

RCTL=$DMR_REPO/build/cmake/daemon/remapctl/remapctl
REMAPD=$DMR_REPO/build/cmake/daemon/remapd/remapd
[[ -x $RCTL && -x $REMAPD ]] || die "remapctl/remapd not built (make userspace)"
BINDINGS=/etc/dm-remap/bindings  # the udev rule reads the default path

settle() { udevadm settle -t 30 || true; }
# resolves LINK DEV: the symlink LINK exists and points at DEV.
resolves() { [[ -e $1 && $(readlink -f "$1") == "$(readlink -f "$2")" ]]; }
prop() { udevadm info --query=property --name="$1" | sed -n "s/^$2=//p"; }

# udevd with our two rules (the programs they run adapted to the build);
# libdevmapper synchronises with udev here, so the dm rules make the remap
# device's /dev/mapper node and its by-uuid/by-label links.
unset DM_DISABLE_UDEV
export SYSTEMD_IGNORE_CHROOT=1
mkdir -p /etc/udev/rules.d
for r in 58-dm-remap-v4-claim.rules 69-dm-remap-v4.rules; do
    sed "s|/usr/sbin/remapctl|$RCTL|" "$DMR_REPO/daemon/udev/$r" >"/etc/udev/rules.d/$r"
done
/lib/systemd/systemd-udevd --daemon || die "cannot start systemd-udevd"
wait_for 10 test -S /run/udev/control || die "udevd control socket missing"
udevadm trigger --action=add --subsystem-match=block
settle

modprobe scsi_debug dev_size_mb=32 || die "cannot load scsi_debug"
settle
main=
for m in /sys/block/sd*/device/model; do
    [[ -e $m ]] && grep -q scsi_debug "$m" && main=/dev/$(basename "$(dirname "$(dirname "$m")")")
done
[[ -b $main ]] || die "no scsi_debug disk"
log "main $main: wwid $(cat "/sys/block/${main#/dev/}/device/wwid" 2>/dev/null), ID_WWN $(prop "$main" ID_WWN)"

fsuuid=5d1e0c6a-54c1-4a11-9b7e-0e54c1a11a54
mkfs.ext4 -q -F -L dmrdata -U "$fsuuid" "$main" || die "mkfs.ext4 failed"
echo change >"/sys/block/${main#/dev/}/uevent"
settle
# Without a binding the raw main is what the links name (the hazard).
check "before pairing: by-label names the raw main" resolves /dev/disk/by-label/dmrdata "$main"

spare=$(mkloop 16)
"$RCTL" create --main "$main" --spare "$spare" --name data0 >/dev/null || die "create failed"
_dmr_register dm data0
settle
uuid=$(field data0 uuid)
check "binding recorded" grep -qE "^wwn:[^ ]+ $uuid data0\$" "$BINDINGS"
check "by-label names the remap device" resolves /dev/disk/by-label/dmrdata /dev/mapper/data0
check "by-uuid names the remap device" resolves "/dev/disk/by-uuid/$fsuuid" /dev/mapper/data0
check "main claimed (DM_REMAP_V4_MAIN=1)" test "$(prop "$main" DM_REMAP_V4_MAIN)" = 1
check "main SYSTEMD_READY=0" test "$(prop "$main" SYSTEMD_READY)" = 0
check "main has no ID_FS_UUID" test -z "$(prop "$main" ID_FS_UUID)"
check "main shown as in use" test "$(prop "$main" ID_FS_TYPE)" = dm_remap_v4_main
check "main keeps its by-id link" bash -c "ls -l /dev/disk/by-id/ | grep -q '${main#/dev/}\$'"

# Block 64 now lives on the spare: the raw main holds a stale copy.
"$RCTL" remap data0 64 >/dev/null || fail "remap failed"
sync

"$RCTL" remove data0 >/dev/null || die "remove failed"
_dmr_forget dm data0
settle
echo change >"/sys/block/${main#/dev/}/uevent"  # e.g. a later probe or rescan
settle
check "after remove: no by-label link to the raw main" bash -c "! [[ \$(readlink -f /dev/disk/by-label/dmrdata) == $main ]]"
check "after remove: by-label gone" test ! -e /dev/disk/by-label/dmrdata
check "after remove: by-uuid gone" test ! -e "/dev/disk/by-uuid/$fsuuid"
check "after remove: main still SYSTEMD_READY=0" test "$(prop "$main" SYSTEMD_READY)" = 0
check "udev-claim names the pair" bash -c "'$RCTL' udev-claim '$main' | grep -qx 'DM_REMAP_V4_MAIN_NAME=data0'"
# Documented: a direct probe of the raw main still sees the file system;
# with EVALUATE=udev in blkid.conf, findfs/mount LABEL= do not fall back to it.
check "blkid -p on the raw main still sees ext4 (documented)" bash -c "blkid -p -o value -s TYPE '$main' | grep -qx ext4"
echo "EVALUATE=udev" >/tmp/blkid-udev.conf
check "findfs with EVALUATE=udev does not find the raw main" bash -c "! BLKID_CONF=/tmp/blkid-udev.conf findfs LABEL=dmrdata"

# A clash: another pair may not take the name data0; nothing is written.
main2=$(mkloop 32)
spare2=$(mkloop 16)
before=$(md5sum <"$BINDINGS")
rc=0
out=$("$RCTL" create --main "$main2" --spare "$spare2" --name data0 2>&1) || rc=$?
check "name clash refused (exit 1)" test "$rc" -eq 1
check "name clash message" grep -q "name data0 is already bound to pair $uuid" <<<"$out"
check "bindings unchanged" test "$(md5sum <"$BINDINGS")" = "$before"
check "second spare not formatted" cmp -s -n $((9216 * 512)) "$spare2" /dev/zero
check "no device created" bash -c "! dmsetup info data0 >/dev/null 2>&1"
# A bad line in the bindings file: create refuses before writing anything.
cp "$BINDINGS" /tmp/bindings.good
echo "garbage line" >>"$BINDINGS"
rc=0
out=$("$RCTL" create --main "$main2" --spare "$spare2" 2>&1) || rc=$?
check "bad bindings line refused (exit 1)" test "$rc" -eq 1
check "bad line named with its number" grep -q "$BINDINGS:4: expected" <<<"$out"
check "spare still not formatted" cmp -s -n $((9216 * 512)) "$spare2" /dev/zero
check "bindings file left as it was" bash -c "tail -n 1 '$BINDINGS' | grep -qx 'garbage line'"
cp /tmp/bindings.good "$BINDINGS"

# Boot without the spare: remapd assembles nothing and nothing names the
# raw main; the spare comes back (hot-plug): remapd assembles it as data0
# and the label mounts the remap device.
spare_file=$(losetup -nO BACK-FILE "$spare")
losetup -d "$spare"
_dmr_forget loop "$spare"
_dmr_register file "$spare_file"
printf 'poll_interval_s = 1\n' >/tmp/remapd.conf
"$REMAPD" -f -c /tmp/remapd.conf >/tmp/remapd-daemon.log 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; _dmr_cleanup' EXIT
sleep 3
settle
check "without the spare: nothing assembled" bash -c "! dmsetup info data0 >/dev/null 2>&1"
check "without the spare: no by-label link" test ! -e /dev/disk/by-label/dmrdata
check "without the spare: no by-uuid link" test ! -e "/dev/disk/by-uuid/$fsuuid"
mkdir -p /mnt/dmr
modprobe ext4 2>/dev/null || true
check "without the spare: mount LABEL= (EVALUATE=udev) fails" \
    bash -c "! BLKID_CONF=/tmp/blkid-udev.conf mount LABEL=dmrdata /mnt/dmr 2>/dev/null"
findmnt /mnt/dmr >/dev/null && umount /mnt/dmr
spare=$(losetup --find --show "$spare_file")
_dmr_register loop "$spare"
_dmr_register dm data0
if wait_for 10 dmsetup info data0; then pass "hot-plugged spare assembled as data0"; else
    tail -n 20 /tmp/remapd-daemon.log
    fail "hot-plugged spare not assembled as data0"
fi
settle
check "by-label names data0 after hot-plug" resolves /dev/disk/by-label/dmrdata /dev/mapper/data0
if mount /dev/disk/by-label/dmrdata /mnt/dmr; then
    src=$(findmnt -no SOURCE /mnt/dmr)
    log "mounted from $src"
    check "the label mounts the remap device" resolves "$src" /dev/mapper/data0
    umount /mnt/dmr
else
    fail "mount by label failed"
fi
kill "$pid"
wait "$pid" 2>/dev/null
trap _dmr_cleanup EXIT
"$RCTL" remove data0 >/dev/null || fail "remove failed"
_dmr_forget dm data0
settle

# remapd --once assembles the pair again under its bound name.
: >/tmp/remapd.conf
"$REMAPD" --once -c /tmp/remapd.conf >/tmp/remapd.log 2>&1 || { cat /tmp/remapd.log; fail "remapd --once failed"; }
_dmr_register dm data0
_dmr_register dm "remap-${uuid:0:8}"
settle
check "assembled again as data0" bash -c "dmsetup info data0 >/dev/null"
check "not as remap-<uuid8>" bash -c "! dmsetup info remap-${uuid:0:8} >/dev/null 2>&1"
check "by-label names data0 again" resolves /dev/disk/by-label/dmrdata /dev/mapper/data0
check "remapped data intact" test "$(dmsetup message data0 0 list | grep -c 'lblock=64 ')" = 1

# A claimed whole disk takes its partitions with it: a partitioned loop
# main loses the partition's by-label and by-partuuid links.
# An MBR written by hand (no partitioning tool on the test host): disk
# signature 0x12345678, one Linux partition from sector 2048 to the end.
main3=$(mkloop 32)
file3=$(losetup -nO BACK-FILE "$main3")
losetup -d "$main3"
_dmr_forget loop "$main3"
printf '\x78\x56\x34\x12' | dd of="$file3" bs=1 seek=440 conv=notrunc status=none
printf '\x00\x00\x02\x00\x83\xff\xff\xff\x00\x08\x00\x00\x00\xf8\x00\x00' |
    dd of="$file3" bs=1 seek=446 conv=notrunc status=none
printf '\x55\xaa' | dd of="$file3" bs=1 seek=510 conv=notrunc status=none
main3=$(losetup --find --show --partscan "$file3")
_dmr_register loop "$main3"
settle
part3=${main3}p1
mkfs.ext4 -q -F -L dmrpart "$part3" >/dev/null || fail "mkfs.ext4 on $part3 failed"
echo change >"/sys/class/block/${part3#/dev/}/uevent"
settle
partuuid=$(prop "$part3" ID_PART_ENTRY_UUID)
check "before pairing: the partition has its by-label link" resolves /dev/disk/by-label/dmrpart "$part3"
check "before pairing: and its by-partuuid link" resolves "/dev/disk/by-partuuid/$partuuid" "$part3"
spare3=$(mkloop 16)
"$RCTL" create --main "$main3" --spare "$spare3" --name data3 >/dev/null || fail "create data3 failed"
_dmr_register dm data3
settle
echo change >"/sys/class/block/${part3#/dev/}/uevent"
settle
check "partition of a claimed main is claimed" test "$(prop "$part3" DM_REMAP_V4_MAIN)" = 1
check "partition SYSTEMD_READY=0" test "$(prop "$part3" SYSTEMD_READY)" = 0
check "partition lost its by-label link" test ! -e /dev/disk/by-label/dmrpart
check "partition lost its by-partuuid link" test ! -e "/dev/disk/by-partuuid/$partuuid"

# A pair assembled without a binding (older install) gets one: the main is
# claimed from then on, under the derived name.
"$RCTL" remove data0 >/dev/null || fail "remove failed"
_dmr_forget dm data0
rm -f "$BINDINGS"
echo change >"/sys/block/${main#/dev/}/uevent"
settle
check "without bindings the main is unclaimed again" resolves /dev/disk/by-label/dmrdata "$main"
"$REMAPD" --once -c /tmp/remapd.conf >/tmp/remapd.log 2>&1 || { cat /tmp/remapd.log; fail "remapd --once failed"; }
settle
check "assembled as remap-<uuid8>" bash -c "dmsetup info remap-${uuid:0:8} >/dev/null"
check "remapd recorded the binding" grep -qE "^wwn:[^ ]+ $uuid remap-${uuid:0:8}\$" "$BINDINGS"
check "main claimed again" test "$(prop "$main" DM_REMAP_V4_MAIN)" = 1
check "by-label names the remap device" resolves /dev/disk/by-label/dmrdata "/dev/mapper/remap-${uuid:0:8}"
finish
