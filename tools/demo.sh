#!/bin/bash
# The dm-remap v4 demo, run inside the VM by `make demo`: a simulated
# failing disk is kept in service by remapping its bad sectors to a spare.
. "$(dirname "$0")/../tests/vm/guest/remap-lib.sh"
set +x
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { echo "\$ $*"; "$@"; }

load_remap
modprobe dm-delay
size=$((64 * 2048))
disk=$(mkloop 64)
spare=$(mkloop 16)
err=$(dm_create demo-err "0 $size error")
main=$(dm_create demo-disk "0 $size linear $disk 0")

say "1. A healthy 64 MiB disk ($main) and a 16 MiB spare ($spare)"
show dmsetup create demo --table "$(remap_table "$main" "$spare")"
_dmr_register dm demo
show dmsetup table demo
show dmsetup status demo

say "2. Write 8 MiB of data through /dev/mapper/demo"
dd if=/dev/urandom of=/tmp/data bs=1M count=8 status=none
show dd if=/tmp/data of=/dev/mapper/demo bs=1M oflag=direct status=none
echo "checksum of the data: $(md5sum </tmp/data | cut -c1-32)"

say "3. The disk grows bad sectors: writes to 2 ranges now fail (reads still work)"
bad="4096:8 10000:3"
swap_table demo-disk "$(write_only_bad_table "$disk" "$err" "$size" "$bad")"
echo "bad ranges (sector:count): $bad"
show dd if=/dev/zero of=/dev/mapper/demo-disk bs=512 seek=4096 count=1 oflag=direct status=none ||
    echo "-> writing to the raw disk fails, as expected"

say "4. Rewrite the same data through dm-remap: the application sees no error"
show dd if=/tmp/data of=/dev/mapper/demo bs=1M oflag=direct status=none && echo "-> no error"
show dmsetup status demo
show dmsetup message demo 0 list
echo "the device-mapper log:"
dmesg | grep remap-v4 | tail -n 3

say "5. Every byte reads back correctly"
got=$(md5_of /dev/mapper/demo 0 16384)
echo "checksum read back:   $got"
[[ $got == "$(md5sum </tmp/data | cut -d' ' -f1)" ]] && echo "-> identical"

say "6. Move a weak block to the spare by hand, while it is still readable"
show dmsetup message demo 0 remap 20000

say "7. Remove and re-create: the remaps are persistent (5-copy metadata on the spare)"
show dmsetup remove demo
_dmr_forget dm demo
show "$DMR_META" verify "$spare"
show dmsetup create demo --table "$(remap_table "$main" "$spare")"
_dmr_register dm demo
show dmsetup message demo 0 list
got=$(md5_of /dev/mapper/demo 0 16384)
[[ $got == "$(md5sum </tmp/data | cut -d' ' -f1)" ]] && echo "-> data still identical after re-activation"
say "Demo finished"
