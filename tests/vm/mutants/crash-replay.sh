#!/bin/bash
# crash-replay.sh [NAME...]: show that the crash-replay test
# (tests/vm/host/62-crash-replay.sh) catches every missing REQ_PREFLUSH and
# REQ_FUA and the two ordering bugs of the commit protocol.  The mutants:
# flag-mutants.py (one per REQ_PREFLUSH/REQ_FUA occurrence in kernel/*.c,
# generated from the code) and crash-mutants.txt (complete the bio before
# the commit, publish before the commit).  For each: copy kernel/ and
# include/, apply it, build the module for KVER, record and check (no VM
# activation: CR_ACTIVATE=0) with it, and expect the check to FAIL with
# crash states that lose data.  Prints a table row per mutant (mutant,
# crash states checked, states failed) and "crash mutants: N caught, M
# survived".  A flag whose comment says "crash-replay: redundant" (and why)
# is expected to survive: its row says "no: redundant, as its comment says",
# it is not counted as survived, and its being caught fails the run (the
# comment would be wrong).  The same for "crash-replay: not observable" (a
# flag on the evacuation's new disk: the replay's one log flushes all three
# disks at once; tests/vm/guest/29-evacuate-flush-order.sh guards those).  All crash states are listed (CR_MAX=0); the check stops at
# CR_STOP (default 10) failing states and looks at the CR_LIMIT (default
# 1500) latest crash points at most.  Env as 62-crash-replay.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
repo=$(cd "$here/../../.." && pwd -P)
kver=${KVER:-$("$repo/tests/vm/kernels.sh" | tail -n 1)}
mkdir -p "$repo/build/vm/tmp"
# shellcheck source=build-mutant.sh
. "$here/build-mutant.sh"
want=" $* "
caught=0 survived=0 redundant=0 wrong=0
echo "| mutant | kernel | crash states checked | states that lose data | caught |"
echo "|---|---|---:|---:|---|"
while read -r name kind expect; do
    [[ $want == "  " || $want == *" $name "* ]] || continue
    work=$(mktemp -d "$repo/build/vm/tmp/crash-mutant-$name.XXXXXX")
    # Both builds: the recording loads the fault-injection one.
    if [[ $kind == flag ]]; then
        build_mutant "$kver" "$work" /usr/bin/python3 "$here/flag-mutants.py" apply "$name"
    else
        build_mutant "$kver" "$work" /usr/bin/python3 "$here/apply.py" "$here/crash-mutants.txt" apply "$name"
    fi
    out=$repo/build/vm/out/$kver/crash-mutants/$name
    rc=0
    # Own VM logs: the mutants must not overwrite the real test's.
    KVER=$kver CR_ACTIVATE=0 CR_MAX=0 CR_LIMIT=${CR_LIMIT:-1500} CR_STOP=${CR_STOP:-10} CR_OUT="$out" \
        CR_LOGS="$out/logs" DMR_KO="$work/ko/dm-remap-v4.ko" \
        "$repo/tests/vm/host/62-crash-replay.sh" >"$work/run.log" 2>&1 || rc=$?
    mkdir -p "$out"
    cp "$work/run.log" "$out/run.log"
    read -r checked failed < <(/usr/bin/python3 -c '
import json, sys
try:
    r = json.load(open(sys.argv[1]))
    print(r["checked"], r["failed"])
except Exception:
    print("-", "-")' "$out/result.json")
    if ((rc == 1)) && grep -q 'offline check found crash states that lose data' "$work/run.log"; then
        if [[ $expect == redundant || $expect == unobservable ]]; then
            verdict="**yes, but its comment says $expect** ($out/run.log)"
            wrong=$((wrong + 1))
        else
            verdict=yes
            caught=$((caught + 1))
        fi
    elif ((rc == 0)) && [[ $expect == redundant ]]; then
        verdict="no: redundant, as its comment says"
        redundant=$((redundant + 1))
    elif ((rc == 0)) && [[ $expect == unobservable ]]; then
        verdict="no: not observable in the one-log replay, as its comment says (another test guards it)"
        redundant=$((redundant + 1))
    else
        verdict="**NO** (status $rc, $out/run.log)"
        survived=$((survived + 1))
    fi
    echo "| $name | $kver | $checked | $failed | $verdict |"
    rm -rf "$work"
done < <(
    /usr/bin/python3 "$here/flag-mutants.py" list "$repo/kernel" | awk '{ print $1, "flag", $4 }'
    /usr/bin/python3 "$here/apply.py" "$here/crash-mutants.txt" list | awk '{ print $1, "manual", "caught" }'
)
echo "crash mutants: $caught caught, $survived survived, $redundant redundant or not observable (expected to survive), $wrong marked so but caught"
((survived == 0 && wrong == 0))
