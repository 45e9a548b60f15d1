#!/usr/bin/env bash
# `make deb`: build the Debian packages dm-remap-v4-dkms and
# dm-remap-v4-tools from a copy of the worktree in build/deb/src (so no build
# output lands in the worktree), then check them with lintian: any error
# fails.  The .deb files, the .changes file and lintian's report
# (lintian.log) end up in build/deb/.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/deb
rm -rf "$out"
mkdir -p "$out/src"
rsync -a --exclude=/build/ --exclude=/.git --exclude='*.o' --exclude='*.ko' \
    --exclude='.*.cmd' --exclude='*.mod*' --exclude=Module.symvers --exclude=modules.order \
    ./ "$out/src/"
(cd "$out/src" && dpkg-buildpackage -b -us -uc -j"${JOBS:-2}") >"$out/build.log" 2>&1 || {
    tail -n 40 "$out/build.log"
    echo "make deb: dpkg-buildpackage failed (log: $out/build.log)" >&2
    exit 1
}
ls "$out"/*.deb
# --fail-on error: warnings and informational tags are reported, not fatal.
if ! lintian --fail-on error --display-info "$out"/*.changes >"$out/lintian.log" 2>&1; then
    cat "$out/lintian.log"
    echo "make deb: lintian reports errors (log: $out/lintian.log)" >&2
    exit 1
fi
echo "lintian: $(grep -c '^E:' "$out/lintian.log") errors, $(grep -c '^W:' "$out/lintian.log") warnings," \
     "$(grep -c '^I:' "$out/lintian.log") info (log: $out/lintian.log)"
