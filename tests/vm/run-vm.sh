#!/bin/bash
# Boots one throw-away qemu guest that runs one test script, and exits with
# the script's exit status as reported by the guest.
#
#   run-vm.sh --name NAME --script SCRIPT
#             [--disk FILE:SIZE_MB:SERIAL]...  data disk; created (sparse, raw)
#                                             if missing, kept as is otherwise
#             [--bin SRC[:DEST]]...            program + its ldd libraries
#                                             (default DEST /usr/local/bin/NAME)
#             [--file SRC:DEST]...             file or folder (relative DEST:
#                                             under /test)
#             [--env KEY=VAL]...               environment of the guest's init
#                                             and so of the script
#             [--timeout S]                    limit for the script (default 120)
#             [--mem MB]                       guest memory (default 512)
#             [--results-mb MB]                room for /results (default 64)
#             [--keep-results]                 keep the raw results disk as
#                                             OUT/results.img (e.g. to scan it)
#             [--cache DIR] [--out DIR] [--verbose]
#
# Output in OUT (default BUILD/vm-out/NAME, next to the cache): console.log
# (the serial console: kernel, init and the script's output), qemu.err, and
# results/ with what the script left in the guest's /results (plus rc,
# dmesg.txt, and checks.txt when it used lib.sh).
#
# Exit status: the script's (0 = passed); 90 when the guest printed no
# VMTEST_RC marker (it crashed, hung or never ran the script): qemu itself
# exits 0 even after a kernel panic, so the marker is the only evidence.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${BRINE_VM_CACHE:-$here/../../build/vm-cache}
name=""
script=""
out=""
timeout_s=120
mem=512
results_mb=64
verbose=${BRINE_VM_VERBOSE:-0}
keep_results=0
disks=()
ibargs=()
envs=()
usage() { sed -n '2,30p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || case $1 in --verbose | --keep-results) ;; *) usage ;; esac
    case $1 in
    --name) name=$2; shift 2 ;;
    --script) script=$2; shift 2 ;;
    --disk) disks+=("$2"); shift 2 ;;
    --bin) ibargs+=(--bin "$2"); shift 2 ;;
    --file) ibargs+=(--file "$2"); shift 2 ;;
    --env) envs+=("$2"); shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --results-mb) results_mb=$2; shift 2 ;;
    --cache) cache=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --verbose) verbose=1; shift ;;
    --keep-results) keep_results=1; shift ;;
    *) usage ;;
    esac
done
if [ -z "$name" ] || [ -z "$script" ]; then usage; fi
[[ $name =~ ^[A-Za-z0-9_.-]+$ ]] || { echo "run-vm.sh: bad name: $name" >&2; exit 2; }
if ! [[ $timeout_s =~ ^[0-9]+$ && $mem =~ ^[0-9]+$ && $results_mb =~ ^[0-9]+$ ]]; then usage; fi

mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
out=${out:-$(dirname "$cache")/vm-out/$name}
mkdir -p "$out"
out=$(cd "$out" && pwd)
log() { echo "run-vm.sh: $name: $*" >&2; }

eval "$("$here/kernel.sh" "$cache")" # KVER, VMLINUX, MODROOT
"$here/initramfs.sh" --cache "$cache" --out "$out/initrd" --script "$script" \
    ${ibargs[@]+"${ibargs[@]}"}

# Kernel command line. KEY=VAL words (no dot in KEY, no space in VAL) become
# the init's environment; panic=-1 with -no-reboot ends qemu on a panic.
# cryptomgr.notests skips the crypto self-tests (aesni-intel's alone cost
# ~0.25 s under TCG). BRINE_VM_KARGS adds words, e.g. to drop `quiet`.
append="console=ttyS0 panic=-1 oops=panic quiet cryptomgr.notests ${BRINE_VM_KARGS:-}"
append="$append VMTEST_TIMEOUT=$timeout_s VMTEST_NAME=$name"
for e in ${envs[@]+"${envs[@]}"}; do
    [[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*=[^[:space:]\"]*$ ]] ||
        { log "--env wants KEY=VAL without spaces or quotes: $e"; exit 2; }
    append="$append $e"
done

drives=()
i=0
for spec in ${disks[@]+"${disks[@]}"}; do
    IFS=: read -r file size serial <<<"$spec"
    if ! [[ -n $file && $size =~ ^[0-9]+$ && $serial =~ ^[A-Za-z0-9_-]{1,20}$ ]]; then
        log "--disk wants FILE:SIZE_MB:SERIAL (serial: 1-20 of [A-Za-z0-9_-]): $spec"
        exit 2
    fi
    [ "$serial" != results ] || { log "serial 'results' is the harness's own"; exit 2; }
    # Created once; a later boot with the same FILE sees what the last wrote.
    if [ ! -e "$file" ]; then
        mkdir -p "$(dirname "$file")"
        truncate -s "${size}M" "$file"
    fi
    # cache=unsafe: no host fsync (only host-crash durability is lost; the
    # next boot still reads what this one wrote).
    drives+=(-drive "file=$file,if=none,id=d$i,format=raw,cache=unsafe"
        -device "virtio-blk-pci,drive=d$i,serial=$serial")
    i=$((i + 1))
done
# A fresh results disk every boot: the guest writes a tar stream on it.
rm -f "$out/results.img"
truncate -s "${results_mb}M" "$out/results.img"
drives+=(-drive "file=$out/results.img,if=none,id=res,format=raw"
    -device "virtio-blk-pci,drive=res,serial=results")

# -cpu max: TCG with AES-NI etc. doubles dm-crypt speed. KVM does not work on
# this host, and -smp 2 was slower: run two guests in parallel instead.
# -nic none: nothing leaves the guest; daemons use its loopback.
qemu=(qemu-system-x86_64 -machine pc -accel tcg -cpu max -smp 1 -m "$mem"
    -nodefaults -no-user-config -display none -vga none -nic none
    -serial stdio -monitor none -no-reboot
    -kernel "$VMLINUX" -initrd "$out/initrd" -append "$append"
    "${drives[@]}"
    -object "rng-random,id=rng0,filename=/dev/urandom"
    -device "virtio-rng-pci,rng=rng0")

# The script's limit is enforced in the guest (so /results still comes back);
# this outer limit adds room for booting and writing results, on a loaded
# machine too, and catches a guest that hangs.
limit=$((timeout_s + 60))
t0=$(date +%s.%N)
set +e
if [ "$verbose" = 1 ]; then
    timeout --kill-after=10 "$limit" "${qemu[@]}" </dev/null 2>"$out/qemu.err" | tee "$out/console.log"
    qrc=${PIPESTATUS[0]}
else
    timeout --kill-after=10 "$limit" "${qemu[@]}" </dev/null >"$out/console.log" 2>"$out/qemu.err"
    qrc=$?
fi
set -e
t1=$(date +%s.%N)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
rm -f "$out/initrd"

rm -rf "$out/results"
mkdir -p "$out/results"
# tar stops at the archive's end-of-archive blocks; the rest is zeros.
tar -xf "$out/results.img" -C "$out/results" 2>/dev/null || true
[ "$keep_results" = 1 ] || rm -f "$out/results.img"

# The last marker wins (the console uses CRLF).
rc=$(tr -d '\r' <"$out/console.log" | sed -n 's/^VMTEST_RC=\([0-9][0-9]*\)$/\1/p' | tail -n 1)
if [ -z "$rc" ]; then
    if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
        log "FAILED: qemu killed after $limit s (no VMTEST_RC marker)"
    else
        log "FAILED: no VMTEST_RC marker on the console (qemu exit $qrc, $secs s)"
    fi
    echo "--- last 40 lines of $out/console.log" >&2
    tail -n 40 "$out/console.log" | tr -d '\r' >&2
    [ -s "$out/qemu.err" ] && { echo "--- $out/qemu.err" >&2; cat "$out/qemu.err" >&2; }
    exit 90
fi
log "VMTEST_RC=$rc, boot to poweroff $secs s"
exit "$rc"
