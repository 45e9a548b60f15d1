#!/bin/bash
# ext4 on remap-v4 while the disk grows bad sectors: the file system stays
# clean (fsck -f) and every file keeps its content.
. "$(dirname "$0")/remap-lib.sh"
load_remap
modprobe dm-delay
modprobe ext4 2>/dev/null || true

size=$((128 * 2048))
disk=$(mkloop 128)
spare=$(mkloop 16)
err=$(dm_create err0 "0 $size error")
main=$(dm_create main0 "0 $size linear $disk 0")
dev=$(mk_remap r0 "$main" "$spare")

mkfs.ext4 -q -F -b 4096 "$dev"
mkdir -p /mnt/r0
mount "$dev" /mnt/r0
fill() { # fill DIR COUNT: files of 1-600 KiB of random data
    mkdir -p "$1"
    for i in $(seq 1 "$2"); do
        head -c $(((RANDOM % 600 + 1) * 1024)) /dev/urandom >"$1/f$i"
    done
}
fill /mnt/r0/before 60
sync

# Spread 40 bad 8-sector ranges over the disk (skipping the first MiB).
bad=""
for i in $(seq 0 39); do bad+=" $((2048 + i * (size - 4096) / 40)):8"; done
swap_table main0 "$(write_only_bad_table "$disk" "$err" "$size" "$bad")"
log "injected 40 write-only bad ranges"

# Fill most of the free space so the bad ranges are written to.
fill /mnt/r0/after 250
dd if=/dev/urandom of=/mnt/r0/big bs=1M count=40 status=none || true
sync
(cd /mnt/r0 && find . -type f -print0 | sort -z | xargs -0 sha256sum) >/tmp/sums
umount /mnt/r0
check "some blocks were remapped" test "$(field r0 remapped)" -gt 0
expect_field r0 mode rw
log "remapped=$(field r0 remapped) write_errors=$(field r0 write_errors)"
if fsck.ext4 -f -n "$dev" >/tmp/fsck.out 2>&1; then pass "fsck -f clean"; else
    cat /tmp/fsck.out
    fail "fsck found problems"
fi
mount -o ro "$dev" /mnt/r0
check "every file has its content" bash -c "cd /mnt/r0 && sha256sum --quiet -c /tmp/sums"
umount /mnt/r0

# And after remove + create.
dm_remove r0
dev=$(mk_remap r0 "$main" "$spare")
mount -o ro "$dev" /mnt/r0
check "content intact after re-activation" bash -c "cd /mnt/r0 && sha256sum --quiet -c /tmp/sums"
umount /mnt/r0
finish
