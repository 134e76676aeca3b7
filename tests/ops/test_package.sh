#!/bin/bash
# e2e_package: the Debian package built from this tree installs on a fresh
# Debian 12 (a minimal root made with debootstrap from Debian's mirror, its
# dependencies from there too), creates its directories with the right
# permissions, and a master and a minion started from the ExecStart= lines
# of its units (systemd is not PID 1 in a chroot: this is the documented
# equivalent, docs/install.md) answer test.ping and apply a state on
# 127.0.0.1. Then remove and purge. The host is not changed: everything
# runs in a throw-away root, in private mount, PID and network namespaces
# that take their mounts and processes with them. The debootstrap root is
# cached in BUILD_DIR/pkg-cache.
#   usage: test_package.sh BUILD_DIR SANITIZED(0|1)
set -uo pipefail
build=${1:?usage: test_package.sh BUILD_DIR SANITIZED}
sanitized=${2:?usage: test_package.sh BUILD_DIR SANITIZED}
mirror=${BRINE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=$build/pkg-cache/bookworm-minbase.tar
passed=0
failed=0

skip() { echo "e2e_package: skipped: $1"; exit 77; }
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; [ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/    /'; }
check() { # WHAT CMD...
    local what=$1
    shift
    if "$@"; then ok "$what"; else not_ok "$what"; fi
}

[ "$sanitized" = 1 ] && skip "a sanitizer build is not packaged (the normal build tests the package)"
[ "$(id -u)" = 0 ] || skip "needs root (debootstrap, chroot, namespaces)"
for tool in debootstrap unshare chroot cpack dpkg-deb ip; do
    command -v "$tool" >/dev/null || skip "$tool is not installed (tools/deps installs it)"
done

tmp=$(mktemp -d /var/tmp/brine-package.XXXXXX)
root=$tmp/root
cleanup() {
    # Only ever delete a tree nothing is mounted in
    if grep -q " $tmp" /proc/self/mounts; then
        echo "e2e_package: $tmp still has mounts; not removed" >&2
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT

# In the root, in private mount and PID namespaces with its own /proc:
# whatever runs there, and whatever it mounts, ends with the command
in_root() {
    unshare --mount --pid --fork --mount-proc="$root/proc" chroot "$root" "$@"
}

# 1. The package, from what this build directory holds
start=$(date +%s)
out=$(cpack -G DEB -B "$tmp/deb" --config "$build/CPackConfig.cmake" 2>&1)
deb=$(ls "$tmp"/deb/brine_*.deb 2>/dev/null | head -1)
if [ -z "$deb" ]; then
    not_ok "cpack builds the package" "$out"
    echo "e2e_package: $passed passed, $failed failed"
    exit 1
fi
ok "cpack builds $(basename "$deb") ($(($(stat -c %s "$deb") / 1024)) KiB)"
check "the package depends on libczmq4 (dpkg-shlibdeps), libcryptsetup12 and libblkid1 (loaded on first use)" \
    sh -c "dpkg-deb -f '$deb' Depends | grep -q libczmq4 && dpkg-deb -f '$deb' Depends | grep -q libcryptsetup12 && dpkg-deb -f '$deb' Depends | grep -q libblkid1"
check "/etc/brine/master and /etc/brine/minion are conffiles" \
    sh -c "dpkg-deb --ctrl-tarfile '$deb' | tar -xO ./conffiles | grep -qx /etc/brine/master"

# 2. A fresh Debian 12: debootstrap once per build directory, then a copy
if [ ! -f "$cache" ]; then
    host=${mirror#*://}
    host=${host%%/*}
    timeout 10 bash -c "exec 3<>/dev/tcp/$host/80" 2>/dev/null ||
        skip "Debian's mirror $host is not reachable, and no root is cached"
    mkdir -p "$(dirname "$cache")" "$tmp/boot"
    if ! out=$(debootstrap --variant=minbase bookworm "$tmp/boot" "$mirror" 2>&1); then
        not_ok "debootstrap a Debian 12 root" "$(printf '%s\n' "$out" | tail -20)"
        echo "e2e_package: $passed passed, $failed failed"
        exit 1
    fi
    tar -C "$tmp/boot" -cf "$cache.tmp" . && mv "$cache.tmp" "$cache"
    rm -rf "$tmp/boot"
fi
mkdir -p "$root"
tar -C "$root" -xf "$cache"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/brine.deb"

# 3. Installed with apt, which takes the dependencies from Debian's mirror
out=$(in_root sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends /tmp/brine.deb' 2>&1)
status=$?
if [ $status -ne 0 ]; then
    not_ok "apt-get installs the package and its dependencies" "$(printf '%s\n' "$out" | tail -20)"
    echo "e2e_package: $passed passed, $failed failed"
    exit 1
fi
ok "apt-get installs the package and its dependencies"
check "dpkg says installed" sh -c "chroot '$root' dpkg-query -W -f '\${Status}' brine | grep -q 'install ok installed'"
for dir in etc/brine/pki/master etc/brine/pki/minion var/cache/brine/master var/cache/brine/minion srv/pillar; do
    mode=$(stat -c %a "$root/$dir" 2>/dev/null)
    [ "$mode" = 700 ] && ok "/$dir is 0700" || not_ok "/$dir is 0700 (it is ${mode:-missing})"
done
check "/srv/salt exists" test -d "$root/srv/salt"
master_unit=$root/lib/systemd/system/brine-master.service
minion_unit=$root/lib/systemd/system/brine-minion.service
check "the units are installed" test -f "$master_unit" -a -f "$minion_unit" -a \
    -f "$root/lib/systemd/system/brine-startup.target"
check "the minion's unit: after the network is online, KillMode=process" \
    sh -c "grep -qx After=network-online.target '$minion_unit' && grep -qx KillMode=process '$minion_unit'"
for page in man1/brine.1 man1/brine-call.1 man1/brine-key.1 man5/brine-master.5 \
    man5/brine-minion.5 man7/brine-states.7 man8/brine-master.8 man8/brine-minion.8; do
    [ -f "$root/usr/share/man/$page.gz" ] || not_ok "man page $page installed"
done
ok "every man page installed"
out=$(in_root brine-master --check-config 2>&1)
[ $? -eq 0 ] && ok "brine-master --check-config passes on the fresh install" ||
    not_ok "brine-master --check-config passes on the fresh install" "$out"

# 4. Master and minion from the units' ExecStart= lines, on 127.0.0.1 of a
# network namespace of their own (the default ports cannot clash)
master_cmd=$(sed -n 's/^ExecStart=//p' "$master_unit")
minion_cmd=$(sed -n 's/^ExecStart=//p' "$minion_unit")
echo "id: pkgtest" >> "$root/etc/brine/minion"
echo "acceptance_wait_time: 1" >> "$root/etc/brine/minion"
printf "base:\n  '*':\n    - hello\n" > "$root/srv/salt/top.sls"
printf 'hello:\n  test.succeed_with_changes: []\n' > "$root/srv/salt/hello.sls"
cat > "$tmp/run.sh" <<EOF
set -u
ip link set lo up
chroot '$root' $master_cmd > '$tmp/master.log' 2>&1 &
for i in \$(seq 100); do [ -f '$root/etc/brine/pki/master/master.pub' ] && break; sleep 0.1; done
cp '$root/etc/brine/pki/master/master.pub' '$root/etc/brine/pki/minion/minion_master.pub'
chroot '$root' $minion_cmd > '$tmp/minion.log' 2>&1 &
for i in \$(seq 100); do
    chroot '$root' brine-key -L --no-color | grep -qx pkgtest && break
    sleep 0.2
done
chroot '$root' brine-key -y -a pkgtest > '$tmp/accept.log' 2>&1 || exit 11
for i in \$(seq 60); do
    chroot '$root' brine -t 2 '*' test.ping --out=json > '$tmp/ping.json' 2>&1 &&
        grep -q '"pkgtest": true' '$tmp/ping.json' && break
    sleep 0.5
done
grep -q '"pkgtest": true' '$tmp/ping.json' || exit 12
chroot '$root' brine --no-color pkgtest state.apply > '$tmp/apply.out' 2>&1 || exit 13
exit 0
EOF
unshare --mount --pid --net --fork --mount-proc="$root/proc" bash "$tmp/run.sh"
status=$?
case $status in
0) ok "master and minion from the units' ExecStart= lines: brine-key -a, test.ping, state.apply" ;;
*) not_ok "master and minion from the units' ExecStart= lines (step $status)" \
    "$(tail -n 15 "$tmp"/*.log "$tmp/ping.json" "$tmp/apply.out" 2>/dev/null)" ;;
esac
check "state.apply's highstate output" grep -q "Succeeded: 1 (changed=1)" "$tmp/apply.out"

# 5. Remove keeps the keys; purge takes them and the caches, never /srv
out=$(in_root dpkg -r brine 2>&1)
[ $? -eq 0 ] && ok "dpkg -r" || not_ok "dpkg -r" "$out"
check "removed: the programs are gone, the keys stay" \
    test ! -e "$root/usr/bin/brine-master" -a -f "$root/etc/brine/pki/master/master.key"
out=$(in_root dpkg --purge brine 2>&1)
[ $? -eq 0 ] && ok "dpkg --purge" || not_ok "dpkg --purge" "$out"
check "purged: keys, configuration and caches are gone" \
    test ! -e "$root/etc/brine" -a ! -e "$root/var/cache/brine"
check "purged: the state tree stays" test -f "$root/srv/salt/hello.sls" -a -d "$root/srv/pillar"

echo "e2e_package: $passed passed, $failed failed ($(($(date +%s) - start)) s)"
[ "$failed" -eq 0 ]
