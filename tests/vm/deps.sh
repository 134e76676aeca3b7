#!/bin/bash
# Installs what the VM harness needs on the host, only when something is
# missing (so a developer's run does not touch apt at all). The host only
# copies these tools into the guest; it never uses device-mapper itself.
#   usage: tests/vm/deps.sh
set -euo pipefail

# No kmod: busybox (static) does depmod/insmod/modprobe for the guest; the
# rest (flock, dpkg-deb, apt-get, ldd) is in every Debian system.
# redis-tools: Debian's redis-server binary (the package redis-server only
# adds a link to it and a service), vm_story's data service.
PACKAGES="qemu-system-x86 busybox-static cpio xz-utils lvm2 cryptsetup-bin
  e2fsprogs util-linux redis-tools"

missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "tests/vm/deps.sh: need root to install:$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# The package lists may be absent on a fresh machine; update once if install fails.
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing ||
    { apt-get update && apt-get install -y --no-install-recommends $missing; }
