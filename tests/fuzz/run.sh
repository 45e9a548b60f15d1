#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fuzz with libFuzzer, two targets side by side:
#   fuzz_meta     the dm-remap v4 metadata decoder/chooser (seeds: corpus/)
#   fuzz_parsers  the text parsers remapd and remapctl share: status line,
#                 extent list, table, remapd.conf, numbers, UUIDs
#                 (seeds: corpus-parsers/, first byte picks the parser)
#
#   tests/fuzz/run.sh [SECONDS]      build both, then fuzz each for SECONDS
#                                    (default 60); they run in parallel, so
#                                    the whole run takes about SECONDS
#   tests/fuzz/run.sh --regen-corpus rewrite the seed corpus in tests/fuzz/corpus
#
# Needs clang with the libFuzzer runtime (Debian: apt-get install clang
# libclang-rt-14-dev).  Output goes to build/fuzz/ (override: DMR_FUZZ_OUT):
# the binaries, the growing working corpora (corpus/, corpus-parsers/), the
# logs fuzz.log (fuzz_meta) and fuzz-parsers.log, and any crash-* (fuzz_meta)
# or parsers-crash-* artifact.
# Exits non-zero if a build fails or a fuzzer finds a crash, leak,
# sanitizer report or failed check.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${DMR_FUZZ_OUT:-$root/build/fuzz}
cc=${CLANG:-clang}
cxx=${CLANGXX:-clang++}
lib=("$root/include/dm-remap/crc32.c" "$root/include/dm-remap/extents.c" "$root/include/dm-remap/extsum.c"
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

echo "== building $out/fuzz_parsers"
"$cxx" -std=c++20 -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Wall -Wextra -Werror -I"$root/daemon/lib/include" \
	-o "$out/fuzz_parsers" "$here/fuzz_parsers.cpp" \
	"$root"/daemon/lib/src/{error,number_parse,status_info,extent_list,table_params,config,alert_mail,pair_uuid,bindings,drive_health}.cpp \
	-lfmt

mkdir -p "$out/corpus" "$out/corpus-parsers"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0

# run_fuzzer TARGET MAX_LEN DICT ARTIFACT_PREFIX CORPUS...: one libFuzzer run
# of $out/TARGET with the options both targets share.
run_fuzzer() {
	"$out/$1" -max_total_time="$secs" -max_len="$2" -timeout=20 -rss_limit_mb=2048 \
		-dict="$here/$3" -print_final_stats=1 -artifact_prefix="$out/$4" "${@:5}"
}

# fuzz_parsers in the background (log only), fuzz_meta in the foreground.
echo "== fuzz_parsers: fuzzing for ${secs}s in the background (seeds: $here/corpus-parsers," \
	"working corpus: $out/corpus-parsers, log: $out/fuzz-parsers.log)"
run_fuzzer fuzz_parsers 8192 parsers.dict parsers- \
	"$out/corpus-parsers" "$here/corpus-parsers" >"$out/fuzz-parsers.log" 2>&1 &
parsers_pid=$!
trap 'kill "$parsers_pid" 2>/dev/null' EXIT

echo "== fuzz_meta: fuzzing for ${secs}s (seeds: $here/corpus, working corpus: $out/corpus)"
set +e
run_fuzzer fuzz_meta 65536 meta.dict "" \
	"$out/corpus" "$here/corpus" 2>&1 | tee "$out/fuzz.log"
rc=${PIPESTATUS[0]}
wait "$parsers_pid"
prc=$?
set -e
trap - EXIT

echo "== fuzz_parsers log:"
cat "$out/fuzz-parsers.log"

if [[ $rc -ne 0 ]]; then
	tail -n 15 "$out/fuzz.log"
	echo "== FAILED: fuzz_meta exited with $rc; see $out/fuzz.log and $out/crash-*" >&2
fi
if [[ $prc -ne 0 ]]; then
	echo "== FAILED: fuzz_parsers exited with $prc; see $out/fuzz-parsers.log and" \
		"$out/parsers-crash-*" >&2
fi
if [[ $rc -ne 0 ]]; then
	exit "$rc"
fi
if [[ $prc -ne 0 ]]; then
	exit "$prc"
fi
echo "== OK: no crash in ${secs}s (each target)"
