#!/usr/bin/env bash
# DKMS builds the module from the tree `make dkms-source` lays out (what
# /usr/src/dm-remap-v4-<version>/ holds in the package), for every kernel
# `tests/vm/kernels.sh` lists, with DKMS's own source and build trees under
# build/dkms/ (nothing in /usr/src, /lib/modules or /var/lib/dkms is touched); the module
# it builds has the VERSION version.  Also: dkms.conf's
# BUILD_EXCLUSIVE_KERNEL regular expression (all Debian 12's DKMS reads)
# accepts exactly the kernels BUILD_EXCLUSIVE_KERNEL_MIN does.
# Usage: tools/check-dkms.sh [KVER...]
set -uo pipefail
cd "$(dirname "$0")/.."
v=$(cat VERSION)
bad=0
problem() {
    echo "FAIL dkms: $*"
    bad=1
}

# shellcheck disable=SC1091
conf=$(set +u; . dkms/dkms.conf; printf '%s\n%s\n%s\n' "$BUILD_EXCLUSIVE_KERNEL_MIN" "$BUILD_EXCLUSIVE_KERNEL" "$AUTOINSTALL")
{ read -r min; read -r re; read -r auto; } <<<"$conf"
[[ $auto == yes ]] || problem "AUTOINSTALL is '$auto', not yes"
[[ -n $min && -n $re ]] || problem "BUILD_EXCLUSIVE_KERNEL_MIN or BUILD_EXCLUSIVE_KERNEL missing"
for k in 4.19.0-27-amd64 5.10.0-30-amd64 5.19.17 6.0.12-1-amd64 6.1.0-57-amd64 6.1.0 6.2.16 \
         6.9.1 6.10.3 6.12.117+deb12-amd64 6.19.0 7.0.0-1-amd64 10.1.0; do
    by_min=no by_re=no
    [[ $(printf '%s\n' "$min" "${k%%[-+]*}" | sort -V | head -n 1) == "$min" ]] && by_min=yes
    [[ $k =~ $re ]] && by_re=yes
    [[ $by_min == "$by_re" ]] || problem "kernel $k: BUILD_EXCLUSIVE_KERNEL_MIN says $by_min, BUILD_EXCLUSIVE_KERNEL says $by_re"
done

kvers=("$@")
[[ ${#kvers[@]} -gt 0 ]] || mapfile -t kvers < <(tests/vm/kernels.sh)
src=build/dkms/source
tree=build/dkms/tree
rm -rf "$src" "$tree" build/dkms/mok.key build/dkms/mok.pub
mkdir -p "$src" "$tree"
make -s dkms-source DKMS_SRC="$src/dm-remap-v4-$v" || problem "make dkms-source failed"
# DKMS signs what it builds, generating a key pair in /var/lib/dkms unless
# told otherwise: a throwaway pair under build/dkms instead.
export mok_signing_key=$PWD/build/dkms/mok.key mok_certificate=$PWD/build/dkms/mok.pub
dk=(dkms --sourcetree "$PWD/$src" --dkmstree "$PWD/$tree")
"${dk[@]}" add -m dm-remap-v4 -v "$v" >build/dkms/add.log 2>&1 ||
    { cat build/dkms/add.log; problem "dkms add failed"; }
for k in "${kvers[@]}"; do
    log=build/dkms/build-$k.log
    # A kernel unpacked under build/kernels (not installed) has no
    # /lib/modules/<k>/build: name its headers.
    kdir=$(tests/vm/kernels.sh --info "$k" | sed -n 's/^kdir=//p')
    if ! "${dk[@]}" build -m dm-remap-v4 -v "$v" -k "$k" --kernelsourcedir "$kdir" >"$log" 2>&1; then
        tail -n 20 "$log"
        problem "dkms build for $k failed (log: $log)"
        continue
    fi
    # DKMS may compress the module as the kernel does its own (an installed
    # 6.12: .ko.xz; not for a kernel unpacked under build/kernels).
    ko=$(find "$tree/dm-remap-v4/$v/$k" -name "dm-remap-v4.ko*" | head -n 1)
    if [[ -z $ko ]]; then
        problem "dkms build for $k left no dm-remap-v4.ko"
    elif [[ $(modinfo -F version "$ko") != "$v" || $(modinfo -F vermagic "$ko") != "$k "* ]]; then
        problem "$ko: version $(modinfo -F version "$ko"), vermagic $(modinfo -F vermagic "$ko")"
    else
        echo "PASS dkms build for $k"
    fi
done
[[ $bad -eq 0 ]] && echo "PASS dkms.conf"
exit $bad
