# shellcheck shell=bash
# Sourced by run.sh and crash-replay.sh (needs $repo).
# build_mutant KVER WORK APPLY...: copies kernel/ and include/ twice under
# WORK, runs `APPLY... <copy>/kernel` on each copy (the mutation), builds
# one normally and one with DMR_FAULT_INJECT=1 for KVER, and leaves them as
# WORK/ko/dm-remap-v4.ko and WORK/ko/fault/dm-remap-v4.ko: the layout
# load_module_fault expects (the fault build is the ${DMR_KO%/*}/fault/
# sibling).  Exits 2 with the build log if a build fails.
build_mutant() {
    local kver=$1 work=$2 variant extra kdir
    shift 2
    # shellcheck disable=SC2154 # repo: set by the sourcing script
    kdir=$("$repo/tests/vm/kernels.sh" --info "$kver" | sed -n 's/^kdir=//p')
    for variant in normal fault; do
        mkdir -p "$work/$variant"
        # shellcheck disable=SC2154 # repo: set by the sourcing script
        cp -r "$repo/kernel" "$repo/include" "$repo/VERSION" "$work/$variant/"
        "$@" "$work/$variant/kernel"
        extra=()
        [[ $variant == fault ]] && extra=(DMR_FAULT_INJECT=1)
        make -s -C "$kdir" M="$work/$variant/kernel" "${extra[@]}" modules \
            >"$work/build-$variant.log" 2>&1 || { cat "$work/build-$variant.log"; exit 2; }
    done
    mkdir -p "$work/ko/fault"
    cp "$work/normal/kernel/dm-remap-v4.ko" "$work/ko/dm-remap-v4.ko"
    cp "$work/fault/kernel/dm-remap-v4.ko" "$work/ko/fault/dm-remap-v4.ko"
}
