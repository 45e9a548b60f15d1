#!/usr/bin/env bash
# `cmake --install` of BUILD_DIR into a scratch DESTDIR gives a consistent
# tree, and tools/uninstall.sh (make uninstall) removes all of it:
#   - remapctl, remapd, the unit, the udev rule, the preset, the man pages,
#     the completion, the initramfs hook and script, the docs are there;
#   - every /.../sbin/remap* path the unit, the rule and the initramfs
#     scripts run is an installed executable (whatever the prefix);
#   - every man page the unit's Documentation= names is installed, and
#     every man page's footer (.TH) names the release in VERSION;
#   - after the uninstall no file is left.
# Usage: tools/check-install.sh BUILD_DIR
# Registered as the ctest `install_tree` (daemon/tests/CMakeLists.txt).
set -uo pipefail
build=$(realpath "${1:?usage: $0 BUILD_DIR}")
repo=$(cd "$(dirname "$0")/.." && pwd)
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
bad=0
problem() {
    echo "FAIL install: $*"
    bad=1
}

DESTDIR=$dest cmake --install "$build" >"$dest.log" 2>&1 || { cat "$dest.log"; problem "cmake --install failed"; }
rm -f "$dest.log"
find_one() { find "$dest" -path "*/$1" \( -type f -o -type l \) | head -n 1; }
for f in sbin/remapctl sbin/remapd system/remapd.service system-preset/80-dm-remap-v4.preset \
         rules.d/69-dm-remap-v4.rules rules.d/58-dm-remap-v4-claim.rules man8/remapctl.8 man8/remapd.8 man5/remapd.conf.5 \
         man4/dm-remap-v4.4 completions/remapctl initramfs-tools/hooks/dm-remap-v4 \
         initramfs-tools/scripts/local-block/dm-remap-v4 remapd.conf.example remapd.md; do
    [[ -n $(find_one "$f") ]] || problem "$f not installed"
done
for f in $(find_one initramfs-tools/hooks/dm-remap-v4) $(find_one initramfs-tools/scripts/local-block/dm-remap-v4); do
    [[ -x $f ]] || problem "$f is not executable"
done

# Each man page's footer names the release: the sources say "dm-remap v4",
# the installed copies "dm-remap <VERSION>" (daemon/CMakeLists.txt).
version=$(cat "$repo/VERSION")
for f in man8/remapctl.8 man8/remapd.8 man5/remapd.conf.5 man4/dm-remap-v4.4; do
    page=$(find_one "$f")
    [[ -n $page ]] || continue
    th=$(grep -m 1 '^\.TH ' "$page")
    [[ $th == *"\"dm-remap $version\""* ]] ||
        problem "$f: the footer does not name release $version: $th"
done

unit=$(find_one system/remapd.service)
rule=$(find_one rules.d/69-dm-remap-v4.rules)
claim_rule=$(find_one rules.d/58-dm-remap-v4-claim.rules)
hook=$(find_one initramfs-tools/hooks/dm-remap-v4)
script=$(find_one initramfs-tools/scripts/local-block/dm-remap-v4)
n=0
for f in "$unit" "$rule" "$claim_rule" "$hook" "$script"; do
    [[ -n $f ]] || continue
    for p in $(grep -v '^[[:space:]]*#' "$f" | grep -oE '/[[:alnum:]/._-]*sbin/remap(ctl|d)\b' | sort -u); do
        n=$((n + 1))
        [[ -x $dest$p ]] || problem "${f#"$dest"} runs $p, which is not installed"
    done
done
[[ $n -ge 5 ]] || problem "found only $n program paths in the unit, rules and initramfs scripts"

if [[ -n $unit ]]; then
    for m in $(sed -n 's/^Documentation=//p' "$unit"); do
        [[ $m == man:* ]] || { problem "Documentation=$m: not a man page"; continue; }
        page=${m#man:} name=${page%(*} sec=${page#*(}
        sec=${sec%)}
        [[ -n $(find_one "man$sec/$name.$sec") ]] || problem "Documentation=$m is not installed"
    done
fi

DESTDIR=$dest "$repo/tools/uninstall.sh" "$build/install_manifest.txt" >/dev/null ||
    problem "uninstall failed"
left=$(find "$dest" \( -type f -o -type l \))
[[ -z $left ]] || problem "left after uninstall: $left"
[[ $bad -eq 0 ]] && echo "PASS install and uninstall ($n program paths checked)"
exit $bad
