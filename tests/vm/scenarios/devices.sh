#!/bin/sh
# Guest side of vm_devices: brine's lvm, mount and service states on real
# device-mapper, through `brine-call --local state.apply` on the state tree
# in /test/devices/salt (tests/vm/devices/salt):
#   1. test=True on the fresh disk data0: every state predicted (None), and
#      the disk's bytes identical afterwards;
#   2. the real run: PV, VG, LV, mkfs + mount, brdata started on the volume;
#   3. the same again: nothing changes;
#   4. /data unmounted behind brine's back: the mount comes back and the
#      watching service is restarted;
#   5. data2 holds ext4 with data: pv_present, vg_present and mount.mounted
#      mkfs refuse it (also in test=True), its bytes stay identical;
#      with force: True it becomes a PV;
#   6. data1 is a PV of another VG: never taken, never removed;
#   7. cleanup: service.dead, mount.unmounted, lv/vg/pv_absent; again: no
#      changes;
#   8. provisioning again: lvcreate meets the old ext4 in the free space and
#      does not wipe it without force; with force it does, and all converges.
# Each brine-call's output is kept in /results/NAME.out.
# shellcheck source=../guest/lib.sh
. /usr/share/vmtest/lib.sh
set -u

tree=/test/devices/salt
d0=$(vm_disk data0)
d1=$(vm_disk data1)
d2=$(vm_disk data2)
t0=$(cut -d' ' -f1 /proc/uptime)
step() { echo "--- $* (uptime $(cut -d' ' -f1 /proc/uptime))"; }
now() { cut -d' ' -f1 /proc/uptime; }

# apply NAME SLS [test=True]: brine-call's highstate output into
# /results/NAME.out; its exit status is returned; its time is logged.
apply() {
    _name=$1
    shift
    _a=$(now)
    brine-call --local -c /nonexistent --no-color --id vm --file-root "$tree" \
        --pillar-root /nonexistent state.apply "$@" >"/results/$_name.out" 2>&1
    _rc=$?
    echo "$_name: brine-call exit $_rc in $(awk -v a="$_a" -v b="$(now)" \
        'BEGIN { printf "%.2f", b - a }') s" | tee -a /results/timings.txt
    return $_rc
}
# count PATTERN NAME: lines of /results/NAME.out matching PATTERN
count() { grep -c -- "$1" "/results/$2.out" || true; }
# expect WHAT N PATTERN NAME
expect() {
    _n=$(count "$3" "$4")
    if [ "$_n" = "$2" ]; then
        vm_ok "$1"
    else
        vm_not_ok "$1 ($_n lines match '$3' in $4.out, expected $2)"
        cat "/results/$4.out"
    fi
}
sum() { sha256sum "$1" | cut -d' ' -f1; }

step "1. test=True on a fresh disk"
vm_check "data disks found by serial" test -b "$d0" -a -b "$d1" -a -b "$d2"
before=$(sum "$d0")
vm_check "test=True exits 0" apply test1 devices test=True
expect "test=True: all 5 states predicted (None)" 5 "Result: None" test1
expect "test=True: no state failed" 1 "^Failed: *0" test1
vm_check "test=True: data0's bytes identical" test "$before" = "$(sum "$d0")"
vm_check "test=True: no PV made" sh -c "! pvs --noheadings 2>/dev/null | grep -q ."
vm_check "test=True: brdata not started" test ! -e /run/brdata.log

step "2. provisioning"
vm_check "provisioning exits 0" apply run1 devices
expect "provisioning: 5 states succeeded, all changed" 1 "^Succeeded: 5 (changed=5)" run1
expect "provisioning: LV created" 1 "Created Logical Volume data" run1
expect "provisioning: ext4 made on the empty LV" 1 "Created ext4 filesystem on /dev/brvg/data" run1
vm_check "pvs lists data0 in brvg" sh -c "pvs --noheadings -o vg_name $d0 | grep -qw brvg"
vm_check "/data is an ext4 mount of brvg/data" \
    sh -c 'grep -q " /data ext4 rw,noatime" /proc/mounts'
vm_check "brdata started once" test "$(grep -c start /run/brdata.log)" = 1
# The daemon writes within a second of starting; a loaded TCG guest can
# take much longer to schedule it, so wait up to 20 s
i=0
while [ ! -s /data/heartbeat ] && [ $i -lt 100 ]; do
    sleep 0.2
    i=$((i + 1))
done
vm_check "brdata writes its heartbeat on the volume" test -s /data/heartbeat
# Real lvm2 reports, for the parser's samples (tests/data/lvm)
for t in pvs vgs lvs; do
    $t --reportformat json --units b --nosuffix >"/results/$t.json" 2>/dev/null
done

step "3. again: nothing to do"
vm_check "second run exits 0" apply run2 devices
expect "second run: 5 states succeeded, none changed" 1 "^Succeeded: 5 (changed=0)" run2
vm_check "second run: brdata not restarted" test "$(grep -c start /run/brdata.log)" = 1
vm_check "test=True when converged exits 0" apply test2 devices test=True
expect "test=True when converged: nothing predicted" 0 "Result: None" test2

step "4. the volume unmounted behind brine's back: remount, and watch restarts brdata"
i=0
while ! umount /data 2>/dev/null && [ $i -lt 20 ]; do
    sleep 0.1
    i=$((i + 1))
done
vm_check "/data unmounted by hand" sh -c '! grep -q " /data " /proc/mounts'
vm_check "third run exits 0" apply run3 devices
expect "third run: the mount changed" 1 "Target was successfully mounted" run3
expect "third run: watch restarted brdata" 1 "Service restarted" run3
vm_check "brdata stopped and started again" \
    test "$(grep -c start /run/brdata.log) $(grep -c stop /run/brdata.log)" = "2 1"

step "5. a disk holding ext4 is refused"
vm_check "mkfs.ext4 data2 by hand" mkfs.ext4 -q "$d2"
mkdir -p /mnt/d2
vm_check "write data on data2" sh -c "mount $d2 /mnt/d2 && echo precious >/mnt/d2/file && umount /mnt/d2"
before=$(sum "$d2")
apply refuse_test refuse test=True
expect "test=True: the refusals are predicted as failures" 3 "Result: False" refuse_test
apply refuse refuse
vm_check "refusals exit 2" test $? = 2
expect "pv_present and vg_present refuse ext4" 2 \
    "Refusing to create a physical volume on /dev/disk/by-id/virtio-data2: it holds an ext4 filesystem" refuse
expect "all three say what they found and how to force" 3 "it holds an ext4 filesystem (force: True overwrites it)" refuse
vm_check "a refused mkfs made no mount point" test ! -e /mnt/refuse
expect "mount.mounted mkfs refuses to make ext3 over ext4" 1 \
    "Refusing to create an ext3 filesystem on /dev/disk/by-id/virtio-data2: it holds an ext4" refuse
vm_check "data2's bytes identical" test "$before" = "$(sum "$d2")"
vm_check "data on data2 intact" sh -c "mount -o ro $d2 /mnt/d2 && grep -qx precious /mnt/d2/file && umount /mnt/d2"

apply force_test force test=True
expect "force: True in test=True: predicted, wipe announced" 1 \
    "holds an ext4 filesystem; force: True: it would be wiped" force_test
vm_check "force: True in test=True: data2's bytes identical" test "$before" = "$(sum "$d2")"
vm_check "force: True exits 0" apply force force
expect "force: True: the PV is made" 1 "Created Physical Volume /dev/disk/by-id/virtio-data2" force
vm_check "data2 is now only an LVM2 member" \
    sh -c "[ \"\$(blkid -p -o value -s TYPE $d2)\" = LVM2_member ]"
vm_check "pvremove data2 by hand" pvremove -q "$d2"

step "6. a PV of another VG is never moved or removed"
vm_check "othervg on data1 by hand" sh -c "pvcreate -q $d1 && vgcreate -q othervg $d1"
apply moved moved
vm_check "moved.sls exits 2" test $? = 2
expect "vg_present refuses data1" 1 "belongs to Volume Group othervg; a physical volume is never moved" moved
expect "pv_absent refuses data1" 1 "belongs to Volume Group othervg; remove it from the group first" moved
expect "vg_absent refuses a VG with volumes" 1 "Volume Group brvg still holds 1 logical volume" moved
vm_check "data1 still in othervg" sh -c "pvs --noheadings -o vg_name $d1 | grep -qw othervg"
vm_check "brvg still has one PV" sh -c "[ \$(vgs --noheadings -o pv_count brvg) = 1 ]"

step "7. cleanup"
vm_check "cleanup exits 0" apply clean1 cleanup
expect "cleanup: 5 states changed" 1 "^Succeeded: 5 (changed=5)" clean1
vm_check "brdata stopped" sh -c '! /etc/init.d/brdata status'
vm_check "/data unmounted" sh -c '! grep -q " /data " /proc/mounts'
vm_check "brvg gone" sh -c '! vgs brvg 2>/dev/null'
vm_check "data0 no longer a PV" sh -c "! pvs $d0 2>/dev/null"
vm_check "cleanup again exits 0" apply clean2 cleanup
expect "cleanup again: nothing changed" 1 "^Succeeded: 5 (changed=0)" clean2
vm_check "othervg untouched" sh -c "vgs othervg >/dev/null && vgremove -q othervg && pvremove -q $d1"

step "8. provisioning again over the old volume's remains"
apply reprov1 devices
vm_check "re-provisioning without force exits 2" test $? = 2
expect "lvcreate met the old ext4 and did not wipe it" 1 \
    "lvcreate found an old signature in the free space and did not wipe it (.*ext4 signature" reprov1
expect "mount and service skipped by their requisites" 2 "One or more requisite failed" reprov1
vm_check "lv_force exits 0" apply reprov2 lv_force
vm_check "provisioning then exits 0" apply reprov3 devices
expect "the wiped LV gets a new ext4" 1 "Created ext4 filesystem on /dev/brvg/data" reprov3
vm_check "final cleanup exits 0" apply clean3 cleanup

t1=$(now)
echo "devices: scenario took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s in the guest" |
    tee -a /results/timings.txt
vm_done
