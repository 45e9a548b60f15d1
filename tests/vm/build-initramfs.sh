#!/bin/bash
# build-initramfs.sh <kver> <out.cpio.gz> [<moddir>]
#
# Builds the tiny busybox initramfs used by run-vm.sh.  Its /init loads the
# virtio/9p/overlay modules for <kver> (from <moddir>, default
# /lib/modules/<kver>; it must end in /lib/modules/<kver>, e.g. the debug
# kernel's build/debug-kernel/lib/modules/<kver>), mounts the host root (9p tag
# "hostroot", read-only) under a tmpfs-backed overlay, chroots into it and
# runs the job named by `dmr.job=<abs path>` on the kernel command line.
# Afterwards it prints the guest dmesg between markers and `DMR_EXIT=<rc>`,
# then powers off.  See run-vm.sh for the host side of the protocol.
#
# Callers cache the result: rebuild only if <out> is older than this script
# (or than the kernel's modules.dep).
set -euo pipefail

if (($# != 2 && $# != 3)); then
    echo "usage: $0 <kver> <out.cpio.gz> [<moddir>]" >&2
    exit 2
fi
kver=$1
out=$2
moddir=${3:-/lib/modules/$kver}
# modinfo -b takes the root the module tree hangs off.
case $moddir in
    */lib/modules/"$kver") modroot=${moddir%/lib/modules/"$kver"} ;;
    *) echo "build-initramfs: <moddir> must end in /lib/modules/$kver: $moddir" >&2; exit 2 ;;
esac

busybox=/bin/busybox
for tool in cpio gzip modinfo; do
    command -v "$tool" >/dev/null || { echo "build-initramfs: missing $tool" >&2; exit 1; }
done
[[ -x $busybox ]] || { echo "build-initramfs: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }
# A dynamically linked busybox would need its libc inside the initramfs.
if command -v file >/dev/null && ! LC_ALL=C file -L "$busybox" | grep -q 'statically linked'; then
    echo "build-initramfs: $busybox is not static (apt-get install busybox-static)" >&2
    exit 1
fi
[[ -d $moddir/kernel ]] || { echo "build-initramfs: no $moddir" >&2; exit 1; }

# Modules needed before the 9p root can be mounted, in load order.  Missing
# ones are skipped (e.g. fscache was folded into netfs in 6.x), builtin ones
# too; dependencies are resolved with modinfo so they load first.
wanted=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci
        netfs fscache 9pnet 9pnet_virtio 9p overlay virtio_blk)

outdir=$(dirname "$out")
mkdir -p "$outdir"
stage=$(mktemp -d "$outdir/.initramfs-stage.XXXXXX")
tmp=
trap 'rm -rf "$stage" ${tmp:+"$tmp"}' EXIT
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,mods,lower,rw,newroot}
cp "$busybox" "$stage/bin/busybox"

declare -A seen=()
order=()
resolve() {
    local name=$1 path dep deps
    [[ -n ${seen[$name]:-} ]] && return 0
    seen[$name]=1
    if ! path=$(modinfo -b "${modroot:-/}" -k "$kver" -n "$name" 2>/dev/null); then
        echo "build-initramfs: $kver: module $name not found, skipping" >&2
        return 0
    fi
    if [[ $path == "(builtin)" ]]; then
        return 0
    fi
    deps=$(modinfo -b "${modroot:-/}" -k "$kver" -F depends "$name" 2>/dev/null || true)
    for dep in ${deps//,/ }; do
        resolve "$dep"
    done
    order+=("$name:$path")
}
for m in "${wanted[@]}"; do
    resolve "$m"
done
nbase=${#order[@]}
# ext4 for a persistent overlay upper (dmr.upper, run-vm.sh --upper),
# loaded only then: ext4 and jbd2 want crc32c at mount time (softdep).
for m in crc32c_generic ext4; do
    resolve "$m"
done

# busybox insmod cannot load compressed modules: decompress them here.
i=0
for entry in "${order[@]}"; do
    name=${entry%%:*}
    path=${entry#*:}
    dir=mods
    ((i < nbase)) || dir=mods-ext4
    mkdir -p "$stage/$dir"
    dst=$(printf '%s/%s/%02d-%s.ko' "$stage" "$dir" "$i" "$name")
    case $path in
        *.ko.xz) xz -dc "$path" >"$dst" ;;
        *.ko.zst) zstd -q -dc "$path" >"$dst" ;;
        *.ko.gz) gzip -dc "$path" >"$dst" ;;
        *.ko) cp "$path" "$dst" ;;
        *) echo "build-initramfs: unknown module format: $path" >&2; exit 1 ;;
    esac
    i=$((i + 1))
done

cat >"$stage/init" <<'INIT'
#!/bin/busybox sh
# PID 1 of the dm-remap test VM.  Never exits: always powers off, so a panic
# (from init dying) cannot hide the result.  Protocol on the console:
#   DMR_INIT_FAILED=<reason>      setup failed before the job ran
#   ===== DMR DMESG BEGIN =====   ... guest dmesg ...   ===== DMR DMESG END =====
#   DMR_EXIT=<rc>                 exit status of the job
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t devtmpfs devtmpfs /dev
# The kernel may have started us without a console (no /dev/console in the
# cpio): attach stdio to the serial console explicitly so the host sees it.
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys

finish() {
    rc=$1
    # Keep kernel messages from interleaving with the markers below.
    echo 1 >/proc/sys/kernel/printk
    sync
    echo
    echo "===== DMR DMESG BEGIN ====="
    dmesg
    echo "===== DMR DMESG END ====="
    echo "DMR_EXIT=$rc"
    sync
    # Closing the last console fd waits until the UART has drained, so the
    # markers are not lost by powering off too early.
    exec >/dev/null 2>&1 </dev/null
    sleep 0.2
    poweroff -f
    echo o >/proc/sysrq-trigger
    while :; do sleep 1; done
}
die() {
    echo "DMR_INIT_FAILED=$*"
    finish 125
}

for m in /mods/*.ko; do
    [ -e "$m" ] || continue
    insmod "$m" || die "insmod $m"
done

JOB=
UPPER=
SYSTEMD=
for w in $(cat /proc/cmdline); do
    case $w in
        dmr.job=*) JOB=${w#dmr.job=} ;;
        dmr.upper=*) UPPER=${w#dmr.upper=} ;;
        dmr.systemd=1) SYSTEMD=1 ;;
    esac
done
[ -n "$JOB" ] || die "no dmr.job= on the kernel command line"

mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro hostroot /lower \
    || die "mount 9p hostroot"
[ -f "/lower$JOB" ] || die "job $JOB not found on host root"
# vm.conf (written by run-vm.sh) sets DMR_EXPOSE, DMR_OUTS and DMR_KMODDIR.
DMR_EXPOSE=
DMR_OUTS=
DMR_KMODDIR=
conf=/lower${JOB%/*}/vm.conf
[ -f "$conf" ] && . "$conf"

# Writable root: host root as the read-only lower layer, RAM as upper.
if [ -n "$UPPER" ]; then
    # dmr.upper=<serial>: the overlay upper on the virtio disk with that
    # serial (an ext4 image, run-vm.sh --upper), so what a boot changes in
    # the guest's root persists to the next boot on the same image.
    for m in /mods-ext4/*.ko; do
        insmod "$m" || die "insmod $m"
    done
    dev=
    for s in /sys/block/vd*/serial; do
        [ "$(cat "$s" 2>/dev/null)" = "$UPPER" ] || continue
        dev=${s%/serial}
        dev=/dev/${dev##*/}
    done
    [ -n "$dev" ] || die "no virtio disk with serial $UPPER"
    mount -t ext4 "$dev" /rw || die "mount $dev (serial $UPPER) at /rw"
else
    mount -t tmpfs -o mode=0755 tmpfs /rw || die "mount tmpfs /rw"
fi
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot \
    || die "mount overlay"
R=/newroot
mount -t proc proc $R/proc || die "mount proc"
mount -t sysfs sysfs $R/sys || die "mount sysfs"
mount -t devtmpfs devtmpfs $R/dev || die "mount devtmpfs"
# What udev would add: bash process substitution needs /dev/fd.
ln -sf /proc/self/fd $R/dev/fd
ln -sf /proc/self/fd/0 $R/dev/stdin
ln -sf /proc/self/fd/1 $R/dev/stdout
ln -sf /proc/self/fd/2 $R/dev/stderr
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts $R/dev/pts
mount -t tmpfs -o mode=1777 tmpfs $R/dev/shm
mount -t tmpfs -o mode=1777 tmpfs $R/tmp || die "mount /tmp"
mount -t tmpfs -o mode=0755 tmpfs $R/run || die "mount /run"
mount -t debugfs debugfs $R/sys/kernel/debug 2>/dev/null
# A kernel not installed on the host (unpacked under build/kernels, or the
# debug kernel): its modules dir, a host path, becomes /lib/modules/<kver>
# for modprobe and modinfo, writable through an overlay whose upper is on
# /rw (so DKMS can install into it, and with --upper it persists).  Its
# build link names the headers by their host path, which the guest sees
# too; the config is linked where an installed kernel has it (mkinitramfs).
if [ -n "$DMR_KMODDIR" ]; then
    kv=$(uname -r)
    kmods=$R/lib/modules/$kv
    mkdir -p "$kmods" /rw/kmod-upper /rw/kmod-work
    mount -t overlay -o "lowerdir=/lower$DMR_KMODDIR,upperdir=/rw/kmod-upper,workdir=/rw/kmod-work" \
        overlay "$kmods" || die "overlay $DMR_KMODDIR at /lib/modules/$kv"
    kroot=${DMR_KMODDIR%/lib/modules/$kv}
    [ -e "/lower$kroot/boot/config-$kv" ] && [ ! -e "$R/boot/config-$kv" ] &&
        ln -s "$kroot/boot/config-$kv" "$R/boot/config-$kv"
fi
# Host paths the job needs (repo, job dir) that the tmpfs mounts above hide.
for p in $DMR_EXPOSE; do
    case $p in
        /tmp | /tmp/* | /run | /run/*)
            mkdir -p "$R$p" && mount -o bind "/lower$p" "$R$p" || die "expose $p" ;;
    esac
done
# Writable host directories (--out): "<tag>=<abs path>" each.
for o in $DMR_OUTS; do
    tag=${o%%=*}
    p=${o#*=}
    mkdir -p "$R$p" || die "mkdir $p"
    mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=none "$tag" "$R$p" \
        || die "mount 9p $tag at $p"
done

# Report hung tasks well before the host-side timeout fires.
[ -w /proc/sys/kernel/hung_task_timeout_secs ] && echo 60 >/proc/sys/kernel/hung_task_timeout_secs

if [ -n "$SYSTEMD" ]; then
    # dmr.systemd=1: boot the guest's systemd as PID 1 on the overlay root,
    # into dmr-vm.target (basic.target: udev, fstab, every enabled sysinit
    # unit) plus dmr-vm-job.service, which runs the job, prints the same
    # protocol as finish() and powers off through systemd.
    # systemd believes it is in a container when it sees the host's
    # /.dockerenv, and then ignores the kernel command line.
    rm -f $R/.dockerenv
    mkdir -p $R/etc/dmr-vm $R/etc/systemd/system || die "mkdir $R/etc/dmr-vm"
    cat >$R/etc/dmr-vm/run-job <<'RUNJOB'
#!/bin/bash
# dmr-vm-job.service (written by the test VM's /init): the job, then the
# run-vm.sh protocol on the console, then a clean systemd poweroff.
bash "$1" </dev/null
rc=$?
echo 1 >/proc/sys/kernel/printk
sync
echo
echo "===== DMR DMESG BEGIN ====="
dmesg --kernel
echo "===== DMR DMESG END ====="
echo "DMR_EXIT=$rc"
systemctl --no-block poweroff
RUNJOB
    cat >$R/etc/systemd/system/dmr-vm.target <<'TARGET'
[Unit]
Description=dm-remap test VM: the basic system and the test job
Requires=basic.target
After=basic.target
Wants=dmr-vm-job.service
AllowIsolate=yes
TARGET
    cat >$R/etc/systemd/system/dmr-vm-job.service <<UNIT
[Unit]
Description=dm-remap test VM job $JOB
After=basic.target

[Service]
Type=oneshot
ExecStart=/bin/bash /etc/dmr-vm/run-job $JOB
StandardInput=null
StandardOutput=tty
StandardError=inherit
TTYPath=/dev/console
TimeoutStartSec=infinity
UNIT
    # Timers and time sync of the host's installation: nothing to do in a
    # test VM without network, and a timer firing mid-test would add load.
    for u in apt-daily.timer apt-daily-upgrade.timer man-db.timer e2scrub_all.timer \
             fstrim.timer dpkg-db-backup.timer systemd-timesyncd.service; do
        ln -sf /dev/null $R/etc/systemd/system/$u
    done
    echo "DMR-INIT: boot done after $(cut -d' ' -f1 /proc/uptime)s, starting systemd for $JOB"
    sync
    exec switch_root $R /lib/systemd/systemd --unit=dmr-vm.target
    die "switch_root $R /lib/systemd/systemd"
fi
echo "DMR-INIT: boot done after $(cut -d' ' -f1 /proc/uptime)s, running $JOB"
chroot $R /bin/bash "$JOB" </dev/null
finish $?
INIT
chmod 755 "$stage/init"

tmp=$(mktemp "$outdir/.initramfs.XXXXXX")
(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
    cpio --null -o -H newc --owner=0:0 --quiet) | gzip -1 >"$tmp"
mv -f "$tmp" "$out"
echo "build-initramfs: $out ($kver: ${#order[@]} modules:$(printf ' %s' "${order[@]%%:*}"))" >&2
