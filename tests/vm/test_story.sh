#!/bin/bash
# vm_story (ctest label vm): the reboot that needs no human. A master and a
# minion run inside the guest on its loopback; the state tree is
# examples/salt as shipped; the disks are kept between boots:
#   story-1  (scenarios/story-1.sh) a new server db1: keys, the minion's
#            startup job provisions the empty disk up to the running data
#            service; brine jobs list/show; a payload on the volume;
#   story-2  (scenarios/story-2.sh) the same disks, nothing typed: the
#            startup job opens, mounts, starts; boot 1's data reads back;
#            minion start to service start is timed;
#   story-3  (scenarios/story-3.sh) the master is down when the server
#            boots: the minion waits, the master starts 5 s later, the
#            volume opens within seconds;
#   story-4  (scenarios/story-4.sh) db1's key deleted on the master before
#            boot: the volume stays locked, the service down;
#   story-list (scenarios/story-list.sh) server store1 with two disks and
#            the list example (encrypted/volumes.sls): both opened, mounted.
# story-list runs beside boots 1-4 (two single-CPU guests on this 2-core
# machine) unless BRINE_VM_SERIAL=1. Every boot scans brine-minion's memory,
# the guest's disks and files for the passphrases; afterwards the host scans
# the disk images, the raw results disks, the consoles and the results.
#   usage: test_story.sh BUILD_DIR [--demo]
# --demo (tools/demo) also prints the highstate output of boots 1 and 2, the
# boot 2 timing and where to look next.
# Ends with "vm_story: N passed, M failed"; exit 77 (ctest: skipped) when
# the VM tools are missing and this is not root.
set -euo pipefail

build=${1:?usage: test_story.sh BUILD_DIR [--demo]}
demo=${2:-}
vm=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$vm/../.." && pwd)
build=$(cd "$build" && pwd)
cache=${BRINE_VM_CACHE:-$build/vm-cache}
outbase=$build/vm-out
out=$outbase/story
passed=0
failed=0

if ! "$vm/deps.sh"; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "vm_story: skipped: VM tools missing (run tests/vm/deps.sh as root)"
        exit 77
    fi
    echo "vm_story: tests/vm/deps.sh failed"
    exit 1
fi
for b in brine-master brine-minion brine brine-key vm_memscan; do
    [ -x "$build/bin/$b" ] || { echo "vm_story: no $build/bin/$b"; exit 1; }
done
# Debian's redis-server is redis-check-rdb under another name
for b in /usr/bin/redis-check-rdb /usr/bin/redis-cli; do
    [ -x "$b" ] || { echo "vm_story: no $b (tests/vm/deps.sh installs redis-tools)"; exit 1; }
done

t0=$(date +%s.%N)
elapsed() { awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
"$vm/kernel.sh" "$cache" >/dev/null
"$vm/initramfs.sh" --cache "$cache" --base >/dev/null
echo "vm_story: kernel and base initramfs ready after $(elapsed) s"

# Fresh disks every run: the system disk (ext4 for /var/lib/brine) and 40 MiB
# data disks (a 32 MiB LV holds the 16 MiB LUKS2 header and a 16 MiB ext4).
mkdir -p "$out/disks"
rm -f "$out"/disks/*.img
stage=$(mktemp -d "$out/pillar.XXXXXX")
trap 'rm -rf "$stage"' EXIT
# Letters and digits after a fixed prefix: always a YAML string.
rand() { printf 'pw-%s' "$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"; }
# The pillar as in examples/pillar, with the guest's disks, a test service,
# a random passphrase per volume and run, and a small PBKDF cost so that the
# guest (TCG) is quick; in a private folder, removed at the end.
(
    umask 077
    mkdir "$stage/pillar"
    cat >"$stage/pillar/top.sls" <<'EOF'
base:
  'db1':
    - db1
  'store1':
    - store1
EOF
    cat >"$stage/pillar/db1.sls" <<EOF
data_volume:
  device: /dev/disk/by-id/virtio-data0
  vg: vg_db1
  lv: data
  size: 32M
  crypt: crypt_db1
  mount: /srv/db1
  service: redis-db1
luks:
  passphrase: $(rand)
  pbkdf: argon2id
  pbkdf_memory: 8192
  pbkdf_iterations: 4
  pbkdf_parallel: 1
EOF
    cat >"$stage/pillar/store1.sls" <<EOF
data_volumes:
  - name: objects
    device: /dev/disk/by-id/virtio-data1
    vg: vg_objects
    lv: data
    size: 32M
    crypt: objects_crypt
    mount: /srv/objects
    service: redis-objects
    passphrase: $(rand)
    pbkdf: argon2id
    pbkdf_memory: 8192
    pbkdf_iterations: 4
    pbkdf_parallel: 1
  - name: backup
    device: /dev/disk/by-id/virtio-data2
    vg: vg_backup
    lv: data
    size: 32M
    crypt: backup_crypt
    mount: /srv/backup
    passphrase: $(rand)
    pbkdf: argon2id
    pbkdf_memory: 8192
    pbkdf_iterations: 4
    pbkdf_parallel: 1
EOF
)

bins=()
for b in brine-master brine-minion brine brine-key vm_memscan; do
    bins+=(--bin "$build/bin/$b")
done
common=(--cache "$cache" --keep-results "${bins[@]}"
    --file "$src/examples/salt:/srv/salt" --file "$stage/pillar:pillar"
    --bin /usr/bin/redis-check-rdb:/usr/bin/redis-server --bin /usr/bin/redis-cli:/usr/bin/redis-cli
    --file "$vm/story/redis-data:/etc/init.d/redis-data"
    --file "$vm/scenarios/provision-lib.sh:provision-lib.sh"
    --file "$vm/scenarios/story-lib.sh:story-lib.sh")

# run_boot NAME TIMEOUT [run-vm.sh ARGS...]: one guest running
# scenarios/NAME.sh; its exit status goes to OUT/NAME.rc, run-vm.sh's own
# messages to OUT/NAME.log
run_boot() {
    local name=$1 limit=$2 rc=0
    shift 2
    local a
    a=$(date +%s.%N)
    "$vm/run-vm.sh" --name "$name" --script "$vm/scenarios/$name.sh" --out "$outbase/$name" \
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
    for extra in timings.txt scans.txt; do
        [ -f "$res/$extra" ] && sed "s/^/  $name: ${extra%.txt}: /" "$res/$extra"
    done
    cat "$out/$name.log" >&2
    echo "vm_story: $name: boot to poweroff $(cat "$out/$name.secs") s"
    passed=$((passed + p))
    failed=$((failed + f))
    if { [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; } || [ "$p" -eq 0 ]; then
        echo "not ok - $name: guest exit $rc, $p checks passed"
        failed=$((failed + 1))
    fi
    if [ "$rc" -ne 0 ]; then
        echo "--- last 80 lines of $outbase/$name/console.log"
        tr -d '\r' <"$outbase/$name/console.log" | tail -n 80
        for log in "$res"/*-master.log "$res"/*-minion.log; do
            [ -f "$log" ] && { echo "--- last 30 lines of $log"; tail -n 30 "$log"; }
        done
        return 1
    fi
}

db1_disks=(--disk "$out/disks/sys.img:64:sys" --disk "$out/disks/data0.img:40:data0")
run_list() {
    run_boot story-list 240 --disk "$out/disks/sys-list.img:64:sys" \
        --disk "$out/disks/data1.img:40:data1" --disk "$out/disks/data2.img:40:data2"
}
if [ "${BRINE_VM_SERIAL:-0}" = 1 ]; then
    run_list
else
    run_list &
    list_pid=$!
fi

ran=()
run_boot story-1 240 "${db1_disks[@]}"
ran+=(story-1)
if count_boot story-1; then
    echo "vm_story: boot 1 done after $(elapsed) s"
    payload=$(cat "$outbase/story-1/results/payload.sha256" 2>/dev/null || echo none)
    for b in story-2 story-3 story-4; do
        run_boot "$b" 180 "${db1_disks[@]}" --env "PAYLOAD_SHA256=$payload"
        ran+=("$b")
        count_boot "$b" || true
        echo "vm_story: ${b/story-/boot } done after $(elapsed) s"
    done
else
    echo "not ok - story-2, story-3, story-4: not run, boot 1 failed"
    failed=$((failed + 1))
fi
[ -z "${list_pid:-}" ] || wait "$list_pid"
ran+=(story-list)
count_boot story-list || true
echo "vm_story: list boot done after $(elapsed) s"

# The host's own scan, for every passphrase of the pillar: the disk images,
# the raw results disks, the consoles, everything the guests returned.
leaks=0
files=("$out"/disks/*.img)
for b in "${ran[@]}"; do
    for f in "$outbase/$b/results.img" "$outbase/$b/console.log"; do
        [ -f "$f" ] && files+=("$f")
    done
    while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$outbase/$b/results" -type f -print0 2>/dev/null)
done
pats=()
while read -r pass; do pats+=(-e "$pass"); done < <(sed -n 's/^ *passphrase: //p' "$stage"/pillar/*.sls)
for f in "${files[@]}"; do
    if grep -q -a -F "${pats[@]}" -- "$f"; then
        echo "not ok - host: a passphrase is in $f"
        leaks=$((leaks + 1))
    fi
done
if [ "$leaks" -eq 0 ] && [ "${#pats[@]}" -eq 6 ]; then
    echo "ok - host: no passphrase in ${#files[@]} files (disk images, raw results disks, consoles, results)"
    passed=$((passed + 1))
else
    failed=$((failed + 1))
fi
rm -f "$outbase"/story-*/results.img

if [ "$demo" = --demo ]; then
    for b in 1 2; do
        f=$outbase/story-$b/results/boot$b.out
        printf '\n== boot %s: the startup job of db1, as brine jobs show prints it\n' "$b"
        [ -f "$f" ] && cat "$f" || echo "(boot $b did not return a job)"
    done
    if read -r total open own states proto <"$outbase/story-2/results/boot2.time" 2>/dev/null; then
        printf '\n== boot 2: from brine-minion starting to the database answering: %s s\n' "$total"
        printf '   luks.opened (the PBKDF and dm-crypt setup): %s ms; all the rest: %s s\n' \
            "$open" "$own"
        printf '   the seven states: %s ms (lvm tools, cryptsetup, mount, init script);\n' "$states"
        printf '   outside them (start, connect, enrol, startup job sealed and delivered): %s s\n' "$proto"
        printf '   (a TCG guest without KVM: a real server is several times faster)\n'
    fi
    late=$(sed -n 's/^boot3: master start to .* answering: //p' "$outbase/story-3/results/timings.txt" 2>/dev/null)
    [ -z "$late" ] || printf '== boot 3: master started late; volume open and service up %s after\n' "$late"
    printf '\n== where to look next\n'
    printf '   %-44s %s\n' "$outbase/story-N/results/" "each boot's checks, logs (bootN-master.log," \
        "" "bootN-minion.log) and job outputs (bootN.out)" \
        "$outbase/story-N/console.log" "the guest's console" \
        "examples/" "the state tree and pillar this ran" \
        "docs/getting-started.md" "the same on your servers" \
        "docs/threat-model.md" "what this protects against, and what not" \
        "docs/vm-tests.md" "how the guest is made"
fi

echo "vm_story: all boots done after $(elapsed) s"
echo "vm_story: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
