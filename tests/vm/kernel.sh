#!/bin/bash
# Fetches and unpacks the Debian kernel that the test guest boots.
#   usage: tests/vm/kernel.sh [CACHE_DIR]
# Prints three KEY=VALUE lines (for `eval` or grep):
#   KVER=6.1.0-56-amd64  VMLINUX=CACHE/kernel/KVER/vmlinux  MODROOT=CACHE/kernel/KVER/root
# MODROOT/lib/modules/KVER holds the module folders the guest needs and a
# modules.dep made by busybox depmod (the package ships none).
#
# Why Debian's package: this host's own kernel has no device-mapper, and a
# distribution kernel has every driver we need as a module. The ABI package is
# resolved from the linux-image-amd64 metapackage so the harness follows
# Debian's kernel updates without edits. Everything is cached in CACHE_DIR, so
# only the first run downloads (~70 MB) and unpacks (~5 s); later runs print
# the paths at once, and work offline.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:-${BRINE_VM_CACHE:-$here/../../build/vm-cache}}
mkdir -p "$cache/kernel"
cache=$(cd "$cache" && pwd)
kdir=$cache/kernel

log() { echo "kernel.sh: $*" >&2; }

# Two ctest jobs may start at once: one unpacks, the other waits for it.
exec 9>"$kdir/.lock"
flock 9

# The ABI package, e.g. linux-image-6.1.0-56-amd64. BRINE_VM_KERNEL_PKG pins
# one by hand. Without apt lists (offline, or before `apt-get update`) fall back
# to the newest kernel already unpacked in the cache.
pkg=${BRINE_VM_KERNEL_PKG:-}
# apt-cache takes ~1 s, and every boot asks: remember its answer for 12 hours.
if [ -z "$pkg" ] && [ -n "$(find "$kdir/.resolved" -mmin -720 2>/dev/null)" ]; then
    pkg=$(cat "$kdir/.resolved")
fi
if [ -z "$pkg" ]; then
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ && !p { p = $2 } END { print p }' || true)
    [ -n "$pkg" ] && echo "$pkg" >"$kdir/.resolved"
fi
if [ -z "$pkg" ]; then
    done_file=$(find "$kdir" -mindepth 2 -maxdepth 2 -name .done 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$done_file" ]; then
        log "cannot resolve linux-image-amd64's ABI package (run apt-get update?) and nothing is cached in $kdir"
        exit 1
    fi
    pkg=linux-image-$(basename "$(dirname "$done_file")")
    log "apt-cache gave no answer; using the cached $pkg"
fi
kver=${pkg#linux-image-}
out=$kdir/$kver

if [ ! -e "$out/.done" ]; then
    t0=$(date +%s.%N)
    # Download once; any version of this ABI package will do.
    deb=$(find "$kdir" -maxdepth 1 -name "${pkg}_*.deb" | sort -V | tail -n 1)
    if [ -z "$deb" ]; then
        log "downloading $pkg"
        # apt-get download writes into the current directory (as root it also
        # warns that the _apt user cannot write there: harmless).
        if ! (cd "$kdir" && apt-get download -q "$pkg") >"$kdir/download.log" 2>&1; then
            cat "$kdir/download.log" >&2
            log "apt-get download $pkg failed"
            exit 1
        fi
        deb=$(find "$kdir" -maxdepth 1 -name "${pkg}_*.deb" | sort -V | tail -n 1)
        [ -n "$deb" ] || { log "apt-get download $pkg left no .deb in $kdir"; exit 1; }
    fi
    t1=$(date +%s.%N)

    rm -rf "$out"
    mkdir -p "$out/root"
    # Only what the guest needs: the kernel image and the module folders for
    # virtio, device-mapper, crypto and filesystems (about a third of the
    # package; the rest is never loaded). The leading `*` matches both
    # ./lib/modules (Debian 12) and ./usr/lib/modules (later releases).
    members=("./boot/*" "*/modules/$kver/modules.order" "*/modules/$kver/modules.builtin")
    for d in drivers/md drivers/virtio drivers/block drivers/char crypto arch/x86/crypto fs lib; do
        members+=("*/modules/$kver/kernel/$d")
    done
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$out/root" --wildcards "${members[@]}"
    # Normalise to ROOT/lib/modules so the rest of the harness has one layout.
    if [ -d "$out/root/usr/lib/modules/$kver" ]; then
        mkdir -p "$out/root/lib/modules"
        mv "$out/root/usr/lib/modules/$kver" "$out/root/lib/modules/$kver"
    fi
    # Newer Debian compresses modules; busybox insmod wants plain ELF files.
    find "$out/root/lib/modules" -name '*.ko.xz' -exec xz -d {} +
    busybox depmod -b "$out/root" "$kver"

    # The bzImage decompresses itself under TCG in ~2.5 s. qemu boots an ELF
    # vmlinux directly (PVH), so unpack the xz payload once here: find the xz
    # stream magic FD 37 7A 58 5A 00 and decompress from there, ignoring what
    # follows the stream. Try each match in case an earlier one is a fluke.
    vmlinuz=$out/root/boot/vmlinuz-$kver
    found=""
    while read -r off; do
        # Process substitution, not a pipe: xz stops reading at the end of the
        # stream, and tail's SIGPIPE would fail the pipeline under pipefail.
        if xz -dc --single-stream < <(tail -c +$((off + 1)) "$vmlinuz") >"$out/vmlinux.tmp" 2>/dev/null &&
            [ "$(head -c 4 "$out/vmlinux.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
            found=1
            break
        fi
    done < <(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$vmlinuz" | cut -d: -f1)
    if [ -n "$found" ]; then
        mv "$out/vmlinux.tmp" "$out/vmlinux"
    else
        # Not xz (a future kernel may use zstd): boot the bzImage, 2.5 s slower.
        rm -f "$out/vmlinux.tmp"
        log "no xz payload in $vmlinuz; using the compressed bzImage"
        cp "$vmlinuz" "$out/vmlinux"
    fi
    touch "$out/.done"
    # A new ABI replaces the old one: keep the cache at one kernel (~170 MB).
    find "$kdir" -mindepth 1 -maxdepth 1 \( -name 'linux-image-*.deb' ! -name "${pkg}_*" \
        -o -type d ! -name "$kver" \) -exec rm -rf {} +
    t2=$(date +%s.%N)
    log "$(awk -v a="$t0" -v b="$t1" -v c="$t2" \
        'BEGIN { printf "download %.1f s, unpack+depmod+vmlinux %.1f s", b - a, c - b }')"
fi

echo "KVER=$kver"
echo "VMLINUX=$out/vmlinux"
echo "MODROOT=$out/root"
