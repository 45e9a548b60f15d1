#!/bin/bash
# EXPERIMENT for the race review of 32-scan-slow's fio verify failure (not a
# regression test, not run by make test).  Run it in one VM with
#   tests/vm/run-vm.sh --kernel 6.12.117+deb12-amd64 -- \
#       "$PWD/tests/vm/experiments/overlap-probe.sh"      (PROBE_FIO=0: part 1 only)
# 1. What a 4 KiB read returns when a write to the same block overlaps it,
#    before and after the block's first sector is moved to the spare (the
#    read is then split: sector 0 from the spare at once, sectors 1-7 from
#    main, whose reads dm-delay holds DEMO_DELAY ms).
# 2. How often fio's 32-scan-slow workload (with and without
#    serialize_overlap) issues a write to a block while a verify read of it
#    is in flight, from fio's per-I/O latency log.
. "$(dirname "$0")/../guest/remap-lib.sh"
load_module
modprobe dm-delay

size=$((32 * 2048))
s2=40960 n2=16
disk=$(mkloop 32 random)
spare=$(mkloop 8)
delay=${DEMO_DELAY:-2000}
slow() { echo "$1 $2 delay $disk $1 $delay $disk $1 0"; }
main=$(dm_create main0 "$(
    echo "0 $s2 linear $disk 0"
    slow $s2 $n2
    echo "$((s2 + n2)) $((size - s2 - n2)) linear $disk $((s2 + n2))"
)")
dev=$(mk_remap r0 "$main" "$spare")
blk=$((s2 * 512 / 4096))          # the 4 KiB block at sector 40960
dd if=/dev/urandom of=/tmp/A bs=4k count=1 status=none
dd if=/dev/urandom of=/tmp/B bs=4k count=1 status=none
dd if=/dev/urandom of=/tmp/C bs=4k count=1 status=none
put() { dd if="$1" of="$dev" bs=4k seek=$blk count=1 oflag=direct conv=notrunc status=none; }
get() { dd if="$dev" of="$1" bs=4k skip=$blk count=1 iflag=direct status=none; }
# Which 512-byte sectors of $1 come from A, B or C.
who() {
    /usr/bin/python3 - "$1" <<'PY'
import sys
got = open(sys.argv[1], "rb").read()
src = {k: open("/tmp/" + k, "rb").read() for k in "ABC"}
print("".join(next((k for k in "ABC" if got[i*512:(i+1)*512] == src[k][i*512:(i+1)*512]), "?")
              for i in range(8)))
PY
}
overlap() {   # write $1 while a read is in flight (read issued first)
    get /tmp/r & local rp=$!
    sleep $((delay / 2000)).$((delay / 2 % 1000))   # the read waits in dm-delay
    put "$1"
    wait $rp
    who /tmp/r
}

put /tmp/A
echo "before any move: read racing an overwrite with B returns: $(overlap /tmp/B)"
echo "before any move: read after the write completed: $(get /tmp/r; who /tmp/r)"
dmsetup message r0 0 remap $s2 >/dev/null || fail "remap $s2"
dmsetup message r0 0 list
put /tmp/A
echo "after moving sector $s2: read after write A completed: $(get /tmp/r; who /tmp/r)"
r=$(overlap /tmp/C)
echo "after moving sector $s2: read racing an overwrite with C returns: $r"
echo "after moving sector $s2: read after write C completed: $(get /tmp/r; who /tmp/r)"
check "a read after an acknowledged write returns it whole" test "$(get /tmp/r; who /tmp/r)" = CCCCCCCC

[[ ${PROBE_FIO:-1} == 1 ]] || finish
delay=400
# fio's 32-scan-slow workload with per-I/O latency logs: count verify reads
# that had a write to the same offset issued while they were in flight.
probe() {
    local tag=$1; shift
    dmsetup remove r0; dmsetup remove main0
    main=$(dm_create main0 "$(
        echo "0 $s2 linear $disk 0"
        slow $s2 $n2
        echo "$((s2 + n2)) $((size - s2 - n2)) linear $disk $((s2 + n2))"
    )")
    spare=$(mkloop 8)
    dev=$(mk_remap r0 "$main" "$spare")
    rm -rf /tmp/p && mkdir -p /tmp/p
    (cd /tmp/p && exec fio --name=hammer --filename="$dev" --ioengine=libaio --direct=1 --iodepth=4 \
        --rw=randwrite --bs=4k --offset=$(((s2 - 56) * 512)) --size=64k \
        --verify=crc32c --verify_backlog=8 --verify_fatal=1 --do_verify=1 \
        --time_based --runtime=20 --write_lat_log=p --log_offset=1 "$@" --output=/tmp/p/fio.out) &
    local fp=$! b t0
    t0=$(date +%s.%N)
    sleep 2
    for ((b = s2; b < s2 + n2; b++)); do
        dmsetup message r0 0 remap $b >/dev/null || fail "remap $b"
        echo "move $b done at $(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN{print a-b}')" >>/tmp/p/moves
        sleep 1
    done
    if wait $fp; then echo "[$tag] fio: no error"; else echo "[$tag] fio FAILED"; grep -a "verify\|CRC" /tmp/p/fio.out; fi
    /usr/bin/python3 - "$tag" /tmp/p/p_lat.1.log <<'PY'
import sys
tag, path = sys.argv[1:3]
ios = []
for line in open(path):
    t, lat, d, bs, off = [int(x) for x in line.split(",")[:5]]
    ios.append((t - lat / 1e6, t, d, off))
reads = [x for x in ios if x[2] == 0]
writes = [x for x in ios if x[2] == 1]
hits = [(r, w) for r in reads for w in writes
        if w[3] == r[3] and r[0] < w[0] < r[1]]
base = 20971520 - 56 * 512
print(f"[{tag}] {len(reads)} reads, {len(writes)} writes; reads with a write to the same "
      f"block issued while in flight: {len(hits)}")
for r, w in hits[:20]:
    print(f"  block {(r[3] - base) // 4096}: read {r[0]:.0f}..{r[1]:.0f} ms, write issued {w[0]:.0f} ms")
PY
    cat /tmp/p/moves | head -3
}
probe plain
probe serialized --serialize_overlap=1
finish
