#!/bin/sh
# Guest side, second boot of vm_smoke, on the disk image the first boot
# (smoke.sh) left: activate the VG, open the LUKS volume, mount it and read
# the token that boot wrote. Nothing is created here.
# shellcheck source=../guest/lib.sh
. /usr/share/vmtest/lib.sh
set -u

pass='correct horse battery staple'
token=${SMOKE_TOKEN:-no-token}
t0=$(cut -d' ' -f1 /proc/uptime)
# shellcheck disable=SC2317 # called through vm_check
luks_open() { printf '%s' "$pass" | cryptsetup open --key-file - "$1" smoke_crypt; }

vm_check "vgchange -ay finds smokevg" vgchange -ay smokevg
vm_check "/dev/smokevg/data exists" test -b /dev/smokevg/data
vm_check "still LUKS2" cryptsetup isLuks --type luks2 /dev/smokevg/data
vm_check "open" luks_open /dev/smokevg/data
mkdir -p /mnt/smoke
vm_check "mount" mount -t ext4 -o ro /dev/mapper/smoke_crypt /mnt/smoke
vm_check "the first boot's file is there" sh -c "[ \"\$(cat /mnt/smoke/token)\" = '$token' ]"
vm_check "umount" umount /mnt/smoke
vm_check "close" cryptsetup close smoke_crypt
vm_check "deactivate smokevg" vgchange -an smokevg

t1=$(cut -d' ' -f1 /proc/uptime)
echo "smoke-reboot: scenario took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s in the guest"
vm_done
