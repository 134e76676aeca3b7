#!/bin/bash
# vm_devices (ctest label vm): brine's lvm, mount and service states on real
# device-mapper in one guest boot (scenarios/devices.sh): test=True on a
# fresh disk, provisioning, idempotence, watch, refusals of a disk holding
# ext4 and of a PV in another VG, cleanup. brine-call comes from
# BUILD_DIR/bin, the state tree and the brdata init script from
# tests/vm/devices.
#   usage: test_devices.sh BUILD_DIR
# Ends with "vm_devices: N passed, M failed". Exit 77 (ctest: skipped) when
# the host tools are missing and this is not root.
set -euo pipefail

build=${1:?usage: test_devices.sh BUILD_DIR}
vm=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$build" && pwd)
cache=${BRINE_VM_CACHE:-$build/vm-cache}
outbase=$build/vm-out
name=devices
passed=0
failed=0

if ! "$vm/deps.sh"; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "vm_devices: skipped: VM tools missing (run tests/vm/deps.sh as root)"
        exit 77
    fi
    echo "vm_devices: tests/vm/deps.sh failed"
    exit 1
fi
[ -x "$build/bin/brine-call" ] || { echo "vm_devices: no $build/bin/brine-call"; exit 1; }

t0=$(date +%s.%N)
elapsed() { awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
"$vm/kernel.sh" "$cache" >/dev/null
"$vm/initramfs.sh" --cache "$cache" --base >/dev/null
echo "vm_devices: kernel and base initramfs ready after $(elapsed) s"

# Fresh disks every run: the scenario starts from empty devices.
disks=$outbase/$name/disks
mkdir -p "$disks"
rm -f "$disks"/*.img
rc=0
"$vm/run-vm.sh" --name "$name" --script "$vm/scenarios/devices.sh" \
    --cache "$cache" --out "$outbase/$name" \
    --disk "$disks/data0.img:64:data0" --disk "$disks/data1.img:32:data1" \
    --disk "$disks/data2.img:32:data2" \
    --bin "$build/bin/brine-call" \
    --file "$vm/devices/salt:devices/salt" --file "$vm/devices/brdata:/etc/init.d/brdata" \
    --timeout 240 || rc=$?
checks=$outbase/$name/results/checks.txt
p=$(grep -c '^ok' "$checks" 2>/dev/null || true)
f=$(grep -c '^not ok' "$checks" 2>/dev/null || true)
[ -f "$checks" ] && sed "s/^/  $name: /" "$checks"
[ -f "$outbase/$name/results/timings.txt" ] && sed "s/^/  $name: /" "$outbase/$name/results/timings.txt"
passed=$((passed + p))
failed=$((failed + f))
if { [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; } || [ "$p" -eq 0 ]; then
    echo "not ok - $name: guest exit $rc, $p checks passed"
    failed=$((failed + 1))
fi
if [ "$rc" -ne 0 ]; then
    echo "--- last 80 lines of $outbase/$name/console.log"
    tr -d '\r' <"$outbase/$name/console.log" | tail -n 80
fi
echo "vm_devices: boot done after $(elapsed) s"
echo "vm_devices: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
