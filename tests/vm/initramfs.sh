#!/bin/bash
# Builds the test guest's initramfs: a cached base archive (busybox, the
# LVM/cryptsetup/e2fsprogs/util-linux tools with their libraries, kernel
# modules, lvm.conf, the PID 1 script) and, per test, a small archive appended
# to it (the test script, extra files, brine's binaries with their libraries).
#
#   initramfs.sh [--cache DIR] --base
#       build the base archive if needed; print its path
#   initramfs.sh [--cache DIR] --out INITRD [--script FILE] [--bin SRC[:DEST]]...
#                [--file SRC:DEST]...
#       write INITRD = base + the per-test archive:
#         --script FILE   becomes /test/run.sh (run by the init with /bin/sh)
#         --bin SRC       a program, to /usr/local/bin/NAME unless :DEST is
#                         given, plus every library ldd lists for it
#         --file SRC:DEST a file or folder; a relative DEST is under /test
#
# The guest is merged-/usr like Debian 12 (/bin, /sbin, /lib, /lib64 are
# symlinks into /usr), so every path is written in its /usr form: an archive
# entry named "bin" or "lib" would make the kernel replace the symlink with a
# directory. The kernel only reads an appended uncompressed archive that
# starts on a 4-byte boundary, hence the padding.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${BRINE_VM_CACHE:-$here/../../build/vm-cache}
mode=""
out=""
script=""
bins=()
files=()
usage() { sed -n '2,17p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
    --cache) cache=$2; shift 2 ;;
    --base) mode=base; shift ;;
    --out) mode="test"; out=$2; shift 2 ;;
    --script) script=$2; shift 2 ;;
    --bin) bins+=("$2"); shift 2 ;;
    --file) files+=("$2"); shift 2 ;;
    *) usage ;;
    esac
done
[ -n "$mode" ] || usage

log() { echo "initramfs.sh: $*" >&2; }
# Staging folders, removed however the script ends.
tmpdirs=()
trap 'rm -rf ${tmpdirs[@]+"${tmpdirs[@]}"}' EXIT
die() { log "$*"; exit 1; }

mkdir -p "$cache/initramfs"
cache=$(cd "$cache" && pwd)
eval "$("$here/kernel.sh" "$cache")" # KVER, VMLINUX, MODROOT

# Tools copied from the host, at their host paths (canonicalised to /usr).
# Each brings the links that point to it on the host (lvm's pvcreate,
# vgcreate, ...; mke2fs's mkfs.ext4; e2fsck's fsck.ext4).
TOOLS="/usr/sbin/lvm /usr/sbin/dmsetup /usr/sbin/cryptsetup
  /usr/sbin/mke2fs /usr/sbin/e2fsck /usr/sbin/tune2fs /usr/sbin/resize2fs
  /usr/sbin/dumpe2fs /usr/sbin/blkid /usr/sbin/wipefs /usr/sbin/losetup
  /usr/bin/lsblk /usr/bin/findmnt /usr/bin/mount /usr/bin/umount /usr/bin/bash"
# Loaded in this order by the init (dependencies first, found in
# modules.dep). ecb: dm-crypt needs it without AES-NI. crc32c_generic: ext4
# asks for crc32c through the crypto API, not as a module dependency, and a
# fresh ext4 then fails to mount with a misleading ENOENT. af_alg & co.: the
# kernel crypto API from user space, which libcryptsetup prefers for keyslots.
MODULES="virtio_pci_modern_dev virtio_pci_legacy_dev virtio_ring virtio
  virtio_pci virtio_blk virtio_rng dm_mod dm_crypt ecb xts cryptd crypto_simd
  aesni_intel crc32c_intel crc32c_generic crc16 mbcache jbd2 ext4 loop
  af_alg algif_skcipher algif_hash"

# /bin/x -> /usr/bin/x and so on (see the header).
canon() {
    case $1 in
    /bin/* | /sbin/* | /lib/* | /lib64/*) echo "/usr$1" ;;
    /var/run/*) echo "/run/${1#/var/run/}" ;;
    *) echo "$1" ;;
    esac
}

# copy_file SRC GUEST_PATH STAGE: a regular file (symlinks followed).
copy_file() {
    local dst
    dst=$3$(canon "$2")
    mkdir -p "$(dirname "$dst")"
    cp -L --preserve=mode "$1" "$dst"
}

# copy_libs BINARY STAGE [SKIPLIST]: the libraries ldd lists, each under its
# real directory and its soname (the name the loader looks for). Libraries in
# SKIPLIST (the base archive's listing) are already in the guest.
copy_libs() {
    local bin=$1 stage=$2 skip=${3:-} lib dst out
    # ldd fails on static programs (busybox-style): nothing to copy then.
    out=$(ldd "$bin" 2>/dev/null) || return 0
    if grep -q 'not found' <<<"$out"; then
        die "$bin: missing libraries: $(grep 'not found' <<<"$out" | tr -s ' \t\n' ' ')"
    fi
    while read -r lib; do
        dst=$(canon "$(readlink -f "$(dirname "$lib")")/$(basename "$lib")")
        [ -e "$stage$dst" ] && continue
        if [ -n "$skip" ] && grep -qxF ".$dst" "$skip"; then
            continue
        fi
        copy_file "$lib" "$dst" "$stage"
    done < <(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$out")
}

# The base archive is cached under a key made of everything that goes in it.
base_key() {
    {
        cat "$0" "$here"/guest/*
        echo "$KVER"
        dpkg-query -W busybox-static lvm2 dmsetup cryptsetup-bin e2fsprogs \
            util-linux mount bash libc6 libgcc-s1 2>/dev/null || true
    } | sha256sum | cut -c1-16
}

# resolve_modules: MODULES plus their dependencies, depth first, each once,
# as paths relative to /lib/modules/KVER.
resolve_modules() {
    local dep=$MODROOT/lib/modules/$KVER/modules.dep
    local builtin=$MODROOT/lib/modules/$KVER/modules.builtin
    awk -v want="$MODULES" '
        function norm(p) { sub(/.*\//, "", p); sub(/\.ko$/, "", p); gsub(/-/, "_", p); return p }
        function visit(path,   n, i, d) {
            if (path in seen) return
            seen[path] = 1
            n = split(deps[path], d, " ")
            for (i = 1; i <= n; i++) visit(d[i])
            print path
        }
        FNR == NR { bi[norm($0)] = 1; next }
        {
            path = $1; sub(/:$/, "", path)
            deps[path] = ""
            for (i = 2; i <= NF; i++) deps[path] = deps[path] " " $i
            byname[norm(path)] = path
        }
        END {
            n = split(want, w, /[ \n\t]+/)
            for (i = 1; i <= n; i++) {
                if (w[i] == "") continue
                if (w[i] in byname) visit(byname[w[i]])
                else if (!(w[i] in bi)) { print "missing module " w[i] > "/dev/stderr"; bad = 1 }
            }
            exit bad
        }' "$builtin" "$dep"
}

build_base() {
    local dst=$1 stage t tool link a
    stage=$(mktemp -d "$cache/initramfs/stage.XXXXXX")
    tmpdirs+=("$stage")
    t=$(date +%s.%N)

    mkdir -p "$stage"/usr/{bin,sbin,lib,lib64,local/bin,local/sbin,share/vmtest}
    ln -s usr/bin "$stage/bin"
    ln -s usr/sbin "$stage/sbin"
    ln -s usr/lib "$stage/lib"
    ln -s usr/lib64 "$stage/lib64"
    mkdir -p "$stage"/{proc,sys,dev,run,tmp,mnt,root,results,test,etc/lvm,etc/vmtest}
    mkdir -p "$stage"/var/{lib,log,tmp,cache}
    ln -s ../run "$stage/var/run"
    ln -s ../run/lock "$stage/var/lock"

    for tool in $TOOLS; do
        [ -e "$tool" ] || die "$tool is missing on the host (run tests/vm/deps.sh)"
        copy_file "$tool" "$tool" "$stage"
        copy_libs "$tool" "$stage"
        # The host's links to this tool, in the same folder.
        while read -r link; do
            ln -sf "$(basename "$tool")" "$stage$(canon "$link")"
        done < <(find "$(dirname "$tool")" -maxdepth 1 -type l -lname "$(basename "$tool")")
    done
    # glibc dlopens libgcc_s for pthread_exit/cancellation, and ldd does not
    # list it: argon2 with more than one thread aborts without it.
    # (awk reads to the end: leaving early would kill ldconfig with SIGPIPE,
    # which pipefail turns into a silent failure of this script)
    a=$(/sbin/ldconfig -p | awk '$1 == "libgcc_s.so.1" && /x86-64/ && !a { a = $NF } END { print a }')
    [ -n "$a" ] || die "libgcc_s.so.1 not found (ldconfig -p)"
    copy_file "$a" "$(canon "$(readlink -f "$(dirname "$a")")")/libgcc_s.so.1" "$stage"

    # busybox for everything else; its applets only where no real tool is
    # (its blkid, mount and losetup differ from util-linux's).
    copy_file /bin/busybox /usr/bin/busybox "$stage"
    while read -r a; do
        a=$(canon "/$a")
        case $a in /usr/bin/* | /usr/sbin/*) ;; *) continue ;; esac
        [ -e "$stage$a" ] || [ -L "$stage$a" ] || ln -s /usr/bin/busybox "$stage$a"
    done < <(busybox --list-full)

    # Kernel modules, and a modules.dep/alias of just these for modprobe.
    resolve_modules >"$stage/etc/vmtest/modules"
    echo "$KVER" >"$stage/etc/vmtest/kver"
    while read -r a; do
        mkdir -p "$(dirname "$stage/usr/lib/modules/$KVER/$a")"
        cp "$MODROOT/lib/modules/$KVER/$a" "$stage/usr/lib/modules/$KVER/$a"
    done <"$stage/etc/vmtest/modules"
    cp "$MODROOT/lib/modules/$KVER/modules.builtin" "$stage/usr/lib/modules/$KVER/"
    busybox depmod -b "$stage" "$KVER"

    install -m 755 "$here/guest/init" "$stage/init"
    install -m 644 "$here/guest/lvm.conf" "$stage/etc/lvm/lvm.conf"
    install -m 644 "$here/guest/lib.sh" "$stage/usr/share/vmtest/lib.sh"
    # Enough of /etc for programs that look up users, hosts or localhost.
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' \
        >"$stage/etc/passwd"
    printf 'root:x:0:\ntty:x:5:\ndisk:x:6:\nnogroup:x:65534:\n' >"$stage/etc/group"
    printf '127.0.0.1\tlocalhost brine-vm\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$stage/etc/hosts"
    printf 'passwd: files\ngroup: files\nhosts: files\n' >"$stage/etc/nsswitch.conf"
    echo brine-vm >"$stage/etc/hostname"

    (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort >"$dst.list.tmp" &&
        cpio -o -H newc -R 0:0 --quiet <"$dst.list.tmp" >"$dst.tmp")
    mv "$dst.list.tmp" "$dst.list"
    mv "$dst.tmp" "$dst"
    rm -rf "$stage"
    log "$(awk -v a="$t" -v b="$(date +%s.%N)" -v s="$(stat -c %s "$dst")" \
        'BEGIN { printf "base archive built in %.1f s (%.1f MB)", b - a, s / 1e6 }')"
}

key=$(base_key)
base=$cache/initramfs/base-$key.cpio
if [ ! -e "$base" ]; then
    # Concurrent ctest jobs: one builds, the others wait and reuse.
    exec 9>"$cache/initramfs/.lock"
    flock 9
    if [ ! -e "$base" ]; then
        find "$cache/initramfs" -maxdepth 1 -name 'base-*' -delete
        build_base "$base"
    fi
    exec 9>&-
fi

if [ "$mode" = base ]; then
    echo "$base"
    exit 0
fi

# The per-test archive.
stage=$(mktemp -d "$cache/initramfs/test.XXXXXX")
tmpdirs+=("$stage")
mkdir -p "$stage/test"
if [ -n "$script" ]; then
    [ -f "$script" ] || die "no such script: $script"
    install -m 755 "$script" "$stage/test/run.sh"
fi
# Paths the init mounts over (their content would be hidden) or symlinks.
check_dest() {
    case $1 in
    /run | /run/* | /tmp | /tmp/* | /dev | /dev/* | /proc | /proc/* | /sys | /sys/*)
        die "$1: the init mounts a filesystem there, hiding what the initramfs holds" ;;
    /bin | /sbin | /lib | /lib64 | /var/run | /var/lock | /var/lock/*)
        die "$1 is a symlink in the guest" ;;
    esac
}
for spec in ${bins[@]+"${bins[@]}"}; do
    src=${spec%%:*}
    dest=/usr/local/bin/$(basename "$src")
    [ "$spec" != "$src" ] && dest=${spec#*:}
    [ -f "$src" ] || die "no such program: $src"
    dest=$(canon "$dest")
    check_dest "$dest"
    copy_file "$src" "$dest" "$stage"
    chmod 755 "$stage$dest"
    copy_libs "$src" "$stage" "$base.list"
done
for spec in ${files[@]+"${files[@]}"}; do
    src=${spec%%:*}
    dest=${spec#*:}
    if [ "$spec" = "$src" ] || [ -z "$dest" ]; then
        die "--file wants SRC:DEST, got $spec"
    fi
    [ -e "$src" ] || die "no such file: $src"
    case $dest in /*) ;; *) dest=/test/$dest ;; esac
    dest=$(canon "$dest")
    check_dest "$dest"
    mkdir -p "$(dirname "$stage$dest")"
    cp -RL --preserve=mode "$src" "$stage$dest"
done

tmp=$out.tmp
cp "$base" "$tmp"
truncate -s %4 "$tmp"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >>"$tmp"
mv "$tmp" "$out"
