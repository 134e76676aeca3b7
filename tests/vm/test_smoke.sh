#!/bin/bash
# vm_smoke (ctest label vm): proves the VM harness with real device-mapper.
# Boot 1 (scenarios/smoke.sh) builds LVM + LUKS2 + ext4 on a fresh disk image
# and writes a random token; boot 2 (scenarios/smoke-reboot.sh) boots the
# same image, opens, mounts and reads the token back.
#   usage: test_smoke.sh BUILD_DIR
# Ends with "vm_smoke: N passed, M failed" (one per check in the guests, plus
# one failure per boot that did not report). Exit 77 (ctest: skipped) when the
# host tools are missing and this is not root, so apt-get cannot add them.
set -euo pipefail

build=${1:?usage: test_smoke.sh BUILD_DIR}
vm=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$build" && pwd)
cache=${BRINE_VM_CACHE:-$build/vm-cache}
outbase=$build/vm-out
passed=0
failed=0

if ! "$vm/deps.sh"; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "vm_smoke: skipped: VM tools missing (run tests/vm/deps.sh as root)"
        exit 77
    fi
    echo "vm_smoke: tests/vm/deps.sh failed"
    exit 1
fi

t0=$(date +%s.%N)
elapsed() { awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
# Fetching the kernel and building the base initramfs happen on the first
# boot anyway; doing them first gives separate timings.
"$vm/kernel.sh" "$cache" >/dev/null
echo "vm_smoke: kernel ready after $(elapsed) s"
"$vm/initramfs.sh" --cache "$cache" --base >/dev/null
echo "vm_smoke: base initramfs ready after $(elapsed) s"

# A fresh disk every run, so boot 2 can only pass on what boot 1 wrote.
disk=$outbase/smoke/data0.img
mkdir -p "$outbase/smoke"
rm -f "$disk"
token=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')

# boot NAME SCRIPT: one guest; adds its checks to the totals.
boot() {
    local name=$1 script=$2 rc=0 p f checks
    "$vm/run-vm.sh" --name "$name" --script "$vm/scenarios/$script" \
        --cache "$cache" --out "$outbase/$name" --disk "$disk:128:data0" \
        --env "SMOKE_TOKEN=$token" --timeout 180 || rc=$?
    checks=$outbase/$name/results/checks.txt
    p=$(grep -c '^ok' "$checks" 2>/dev/null || true)
    f=$(grep -c '^not ok' "$checks" 2>/dev/null || true)
    [ -f "$checks" ] && sed "s/^/  $name: /" "$checks"
    passed=$((passed + p))
    failed=$((failed + f))
    if { [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; } || [ "$p" -eq 0 ]; then
        # The guest failed without saying which check: count the boot.
        echo "not ok - $name: guest exit $rc, $p checks passed"
        failed=$((failed + 1))
    fi
    if [ "$rc" -ne 0 ]; then
        echo "--- $outbase/$name/console.log"
        tr -d '\r' <"$outbase/$name/console.log"
        return 1
    fi
}

if boot smoke smoke.sh; then
    echo "vm_smoke: first boot done after $(elapsed) s"
    boot smoke-reboot smoke-reboot.sh || true
else
    echo "not ok - smoke-reboot: not run, the first boot failed"
    failed=$((failed + 1))
fi
echo "vm_smoke: both boots done after $(elapsed) s"
echo "vm_smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
