#!/bin/bash
# Guest half of tests/vm/long/host/64-mail-alert.sh: alerts mailed to root
# out of the box, by the package's /etc/remapd.conf (mail_to = root)
# through the package's remapd.service sandbox, under systemd as PID 1.
# Both boots share one overlay upper image (run-vm.sh --upper).
# Disks: /dev/vda = main (64 MiB), /dev/vdb = spare (32 MiB).
#   mail-alert.sh install [old-unit]  (harness /init) dpkg -i of the tools
#       package (its unit, enabled, and /etc/remapd.conf); this tree's
#       module.  old-unit (the proof that the test can fail): a drop-in
#       that gives the unit back the sandbox it had before (no private
#       /tmp, no MTA paths, no CAP_SETUID/CAP_SETGID, no AF_INET).
#   mail-alert.sh mail  (systemd) remapd is up without an MTA and said
#       "no local MTA"; then a fake MTA is installed whose sendmail needs
#       what exim and postfix need (mktemp in /tmp, its queue in
#       /var/spool/exim4, its log in /var/log/exim4, a setgid helper like
#       postdrop, a switch to another user like exim, delivery into
#       /var/mail/root), and a hook that needs /tmp; `remapd --test-hook`
#       passes in the unit's sandbox (systemd-run) and the test mail
#       arrives; a write to a failing sector of the main is remapped and
#       the alert mail naming the device arrives in /var/mail/root.
# shellcheck source-path=SCRIPTDIR source=../guest/lib.sh
. "$(dirname "$0")/../guest/lib.sh"

phase=${1:?install or mail}
mutant=${2:-}
out=${DMR_OUT:?needs --out}
kver=$(uname -r)
v=$(cat "$DMR_REPO/VERSION")
debdir=${DMR_DEB_DIR:-$DMR_REPO/build/deb}
main=/dev/vda
spare=/dev/vdb
mbox=/var/mail/root
events=/run/remapd/hook-events
for d in vda vdb; do
    [[ $(cat "/sys/block/$d/serial" 2>/dev/null) != dmr-upper ]] ||
        die "/dev/$d is the overlay upper disk, not a test disk"
done
wait_for() { # SECONDS CMD...
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || return 1
        sleep 0.5
    done
}
active() { test "$(systemctl is-active remapd.service)" = active; }
journal() { journalctl --no-pager -b -u remapd.service "$@" 2>&1; }

case $phase in
install)
    deb=$debdir/dm-remap-v4-tools_${v}_amd64.deb
    [[ -f $deb ]] || die "missing $deb: run 'make deb' first (make test-long does)"
    ko=${DMR_KO:?no module built for $kver}
    [[ ! -e /usr/sbin/sendmail ]] || die "this guest has a sendmail already: the no-MTA check needs none"
    dpkg -i "$deb" || die "dpkg -i $deb"
    check "/etc/remapd.conf is the package's conffile" \
        grep -qx '/etc/remapd.conf' /var/lib/dpkg/info/dm-remap-v4-tools.conffiles
    check "it mails root" grep -qx 'mail_to = root' /etc/remapd.conf
    check "remapd.service enabled" test "$(systemctl is-enabled remapd.service 2>/dev/null)" = enabled
    mkdir -p "/lib/modules/$kver/updates"
    cp "$ko" "/lib/modules/$kver/updates/" || die "copy $ko"
    depmod -a "$kver" || die depmod
    if [[ $mutant == old-unit ]]; then
        mkdir -p /etc/systemd/system/remapd.service.d
        cat >/etc/systemd/system/remapd.service.d/old-sandbox.conf <<'UNIT'
# The sandbox of remapd.service before issue 23 item 2 (mutant).
[Service]
TemporaryFileSystem=
ReadWritePaths=
ReadWritePaths=-/var/lib/prometheus/node-exporter -/run/remapd -/etc/dm-remap -/sys/devices
CapabilityBoundingSet=
CapabilityBoundingSet=CAP_SYS_ADMIN CAP_SYS_RAWIO CAP_MKNOD CAP_DAC_OVERRIDE CAP_CHOWN CAP_FOWNER CAP_IPC_OWNER
RestrictAddressFamilies=
RestrictAddressFamilies=AF_UNIX AF_NETLINK
UNIT
        log "mutant old-unit: remapd.service gets its old sandbox back"
    fi
    ((_dmr_failures)) || echo installed >"$out/install.ok"
    ;;

mail)
    [[ -f $out/install.ok ]] || die "the install phase did not finish"
    check "PID 1 is systemd" test "$(cat /proc/1/comm)" = systemd
    wait_for 120 active || die "remapd.service not active"
    # 1. No MTA: one clear line, and remapd runs on.
    check "without an MTA remapd said so at start" \
        grep -q 'no local MTA: mail alerts disabled, install an MTA' <(journal -p warning)
    journal -p warning | grep 'no local MTA' || true
    check "remapd.service is active without an MTA" active
    pid=$(systemctl show -p MainPID --value remapd.service)
    check "remapd runs without NoNewPrivileges (setgid/setuid MTA helpers work)" \
        grep -qx $'NoNewPrivs:\t0' "/proc/$pid/status"

    # 2. A fake MTA that needs what exim and postfix need.
    mkdir -p /var/spool/exim4/input /var/log/exim4 /var/mail /usr/local/lib/fake-mta
    chgrp mail /var/mail && chmod 2775 /var/mail
    rm -f "$mbox"
    mailgid=$(getent group mail | cut -d: -f3)
    # postdrop-like: a setgid program (here a copy of id) must run with its group.
    install -m 2755 -g mail /usr/bin/id /usr/local/lib/fake-mta/postdrop
    setgid_ok=1
    if [[ $(/usr/local/lib/fake-mta/postdrop -g) != "$mailgid" ]]; then
        setgid_ok=0
        log "setgid programs do not take effect on this guest's root (nosuid?): the fake postdrop is not checked"
    fi
    cat >/usr/sbin/sendmail <<SM
#!/bin/sh
# Fake MTA for 64-mail-alert: what exim4 and postfix's sendmail need.
set -e
[ "\$1" = -t ] || { echo "sendmail: want -t" >&2; exit 64; }
tmp=\$(mktemp)                          # a writable /tmp
cat >"\$tmp"
id=\$(date +%s)-\$\$
cp "\$tmp" "/var/spool/exim4/input/\$id-D"  # the queue
echo "\$(date) <= root id=\$id" >>/var/log/exim4/mainlog
if [ $setgid_ok = 1 ]; then            # postdrop: setgid, no NoNewPrivileges
    g=\$(/usr/local/lib/fake-mta/postdrop -g)
    [ "\$g" = $mailgid ] || { echo "sendmail: postdrop ran with gid \$g" >&2; exit 75; }
fi
# exim's delivery: as another user (CAP_SETUID/CAP_SETGID), into /var/mail
setpriv --reuid=mail --regid=mail --clear-groups sh -c 'cat >>$mbox; echo >>$mbox' <"\$tmp"
rm -f "\$tmp" "/var/spool/exim4/input/\$id-D"
SM
    chmod 0755 /usr/sbin/sendmail
    cat >/usr/local/sbin/mail-alert-hook <<'HOOK'
#!/bin/sh
t=$(mktemp) || exit 73
nnp=$(sed -n 's/^NoNewPrivs:\t//p' /proc/self/status)
echo "$REMAPD_EVENT ${REMAPD_DEVICE:--} nnp=$nnp" >"$t"
cat "$t" >>/run/remapd/hook-events
rm -f "$t"
HOOK
    chmod 0755 /usr/local/sbin/mail-alert-hook
    printf 'hook = /usr/local/sbin/mail-alert-hook\npoll_interval_s = 2\n' >>/etc/remapd.conf
    remapd -t || fail "remapd -t"
    since=$(date '+%Y-%m-%d %H:%M:%S')
    sleep 1
    systemctl restart remapd.service
    wait_for 60 active || die "remapd.service not active after the restart"
    check "with sendmail installed, no 'no local MTA' line" \
        bash -c "! journalctl --no-pager -u remapd.service --since '$since' | grep -q 'no local MTA'"

    # 3. remapd --test-hook runs the hook and sendmail in the unit's sandbox.
    rc=0
    remapd --test-hook >/tmp/test-hook.log 2>&1 || rc=$?
    cat /tmp/test-hook.log
    check "remapd --test-hook exits 0" test "$rc" = 0
    check "--test-hook ran them in the sandbox of remapd.service" \
        grep -q 'running the hook and sendmail in the sandbox of remapd.service (systemd-run' /tmp/test-hook.log
    check "the test mail arrived in $mbox" wait_for 10 grep -q '^Subject: remapd on .*: test' "$mbox"
    check "the hook ran for the test, without NoNewPrivileges" grep -qx 'test - nnp=0' "$events"

    # 4. A real remap: a write to a failing sector of the main.
    modprobe dm-remap-v4 || die "modprobe dm-remap-v4"
    sz=$(blockdev --getsz "$main")
    bad=$(mk_linear_with_errors mailbad "$main" "$sz" "4096:8")
    udevadm settle --timeout=60 || true
    remapctl create --main "$bad" --spare "$spare" --name mail0 || die "remapctl create mail0"
    udevadm settle --timeout=60 || true
    # remapd must have polled mail0 once (a remap before that is no event).
    sleep 6
    head -c 4096 /dev/urandom | dd of=/dev/mapper/mail0 bs=4096 seek=512 count=1 oflag=direct status=none ||
        fail "the write to the failing sector failed"
    check "the write was remapped" grep -Eq 'remapped=[1-9]' <(dmsetup status mail0)
    check "the alert mail for mail0 arrived in $mbox" \
        wait_for 60 grep -q '^Subject: remapd on .*: remapped_new mail0$' "$mbox"
    check "the mail names the device" grep -qx 'REMAPD_DEVICE=mail0' "$mbox"
    check "the hook ran for the remap" grep -q '^remapped_new mail0 nnp=0$' "$events"
    check "no failed sendmail or hook in remapd's log" \
        bash -c "! journalctl --no-pager -u remapd.service --since '$since' | grep -E 'hook .* (exited with status|died|killed|cannot start)'"
    journal | tail -n 25
    echo "--- $mbox"
    cat "$mbox" 2>/dev/null || true
    echo "--- $events"
    cat "$events" 2>/dev/null || true
    remapctl remove mail0 || true
    ((_dmr_failures)) || echo mailed >"$out/mail.ok"
    ;;
*) die "unknown phase $phase" ;;
esac
finish
