#!/bin/bash
# Guest half of host/60-powercut.sh.  Disks: /dev/vda = main, /dev/vdb = spare.
#
#   powercut.sh write CYCLE   main = /dev/vda through dm-linear whose
#                             write-only bad sectors (dm-delay with an
#                             `error` write device) are those of the earlier
#                             cycles; remap-v4 on top with /dev/vdb as spare;
#                             stampwrite writes stamped 4 KiB blocks and prints
#                             ACK lines on the console; every PC_GAP s a new
#                             batch of bad sectors is injected live; the remap
#                             list is printed (SNAP blocks) every second.  It
#                             never ends on its own: the host cuts the power.
#   powercut.sh check CYCLE   reassemble the device (all bad sectors of cycles
#                             <= CYCLE present) and dump, into $DMR_OUT/cCYCLE/,
#                             the metadata state before and after activation,
#                             the remap list, the status and every block's
#                             stamps.  tools/powercut/pc-check.py judges them.
#
# Environment (from the host): PC_SW (stampwrite binary), PC_BLOCKS (4 KiB
# blocks written, default 1024), PC_SEED, PC_STEPS (injections per cycle,
# default 4), PC_RANGES (bad ranges per injection, default 3), PC_GAP
# (seconds between injections, default 1).
#
# Bad sectors: the written region is cut into slots of 16 sectors; range j
# (0, 1, 2, ...) goes into slot perm[j] of a fixed pseudo-random permutation
# at offset (5j mod 8), length 1 + (3j mod 8) sectors, so ranges never
# touch each other and many straddle 4 KiB block boundaries.  At most 256
# ranges (21 cycles with the defaults); later cycles add none.  Cycle c, step
# k adds ranges ((c-1)*STEPS + k - 1)*RANGES ... + RANGES - 1.  The list is
# recomputed identically at every boot.
. "$(dirname "$0")/../guest/remap-lib.sh"

phase=${1:?write or check}
cycle=${2:?cycle number}
sw=${PC_SW:?PC_SW must name the stampwrite binary}
blocks=${PC_BLOCKS:-1024}
seed=${PC_SEED:-1}
steps=${PC_STEPS:-4}
per_step=${PC_RANGES:-3}
gap=${PC_GAP:-1}
out=${DMR_OUT:?needs --out}
[[ -x $sw ]] || die "no stampwrite at $sw"

# pc_ranges CYCLE [STEP]: every bad range up to step STEP (default: all) of
# cycle CYCLE, as "start:len ..." (sectors).  CYCLE 0 gives none.
pc_ranges() {
    local c=$1 k=${2:-$steps} nslots=$((blocks * 8 / 16)) x=12345 j r t n
    local -a perm
    for ((j = 0; j < nslots; j++)); do perm[j]=$j; done
    for ((j = nslots - 1; j > 0; j--)); do
        x=$(((x * 1103515245 + 12345) % 2147483648))
        r=$(((x >> 8) % (j + 1)))
        t=${perm[j]} perm[j]=${perm[r]} perm[r]=$t
    done
    n=$((c > 0 ? ((c - 1) * steps + k) * per_step : 0))
    ((n > nslots)) && n=$nslots
    ((n > 256)) && n=256
    for ((j = 0; j < n; j++)); do
        printf '%d:%d ' $((perm[j] * 16 + (j * 5) % 8)) $((1 + (j * 3) % 8))
    done
}
# main_table RANGES: /dev/vda, with RANGES failing writes (reads still work).
main_table() {
    if [[ -z ${1// /} ]]; then
        echo "0 $size linear /dev/vda 0"
    else
        write_only_bad_table /dev/vda "$err" "$size" "$1"
    fi
}

load_remap
modprobe dm-delay
size=$(sectors /dev/vda)
# PC_EVAC=<uuid>: evacuating to /dev/vdc all along (the table of every boot).
evac=()
[[ -n ${PC_EVAC:-} ]] && evac=(evacuate /dev/vdc "$PC_EVAC" evac_rate "${PC_EVAC_RATE:-1024}" "${PC_EVAC_RATE:-1024}")
((blocks * 8 <= size)) || die "PC_BLOCKS=$blocks does not fit /dev/vda"
err=$(dm_create err0 "0 $size error")

case $phase in
    write)
        # Kernel messages must not interleave with the ACK lines on the console.
        dmesg -n 1
        prior=$(pc_ranges $((cycle - 1)))
        main=$(dm_create main0 "$(main_table "$prior")")
        dev=$(dm_create r0 "$(remap_table "$main" /dev/vdb "${evac[@]}")")
        snapid=0
        kbad=0
        # The console shows no kernel messages now, and this boot never
        # reaches run-vm.sh's dmesg check: report kernel trouble ourselves.
        bad_re=$(grep -v -e '^#' -e '^$' "$(dirname "$0")/../kernel-log-bad.re" | paste -sd '|')
        # snap: the published remap list as one console write (cat of a
        # file), framed so the host only uses complete snapshots.
        snap() {
            local l n k
            snapid=$((snapid + 1))
            # Only the written region: the host's preloaded extents (up to
            # 20,000, beyond it) would flood the console.
            l=$(dmsetup message r0 0 list | awk -v lim=$((blocks * 8)) -F'[ =]' '$2 < lim') || return 0
            n=$(grep -c . <<<"$l" || true)
            {
                echo "SNAP $snapid BEGIN"
                [[ -n $l ]] && sed "s/^/SNAP $snapid E /" <<<"$l"
                echo "SNAP $snapid END $n"
                k=$(dmesg | grep -acE "$bad_re" || true)
                if ((k > kbad)); then
                    # (tail and sed read all their input: no SIGPIPE under pipefail)
                    dmesg | grep -aE "$bad_re" | tail -n $((k - kbad > 5 ? 5 : k - kbad)) | sed 's/^/KERNEL-BAD /'
                    kbad=$k
                fi
            } >/tmp/snap
            cat /tmp/snap
        }
        echo "ACTIVE 0 t=$(_dmr_t) $prior"
        snap
        "$sw" write "$dev" --blocks "$blocks" --seed $((seed * 1000 + cycle)) \
            --base $((cycle * 1000000000)) --cycle "$cycle" &
        swpid=$!
        # The first batch goes bad half a second after the writer starts.
        sleep 0.5
        for ((k = 1; k <= steps; k++)); do
            ((k > 1)) && sleep "$gap"
            kill -0 "$swpid" 2>/dev/null || break
            ranges=$(pc_ranges "$cycle" "$k")
            swap_table main0 "$(main_table "$ranges")"
            echo "ACTIVE $k t=$(_dmr_t) $ranges"
            snap
        done
        while kill -0 "$swpid" 2>/dev/null; do
            sleep 1
            snap
        done
        rc=0
        wait "$swpid" || rc=$?
        echo "WRITER-EXIT $rc"
        die "stampwrite ended (status $rc) before the power cut"
        ;;
    check)
        d=$out/c$cycle
        mkdir -p "$d"
        pc_ranges "$cycle" >"$d/bad.txt"
        rc=0
        "$DMR_META" verify /dev/vdb >"$d/meta-pre.txt" 2>&1 || rc=$?
        echo "rc=$rc" >>"$d/meta-pre.txt"
        main=$(dm_create main0 "$(main_table "$(cat "$d/bad.txt")")")
        dev=$(dm_create r0 "$(remap_table "$main" /dev/vdb "${evac[@]}")")
        dmsetup message r0 0 list >"$d/list.txt"
        dmsetup status r0 >"$d/status.txt"
        "$sw" check "$dev" --blocks "$blocks" >"$d/check.txt" || die "stampwrite check failed"
        dm_remove r0
        rc=0
        "$DMR_META" verify /dev/vdb >"$d/meta-post.txt" 2>&1 || rc=$?
        echo "rc=$rc" >>"$d/meta-post.txt"
        log "cycle $cycle: $(tr ' ' '\n' <"$d/status.txt" | sed -n 's/^remapped=//p') remapped, metadata before activation: $(tail -n 1 "$d/meta-pre.txt")$([[ -n ${PC_EVAC:-} ]] && echo ", evacuation cursor $(tr ' ' '\n' <"$d/status.txt" | sed -n 's/^evac_cursor=//p')")"
        ;;
    *) die "unknown phase $phase" ;;
esac
