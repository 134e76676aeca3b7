#!/bin/bash
# vm_luks (ctest label vm): the luks states on real dm-crypt in one guest
# boot (scenarios/luks.sh with the state tree scenarios/luks.d): format,
# open, rerun unchanged, close, wrong passphrase, key rotation, never the last
# key, LUKS1 not reformatted, ext4 and an LVM PV refused, and no passphrase
# bytes on any disk or in any file but the pillar.
#   usage: test_luks.sh BUILD_DIR
# The passphrases are random per run and reach the guest only in the pillar
# (an initramfs file, in the guest's RAM). After the boot the host scans the
# disk images, the console log and everything the guest returned for them
# as well. Ends with "vm_luks: N passed, M failed"; exit 77 (ctest: skipped)
# when the VM tools are missing and this is not root.
set -euo pipefail

build=${1:?usage: test_luks.sh BUILD_DIR}
vm=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$build" && pwd)
cache=${BRINE_VM_CACHE:-$build/vm-cache}
out=$build/vm-out/luks
passed=0
failed=0

if ! "$vm/deps.sh"; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "vm_luks: skipped: VM tools missing (run tests/vm/deps.sh as root)"
        exit 77
    fi
    echo "vm_luks: tests/vm/deps.sh failed"
    exit 1
fi
[ -x "$build/bin/brine-call" ] || { echo "vm_luks: $build/bin/brine-call is not built"; exit 1; }

t0=$(date +%s.%N)
elapsed() { awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
"$vm/kernel.sh" "$cache" >/dev/null
"$vm/initramfs.sh" --cache "$cache" --base >/dev/null
echo "vm_luks: kernel and base initramfs ready after $(elapsed) s"

# Fresh disks every run; the pillar in a private folder, removed at the end
# whatever happens.
mkdir -p "$out"
# data0 holds LUKS2 (16 MiB of header and keyslots) and then ext4; the
# others only a header or a superblock: small disks keep hashing and
# scanning them quick under TCG.
disks=()
for n in 0 1 2 3; do
    rm -f "$out/data$n.img"
    disks+=(--disk "$out/data$n.img:$([ $n = 0 ] && echo 40 || echo 16):data$n")
done
stage=$(mktemp -d "$out/pillar.XXXXXX")
trap 'rm -rf "$stage"' EXIT
# Letters and digits after a fixed prefix: always a YAML string.
rand() { printf 'pw-%s' "$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"; }
mkdir -m 700 "$stage/pillar"
(
    umask 077
    printf "base:\n  '*':\n    - luks\n" >"$stage/pillar/top.sls"
    {
        echo "luks:"
        echo "  passphrase: $(rand)"
        echo "  new_passphrase: $(rand)"
        echo "  wrong_passphrase: $(rand)"
        echo "  luks1_passphrase: $(rand)"
    } >"$stage/pillar/luks.sls"
)

rc=0
"$vm/run-vm.sh" --name luks --script "$vm/scenarios/luks.sh" --cache "$cache" --out "$out" \
    "${disks[@]}" --bin "$build/bin/brine-call" \
    --file "$vm/scenarios/luks.d:salt" --file "$stage/pillar:pillar" \
    --timeout 150 || rc=$?
echo "vm_luks: boot done after $(elapsed) s"

checks=$out/results/checks.txt
p=$(grep -c '^ok' "$checks" 2>/dev/null || true)
f=$(grep -c '^not ok' "$checks" 2>/dev/null || true)
[ -f "$checks" ] && sed "s/^/  luks: /" "$checks"
passed=$((passed + p))
failed=$((failed + f))
if { [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; } || [ "$p" -eq 0 ]; then
    echo "not ok - luks: guest exit $rc, $p checks passed"
    failed=$((failed + 1))
fi
[ -f "$out/results/timings.txt" ] && sed "s/^/  luks: /" "$out/results/timings.txt"

# The host's own scan: disk images, console, everything the guest returned.
leaks=0
while read -r pass; do
    for f in "$out"/data?.img "$out/console.log" $(find "$out/results" -type f); do
        if grep -q -a -F -- "$pass" "$f"; then
            echo "not ok - a passphrase is in $f"
            leaks=$((leaks + 1))
        fi
    done
done < <(sed -n 's/^  [a-z0-9_]*passphrase: //p' "$stage/pillar/luks.sls")
if [ "$leaks" -eq 0 ]; then
    echo "ok - host: no passphrase in the disk images, the console or the results"
    passed=$((passed + 1))
else
    failed=$((failed + 1))
fi

if [ "$rc" -ne 0 ]; then
    echo "--- $out/console.log"
    tr -d '\r' <"$out/console.log" | tail -n 80
fi
echo "vm_luks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
