#!/bin/sh
# Guest side of vm_story, boot 4: the server was stolen, and the operator
# deleted its key on the master (brine-key -d db1) before it booted. The
# minion enrols again: its key is only pending, the master logs it and sends
# nothing; the volume stays locked and the service down.
# shellcheck source=story-lib.sh
. /test/story-lib.sh

install_redis db1
configs db1
vm_check "system disk mounted" sys_disk
vm_check "vgchange -ay $VG" vgchange -q -ay "$VG"
vm_check "brine-key -d db1 (the operator revokes the server)" brine-key -d db1 -y
start_master boot4
start_minion boot4
vm_check "the master logs the key it does not accept" \
    wait_log /results/boot4-master.log "minion db1 is pending" 30
vm_check "the minion logs that its key is not accepted" \
    wait_log /results/boot4-minion.log "this minion's key is pending" 30
sleep 10
vm_check "no startup job for db1" sh -c "! grep -q 'asks for its startup job' /results/boot4-master.log"
vm_check "the volume stays locked" test ! -e "$MAPPER"
vm_check "$SVC stays down" test -z "$(ready_at "$SVC")"
vm_check "the volume is not mounted" sh -c "! awk '\$2 == \"$MNT\"' /proc/mounts | grep -q ."
brine-key -L >/results/boot4.keys 2>&1
vm_check "brine-key -L: db1 is an unaccepted key" grep -q db1 /results/boot4.keys
cat /results/boot4.keys
minion_memory boot4
no_secret_on_disks
vm_check "brine-minion stops on SIGTERM" stop "$MINION_PID"
vm_check "brine-master stops on SIGTERM" stop "$MASTER_PID"
vgchange -q -an "$VG" >/dev/null
umount "$VARLIB"
finish
