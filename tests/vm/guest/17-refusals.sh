#!/bin/bash
# vm-kernels: one (make test runs it on one kernel, the kernels taking turns; make test-long on all)
# Every unsafe or malformed table is refused with a clear error, and leaves
# both devices byte-identical: nothing is formatted or repaired.
. "$(dirname "$0")/remap-lib.sh"
load_remap

main=$(mkloop 8 random)
spare=$(mkloop 6)
other=$(mkloop 12 random)
small=$(mkloop 4)
big4k_file=$(mktemp /tmp/dmr-4k.XXXXXX)
truncate -s 8M "$big4k_file"
_dmr_register file "$big4k_file"
spare4k=$(losetup --find --show -b 4096 "$big4k_file")
_dmr_register loop "$spare4k"
fs=$(mkloop 6)
mkfs.ext4 -q -F "$fs"

# refuse TABLE WHY [DEV...]: create fails, the kernel log says WHY, DEVs unchanged.
refuse() {
    local table=$1 why=$2
    shift 2
    local d sums=()
    for d in "$@"; do sums+=("$(md5_of "$d")"); done
    dmesg -C
    if dmsetup create bad --table "$table" 2>/dev/null; then
        _dmr_register dm bad
        fail "accepted: $table"
        dm_remove bad
        return
    fi
    if in_dmesg "$why"; then pass "refused ($why)"; else
        dmesg | tail -3
        fail "refused without saying '$why'"
    fi
    local i=0
    for d in "$@"; do
        [[ $(md5_of "$d") == "${sums[i]}" ]] || fail "$d changed by refused table"
        i=$((i + 1))
    done
}
msz=$(sectors "$main")
refuse "0 $msz remap-v4 $main" "Usage: <main_dev> <spare_dev>" "$main"
refuse "0 $msz remap-v4 $main $main" "Main and spare must be different devices" "$main"
refuse "0 $msz remap-v4 $main $small" "Spare device too small" "$main" "$small"
refuse "0 $msz remap-v4 $main $spare4k" "different logical block sizes" "$main" "$spare4k"
refuse "0 $((msz + 8)) remap-v4 $main $spare" "Device length exceeds the main device" "$main" "$spare"
refuse "0 $msz remap-v4 $main $fs" "Spare holds foreign data" "$main" "$fs"
refuse "0 $msz remap-v4 $main /dev/nonexistent" "Cannot open spare device" "$main"
refuse "0 $msz remap-v4 $main $spare 1 bogus" "Unknown feature" "$main" "$spare"
refuse "0 $msz remap-v4 $main $spare 2 read_retries 11" "read_retries must be 0-10" "$main" "$spare"
refuse "0 $msz remap-v4 $main $spare 2 read_retries x" "read_retries must be 0-10" "$main" "$spare"
refuse "0 $msz remap-v4 $main $spare 1 read_retries" "read_retries needs a value" "$main" "$spare"
refuse "0 $msz remap-v4 $main $spare 10 a b c d e f g h i j" "Invalid number of feature arguments" "$main" "$spare"
refuse "0 $msz remap-v4 $main $spare 1 no_auto_remap extra" "Too many arguments" "$main" "$spare"
zero=$(dd if=/dev/zero bs=1M count=6 status=none | md5sum | cut -d' ' -f1)
check "spare still blank after all refusals" test "$(md5_of "$spare")" = "$zero"

# A spare formatted for one main is refused for a different one.
mk_remap good "$main" "$spare" >/dev/null
dmsetup message good 0 remap 10 >/dev/null
refuse "0 $(sectors "$other") remap-v4 $other $spare" "already used by another remap-v4 target" "$other" "$spare"
dm_remove good
refuse "0 $(sectors "$other") remap-v4 $other $spare" "Spare belongs to a different main device" "$other" "$spare"
check "formatted spare still valid" meta_ok "$spare"
finish
