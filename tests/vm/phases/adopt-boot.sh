#!/bin/bash
# Guest half of tests/vm/long/host/63-adopt-boot.sh: a pair made with a
# bare `dmsetup create` (no remapctl) under systemd as PID 1 must survive a
# reboot without its raw main being mounted.  Every boot shares one overlay
# upper image (run-vm.sh --upper), so /etc and the module persist.
# Disks: /dev/vda = main (64 MiB), /dev/vdb = spare (32 MiB).
#   adopt-boot.sh install  (harness /init) the module, remapctl, remapd, the
#                          unit (enabled), the udev rules and a hook that
#                          logs events, copied from this tree's builds
#   adopt-boot.sh make     (systemd) dmsetup create adopt0 on the blank
#                          spare; remapd adopts it (binding, main identity
#                          on the spare, main claimed, pair_adopted); ext4,
#                          an fstab UUID= line (nofail), a file; its first
#                          sector is remapped and then overwritten, so the
#                          raw main holds a stale copy of it
#   adopt-boot.sh check    (systemd) remapd assembled adopt0, the fstab line
#                          mounted it, the raw main is mounted nowhere, the
#                          file reads back as last written
#   adopt-boot.sh make no-adopt  the mutant: remapd is stopped while the
#                          pair is made (what a remapd without adoption
#                          leaves: no binding, no identity); the check boot
#                          must then fail
# shellcheck source-path=SCRIPTDIR source=../guest/lib.sh
. "$(dirname "$0")/../guest/lib.sh"

phase=${1:?install, make or check}
mutant=${2:-}
out=${DMR_OUT:?needs --out}
kver=$(uname -r)
main=/dev/vda
spare=/dev/vdb
mnt=/mnt/adopt0
bindings=/etc/dm-remap/bindings
events=/run/remapd/hook-events
meta=$DMR_REPO/build/cmake/tools/dmr-meta
for d in vda vdb; do
    [[ $(cat "/sys/block/$d/serial" 2>/dev/null) != dmr-upper ]] ||
        die "/dev/$d is the overlay upper disk, not a test disk"
done
wait_for() { # SECONDS CMD...
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || return 1
        sleep 0.5
    done
}
wait_active() {
    for ((i = 0; i < 120; i++)); do
        [[ $(systemctl is-active remapd.service) == active ]] && return 0
        sleep 1
    done
    return 1
}

case $phase in
install)
    ko=${DMR_KO:?no module built for $kver}
    b=$DMR_REPO/build/cmake/daemon
    [[ -x $b/remapd/remapd && -x $b/remapctl/remapctl && -x $meta ]] || die "userspace not built"
    mkdir -p "/lib/modules/$kver/updates"
    cp "$ko" "/lib/modules/$kver/updates/" || die "copy $ko"
    depmod -a "$kver" || die depmod
    install -m 0755 "$b/remapd/remapd" "$b/remapctl/remapctl" /usr/sbin/ || die "install binaries"
    install -m 0644 "$DMR_REPO/daemon/systemd/remapd.service" /etc/systemd/system/ || die "install unit"
    mkdir -p /etc/systemd/system/sysinit.target.wants /etc/udev/rules.d
    ln -sf /etc/systemd/system/remapd.service /etc/systemd/system/sysinit.target.wants/remapd.service
    install -m 0644 "$DMR_REPO"/daemon/udev/*.rules /etc/udev/rules.d/ || die "install rules"
    # The hook runs in remapd's sandbox: /run/remapd is its writable runtime dir.
    cat >/usr/local/sbin/adopt-hook <<'HOOK'
#!/bin/sh
echo "$REMAPD_EVENT $REMAPD_DEVICE $REMAPD_MESSAGE" >>/run/remapd/hook-events
HOOK
    chmod 0755 /usr/local/sbin/adopt-hook
    printf 'hook = /usr/local/sbin/adopt-hook\npoll_interval_s = 5\n' >/etc/remapd.conf
    rm -f "$bindings"
    check "module found by modprobe" modinfo -n dm-remap-v4
    ((_dmr_failures)) || echo installed >"$out/install.ok"
    ;;

make)
    [[ -f $out/install.ok ]] || die "the install phase did not finish"
    check "PID 1 is systemd" test "$(cat /proc/1/comm)" = systemd
    wait_active || die "remapd.service not active"
    if [[ $mutant == no-adopt ]]; then
        systemctl stop remapd.service
        log "mutant: remapd stopped while the pair is made"
    fi
    modprobe dm-remap-v4 || die "modprobe dm-remap-v4"
    sz=$(blockdev --getsz "$main")
    # What the old README showed: a bare table line, a blank spare.
    dmsetup create adopt0 --table "0 $sz remap-v4 $main $spare" || die "dmsetup create adopt0"
    udevadm settle --timeout=60 || true
    [[ -b /dev/mapper/adopt0 ]] || die "no /dev/mapper/adopt0"
    if [[ $mutant != no-adopt ]]; then
        check "remapd bound the pair in $bindings" wait_for 60 grep -q ' adopt0$' "$bindings"
        cat "$bindings" 2>/dev/null || true
        uuid=$(dmsetup status adopt0 | tr ' ' '\n' | sed -n 's/^uuid=//p')
        check "the binding names the pair $uuid" grep -q " $uuid adopt0\$" "$bindings"
        check "the spare records the main's identity" \
            grep -q '^main_id: ..*' <("$meta" dump "$spare")
        "$meta" dump "$spare" | grep '^main_id' || true
        check "pair_adopted ran the hook" wait_for 30 grep -q '^pair_adopted adopt0 ' "$events"
        cat "$events" 2>/dev/null || true
        journalctl --no-pager -b -u remapd.service 2>&1 | tail -n 15 || true
        check "remapd warned to use remapctl create" \
            grep -aq "adopt0 .*was made without remapctl.*Use 'remapctl create'" \
            <(journalctl --no-pager -b -u remapd.service -p warning 2>&1)
        udevadm settle --timeout=60 || true
        check "udev claimed the main now (change event, SYSTEMD_READY=0)" \
            grep -qx 'SYSTEMD_READY=0' <(udevadm info --query=property "$main" 2>/dev/null)
    fi
    mkfs.ext4 -q -b 4096 -L adoptdata /dev/mapper/adopt0 || die "mkfs.ext4 on adopt0"
    fsuuid=$(blkid -s UUID -o value /dev/mapper/adopt0)
    [[ -n $fsuuid ]] || die "no file system UUID on adopt0"
    echo "UUID=$fsuuid $mnt ext4 defaults,nofail,x-systemd.device-timeout=180s 0 2" >>/etc/fstab
    mkdir -p "$mnt"
    mount /dev/mapper/adopt0 "$mnt" || die "mount adopt0"
    head -c 1M /dev/urandom >"$mnt/data.bin"
    sync
    # The file's first block: ext4 block (4 KiB) -> first 512-byte sector.
    blk=$(filefrag -e "$mnt/data.bin" | awk '$1 == "0:" {sub(/\.\..*/, "", $4); print $4}')
    [[ $blk =~ ^[0-9]+$ ]] || die "no physical block for data.bin: $(filefrag -e "$mnt/data.bin")"
    sector=$((blk * 8))
    out_msg=$(dmsetup message adopt0 0 remap "$sector") || die "remap $sector"
    log "$out_msg"
    # New data over the remapped sector: on the spare only.
    head -c 4096 /dev/urandom | dd of="$mnt/data.bin" bs=4096 count=1 conv=notrunc oflag=direct status=none
    sync
    md5sum <"$mnt/data.bin" | cut -d' ' -f1 >"$out/md5"
    check "adopt0 has a remapped block" grep -q 'remapped=1' <(dmsetup status adopt0)
    check "the raw main's copy of sector $sector is stale" \
        test "$(dd if="$main" bs=512 skip="$sector" count=1 iflag=direct status=none | md5sum)" != \
        "$(dd if=/dev/mapper/adopt0 bs=512 skip="$sector" count=1 iflag=direct status=none | md5sum)"
    echo "$fsuuid" >"$out/fsuuid"
    ((_dmr_failures)) || echo made >"$out/make.ok"
    ;;

check)
    [[ -f $out/make.ok ]] || die "the make phase did not finish"
    check "PID 1 is systemd" test "$(cat /proc/1/comm)" = systemd
    for ((i = 0; i < 200; i++)); do
        findmnt -n "$mnt" >/dev/null && break
        sleep 1
    done
    journalctl --no-pager -b -u remapd.service 2>&1 | tail -n 20 || true
    findmnt "$mnt" || true
    fsuuid=$(cat "$out/fsuuid")
    check "remapd.service is active" test "$(systemctl is-active remapd.service)" = active
    check "the raw main is mounted nowhere" bash -c "! findmnt -n -S '$main'"
    check "adopt0 is assembled under its name" dmsetup info adopt0
    check "adopt0's DM UUID is a remap-v4 pair" grep -q '^DMREMAP4-' <(dmsetup info -c --noheadings -o uuid adopt0 2>/dev/null)
    check "adopt0 keeps its remapped block" grep -q 'remapped=1' <(dmsetup status adopt0 2>/dev/null)
    check "udev claimed the raw main" \
        grep -qx 'DM_REMAP_V4_MAIN=1' <(udevadm info --query=property "$main" 2>/dev/null)
    check "/dev/disk/by-uuid/$fsuuid is adopt0" \
        test "$(readlink -f "/dev/disk/by-uuid/$fsuuid")" = "$(readlink -f /dev/mapper/adopt0 2>/dev/null)"
    check "the fstab line mounted $mnt" findmnt -n "$mnt"
    src=$(findmnt -n -o MAJ:MIN "$mnt" 2>/dev/null | tr -d ' ' || true)
    want=$(dmsetup info -c --noheadings -o major,minor --separator : adopt0 2>/dev/null | tr -d ' ' || true)
    check "$mnt is on adopt0 ($src = $want), not on the raw main" test -n "$src" -a "$src" = "$want"
    got=$(md5sum <"$mnt/data.bin" 2>/dev/null | cut -d' ' -f1 || true)
    check "the file reads back as last written" test "$got" = "$(cat "$out/md5")"
    ((_dmr_failures)) || echo checked >"$out/check.ok"
    ;;
*) die "unknown phase $phase" ;;
esac
finish
