#!/bin/bash
# Crash consistency at every flush point (docs/POWERCUT.md, "Crash replay").
#  1. Record: a VM runs tests/vm/phases/crash-record.sh, which logs every
#     write remap-v4 makes to main and spare in one dm-log-writes log (a
#     file on the host) while stamped writers, live errors, remaps, a
#     pending sector, a scanner move, clear_stats, suspend/resume and a
#     reload run.
#  2. Replay and check, on the host: tools/logwrites/lw-replay lists the
#     crash states (the log up to every FLUSH and every FUA entry, and
#     CR_K random states per interval between flushes: a volatile cache
#     that lost or reordered the unflushed writes), and tools/powercut/
#     crash-check.py rebuilds each one and checks it offline (metadata,
#     acknowledged writes, remaps, pending sectors).
#  3. Activate: a second VM activates remap-v4 on CR_ACTIVATE of the states
#     (tests/vm/phases/crash-activate.sh) and must read exactly what the
#     offline check resolved, and leave all 5 metadata copies valid.
#
# Env: KVER (required); CR_COUNT (writes per writer, default 300); CR_K
# (random states per interval, default 2); CR_MAX (a seeded sample of that
# many crash states is checked, 0 = all; default 200, the short form that
# `make test` runs; `make test-long` checks all; with a sample, CR_MAX/4
# more states come from the evacuation at the log's end); CR_LIMIT (check at most
# that many, the latest crash points first; default 0 = no limit);
# CR_ACTIVATE (states activated in the VM, evenly spread, default 3, and as
# many that crashed inside a commit); CR_SEED
# (default 1); CR_STOP (stop checking after that many failing states, 0 =
# never: the mutant runs use it); DMR_KO (a different module, e.g. a mutant: must be under the
# repository); CR_OUT (output directory, default build/vm/out/<kver>/
# 62-crash-replay); CR_LOGS (VM console logs, default build/vm/logs/<kver>).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
repo=$(cd "$here/../../.." && pwd -P)
kver=${KVER:?KVER must name the kernel to boot}
count=${CR_COUNT:-300}
k=${CR_K:-2}
max=${CR_MAX:-200}
nact=${CR_ACTIVATE:-3}
seed=${CR_SEED:-1}
out=${CR_OUT:-$repo/build/vm/out/$kver/62-crash-replay}
logs=${CR_LOGS:-$repo/build/vm/logs/$kver}
bin=$repo/build/cmake/tools
for t in "$bin/powercut/stampwrite" "$bin/bench/mkremaps" "$bin/logwrites/lw-replay" \
    "$bin/logwrites/lw-dump" "$bin/dmr-meta"; do
    [[ -x $t ]] || { echo "crash-replay: missing $t (run make userspace)"; exit 1; }
done
for v in "$count" "$k" "$max" "$nact" "$seed" "${CR_LIMIT:-0}" "${CR_STOP:-0}"; do
    [[ $v =~ ^[0-9]+$ ]] || { echo "crash-replay: bad number '$v' in CR_*"; exit 2; }
done
rm -rf "$out"
mkdir -p "$out/rec" "$logs"
py=/usr/bin/python3
[[ -x $py ]] || py=python3

echo "crash-replay: kernel $kver, $count writes per writer, K=$k, max=$max, seed=$seed${DMR_KO:+, module $DMR_KO}"
truncate -s 512M "$out/log.img"
rc=0
"$repo/tests/vm/run-vm.sh" --kernel "$kver" --quiet --timeout "${VM_TIMEOUT:-600}" \
    --disk "$out/log.img" --out "$out/rec" \
    --env "CR_SW=$bin/powercut/stampwrite" --env "CR_MKREMAPS=$bin/bench/mkremaps" \
    --env "CR_COUNT=$count" ${DMR_KO:+--env "DMR_KO=$DMR_KO"} \
    --log "$logs/62-crash-replay-record.log" -- "$repo/tests/vm/phases/crash-record.sh" || rc=$?
rec_failed=0
if ((rc != 0)); then
    # The test fails, but what was logged is still replayed and checked: a
    # broken module (a mutant) should be caught by the replay too.
    echo "crash-replay: FAIL: the recording VM failed ($rc; log $logs/62-crash-replay-record.log)"
    grep -a -e 'FAIL' -e 'FATAL' -e '^run-vm:' "$logs/62-crash-replay-record.log" | tail -n 8
    rec_failed=1
    [[ -f $out/rec/info.txt ]] || exit 1
fi
"$bin/logwrites/lw-dump" "$out/log.img" >"$out/entries.txt"
echo "crash-replay: log: $(wc -l <"$out/entries.txt") entries," \
    "$(grep -c 'flags=[^ ]*FLUSH' "$out/entries.txt") FLUSH," \
    "$(grep -c 'flags=[^ ]*FUA' "$out/entries.txt") FUA," \
    "$(grep -c 'flags=[^ ]*MARK' "$out/entries.txt") marks"
"$bin/logwrites/lw-replay" states "$out/log.img" --k "$k" --seed "$seed" --max "$max" \
    >"$out/states.txt" 2>"$out/states.err"
cat "$out/states.err"
# The evacuation is the log's last ~10%: a sample of CR_MAX states of the
# whole log may hold few of its states, so CR_MAX/4 more are drawn, evenly
# spread, from the states after its E.evac_started mark.
if ((max > 0)); then
    "$bin/logwrites/lw-replay" states "$out/log.img" --k "$k" --seed "$seed" >"$out/states-all.txt"
    "$py" - "$out/entries.txt" "$out/states-all.txt" "$out/states.txt" $((max / 4)) <<'PY'
import re, sys
entries, all_states, states, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
start = next((int(l.split()[0]) for l in open(entries) if l.rstrip().endswith('mark=E.evac_started')), None)
# Ids are the line numbers of a listing: the new lines get the next ones.
have = [l.split(None, 1)[1] for l in open(states) if l.strip()]
crash = lambda l: int(re.search(r'crash=(-?\d+)', l).group(1))
tail = [l.split(None, 1)[1] for l in open(all_states)
        if start is not None and crash(l) > start and l.split(None, 1)[1] not in set(have)]
pick = [tail[i * len(tail) // n] for i in range(n)] if n and len(tail) > n else tail
with open(states, 'a') as f:
    f.writelines('%d %s' % (len(have) + i, l) for i, l in enumerate(pick))
print('crash-replay: %d more states from the evacuation (of %d after its start)' % (len(pick), len(tail)))
PY
fi
rc=0
"$py" "$repo/tools/powercut/crash-check.py" --log "$out/log.img" --entries "$out/entries.txt" \
    --states "$out/states.txt" --info "$out/rec/info.txt" --bin "$bin" --work "$out/work" \
    --sample "$nact" --limit "${CR_LIMIT:-0}" --stop-after "${CR_STOP:-0}" --json "$out/result.json" >"$out/check.txt" 2>&1 || rc=$?
grep -v '^STATE .* ok$' "$out/check.txt" | head -n 40
if ((rc != 0)); then
    echo "crash-replay: FAIL: the offline check found crash states that lose data (details: $out/check.txt)"
    exit 1
fi
((rec_failed)) && exit 1
((nact == 0)) && { echo "crash-replay: PASS (no activation)"; exit 0; }
rc=0
"$repo/tests/vm/run-vm.sh" --kernel "$kver" --quiet --timeout "${VM_TIMEOUT:-600}" \
    --out "$out/work" --env "CR_SW=$bin/powercut/stampwrite" \
    --env "CR_INFO=$out/rec/info.txt" ${DMR_KO:+--env "DMR_KO=$DMR_KO"} \
    --log "$logs/62-crash-replay-activate.log" -- "$repo/tests/vm/phases/crash-activate.sh" || rc=$?
grep -a -e 'PASS' -e 'FAIL' "$logs/62-crash-replay-activate.log" | sed 's/^/crash-replay:   /' | tail -n 20
if ((rc != 0)); then
    echo "crash-replay: FAIL: activating crash states in the VM (log $logs/62-crash-replay-activate.log)"
    exit 1
fi
echo "crash-replay: PASS"
