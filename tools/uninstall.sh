#!/usr/bin/env bash
# Remove what `make install` installed, as listed in CMake's install
# manifest (paths without DESTDIR: pass the DESTDIR of that install in the
# environment), and our doc directory once it is empty.
# Usage: [DESTDIR=DIR] tools/uninstall.sh MANIFEST
set -euo pipefail
manifest=${1:?usage: $0 MANIFEST}
if [[ ! -s $manifest ]]; then
    echo "uninstall: $manifest not found: nothing was installed by this tree's make install" >&2
    exit 1
fi
while IFS= read -r f || [[ -n $f ]]; do
    [[ -n $f ]] || continue
    f=${DESTDIR:-}$f
    if [[ -e $f || -L $f ]]; then
        rm -f -- "$f"
        echo "removed $f"
        # Our own directory (share/doc/dm-remap-v4), once empty; shared
        # ones (/usr/sbin, /lib/systemd/system-preset, ...) stay.
        d=$(dirname "$f")
        [[ ${d##*/} != dm-remap-v4 ]] || rmdir --ignore-fail-on-non-empty -- "$d"
    fi
done <"$manifest"
rm -f -- "$manifest"
echo "uninstalled; now: systemctl daemon-reload; udevadm control --reload; update-initramfs -u"
