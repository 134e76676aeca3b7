#!/bin/sh
# Guest side of vm_story, boot 2: the same disks, nothing typed. The VG is
# activated as udev's lvm2 rules do at boot, the master is up (it is
# another machine: it does not reboot with the server), the minion starts:
#   1. its startup job opens and mounts the volume, then starts the service;
#      nothing is created or formatted; the time from the minion's start to
#      the service's start is measured, and brine's share of it (all but
#      luks.opened, whose time is the PBKDF's);
#   2. the payload and the service's log from boot 1 read back identical;
#   3. no passphrase in brine-minion's memory, on any disk, in any file;
#   4. a clean shutdown.
# shellcheck source=story-lib.sh
. /test/story-lib.sh

step "1. the startup job opens, mounts, starts"
install_redis db1
configs db1
vm_check "system disk mounted" sys_disk
vm_check "vgchange -ay $VG (udev's lvm2 rules at boot)" vgchange -q -ay "$VG"
vm_check "the volume is locked before the minion runs" test ! -e "$MAPPER"
start_master boot2
start_minion boot2
vm_check "$SVC answers, started by the startup job" wait_ready "$SVC" 120
t_svc=$(ready_at "$SVC")
vm_check "the startup job's return reaches the master" \
    wait_log /results/boot2-master.log "return from db1" 60
last_job boot2
for s in data_pv data_vg data_lv data_luks; do
    state_is boot2 "$s" "True 0"
done
state_is boot2 data_open "True 1"
state_is boot2 data_mount "True 1"
state_is boot2 data_service "True 1"
vm_check "boot 2: no filesystem was made" sh -c "! grep -q 'Created ext4' /results/boot2.out"
total=$(awk -v a="$MINION_T0" -v b="$t_svc" 'BEGIN { printf "%.2f", b - a }')
open_ms=$(duration boot2 data_open)
states_ms=0
for s in data_pv data_vg data_lv data_luks data_open data_mount data_service; do
    states_ms=$(awk -v a="$states_ms" -v b="$(duration boot2 "$s")" 'BEGIN { print a + b }')
done
# all but the PBKDF; the states' run time; and the rest: the minion's start,
# connection, enrolment, hello, the startup job's request, compilation,
# sealing and delivery, the job's fork, the return
own=$(awk -v t="$total" -v o="${open_ms:-0}" 'BEGIN { printf "%.2f", t - o / 1000 }')
proto=$(awk -v t="$total" -v s="$states_ms" 'BEGIN { printf "%.2f", t - s / 1000 }')
{
    echo "boot2: minion start to $SVC answering: $total s"
    echo "boot2: of which luks.opened (PBKDF and dm-crypt setup): ${open_ms:-?} ms"
    echo "boot2: everything else: $own s"
    echo "boot2: the states ran $states_ms ms; outside them (start, connect, startup job): $proto s"
    for s in data_pv data_vg data_lv data_luks data_open data_mount data_service; do
        echo "boot2: $s: $(duration boot2 "$s") ms"
    done
} | tee -a /results/timings.txt
echo "$total $open_ms $own $states_ms $proto" >/results/boot2.time

step "2. boot 1's data reads back"
vm_check "$SVC returns boot 1's payload identical (sha256)" \
    test "$(payload_sum)" = "${PAYLOAD_SHA256:-none}"
minion_memory boot2

step "3. no passphrase anywhere"
no_secret_on_disks
shutdown_all db1
finish
