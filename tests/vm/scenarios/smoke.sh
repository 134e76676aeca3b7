#!/bin/sh
# Guest side, first boot of vm_smoke: proves that real device-mapper works in
# the guest. LVM on the virtio disk with serial "data0", LUKS2 on the LV,
# ext4 on the mapping, a file written, closed, reopened and read back.
# SMOKE_TOKEN (from the host) goes into the file, so the second boot
# (smoke-reboot.sh) can prove it reads what this boot wrote.
# shellcheck source=../guest/lib.sh
. /usr/share/vmtest/lib.sh
set -u

pass='correct horse battery staple'
token=${SMOKE_TOKEN:-no-token}
disk=$(vm_disk data0)
t0=$(cut -d' ' -f1 /proc/uptime)
step() { echo "--- $* (uptime $(cut -d' ' -f1 /proc/uptime))"; }

# The passphrase goes in on stdin, never in argv: `--key-file -` reads it all
# (no trailing newline). Fast pbkdf2 instead of the benchmarked argon2id.
# shellcheck disable=SC2317 # called through vm_check
luks_format() {
    printf '%s' "$pass" | cryptsetup luksFormat --batch-mode --type luks2 \
        --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file - "$1"
}
# shellcheck disable=SC2317
luks_open() { printf '%s' "$2" | cryptsetup open --key-file - "$1" smoke_crypt; }

step lvm
vm_check "data disk found by serial" test -b "$disk"
vm_check "pvcreate $disk" pvcreate -ff -y "$disk"
vm_check "vgcreate smokevg" vgcreate smokevg "$disk"
vm_check "lvcreate smokevg/data (48 MiB)" lvcreate -y -n data -L 48M smokevg
vm_check "/dev/smokevg/data exists" test -b /dev/smokevg/data
vm_check "lvs lists smokevg/data" sh -c 'lvs --noheadings -o lv_name smokevg | grep -qw data'

step luks
vm_check "luksFormat LUKS2 (pbkdf2, 1000 iterations)" luks_format /dev/smokevg/data
vm_check "isLuks" cryptsetup isLuks --type luks2 /dev/smokevg/data
# shellcheck disable=SC2016 # expanded by the inner sh
vm_check "blkid says crypto_LUKS" sh -c '[ "$(blkid -o value -s TYPE /dev/smokevg/data)" = crypto_LUKS ]'
vm_check "open" luks_open /dev/smokevg/data "$pass"
vm_check "dm table has a crypt target" sh -c 'dmsetup table smoke_crypt | grep -q " crypt "'

step ext4
vm_check "mkfs.ext4" mkfs.ext4 -q /dev/mapper/smoke_crypt
mkdir -p /mnt/smoke
vm_check "mount" mount -t ext4 /dev/mapper/smoke_crypt /mnt/smoke
vm_check "write a file" sh -c "echo '$token' > /mnt/smoke/token && sync"
vm_check "umount" umount /mnt/smoke
vm_check "close" cryptsetup close smoke_crypt
vm_check "mapping gone after close" test ! -e /dev/mapper/smoke_crypt

step reopen
if luks_open /dev/smokevg/data 'wrong passphrase' 2>/dev/null; then
    vm_not_ok "a wrong passphrase is refused"
    cryptsetup close smoke_crypt
else
    vm_ok "a wrong passphrase is refused"
fi
vm_check "reopen" luks_open /dev/smokevg/data "$pass"
vm_check "mount again" mount -t ext4 /dev/mapper/smoke_crypt /mnt/smoke
vm_check "read back what was written" sh -c "[ \"\$(cat /mnt/smoke/token)\" = '$token' ]"
vm_check "umount again" umount /mnt/smoke
vm_check "close again" cryptsetup close smoke_crypt
vm_check "deactivate smokevg" vgchange -an smokevg

t1=$(cut -d' ' -f1 /proc/uptime)
echo "smoke: scenario took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s in the guest"
vm_done
