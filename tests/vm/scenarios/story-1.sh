#!/bin/sh
# Guest side of vm_story, boot 1: a new server (id db1) with an empty data
# disk, a master on the same loopback.
#   1. the system disk formatted; the master starts and makes its key pair;
#      the minion pins the master's key (minion_master.pub), starts, makes
#      its own and enrols: pending until the operator runs brine-key -a;
#   2. the minion asks for its startup job (startup_states: highstate); the
#      master renders examples/salt/encrypted/data.sls with db1's pillar,
#      seals it to db1's key and publishes it; the minion provisions
#      PV -> VG -> LV -> LUKS2 -> open -> mkfs + mount -> redis-db1;
#   3. the data service (Debian's redis-server, data on the volume) stores
#      a payload;
#      brine jobs list shows the job, brine jobs show its result;
#   4. brine db1 state.highstate: every state True and unchanged;
#   5. no passphrase in brine-minion's memory, on any disk, in any file;
#   6. a clean shutdown.
# shellcheck source=story-lib.sh
. /test/story-lib.sh

step "1. keys: the master's pinned by the minion, the minion's accepted"
install_redis db1
configs db1
vm_check "system disk formatted and mounted" sys_disk format
vm_check "data0 is empty" sh -c "! blkid -p $DEV >/dev/null 2>&1"
start_master boot1
vm_check "the master made its key pair" test -s "$VARLIB/master/pki/master.pub"
mkdir -p "$VARLIB/minion/pki"
cp "$VARLIB/master/pki/master.pub" "$VARLIB/minion/pki/minion_master.pub"
start_minion boot1
vm_check "the minion enrols: pending on the master" \
    wait_log /results/boot1-master.log "minion db1 is pending" 30
vm_check "no job before the key is accepted" test ! -e "/run/$SVC.log"
vm_check "brine-key -a db1" brine-key -a db1 -y

step "2. the startup job provisions the empty disk"
vm_check "the minion asks for its startup job" \
    wait_log /results/boot1-master.log "minion db1 asks for its startup job" 30
vm_check "$SVC answers, started by the startup job" wait_ready "$SVC" 120
vm_check "the startup job's return reaches the master" \
    wait_log /results/boot1-master.log "return from db1" 60
last_job boot1
vm_check "brine jobs list shows the job" grep -q state.highstate /results/boot1.jobs
cat /results/boot1.jobs
all_states boot1 "True 1"
says boot1 "Created Logical Volume data"
says boot1 "opened as $MAPPER"
says boot1 "Target was successfully mounted"
echo "boot1: minion start to $SVC answering in $(awk -v a="$MINION_T0" -v b="$(ready_at "$SVC")" \
    'BEGIN { printf "%.2f", b - a }') s (with the operator's brine-key -a)" | tee -a /results/timings.txt

step "3. data on the volume"
vm_check "$SVC stores a payload (64 KiB of random hex)" sh -c \
    "head -c 32768 /dev/urandom | od -An -tx1 | tr -d ' \n' | redis-cli -x SET payload | grep -q OK"
vm_check "its append-only file is on the volume" test -d "$MNT/appendonlydir"
payload_sum >/results/payload.sha256

step "4. state.highstate again from the CLI: nothing changes"
vm_check "brine db1 state.highstate exits 0" \
    sh -c "brine --no-color -t 120 db1 state.highstate >/results/again.out 2>&1"
all_states again "True 0"
minion_memory boot1

step "5. no passphrase anywhere"
no_secret_on_disks
shutdown_all db1
finish
