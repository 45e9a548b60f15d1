#!/usr/bin/env bash
# The version is kept in one place, VERSION (MAJOR.MINOR.PATCH); everything
# else must take it from there or agree with it:
#   - debian/changelog's newest entry (a native package: exactly VERSION)
#   - dkms/dkms.conf leaves PACKAGE_VERSION to be filled in (#MODULE_VERSION#)
#   - no source file spells the version itself (CMake and Kbuild read VERSION)
#   - with BUILD_DIR: remapctl's `version` output and a module's modinfo
# Usage: tools/check-version.sh [BUILD_DIR [MODULE.ko]]
# Registered as the ctest `version_one_place` (daemon/tests/CMakeLists.txt).
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bad=0
problem() {
    echo "version: $*"
    bad=1
}
v=$(cat "$repo/VERSION")
[[ $v =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || problem "VERSION holds '$v', not MAJOR.MINOR.PATCH"

cl=$(dpkg-parsechangelog -l "$repo/debian/changelog" -S Version 2>&1) || problem "debian/changelog: $cl"
[[ $cl == "$v" ]] || problem "debian/changelog is at '$cl', VERSION at '$v'"

grep -qx 'PACKAGE_VERSION="#MODULE_VERSION#"' "$repo/dkms/dkms.conf" ||
    problem "dkms/dkms.conf must say PACKAGE_VERSION=\"#MODULE_VERSION#\" (filled in from VERSION)"

# A literal version in the code, the build files or the unit (comments aside).
hits=$(cd "$repo" && grep -rnF --include='*.c' --include='*.h' --include='*.cpp' --include='*.hpp' \
    --include=CMakeLists.txt --include=Kbuild --include=Makefile --include='*.service' \
    -e "\"$v\"" -e "VERSION $v" kernel include daemon tools CMakeLists.txt Makefile 2>/dev/null |
    grep -vE '^[^:]+:[0-9]+:[[:space:]]*(//|/?\*|#([[:space:]]|$))')
[[ -z $hits ]] || problem "the version is spelled out instead of read from VERSION: $hits"

if [[ -n ${1:-} ]]; then
    out=$("$1/daemon/remapctl/remapctl" version 2>/dev/null | head -n 1)
    [[ $out == *"$v"* ]] || problem "remapctl version says '$out', VERSION '$v'"
fi
if [[ -n ${2:-} ]]; then
    mv=$(modinfo -F version "$2" 2>&1)
    [[ $mv == "$v" ]] || problem "module $2 has version '$mv', VERSION '$v'"
fi
[[ $bad -eq 0 ]] && echo "version: $v everywhere"
exit $bad
