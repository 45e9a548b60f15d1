#!/bin/bash
# Guest half of host/62-crash-replay.sh, step 3: activate remap-v4 on crash
# states that tools/powercut/crash-check.py rebuilt and checked offline
# ($DMR_OUT/sample/<id>/state.img: the logged device as the crash left it).
# For each: the main and spare segments of the image (offsets from CR_INFO)
# become loop-backed dm-linear devices, remap-v4 must activate on them and
# read every stamped block exactly as the offline check resolved it through
# the metadata (offline.txt), and after removal all 5 metadata copies must
# be valid (activation repairs stale ones).  A state whose metadata has an
# evacuation (evac.txt) is activated with its new disk (new_offset,
# new_sectors, evac_uuid of CR_INFO), as the kernel requires; its pending
# blocks below the cursor must fail to read.
. "$(dirname "$0")/../guest/remap-lib.sh"
sw=${CR_SW:?}
info=${CR_INFO:?}
out=${DMR_OUT:?needs --out}
kv() { tr ' ' '\n' <"$info" | sed -n "s/^$1=//p"; }
mo=$(kv main_offset) ms=$(kv main_sectors) so=$(kv spare_offset) ss=$(kv spare_sectors)
blocks=$(kv blocks)
no=$(kv new_offset) ns=$(kv new_sectors) evac_uuid=$(kv evac_uuid)
load_remap
modprobe loop 2>/dev/null || true
n=0
for d in "$out"/sample/*/; do
    id=$(basename "$d")
    cp "$d/state.img" /tmp/state.img
    loop=$(losetup --find --show /tmp/state.img) || die "losetup of state $id failed"
    main=$(dm_create ca-main "0 $ms linear $loop $mo")
    spare=$(dm_create ca-spare "0 $ss linear $loop $so")
    feats=()
    if [[ -f $d/evac.txt ]]; then
        new=$(dm_create ca-new "0 $ns linear $loop $no")
        feats=(evacuate "$new" "$evac_uuid")
    fi
    if dev=$(mk_remap ca-r0 "$main" "$spare" "${feats[@]}"); then
        "$sw" check "$dev" --blocks "$blocks" >/tmp/online.txt || fail "state $id: stampwrite check failed"
        if cmp -s /tmp/online.txt "$d/offline.txt"; then
            pass "state $id ($(cat "$d/state.txt")): remap-v4 reads what the offline check resolved"
        else
            fail "state $id: remap-v4 reads differ from the offline resolution: $(diff /tmp/online.txt "$d/offline.txt" | head -n 4 | tr '\n' ' ')"
        fi
        dm_remove ca-r0
        if "$DMR_META" verify "$spare" >/tmp/verify.txt; then
            pass "state $id: all 5 metadata copies valid after activation"
        else
            fail "state $id: metadata after activation: $(tr '\n' ' ' </tmp/verify.txt)"
        fi
    else
        fail "state $id: remap-v4 refused to activate"
    fi
    dm_remove ca-spare
    dm_remove ca-main
    [[ -f $d/evac.txt ]] && dm_remove ca-new
    losetup -d "$loop"
    n=$((n + 1))
done
check "activated $n crash states" test "$n" -gt 0
finish
