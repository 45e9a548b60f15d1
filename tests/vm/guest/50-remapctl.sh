#!/bin/bash
# vm-kernels: one (the userspace tools: make test runs it on one kernel, make test-long on all)
# remapctl end to end on loop devices: create formats a blank spare with a
# v4 pair UUID and the main's fingerprint; status/list --json; remap; bad
# arguments change nothing; repair of an active spare is refused; a
# simulated reboot (remove + `remapd --once`) reassembles the device with
# its remaps and data; a wrong main, a detached main with a same-size
# stranger, duplicate spares and a spare with foreign data are all refused
# and leave the spare byte-identical.
. "$(dirname "$0")/remap-lib.sh"
if declare -F load_remap >/dev/null; then load_remap; else load_module; fi

RCTL=$DMR_REPO/build/cmake/daemon/remapctl/remapctl
REMAPD=$DMR_REPO/build/cmake/daemon/remapd/remapd
[[ -x $RCTL && -x $REMAPD ]] || die "remapctl/remapd not built (cmake --build build/cmake)"
command -v jq >/dev/null || die "jq is needed to check --json output"

# expect_rc CODE ARGS...: run remapctl, check its exit code; output in /tmp/rctl.{out,err}.
nr_remap_devices() {
    dmsetup table --target remap-v4 2>/dev/null | grep -c ' remap-v4 ' || true
}

main=$(mkloop 32 random)
spare=$(mkloop 16)
other=$(mkloop 32 random)
main_file=$(losetup -nO BACK-FILE "$main")

# --- create -----------------------------------------------------------------
expect_rc 0 create --main "$main" --spare "$spare" --name r0
_dmr_register dm r0
check "create reports the spare was formatted" grep -q "spare formatted" /tmp/rctl.out
uuid=$(field r0 uuid)
check "pair uuid is RFC 4122 v4" grep -Eq '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' <<<"$uuid"
check "dm uuid is DMREMAP4-<pair>" test "$(dmsetup info -c --noheadings -o uuid r0)" = "DMREMAP4-$uuid"
"$RCTL" metadata dump --json "$spare" >/tmp/dump.json
check "metadata pair uuid is the kernel's" test "$(jq -r .spare.metadata.pair_uuid /tmp/dump.json)" = "$uuid"
check "main_id is the main's fingerprint" \
    test "$(jq -r .spare.metadata.main_id /tmp/dump.json)" = "loop:$main_file:65536:512"
check "spare_id is the spare's fingerprint" jq -e '.spare.metadata.spare_id | startswith("loop:/tmp/")' /tmp/dump.json
check "all copies valid" jq -e '.spare.verdict == "healthy"' /tmp/dump.json

# --- JSON and tables -----------------------------------------------------------
"$RCTL" status --json r0 >/tmp/st.json
check "status --json: schema" jq -e '.schema_version == 1 and .command == "status" and (.devices | length) == 1' /tmp/st.json
check "status --json: device" jq -e --arg u "$uuid" --arg m "$main" --arg s "$spare" \
    '.devices[0] | .name == "r0" and .uuid == $u and .mode == "rw" and .remapped == 0 and .remapped_str == "0"
     and .main.path == $m and .spare.path == $s and (.health | type) == "number" and .sectors == 65536' /tmp/st.json
"$RCTL" list --json >/tmp/list.json
check "list --json has r0" jq -e '[.devices[].name] | index("r0") != null' /tmp/list.json
check "list table has r0" grep -q "^r0 .*$main .*$spare" <("$RCTL" list)
check "probe marks the spare" grep -qx "DM_REMAP_V4_PAIR_UUID=$uuid" <("$RCTL" probe "$spare")
check "probe is silent on other devices" test -z "$("$RCTL" probe "$other")"

# --- remap, bad arguments --------------------------------------------------------
expect_rc 0 remap r0 1000
expect_field r0 remapped 1
seq=$(field r0 seq)
expect_rc 2 remap r0 abc
expect_rc 2 remap r0 -5
expect_rc 2 remap r0 65536
expect_rc 2 remap r0
expect_rc 1 remap nosuch 5
expect_rc 1 remap r0 1000 # already remapped: the kernel refuses
check "one-line error" test "$(wc -l </tmp/rctl.err)" -eq 1
check "refused remaps changed nothing" test "$(field r0 seq)" = "$seq"
for s in 1001 5000 7777; do "$RCTL" remap r0 "$s" >/dev/null; done
"$RCTL" status --json --extents r0 >/tmp/ext.json
check "--extents lists 3 extents" jq -e '.devices[0].extents | length == 3' /tmp/ext.json
check "merged extent" jq -e '.devices[0].extents[0] | .lblock == 1000 and .len == 2 and .state == "remapped"' /tmp/ext.json
put_sectors /dev/mapper/r0 1000 2
put_sectors /dev/mapper/r0 20000 8
want_list=$(dmsetup message r0 0 list)
want_data=$(md5_of /dev/mapper/r0)

# --- in-use refusals -----------------------------------------------------------------
spare_md5=$(md5_of "$spare")
expect_rc 1 metadata repair "$spare"
check "repair refusal names the device" grep -q "active remap-v4 device r0" /tmp/rctl.err
expect_rc 1 create --main "$other" --spare "$spare"
check "in-use spare refused" grep -q "already used by remap-v4 device r0" /tmp/rctl.err
check "spare untouched by refusals" test "$(md5_of "$spare")" = "$spare_md5"

# A main with a mounted file system, and a spare that is active swap: refused
# before anything is written (O_EXCL), not after the spare was formatted,
# the binding written and the main claimed (the table load failed with EBUSY
# only then, and the claim made systemd try to unmount the live file system).
modprobe ext4 2>/dev/null || true
busy=$(mkloop 16)
mkfs.ext4 -q "$busy"
mkdir -p /mnt/busy
mount "$busy" /mnt/busy
blank=$(mkloop 8)
swapdev=$(mkloop 8)
mkswap -q "$swapdev" >/dev/null
swapon "$swapdev"
bind_md5=$(md5sum </etc/dm-remap/bindings)
nr0=$(nr_remap_devices)
expect_rc 1 create --main "$busy" --spare "$blank" --name busy0
check "mounted main: refusal says it is in use" grep -q "main $busy is in use" /tmp/rctl.err
expect_rc 1 create --main "$other" --spare "$swapdev" --name busy1 --force-format
check "swap spare: refusal says it is in use" grep -q "spare $swapdev is in use" /tmp/rctl.err
check "refused creates left the blank spare zero" test "$(md5_of "$blank")" = "$(head -c 8M /dev/zero | md5sum | cut -d' ' -f1)"
check "...the swap spare a swap area" test "$(blkid -p -s TYPE -o value "$swapdev")" = swap
check "...the bindings file as it was" test "$(md5sum </etc/dm-remap/bindings)" = "$bind_md5"
check "...and created no device" test "$(nr_remap_devices)" = "$nr0"
check "the file system is still mounted" mountpoint -q /mnt/busy
swapoff "$swapdev"
umount /mnt/busy

# --- simulated reboot: remove, then remapd --once ---------------------------------------
expect_rc 0 remove r0
_dmr_forget dm r0
check "r0 removed" test "$(nr_remap_devices)" -eq 0
# create --name r0 bound the name to the pair in /etc/dm-remap/bindings:
# remapd reassembles it under that name, not remap-<uuid8>.
check "bindings file names the pair r0" grep -q "$uuid r0\$" /etc/dm-remap/bindings
name=r0
_dmr_register dm "$name"
remapd_once 0
check "remapd --once assembled $name (the bound name)" dmsetup info "$name"
check "reassembled with the remaps" test "$(dmsetup message "$name" 0 list)" = "$want_list"
dmsetup mknodes "$name" >/dev/null 2>&1 || true
check "reassembled with the data" test "$(md5_of "/dev/mapper/$name")" = "$want_data"
remapd_once 0
check "still exactly one remap device" test "$(nr_remap_devices)" -eq 1
dm_remove "$name"
# Each assembly records the main's identification layers (a new commit), so
# the refusals below are compared with the spare as it is now.
spare_md5=$(md5_of "$spare")

# --- wrong main -------------------------------------------------------------------------
expect_rc 1 create --main "$other" --spare "$spare" --name bad
check "mismatch is explained" grep -q "fingerprint mismatch" /tmp/rctl.err
check "mismatch error is one line" test "$(wc -l </tmp/rctl.err)" -eq 1
check "no device for the wrong main" test "$(nr_remap_devices)" -eq 0
check "spare byte-identical after the refusal" test "$(md5_of "$spare")" = "$spare_md5"

# Main detached, a same-size stranger present: discovery refuses it.
losetup -d "$main"
_dmr_forget loop "$main"
_dmr_register file "$main_file"
rc=0
"$RCTL" discover --json >/tmp/disc.json || rc=$?
check "discover exit 3 on a refusal" test "$rc" -eq 3
check "discover: fingerprint_mismatch with the stranger" jq -e --arg s "$spare" --arg o "$other" \
    '.spares[] | select(.spare == $s) | .outcome == "fingerprint_mismatch" and (.related | index($o) != null)' /tmp/disc.json
remapd_once 3
check "--once assembled nothing" test "$(nr_remap_devices)" -eq 0
check "spare byte-identical after discovery" test "$(md5_of "$spare")" = "$spare_md5"

# The main comes back (same backing file): matched and assembled.
main=$(losetup --find --show --direct-io=on "$main_file" 2>/dev/null || losetup --find --show "$main_file")
_dmr_register loop "$main"
"$RCTL" discover --json >/tmp/disc.json || true
check "discover: match" jq -e --arg s "$spare" --arg m "$main" \
    '.spares[] | select(.spare == $s) | .outcome == "match" and .main == $m' /tmp/disc.json
remapd_once 0
check "assembled after the main returned" dmsetup info "$name"
check "remaps intact" test "$(dmsetup message "$name" 0 list)" = "$want_list"
dm_remove "$name"

# --- duplicate spares (a cloned spare) --------------------------------------------------
clone=$(mkloop 16)
dd if="$spare" of="$clone" bs=1M iflag=direct oflag=direct status=none
rc=0
"$RCTL" discover --json >/tmp/disc.json || rc=$?
check "discover exit 3 on duplicates" test "$rc" -eq 3
check "both spares reported duplicate" jq -e --arg a "$spare" --arg b "$clone" \
    '[.spares[] | select(.spare == $a or .spare == $b) | .outcome] == ["duplicate", "duplicate"]' /tmp/disc.json
remapd_once 3
check "duplicates not assembled" test "$(nr_remap_devices)" -eq 0
rmloop "$clone"

# --- foreign data on the spare ------------------------------------------------------------
foreign=$(mkloop 16 random)
fmd5=$(md5_of "$foreign")
expect_rc 1 create --main "$other" --spare "$foreign" --name f0
check "foreign data explained" grep -q "foreign data" /tmp/rctl.err
check "foreign spare byte-identical" test "$(md5_of "$foreign")" = "$fmd5"
check "no device for the foreign spare" test "$(nr_remap_devices)" -eq 0
expect_rc 0 create --main "$other" --spare "$foreign" --name f0 --force-format
_dmr_register dm f0
check "--force-format formatted it" meta_ok "$foreign"
expect_rc 0 health f0
check "health table" grep -q "^f0 .* rw .* ok$" /tmp/rctl.out
"$RCTL" health --json f0 >/tmp/h.json
check "health --json" jq -e '.schema_version == 1 and .devices[0].name == "f0" and .devices[0].ok and (.devices[0].health | type) == "number"' /tmp/h.json
expect_rc 0 scan f0
check "scan reaches the kernel" grep -q "^f0: health scan started" /tmp/rctl.out
expect_rc 0 remove f0
_dmr_forget dm f0
expect_rc 2 health --threshold 500
expect_rc 1 status nosuch
finish
