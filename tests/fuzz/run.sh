#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fuzz the dm-remap v4 metadata decoder/chooser with libFuzzer.
#
#   tests/fuzz/run.sh [SECONDS]      build, then fuzz for SECONDS (default 60)
#   tests/fuzz/run.sh --regen-corpus rewrite the seed corpus in tests/fuzz/corpus
#
# Needs clang with the libFuzzer runtime (Debian: apt-get install clang
# libclang-rt-14-dev).  Output goes to build/fuzz/ (override: DMR_FUZZ_OUT):
# the binary, the growing working corpus, fuzz.log and any crash-* artifact.
# Exits non-zero if the build fails or the fuzzer finds a crash, leak,
# sanitizer report or failed check.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${DMR_FUZZ_OUT:-$root/build/fuzz}
cc=${CLANG:-clang}
lib=("$root/include/dm-remap/crc32.c" "$root/include/dm-remap/extents.c"
     "$root/include/dm-remap/meta.c")

mkdir -p "$out"

if [[ ${1:-} == --regen-corpus ]]; then
	"$cc" -std=c11 -O1 -Wall -Wextra -Werror -I"$root/include" \
		-o "$out/gen_corpus" "$here/gen_corpus.c" "${lib[@]}"
	mkdir -p "$here/corpus"
	"$out/gen_corpus" "$here/corpus"
	cp "$root/tests/data/golden-v4-copy1.bin" "$here/corpus/golden-v4-copy1.bin"
	exit 0
fi

secs=${1:-60}
if ! [[ $secs =~ ^[0-9]+$ ]]; then
	echo "usage: $0 [SECONDS] | --regen-corpus" >&2
	exit 2
fi

echo "== building $out/fuzz_meta"
"$cc" -std=c11 -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Wall -Wextra -Werror -I"$root/include" \
	-o "$out/fuzz_meta" "$here/fuzz_meta.c" "${lib[@]}"

mkdir -p "$out/corpus"
echo "== fuzzing for ${secs}s (seeds: $here/corpus, working corpus: $out/corpus)"
set +e
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
"$out/fuzz_meta" \
	-max_total_time="$secs" \
	-max_len=65536 \
	-timeout=20 \
	-rss_limit_mb=2048 \
	-dict="$here/meta.dict" \
	-print_final_stats=1 \
	-artifact_prefix="$out/" \
	"$out/corpus" "$here/corpus" 2>&1 | tee "$out/fuzz.log"
rc=${PIPESTATUS[0]}
set -e

if [[ $rc -ne 0 ]]; then
	echo "== FAILED: fuzz_meta exited with $rc; see $out/fuzz.log and $out/crash-*" >&2
	exit "$rc"
fi
echo "== OK: no crash in ${secs}s"
