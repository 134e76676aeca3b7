#!/bin/sh
# Guest side of vm_luks: the luks states on real dm-crypt, through
# `brine-call --local` with the state tree in /test/salt (scenarios/luks.d)
# and a pillar in /test/pillar whose passphrases the host made at random.
#   data0: empty; formatted, opened, closed, wrong passphrase, key rotation
#   data1: LUKS1 made here with cryptsetup: recognised, never reformatted;
#          opening it under a name already active on data0 is refused
#   data2: ext4 holding a file: refused without force, data intact
#   data3: an LVM physical volume: refused without force
# At the end every disk and every file in the guest but the pillar is
# scanned for the passphrases' bytes (invariant S1).
# shellcheck source=../guest/lib.sh
. /usr/share/vmtest/lib.sh
set -u

t0=$(cut -d' ' -f1 /proc/uptime)
# Files written from now on are found by -newer at the end
touch /tmp/luks-start
step() { echo "--- $* (uptime $(cut -d' ' -f1 /proc/uptime))"; }
d0=$(vm_disk data0)
d1=$(vm_disk data1)
d2=$(vm_disk data2)
d3=$(vm_disk data3)
pillar=/test/pillar/luks.sls
# The passphrases, read back from the pillar for cryptsetup's stdin and for
# the final scan (never in an argv of brine's).
secret() { sed -n "s/^  $1: //p" "$pillar"; }
old=$(secret passphrase)
new=$(secret new_passphrase)
wrong=$(secret wrong_passphrase)
luks1=$(secret luks1_passphrase)

# apply NAME SLS WANT [test=True]: brine-call into /results/NAME.out, and a
# check that it exited WANT (0 all succeeded, 2 a state failed).
apply() {
    _name=$1 _sls=$2 _want=$3
    shift 3
    _a=$(cut -d' ' -f1 /proc/uptime)
    brine-call --local -c /nonexistent --id vm --no-color --file-root /test/salt \
        --pillar-root /test/pillar state.apply "$_sls" "$@" >"/results/$_name.out" 2>&1
    _rc=$?
    _b=$(cut -d' ' -f1 /proc/uptime)
    echo "$_name: brine-call took $(awk -v a="$_a" -v b="$_b" 'BEGIN { printf "%.2f", b - a }') s" \
        >>/results/timings.txt
    if [ "$_rc" = "$_want" ]; then
        vm_ok "$_name: brine-call exit $_rc"
    else
        vm_not_ok "$_name: brine-call exit $_rc, expected $_want"
        cat "/results/$_name.out"
    fi
}
# says NAME TEXT: the output of run NAME contains TEXT.
says() {
    if grep -q -F -- "$2" "/results/$1.out"; then
        vm_ok "$1: says \"$2\""
    else
        vm_not_ok "$1: does not say \"$2\""
        cat "/results/$1.out"
    fi
}
# Change detection only (md5 is the quickest hash busybox has under TCG)
sum() { md5sum "$1" | cut -d' ' -f1; }
# opens DEVICE PASSPHRASE: cryptsetup's own verdict, passphrase on stdin.
# shellcheck disable=SC2317 # called through vm_check
opens() { printf '%s' "$2" | cryptsetup open --test-passphrase --key-file - "$1" 2>/dev/null; }
# shellcheck disable=SC2317
refuses() { ! opens "$@"; }
# shellcheck disable=SC2317 # called through vm_check
luks1_format() {
    printf '%s' "$luks1" | cryptsetup luksFormat --batch-mode --type luks1 \
        --pbkdf-force-iterations 1000 --key-file - "$1"
}

step "test=True on the empty disk"
vm_check "data0 found by serial" test -b "$d0"
before=$(sum "$d0")
apply predict provision 0 test=True
says predict "would be formatted as LUKS2"
says predict "is not LUKS-formatted yet: it would be opened as /dev/mapper/brine_data once it is"
vm_check "test=True wrote nothing to data0" [ "$(sum "$d0")" = "$before" ]

step "provision: format (argon2id) and open"
apply provision provision 0
says provision "formatted as LUKS2 (argon2id, key slot 0)"
says provision "opened as /dev/mapper/brine_data"
says provision "Succeeded: 2 (changed=2)"
vm_check "/dev/mapper/brine_data exists" test -b /dev/mapper/brine_data
vm_check "blkid: crypto_LUKS version 2" sh -c "blkid -p '$d0' | grep -q 'VERSION=\"2\".*TYPE=\"crypto_LUKS\"'"
vm_check "label brine-data, argon2id keyslot" sh -c \
    "cryptsetup luksDump '$d0' | grep -q 'Label:.*brine-data' && cryptsetup luksDump '$d0' | grep -q 'PBKDF:.*argon2id'"

step "the volume works"
token=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
mkdir -p /mnt/data
vm_check "mkfs.ext4 on the mapping" mkfs.ext4 -q /dev/mapper/brine_data
vm_check "mount" mount -t ext4 /dev/mapper/brine_data /mnt/data
vm_check "write a file" sh -c "echo $token >/mnt/data/token && sync"
apply close-busy close 2
says close-busy "is in use (mounted or held open): not closed"
vm_check "still open while mounted" test -b /dev/mapper/brine_data
vm_check "umount" umount /mnt/data

step "rerun: unchanged"
apply rerun provision 0
says rerun "is already LUKS-formatted (LUKS2); it is never reformatted"
says rerun "is already open as /dev/mapper/brine_data"
says rerun "Succeeded: 2 (changed=0)"
apply rerun-test provision 0 test=True
says rerun-test "Succeeded: 2 (changed=0)"

step "close"
apply close close 0
says close "/dev/mapper/brine_data closed"
vm_check "mapping gone" test ! -e /dev/mapper/brine_data
apply close-again close 0
says close-again "is already closed"

step "wrong passphrase"
before=$(sum "$d0")
apply wrong wrong 2
says wrong "the passphrase does not open /dev/disk/by-id/virtio-data0 (no key slot matched)"
says wrong "One or more requisite failed: wrong.data-opened"
vm_check "no mapping made" test ! -e /dev/mapper/brine_wrong
vm_check "the dependent state did not run" test ! -e /results/ran-after-a-wrong-passphrase
apply wrong-test wrong 2 test=True
says wrong-test "(no key slot matched)"
vm_check "data0 untouched by the wrong passphrase" [ "$(sum "$d0")" = "$before" ]
vm_check "the right passphrase still opens" opens "$d0" "$old"

step "key rotation"
apply rotate-test rotate 0 test=True
says rotate-test "a key slot for the new passphrase would be added"
apply rotate rotate 0
says rotate "added key slot 1"
says rotate "removed key slot(s) 0"
vm_check "the old passphrase no longer opens (cryptsetup)" refuses "$d0" "$old"
vm_check "the new passphrase opens (cryptsetup)" opens "$d0" "$new"
apply open-old open_old 2
says open-old "(no key slot matched)"
apply open-new open_new 0
says open-new "opened as /dev/mapper/brine_data"
vm_check "mount with the new key" mount -t ext4 /dev/mapper/brine_data /mnt/data
vm_check "the file reads back" [ "$(cat /mnt/data/token)" = "$token" ]
vm_check "umount" umount /mnt/data
apply close-rotated close 0
apply rotate-again rotate 0
says rotate-again "Succeeded: 2 (changed=0)"

step "never the last key"
before=$(sum "$d0")
apply remove-last remove_last 2
says remove-last "refusing to remove the last key"
vm_check "data0 unchanged" [ "$(sum "$d0")" = "$before" ]
vm_check "the new passphrase still opens" opens "$d0" "$new"

step "LUKS1 made by cryptsetup"
vm_check "luksFormat LUKS1" luks1_format "$d1"
before=$(sum "$d1")
apply luks1 luks1 0
says luks1 "is already LUKS-formatted (LUKS1); it is never reformatted"
vm_check "data1 byte for byte as it was" [ "$(sum "$d1")" = "$before" ]
vm_check "its passphrase still opens it" opens "$d1" "$luks1"
apply open-data0 open_new 0
apply other other 2
says other "/dev/mapper/brine_data is already active on"
says other "not on /dev/disk/by-id/virtio-data1"
vm_check "brine_data still maps data0" sh -c "cryptsetup status brine_data | grep -q 'device:.*$d0'"
apply close-data0 close 0

step "ext4 holding data"
vm_check "mkfs.ext4 data2" mkfs.ext4 -q "$d2"
mkdir -p /mnt/ext4
vm_check "write a file on data2" sh -c "mount -t ext4 '$d2' /mnt/ext4 && echo $token >/mnt/ext4/token && umount /mnt/ext4"
before=$(sum "$d2")
apply ext4 ext4 2
says ext4 "Device /dev/disk/by-id/virtio-data2 holds an ext4 filesystem: refusing to format it without force: True"
apply ext4-test ext4 2 test=True
vm_check "data2 byte for byte as it was" [ "$(sum "$d2")" = "$before" ]
vm_check "e2fsck: clean" e2fsck -fn "$d2"
vm_check "the file on data2 reads back" sh -c "mount -t ext4 -o ro '$d2' /mnt/ext4 && [ \"\$(cat /mnt/ext4/token)\" = $token ]; rc=\$?; umount /mnt/ext4; exit \$rc"

step "an LVM physical volume"
vm_check "pvcreate data3" pvcreate -q -ff -y "$d3"
before=$(sum "$d3")
apply pv pv 2
says pv "holds an LVM2 physical volume: refusing to format it without force: True"
vm_check "data3 byte for byte as it was" [ "$(sum "$d3")" = "$before" ]

step "the passphrases are nowhere but in the pillar"
sync
# One pass per disk and one over the file tree, all passphrases at once
set -- -e "$old" -e "$new" -e "$wrong" -e "$luks1"
for p in "$old" "$new" "$wrong" "$luks1"; do
    [ -n "$p" ] || vm_not_ok "a passphrase is missing from the pillar"
done
for d in "$d0" "$d1" "$d2" "$d3"; do
    n=$(grep -a -c -F "$@" "$d" || true)
    [ "$n" = 0 ] || echo "passphrase bytes on $d ($n lines)" >>/results/leaks.txt
done
# Every file in the guest except the pillar itself, the pseudo-filesystems
# and the read-only programs and libraries under /usr; and every file
# written since the scenario started, wherever it is (brine-call's outputs
# in /results, lock files in /run, LVM's backups in /etc, ...)
roots=""
for f in /* /test/*; do
    case $f in
    /proc | /sys | /dev | /test | /test/pillar | /usr | /bin | /sbin | /lib | /lib64) ;;
    *) roots="$roots $f" ;;
    esac
done
find / \( -path /proc -o -path /sys -o -path /dev -o -path /test/pillar \) -prune \
    -o -type f -newer /tmp/luks-start -print >/tmp/luks-written
echo "$(wc -l </tmp/luks-written) files written during the scenario" >>/results/timings.txt
# shellcheck disable=SC2046,SC2086 # lists of paths without spaces
grep -l -a -F "$@" $roots -r $(cat /tmp/luks-written) >>/results/leaks.txt 2>/dev/null
if [ -s /results/leaks.txt ]; then
    vm_not_ok "passphrase bytes found: $(tr '\n' ' ' </results/leaks.txt)"
else
    vm_ok "no passphrase bytes on data0-3 or in any file outside the pillar"
fi

t1=$(cut -d' ' -f1 /proc/uptime)
echo "luks: scenario took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s in the guest" |
    tee -a /results/timings.txt
vm_done
