#!/bin/bash
# Harness smoke test, needs no dm-remap module: loop device with random
# data -> dm-linear with one failing range (the fault-injection device used
# by later tests); healthy reads must match the backing data, reads of the
# failing range must return EIO; then everything is torn down.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

load_dm
loop=$(mkloop 16 random)
size=$(sectors "$loop")
log "loop $loop: $size sectors, dio=$(cat "/sys/block/${loop#/dev/}/loop/dio")"

# One bad range of 8 sectors at 10000.
bad_start=10000
bad_len=8
dev=$(mk_linear_with_errors dmr-h-faulty "$loop" "$size" "$bad_start:$bad_len")
dmsetup table dmr-h-faulty
check "device size" test "$(sectors "$dev")" -eq "$size"

check "healthy range before the bad one matches" \
    test "$(md5_of "$dev" 0 "$bad_start")" = "$(md5_of "$loop" 0 "$bad_start")"
after=$((bad_start + bad_len))
check "healthy range after the bad one matches" \
    test "$(md5_of "$dev" "$after" $((size - after)))" = "$(md5_of "$loop" "$after" $((size - after)))"
if read_sectors "$dev" "$bad_start" 1 >/dev/null 2>&1; then
    fail "direct read of an error sector succeeded"
else
    pass "direct read of an error sector fails"
fi
if read_sectors "$dev" $((bad_start + bad_len - 1)) 1 >/dev/null 2>&1; then
    fail "direct read of the last error sector succeeded"
else
    pass "direct read of the last error sector fails"
fi

# Live table swap: heal the range and check it reads again.
swap_table dmr-h-faulty "$(linear_with_errors_table "$loop" "$size" "")"
check "healed range reads back the backing data" \
    test "$(md5_of "$dev" "$bad_start" "$bad_len")" = "$(md5_of "$loop" "$bad_start" "$bad_len")"

dm_remove dmr-h-faulty
rmloop "$loop"
check "dm device removed" test ! -e /dev/mapper/dmr-h-faulty
check "no dm devices left" test "$(dmsetup ls)" = "No devices found"
check "loop detached" sh -c "! losetup -nl -O BACK-FILE | grep -q dmr-loop"
finish
