#!/usr/bin/env bash
# The bash completion of remapctl (daemon/bash-completion/remapctl) offers
# the subcommands and options the real binary's --help prints, the names of
# live remap devices where a NAME goes, and files where a SPARE goes.
# The device names come from a `remapctl list` stand-in (the host has no
# device-mapper): a wrapper that prints a fixed table for `list` and runs
# the real binary for everything else.
# Usage: tools/check-completion.sh REMAPCTL [COMPLETION_FILE]
# Registered as the ctest `bash_completion` (daemon/tests/CMakeLists.txt).
set -uo pipefail
real=$(realpath "${1:?usage: $0 REMAPCTL [COMPLETION_FILE]}")
comp=$(realpath "${2:-$(dirname "$0")/../daemon/bash-completion/remapctl}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin" "$tmp/img"
cat >"$tmp/bin/remapctl" <<WRAP
#!/bin/sh
if [ "\$1" = list ]; then
    printf '%s\n' 'NAME            MAIN      SPARE     SECTORS  MODE  HEALTH  UUID' \
        'remap-1a2b3c4d  /dev/sdb  /dev/sdc  2097152  rw    100     1a2b3c4d-0000-4000-8000-000000000001' \
        'db-disk         /dev/sdd  /dev/sde  2097152  ro    30      1a2b3c4d-0000-4000-8000-000000000002'
    exit 0
fi
exec "$real" "\$@"
WRAP
chmod +x "$tmp/bin/remapctl"
: >"$tmp/img/spare.img"

# shellcheck disable=SC1091
source /usr/share/bash-completion/bash_completion || { echo "FAIL bash-completion is not installed"; exit 1; }
# shellcheck disable=SC1090
source "$comp"
PATH=$tmp/bin:$PATH

bad=0
# complete LINE: the sorted completions bash offers at the end of LINE.
complete_line() {
    COMP_LINE=$1
    COMP_POINT=${#1}
    read -ra COMP_WORDS <<<"$1"
    [[ $1 == *' ' ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _remapctl remapctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf '%s\n' "${COMPREPLY[@]}" | sort
}
# expect LINE WORD...: every WORD is offered.  expect_not LINE WORD...: none is.
expect() {
    local line=$1 got w
    shift
    got=$(complete_line "$line")
    for w in "$@"; do
        grep -qxF -- "$w" <<<"$got" || { echo "FAIL '$line' does not offer '$w' (offers: $(echo $got))"; bad=1; }
    done
}
expect_not() {
    local line=$1 got w
    shift
    got=$(complete_line "$line")
    for w in "$@"; do
        ! grep -qxF -- "$w" <<<"$got" || { echo "FAIL '$line' offers '$w'"; bad=1; }
    done
}

subs=$("$real" --help | awk '/^Subcommands:$/ { s = 1; next } s && /^  [a-z]/ { print $1 }')
[[ $(wc -w <<<"$subs") -ge 10 ]] || { echo "FAIL cannot read the subcommands from $real --help"; bad=1; }
# shellcheck disable=SC2086
expect "remapctl " $subs
expect "remapctl -" -h --help -v --verbose --json --version
expect "remapctl sta" status
expect_not "remapctl sta" scan list
expect "remapctl create --" --main --spare --name --force-format --json
expect "remapctl status --" --extents --json
expect "remapctl health --" --threshold --config
expect "remapctl health -c $tmp/img/sp" "$tmp/img/spare.img"
expect "remapctl health --config $tmp/img/spare.img " remap-1a2b3c4d
expect "remapctl probe --" --json
expect "remapctl status " remap-1a2b3c4d db-disk
expect_not "remapctl status " NAME MAIN
expect "remapctl -v remove re" remap-1a2b3c4d
expect_not "remapctl -v remove re" db-disk
expect "remapctl remap db" db-disk
expect_not "remapctl remap db-disk " remap-1a2b3c4d db-disk
expect "remapctl metadata " dump verify repair
expect "remapctl replace-spare --" --spare --force --json
expect "remapctl replace-spare db" db-disk
expect "remapctl metadata verify $tmp/img/sp" "$tmp/img/spare.img"
expect "remapctl metadata dump --" --json
expect "remapctl probe $tmp/img/" "$tmp/img/spare.img"
expect_not "remapctl create --name " remap-1a2b3c4d

[[ $bad -eq 0 ]] && echo "PASS bash completion of remapctl"
exit $bad
