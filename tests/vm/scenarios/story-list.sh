#!/bin/sh
# Guest side of vm_story, the list example: server store1 with two empty
# data disks and examples/salt/encrypted/volumes.sls, which takes the list
# data_volumes from its pillar (each volume with its own passphrase). The
# startup job provisions, opens and mounts both and starts the service of
# the one that has one; a second highstate changes nothing; no passphrase in
# brine-minion's memory, on any disk, in any file.
# shellcheck source=story-lib.sh
. /test/story-lib.sh

# vol N KEY: KEY of the Nth volume of store1's pillar
vol() {
    awk -v n="$1" -v k="$2" '/^  - / { i++; sub(/^  - /, "    ") }
        i == n && $1 == k ":" { print $2; exit }' /test/pillar/store1.sls
}
svc=$(vol 1 service)
ln -sf redis-data "/etc/init.d/$svc"
mkdir -p /etc/default
echo "DATA=$(vol 1 mount)" >"/etc/default/$svc"
configs store1
vm_check "system disk formatted and mounted" sys_disk format
start_master list
mkdir -p "$VARLIB/minion/pki"
cp "$VARLIB/master/pki/master.pub" "$VARLIB/minion/pki/minion_master.pub"
start_minion list
vm_check "the minion enrols: pending" wait_log /results/list-master.log "minion store1 is pending" 30
vm_check "brine-key -a store1" brine-key -a store1 -y
vm_check "$svc answers, started by the startup job" wait_ready "$svc" 150
vm_check "the startup job's return reaches the master" \
    wait_log /results/list-master.log "return from store1" 60
last_job list
n=$(states list | awk '$2 " " $3 == "True 1"' | wc -l)
vm_check "13 states, all changed ($n)" test "$n" = 13
for i in 1 2; do
    name=$(vol $i name)
    vm_check "volume $name: /dev/mapper/$(vol $i crypt) is open" test -b "/dev/mapper/$(vol $i crypt)"
    vm_check "volume $name: mounted on $(vol $i mount)" \
        awk -v d="$(vol $i mount)" '$2 == d { f = 1 } END { exit !f }' /proc/mounts
    vm_check "volume $name: its own LUKS header" cryptsetup isLuks "/dev/$(vol $i vg)/$(vol $i lv)"
done
vm_check "one service state: the second volume has none" \
    test "$(grep -c 'ID: .*_service' /results/list.out)" = 1
vm_check "brine store1 state.highstate exits 0" \
    sh -c "brine --no-color -t 120 store1 state.highstate >/results/list-again.out 2>&1"
n=$(states list-again | awk '$2 " " $3 == "True 0"' | wc -l)
vm_check "again: 13 states, none changed ($n)" test "$n" = 13
minion_memory list
no_secret_on_disks
vm_check "brine-minion stops on SIGTERM" stop "$MINION_PID"
vm_check "brine-master stops on SIGTERM" stop "$MASTER_PID"
finish
