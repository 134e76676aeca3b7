#!/bin/sh
# Guest side of vm_story, boot 3: the master is not running when the server
# boots. The minion waits (capped backoff) with the volume locked and the
# service down; the master starts 5 s later; the volume is opened and the
# service started within seconds of that.
# shellcheck source=story-lib.sh
. /test/story-lib.sh

step "1. the minion starts alone"
install_redis db1
configs db1
vm_check "system disk mounted" sys_disk
vm_check "vgchange -ay $VG" vgchange -q -ay "$VG"
start_minion boot3
sleep 5
vm_check "the minion waits (still running)" kill -0 "$MINION_PID"
vm_check "the volume stays locked" test ! -e "$MAPPER"
vm_check "$SVC is not running" test -z "$(ready_at "$SVC")"

step "2. the master comes up"
t_master=$(now)
start_master boot3
vm_check "$SVC answers, started by the startup job" wait_ready "$SVC" 120
late=$(awk -v a="$t_master" -v b="$(ready_at "$SVC")" 'BEGIN { printf "%.2f", b - a }')
echo "boot3: master start to $SVC answering: $late s" | tee -a /results/timings.txt
vm_check "within 30 s of the master's start ($late s)" \
    awk -v l="$late" 'BEGIN { exit !(l < 30) }'
vm_check "the startup job's return reaches the master" \
    wait_log /results/boot3-master.log "return from db1" 60
last_job boot3
state_is boot3 data_open "True 1"
state_is boot3 data_mount "True 1"
state_is boot3 data_service "True 1"
vm_check "$SVC returns boot 1's payload identical (sha256)" \
    test "$(payload_sum)" = "${PAYLOAD_SHA256:-none}"
minion_memory boot3
no_secret_on_disks
shutdown_all db1
finish
