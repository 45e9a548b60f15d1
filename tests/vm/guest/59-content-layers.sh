#!/bin/bash
# vm-kernels: one (the userspace tools: make test runs it on one kernel, make test-long on all)
# The identification layers (docs/remapd.md, "Identification layers"): two
# mains of equal size, each with its own ext4, paired with their own spares.
# Their loop files are swapped, so each spare's hardware fingerprint (the
# loop backing-file path) now names the other disk: remapd --once refuses
# both (file-system UUID changed) and creates nothing, `remapctl create`
# refuses too unless --ignore-content-change.  Swapped back, both assemble
# and the data written through them reads back.  A relabelled main (tune2fs
# -L on the raw disk) is assembled with a warning, and the new label and a
# later last_assembly are recorded.
. "$(dirname "$0")/remap-lib.sh"
load_remap
modprobe ext4 2>/dev/null || true

RCTL=$DMR_REPO/build/cmake/daemon/remapctl/remapctl
REMAPD=$DMR_REPO/build/cmake/daemon/remapd/remapd
[[ -x $RCTL && -x $REMAPD ]] || die "remapctl/remapd not built (cmake --build build/cmake)"
command -v jq >/dev/null || die "jq is needed"

# attach NAME: a loop device over /tmp/layers/NAME (fixed paths: the loop
# fingerprint is the backing file's path).
attach() {
    local dev
    dev=$(losetup --find --show --direct-io=on "/tmp/layers/$1" 2>/dev/null) ||
        dev=$(losetup --find --show "/tmp/layers/$1") || die "losetup $1"
    _dmr_register loop "$dev"
    echo "$dev"
}
detach() { losetup -d "$1" || die "losetup -d $1"; }
dump() { "$RCTL" metadata dump --json "$1" | jq -r ".spare.metadata.layers.$2"; }

mkdir -p /tmp/layers
for f in a b; do
    truncate -s 64M /tmp/layers/$f
    _dmr_register file /tmp/layers/$f
done
spare_a=$(mkloop 16)
spare_b=$(mkloop 16)
main_a=$(attach a)
main_b=$(attach b)
mkfs.ext4 -q -F -L data-a "$main_a" || die "mkfs a"
mkfs.ext4 -q -F -L data-b "$main_b" || die "mkfs b"
uuid_a=$(blkid -o value -s UUID "$main_a")
uuid_b=$(blkid -o value -s UUID "$main_b")

"$RCTL" create --main "$main_a" --spare "$spare_a" --name ra >/dev/null || die "create ra"
_dmr_register dm ra
"$RCTL" create --main "$main_b" --spare "$spare_b" --name rb >/dev/null || die "create rb"
_dmr_register dm rb
check "spare a records ext4" test "$(dump "$spare_a" fs_type)" = ext4
check "spare a records a's UUID" test "$(dump "$spare_a" fs_uuid)" = "$uuid_a"
check "spare a records the label" test "$(dump "$spare_a" fs_label)" = data-a
check "spare a records a sample" test "$(dump "$spare_a" sample_recorded)" = true
created=$(dump "$spare_a" created)
check "created recorded ($created)" test "$created" -gt 1700000000
first=$(dump "$spare_a" last_assembled)

# Data through the remap devices.
mkdir -p /mnt/a /mnt/b
mount /dev/mapper/ra /mnt/a || die "mount ra"
mount /dev/mapper/rb /mnt/b || die "mount rb"
dd if=/dev/urandom of=/mnt/a/f bs=1M count=2 status=none
dd if=/dev/urandom of=/mnt/b/f bs=1M count=2 status=none
md5_a=$(md5sum </mnt/a/f)
md5_b=$(md5sum </mnt/b/f)
umount /mnt/a /mnt/b
"$RCTL" remove ra >/dev/null || die "remove ra"
"$RCTL" remove rb >/dev/null || die "remove rb"

# --- the mains' files swapped: same paths, each other's disk -----------------
detach "$main_a"
detach "$main_b"
mv /tmp/layers/a /tmp/layers/t && mv /tmp/layers/b /tmp/layers/a && mv /tmp/layers/t /tmp/layers/b
main_a=$(attach a)
main_b=$(attach b)
check "the swap fooled the hardware fingerprint" test "$(blkid -o value -s UUID "$main_a")" = "$uuid_b"
remapd_once 3
check "nothing assembled" bash -c "! dmsetup info ra && ! dmsetup info rb"
check "refusal names the UUID change" grep -q "had UUID $uuid_a at its last assembly and now has $uuid_b: mkfs ran on the raw main, or another disk" /tmp/once.log
check "both refused" test "$(grep -c 'now has .*: mkfs ran on the raw main' /tmp/once.log)" -ge 2
rc=0
"$RCTL" create --main "$main_a" --spare "$spare_a" --name ra >/tmp/create.out 2>&1 || rc=$?
check "remapctl create refuses too (exit $rc)" test "$rc" -eq 1
check "and says how to override" grep -q -- "--ignore-content-change" /tmp/create.out
check "nothing created" bash -c "! dmsetup info ra"
check "the refusal wrote nothing (uuid still a's)" test "$(dump "$spare_a" fs_uuid)" = "$uuid_a"

# --- swapped back: both assemble, data intact -------------------------------------
detach "$main_a"
detach "$main_b"
mv /tmp/layers/a /tmp/layers/t && mv /tmp/layers/b /tmp/layers/a && mv /tmp/layers/t /tmp/layers/b
main_a=$(attach a)
main_b=$(attach b)
remapd_once 0
check "ra assembled" dmsetup info ra
check "rb assembled" dmsetup info rb
mount -o ro /dev/mapper/ra /mnt/a || die "mount ra again"
mount -o ro /dev/mapper/rb /mnt/b || die "mount rb again"
check "a's data intact" test "$(md5sum </mnt/a/f)" = "$md5_a"
check "b's data intact" test "$(md5sum </mnt/b/f)" = "$md5_b"
umount /mnt/a /mnt/b

# --- a new label only warns -----------------------------------------------------
"$RCTL" remove ra >/dev/null || die "remove ra"
tune2fs -L archive "$main_a" >/dev/null || die "tune2fs"
sleep 1 # last_assembly is in seconds
remapd_once 0
check "relabelled main assembled" dmsetup info ra
check "with a warning" grep -q "label changed from 'data-a' to 'archive'" /tmp/once.log
check "new label recorded" test "$(dump "$spare_a" fs_label)" = archive
last=$(dump "$spare_a" last_assembled)
check "last_assembled moved on ($first -> $last)" test "$last" -gt "$first"
check "created kept" test "$(dump "$spare_a" created)" = "$created"
finish
