#!/bin/sh
# Guest side of vm_provision, boot 2: the disk image boot 1 (provision.sh)
# provisioned and shut down cleanly, booted again; nothing is created here.
#   1. brine-call before anything activated the VG (this guest has no udev,
#      whose lvm2 rules activate VGs at boot on Debian): what it does is
#      recorded in /results/findings.txt, and it destroys nothing;
#   2. the VG activated as the OS does at boot (vgchange -ay);
#   3. a wrong passphrase in the pillar (/test/pillar-wrong): luks.opened
#      fails clearly, mount and service are skipped by their requisites,
#      the LUKS header area's sha256 is as boot 1 left it;
#   4. the right pillar: lvm and luks.formatted unchanged, luks.opened,
#      mount.mounted and the service changed, no mkfs; the payload boot 1
#      wrote reads back identical (PAYLOAD_SHA256 from the host);
#   5. again: nothing changes; the passphrases are nowhere but in the
#      pillar; clean shutdown.
# shellcheck source=provision-lib.sh
. /test/provision-lib.sh

install_service db1
payload_sha=${PAYLOAD_SHA256:-none}
header_sha=${HEADER_SHA256:-none}

step "1. brine-call before the VG is activated"
vm_check "data0 found by serial" test -b "$DEV"
vm_check "the VG is not active yet (no udev in this guest)" test ! -e "$LV"
starts=1
if apply inactive db1; then
    vm_ok "inactive VG: brine-call converged (lv_present activated the LV)"
    state_is inactive data_lv "True 1"
    #  The service ran and wrote on the volume: that start counts too
    starts=2
    close_server db1
    rm -f "/run/$SVC.log"
else
    vm_not_ok "inactive VG: brine-call did not converge"
    echo "boot 2, VG not active: $(states inactive | tr '\n' ';')" >>/results/findings.txt
fi

step "2. the VG activated, as udev's lvm2 rules do at boot"
vm_check "vgchange -ay $VG" vgchange -q -ay "$VG"
vm_check "the LUKS header area is as boot 1 left it" test "$(header_sum "$LV")" = "$header_sha"

step "3. a wrong passphrase in the pillar"
apply wrong db1 --pillar-root /test/pillar-wrong
vm_check "wrong passphrase: brine-call exits 2" test $? = 2
for s in data_pv data_vg data_lv data_luks; do
    state_is wrong "$s" "True 0"
done
state_is wrong data_open "False 0"
state_is wrong data_mount "False 0"
state_is wrong data_service "False 0"
says wrong "the passphrase does not open $LV (no key slot matched)"
says wrong "One or more requisite failed: provision.data_open"
says wrong "One or more requisite failed: provision.data_mount"
vm_check "wrong passphrase: no mapping" test ! -e "$MAPPER"
vm_check "wrong passphrase: not mounted" sh -c "! awk '\$2 == \"$MNT\"' /proc/mounts | grep -q ."
vm_check "wrong passphrase: $SVC not started" test ! -e "/run/$SVC.log"
vm_check "wrong passphrase: the LUKS header area is unchanged" test "$(header_sum "$LV")" = "$header_sha"

step "4. the right passphrase: open, mount, start"
vm_check "boot 2 run exits 0" apply boot2 db1
for s in data_pv data_vg data_lv data_luks; do
    state_is boot2 "$s" "True 0"
done
state_is boot2 data_open "True 1"
state_is boot2 data_mount "True 1"
state_is boot2 data_service "True 1"
says boot2 "opened as $MAPPER"
says boot2 "Target was successfully mounted"
vm_check "boot 2: no filesystem was made" sh -c "! grep -q 'Created ext4' /results/boot2.out"
vm_check "the payload from boot 1 reads back identical (sha256)" \
    test "$(sum "$MNT/payload" 2>/dev/null)" = "$payload_sha"
vm_check "$SVC writes its heartbeat on the volume" wait_heartbeat "$MNT"
vm_check "the service's log on the volume has every start of both boots" \
    test "$(grep -c '^start ' "$MNT/brdata.log")" = $((starts + 1))

step "5. again: nothing changes"
vm_check "rerun exits 0" apply boot2-rerun db1
all_states boot2-rerun "True 0"
no_secret_on_disks
vm_check "service stopped, unmounted, closed, VG deactivated" close_server db1
finish
