#!/bin/bash
# The dm-remap-v4 module loads, registers the remap-v4 target and unloads
# cleanly.  Needs build/kmod/<kver>/dm-remap-v4.ko (make module-all).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_ko
log "module: $DMR_KO"
modinfo "$DMR_KO" | grep -E '^(filename|version|vermagic|depends|description):' || true
load_module
dmsetup targets | grep '^remap-v4 '
check "remap-v4 listed by dmsetup targets" sh -c "dmsetup targets | grep -q '^remap-v4 '"
check "/sys/module/dm_remap_v4 exists" test -d /sys/module/dm_remap_v4
check "lsmod lists dm_remap_v4" sh -c "lsmod | grep -q '^dm_remap_v4 '"

unload_module
check "/sys/module/dm_remap_v4 gone after rmmod" test ! -e /sys/module/dm_remap_v4
check "lsmod no longer lists dm_remap_v4" sh -c "! lsmod | grep -q '^dm_remap_v4 '"
check "remap-v4 target unregistered" sh -c "! dmsetup targets | grep -q '^remap-v4 '"
finish
