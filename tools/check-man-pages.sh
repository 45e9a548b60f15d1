#!/usr/bin/env bash
# The man pages in docs/man/ render without any mandoc message (style level
# included) and without groff warnings, and document every subcommand and
# option that `remapctl --help` (recursively) and `remapd --help` print,
# every status token the kernel prints (dm-remap-v4(4)), and every metric
# and hook variable remapd writes (remapd(8); the variables also in
# daemon/remapd.conf.example).
# Usage: tools/check-man-pages.sh REMAPCTL REMAPD [MAN_DIR]
# Registered as the ctest `man_pages` (daemon/CMakeLists.txt).
# Prints one line per problem; exit 0 when there is none.
set -uo pipefail
remapctl=${1:?usage: $0 REMAPCTL REMAPD [MAN_DIR]}
remapd=${2:?usage: $0 REMAPCTL REMAPD [MAN_DIR]}
man=${3:-$(dirname "$0")/../docs/man}
bad=0
problem() {
    echo "man pages: $*"
    bad=1
}

for p in "$man"/*.[1-8]; do
    out=$(mandoc -Tlint -Wstyle "$p" 2>&1) || problem "mandoc -Tlint $p: $out"
    out=$(groff -ww -man -Tutf8 "$p" 2>&1 >/dev/null)
    [[ -z $out ]] || problem "groff -ww $p: $out"
done

# render PAGE: the page as plain text (no overstrike), one long line per
# paragraph line, so options and commands can be searched for.
render() {
    mandoc -Tascii -Owidth=400 "$1" | sed 's/.\x08//g'
}

# help_items HELP_TEXT: "sub NAME" for each subcommand, "opt -x" / "opt --xx"
# for each option of one --help screen (CLI11 layout).
help_items() {
    awk '
        /^[A-Za-z]+:$/ { sec = $1; next }
        sec == "Subcommands:" && /^  [a-z]/ { print "sub", $1 }
        sec == "Options:" && /^  -/ {
            n = split($1, f, ",")
            for (i = 1; i <= n; i++) print "opt", f[i]
        }'
}

# check_tool TOOL PAGE PREFIX...: every item of `TOOL PREFIX... --help` is in
# PAGE; recurses into subcommands.  A subcommand must appear as a command
# line of its own (a .TP tag or the SYNOPSIS), an option anywhere.
check_tool() {
    local tool=$1 text=$2
    shift 2
    local help kind item label
    label=$(basename "$tool")${*:+ $*}
    help=$("$tool" "$@" --help 2>&1) || { problem "$tool $* --help failed"; return; }
    [[ -n $help ]] || { problem "$tool $* --help printed nothing"; return; }
    while read -r kind item; do
        case $kind in
        opt)
            grep -qF -- "$item" <<<"$text" ||
                problem "$label: option $item is not in the man page"
            ;;
        sub)
            grep -qE "^ +($(basename "$tool") +)?($* +)?$item( |\$)" <<<"$text" ||
                problem "$label: subcommand $item is not a command in the man page"
            check_tool "$tool" "$text" "$@" "$item"
            ;;
        esac
    done < <(help_items <<<"$help")
}

# names_in PAGE WHAT NAME...: every NAME appears in the rendered PAGE.
names_in() {
    local page=$1 what=$2 text name
    shift 2
    text=$(render "$man/$page")
    [[ $# -ge 5 ]] || problem "$page: only $# ${what}s found in the sources: pattern broken?"
    for name in "$@"; do
        grep -qw -- "$name" <<<"$text" || problem "$page: $what $name is not in the man page"
    done
}
# The status tokens the kernel prints (STATUSTYPE_INFO in dmr_status), the
# metrics remapd writes and the hook variables it sets.
src=$(cd "$(dirname "$0")/.." && pwd)
mapfile -t tokens < <(sed -n '/case STATUSTYPE_INFO:/,/case STATUSTYPE_TABLE:/p' "$src/kernel/dmr-target.c" |
    grep -oE '[a-z_0-9]+=%' | tr -d '=%' | sort -u)
mapfile -t metrics < <(grep -rhoE '"remapd_[a-z0-9_]+' "$src/daemon/lib/src" "$src/daemon/remapd" |
    tr -d '"' | sort -u)
mapfile -t hook_vars < <(grep -rhoE '"REMAPD_[A-Z_]+"' "$src/daemon/lib/src" "$src/daemon/remapd" |
    tr -d '"' | sort -u)
names_in dm-remap-v4.4 "status token" "${tokens[@]}"
names_in remapd.8 metric "${metrics[@]}"
names_in remapd.8 "hook variable" "${hook_vars[@]}"
# The annotated example config lists them too (its hook key).
for v in "${hook_vars[@]}"; do
    grep -qw -- "$v" "$src/daemon/remapd.conf.example" ||
        problem "daemon/remapd.conf.example: hook variable $v is not listed"
done

n_items=$( { "$remapctl" --help; "$remapd" --help; } | help_items | wc -l)
[[ $n_items -ge 10 ]] || problem "only $n_items items found in the --help output: parser broken?"
check_tool "$remapctl" "$(render "$man/remapctl.8")"
check_tool "$remapd" "$(render "$man/remapd.8")"
[[ $bad -eq 0 ]] && echo "man pages: all clean, every --help item documented"
exit $bad
