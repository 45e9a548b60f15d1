#!/usr/bin/env bash
# debian/dm-remap-v4-tools.prerm refuses `remove` while the bindings file
# lists a pair (issue 23 item 5): without the package's claim rule the next
# boot could mount a raw main whose remapped blocks are stale.
#   - refuses (exit 1, names the pairs, says why and how to proceed) on
#     remove with pair lines, also tab-separated and without a final newline;
#   - allows remove with only comments and blank lines, an empty file, a
#     missing file, or lines remapctl does not read as a pair;
#   - allows upgrade, failed-upgrade and deconfigure with pairs;
#   - allows remove with pairs when DM_REMAP_FORCE_REMOVE=1;
#   - is a /bin/sh script with set -e and #DEBHELPER# (lintian, debhelper),
#     and passes shellcheck -s sh when shellcheck is installed.
# The script runs with the bindings path in DM_REMAP_BINDINGS, under sh
# (dash on Debian, as dpkg runs it).
# Usage: tests/package/prerm-test.sh [PRERM]
# Registered as the ctest `package_prerm` (CMakeLists.txt).
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
prerm=${1:-$repo/debian/dm-remap-v4-tools.prerm}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0 n=0
problem() {
    echo "FAIL prerm: $*"
    bad=1
}

uuid1=d787550a-7f88-4a57-bf8c-2bb1955bc562
uuid2=0b5e3c1e-1111-4a57-8f88-000000000002
pair1="wwn:naa.33333330000007d0:65536:512 $uuid1 data0"
pair2="loop:/srv/img/main.img:65536:512	$uuid2	scratch"

# run NAME EXPECTED_EXIT ARG [ENV=VALUE...]: runs the prerm with ARG and the
# bindings file $tmp/NAME (need not exist); output in $tmp/NAME.out/.err.
run() {
    local name=$1 want=$2 arg=$3
    shift 3
    n=$((n + 1))
    env -u DM_REMAP_FORCE_REMOVE DM_REMAP_BINDINGS="$tmp/$name" "$@" \
        sh "$prerm" "$arg" >"$tmp/$name.out" 2>"$tmp/$name.err"
    local rc=$?
    [[ $rc -eq $want ]] ||
        problem "$name ($arg${*:+, $*}): exit $rc, expected $want; stderr: $(cat "$tmp/$name.err")"
    if [[ $want -eq 0 && -s $tmp/$name.err ]]; then
        problem "$name ($arg): printed on stderr: $(cat "$tmp/$name.err")"
    fi
}
# says NAME TEXT: the refusal message of run NAME contains TEXT.
says() {
    grep -qF -- "$2" "$tmp/$1.err" || problem "$1: the message does not say '$2': $(cat "$tmp/$1.err")"
}

# The file as remapctl writes it (render_bindings), plus blanks and a comment.
printf '%s\n' "# dm-remap v4 bindings, kept by remapctl create and remapd (docs/remapd.md)." \
    "# <main claim id> <pair uuid> <device name>" "$pair1" "" "   # retired: old" "$pair2" >"$tmp/pairs"
run pairs 1 remove
says pairs "$tmp/pairs"
says pairs "data0 (pair $uuid1, main wwn:naa.33333330000007d0:65536:512)"
says pairs "scratch (pair $uuid2"
says pairs "stale"
says pairs "58-dm-remap-v4-claim.rules"
says pairs "remapctl remove"
says pairs "DM_REMAP_FORCE_REMOVE=1"
[[ ! -s $tmp/pairs.out ]] || problem "pairs: printed on stdout: $(cat "$tmp/pairs.out")"
grep -q "retired" "$tmp/pairs.err" && problem "pairs: a comment line was listed as a pair"

# One pair, tab-separated, indented, no final newline.
printf '\t%s' "$pair2" >"$tmp/last-line"
run last-line 1 remove
says last-line "scratch (pair $uuid2"

# Comments, blank and whitespace-only lines: no pair.
printf '%s\n' "# <main claim id> <pair uuid> <device name>" "" "   " "	# $pair1" "#$pair1" >"$tmp/comments"
run comments 0 remove
: >"$tmp/empty"
run empty 0 remove
run missing 0 remove
# Lines remapctl reports as bad and skips (not three fields) claim nothing.
printf '%s\n' "wwn:naa.3333 $uuid1" "$pair1 extra" >"$tmp/not-pairs"
run not-pairs 0 remove

# Not a removal: the files stay.
for arg in upgrade failed-upgrade deconfigure; do
    cp "$tmp/pairs" "$tmp/pairs-$arg"
    run "pairs-$arg" 0 "$arg"
done
cp "$tmp/pairs" "$tmp/pairs-forced"
run pairs-forced 0 remove DM_REMAP_FORCE_REMOVE=1
cp "$tmp/pairs" "$tmp/pairs-force-0"
run pairs-force-0 1 remove DM_REMAP_FORCE_REMOVE=0

# What lintian and debhelper need.
[[ $(head -n 1 "$prerm") == '#!/bin/sh' ]] || problem "the first line is not #!/bin/sh"
grep -qx 'set -e' "$prerm" || problem "no 'set -e' line"
grep -qx '#DEBHELPER#' "$prerm" || problem "no '#DEBHELPER#' line"
[[ -x $prerm ]] || problem "not executable"
if command -v shellcheck >/dev/null; then
    out=$(shellcheck -s sh "$prerm" 2>&1) || problem "shellcheck -s sh: $out"
fi

[[ $bad -eq 0 ]] && echo "PASS prerm: $n runs, refuses remove only while pairs are bound"
exit $bad
