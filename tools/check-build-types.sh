#!/usr/bin/env bash
# Build the userspace (library, tools, daemon, tests) in every CMake build
# type, each in build/build-types/<type>, without -Werror (as a user or a
# distribution builds it), and report any compiler warning.  Type "None" uses
# Debian's packaging flags from dpkg-buildflags (what `make deb` builds with).
# Usage: tools/check-build-types.sh [TYPE...]   (default: all five)
# Exit 0 when every type built without a warning.
set -uo pipefail
cd "$(dirname "$0")/.."
types=("$@")
[[ ${#types[@]} -gt 0 ]] || types=(Debug Release RelWithDebInfo MinSizeRel None)
jobs=${JOBS:-2}
bad=0
for t in "${types[@]}"; do
    d=build/build-types/$t
    rm -rf "$d"
    mkdir -p "$d"
    env=()
    if [[ $t == None ]]; then
        env=(CFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
             CXXFLAGS="$(dpkg-buildflags --get CXXFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
             LDFLAGS="$(dpkg-buildflags --get LDFLAGS)")
    fi
    if env "${env[@]}" cmake -S . -B "$d" -DCMAKE_BUILD_TYPE="$t" >"$d/configure.log" 2>&1 &&
       cmake --build "$d" -j "$jobs" >"$d/build.log" 2>&1; then
        n=$(grep -c 'warning:' "$d/build.log")
        if [[ $n -eq 0 ]]; then
            echo "PASS build type $t"
            continue
        fi
        grep -m 5 'warning:' "$d/build.log"
        echo "FAIL build type $t: $n compiler warnings (log: $d/build.log)"
    else
        tail -n 20 "$d/build.log" 2>/dev/null || tail -n 20 "$d/configure.log"
        echo "FAIL build type $t (logs in $d)"
    fi
    bad=1
done
exit $bad
