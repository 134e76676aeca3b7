#!/bin/sh
# Guest side of vm_provision, boot 1 (fresh disks): the whole chain of
# tests/vm/provision/salt/provision.sls through `brine-call --local`:
#   1. test=True for server db2 on its fresh disk data1: every state
#      predicted (None), nothing started, the disk's sha256 identical;
#   2. server db1 on its fresh disk data0: PV -> VG -> LV -> LUKS2 -> open
#      -> mkfs + mount -> brdata-db1 started; every state changed; the
#      service writes on the volume; a payload file is written there;
#   3. the same again: every state True and unchanged; test=True predicts
#      nothing;
#   4. the passphrases are on no disk, LV or mapping, and in no file but the
#      pillar;
#   5. a clean shutdown (service stopped, unmounted, closed, VG
#      deactivated), so that boot 2 (provision-reboot.sh) finds the disk as
#      a server's reboot would.
# shellcheck source=provision-lib.sh
. /test/provision-lib.sh

step "1. test=True on a fresh disk (db2, data1)"
install_service db2
vm_check "data1 found by serial" test -b "$DEV"
before=$(sum "$DEV")
vm_check "test=True exits 0" apply predict db2 test=True
all_states predict "None 0"
says predict "Succeeded: 7 (changed=0)"
says predict "Failed:    0"
vm_check "test=True: data1's bytes identical (sha256)" test "$before" = "$(sum "$DEV")"
vm_check "test=True: no PV, VG, LV or mapping made" \
    sh -c "! pvs $DEV 2>/dev/null && ! vgs $VG 2>/dev/null && [ ! -e $MAPPER ]"
vm_check "test=True: brdata-db2 not started" test ! -e /run/brdata-db2.log

step "2. provisioning db1 on the fresh disk data0"
install_service db1
vm_check "data0 found by serial" test -b "$DEV"
vm_check "provisioning exits 0" apply provision db1
says provision "Succeeded: 7 (changed=7)"
all_states provision "True 1"
says provision "Created Physical Volume $DEV"
says provision "Created Volume Group $VG"
says provision "Created Logical Volume data"
says provision "formatted as LUKS2 (argon2id, key slot 0)"
says provision "opened as $MAPPER"
says provision "Created ext4 filesystem on $MAPPER"
says provision "Started service $SVC"
vm_check "the LV is LUKS2 with one argon2id key slot" \
    sh -c "cryptsetup luksDump $LV | grep -q 'PBKDF:.*argon2id' && [ \$(cryptsetup luksDump $LV | grep -c ': luks2\$') = 1 ]"
vm_check "$MNT is an ext4 mount of $MAPPER" is_mounted "$MNT"
vm_check "$SVC started once" test "$(grep -c start "/run/$SVC.log")" = 1
vm_check "$SVC writes its heartbeat on the volume" wait_heartbeat "$MNT"
vm_check "$SVC logged its start on the volume" test "$(grep -c '^start ' "$MNT/brdata.log")" = 1
vm_check "write a payload on the volume" \
    sh -c "dd if=/dev/urandom of=$MNT/payload bs=64k count=16 2>/dev/null && sync"
sha256sum "$MNT/payload" | cut -d' ' -f1 >/results/payload.sha256
header_sum "$LV" >/results/header.sha256

step "3. again: nothing to do"
vm_check "second run exits 0" apply rerun db1
says rerun "Succeeded: 7 (changed=0)"
all_states rerun "True 0"
says rerun "is already LUKS-formatted (LUKS2); it is never reformatted"
says rerun "is already open as $MAPPER"
vm_check "second run: $SVC not restarted" test "$(grep -c start "/run/$SVC.log")" = 1
vm_check "test=True when converged exits 0" apply rerun-test db1 test=True
all_states rerun-test "True 0"
vm_check "the LUKS header is as the first run left it" test "$(header_sum "$LV")" = "$(cat /results/header.sha256)"

step "4. the passphrases are nowhere but in the pillar"
no_secret_on_disks

step "5. clean shutdown"
vm_check "payload still reads back" test "$(sha256sum "$MNT/payload" | cut -d' ' -f1)" = "$(cat /results/payload.sha256)"
vm_check "service stopped, unmounted, closed, VG deactivated" close_server db1
finish
