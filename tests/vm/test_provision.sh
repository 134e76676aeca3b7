#!/bin/bash
# vm_provision (ctest label vm): the combined provisioning scenario,
# one state file (tests/vm/provision/salt/provision.sls) taking a server's
# data disk from nothing to a running data service with every value from a
# per-server pillar, through `brine-call --local`, in three guest boots:
#   provision-1     (scenarios/provision.sh) test=True on a fresh disk,
#                   provisioning, idempotence, then a clean shutdown;
#   provision-2     (scenarios/provision-reboot.sh) the same disk image
#                   booted again: the VG inactive at first, a wrong
#                   passphrase, then open, mount, start, and boot 1's data
#                   read back;
#   provision-kill  (scenarios/provision-kill.sh) the first provisioning
#                   SIGKILLed at each step, one fresh disk per kill point,
#                   then rerun: it must converge and keep data.
# The kill boot runs beside boots 1 and 2 (two single-CPU guests on this
# 2-core machine) unless BRINE_VM_SERIAL=1. Every boot ends with a scan of
# the guest's disks and files for the passphrases; afterwards the host scans
# the disk images, the raw results disks, the consoles and the results.
#   usage: test_provision.sh BUILD_DIR
# Ends with "vm_provision: N passed, M failed"; exit 77 (ctest: skipped)
# when the VM tools are missing and this is not root.
set -euo pipefail

build=${1:?usage: test_provision.sh BUILD_DIR}
vm=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$build" && pwd)
cache=${BRINE_VM_CACHE:-$build/vm-cache}
outbase=$build/vm-out
out=$outbase/provision
# The kill points, in the order of the run (see scenarios/provision-kill.sh)
# (kmnt and kstart are two more: BRINE_VM_PROVISION_KILLS=kpv,...,kstart)
kills=${BRINE_VM_PROVISION_KILLS:-kpv,kvg,klv,kfmt,khdr,kopen,kmkfs,ksvc}
passed=0
failed=0

if ! "$vm/deps.sh"; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "vm_provision: skipped: VM tools missing (run tests/vm/deps.sh as root)"
        exit 77
    fi
    echo "vm_provision: tests/vm/deps.sh failed"
    exit 1
fi
[ -x "$build/bin/brine-call" ] || { echo "vm_provision: no $build/bin/brine-call"; exit 1; }

t0=$(date +%s.%N)
elapsed() { awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
"$vm/kernel.sh" "$cache" >/dev/null
"$vm/initramfs.sh" --cache "$cache" --base >/dev/null
echo "vm_provision: kernel and base initramfs ready after $(elapsed) s"

# Fresh disks every run (40 MiB: a 32 MiB LV holds the 16 MiB LUKS2 header
# and a 16 MiB ext4); the pillar in a private folder, removed at the end.
mkdir -p "$out/disks"
rm -f "$out"/disks/*.img
stage=$(mktemp -d "$out/pillar.XXXXXX")
trap 'rm -rf "$stage"' EXIT
# Letters and digits after a fixed prefix: always a YAML string.
rand() { printf 'pw-%s' "$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"; }
# pillar DIR ID SERIAL [EXTRA_LUKS_LINE]: server ID's pillar file and its
# line in DIR/top.sls
pillar() {
    local dir=$1 id=$2 serial=$3 extra=${4:-}
    [ -f "$dir/top.sls" ] || printf 'base:\n' >"$dir/top.sls"
    printf "  '%s':\n    - %s\n" "$id" "$id" >>"$dir/top.sls"
    sed -e "s/@ID@/$id/g; s/@SERIAL@/$serial/g; s/@PASSPHRASE@/$(rand)/" \
        "$vm/provision/pillar/server.sls.in" >"$dir/$id.sls"
    [ -z "$extra" ] || echo "  $extra" >>"$dir/$id.sls"
}
(
    umask 077
    mkdir "$stage/pillar" "$stage/pillar-wrong"
    pillar "$stage/pillar" db1 data0
    pillar "$stage/pillar" db2 data1
    for k in ${kills//,/ }; do
        # khdr: a wide window between the LUKS header and its key slot
        pillar "$stage/pillar" "$k" "$k" "$([ "$k" = khdr ] && echo 'pbkdf_memory: 65536')"
    done
    # The same server with another passphrase: the wrong one for its disk
    pillar "$stage/pillar-wrong" db1 data0
)

common=(--cache "$cache" --bin "$build/bin/brine-call" --keep-results
    --file "$vm/provision/salt:salt" --file "$stage/pillar:pillar"
    --file "$vm/provision/brdata:/etc/init.d/brdata"
    --file "$vm/scenarios/provision-lib.sh:provision-lib.sh")

# run_boot NAME SCRIPT TIMEOUT [run-vm.sh ARGS...]: one guest; its exit
# status goes to OUT/NAME.rc, run-vm.sh's own messages to OUT/NAME.log
run_boot() {
    local name=$1 script=$2 limit=$3 rc=0
    shift 3
    local a
    a=$(date +%s.%N)
    "$vm/run-vm.sh" --name "$name" --script "$vm/scenarios/$script" --out "$outbase/$name" \
        --timeout "$limit" "${common[@]}" "$@" 2>"$out/$name.log" || rc=$?
    echo "$rc" >"$out/$name.rc"
    awk -v a="$a" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f\n", b - a }' >"$out/$name.secs"
}

# count_boot NAME: adds the boot's checks to the totals; 1 if it failed
count_boot() {
    local name=$1 rc p f checks res=$outbase/$1/results
    rc=$(cat "$out/$name.rc" 2>/dev/null || echo 99)
    checks=$res/checks.txt
    p=$(grep -c '^ok' "$checks" 2>/dev/null || true)
    f=$(grep -c '^not ok' "$checks" 2>/dev/null || true)
    [ -f "$checks" ] && sed "s/^/  $name: /" "$checks"
    for extra in kills.txt findings.txt timings.txt scans.txt; do
        [ -f "$res/$extra" ] && sed "s/^/  $name: ${extra%.txt}: /" "$res/$extra"
    done
    cat "$out/$name.log" >&2
    echo "vm_provision: $name: boot to poweroff $(cat "$out/$name.secs") s"
    passed=$((passed + p))
    failed=$((failed + f))
    if { [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; } || [ "$p" -eq 0 ]; then
        echo "not ok - $name: guest exit $rc, $p checks passed"
        failed=$((failed + 1))
    fi
    if [ "$rc" -ne 0 ]; then
        echo "--- last 80 lines of $outbase/$name/console.log"
        tr -d '\r' <"$outbase/$name/console.log" | tail -n 80
        return 1
    fi
}

kill_disks=()
for k in ${kills//,/ }; do
    kill_disks+=(--disk "$out/disks/$k.img:40:$k")
done
run_kill() {
    run_boot provision-kill provision-kill.sh 300 "${kill_disks[@]}" \
        --env "PROVISION_KILLS=$kills"
}
if [ "${BRINE_VM_SERIAL:-0}" = 1 ]; then
    run_kill
else
    run_kill &
    kill_pid=$!
fi

run_boot provision-1 provision.sh 150 \
    --disk "$out/disks/data0.img:40:data0" --disk "$out/disks/data1.img:40:data1"
if count_boot provision-1; then
    echo "vm_provision: boot 1 done after $(elapsed) s"
    res1=$outbase/provision-1/results
    run_boot provision-2 provision-reboot.sh 150 \
        --disk "$out/disks/data0.img:40:data0" --file "$stage/pillar-wrong:pillar-wrong" \
        --env "PAYLOAD_SHA256=$(cat "$res1/payload.sha256" 2>/dev/null || echo none)" \
        --env "HEADER_SHA256=$(cat "$res1/header.sha256" 2>/dev/null || echo none)"
    count_boot provision-2 || true
    echo "vm_provision: boot 2 done after $(elapsed) s"
else
    echo "not ok - provision-2: not run, boot 1 failed"
    failed=$((failed + 1))
fi
[ -z "${kill_pid:-}" ] || wait "$kill_pid"
count_boot provision-kill || true
echo "vm_provision: kill boot done after $(elapsed) s"

# The host's own scan, for every passphrase of every pillar: the disk
# images, the raw results disks, the consoles, everything the guests
# returned.
leaks=0
files=("$out"/disks/*.img)
for b in provision-1 provision-2 provision-kill; do
    for f in "$outbase/$b/results.img" "$outbase/$b/console.log"; do
        [ -f "$f" ] && files+=("$f")
    done
    while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$outbase/$b/results" -type f -print0 2>/dev/null)
done
pats=()
while read -r pass; do pats+=(-e "$pass"); done < <(sed -n 's/^  passphrase: //p' "$stage"/pillar*/*.sls)
for f in "${files[@]}"; do
    if grep -q -a -F "${pats[@]}" -- "$f"; then
        echo "not ok - host: a passphrase is in $f"
        leaks=$((leaks + 1))
    fi
done
if [ "$leaks" -eq 0 ] && [ "${#pats[@]}" -ge 4 ]; then
    echo "ok - host: no passphrase in ${#files[@]} files (disk images, raw results disks, consoles, results)"
    passed=$((passed + 1))
else
    failed=$((failed + 1))
fi
rm -f "$outbase"/provision-*/results.img

echo "vm_provision: all boots done after $(elapsed) s"
echo "vm_provision: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
