# Helpers shared by the guest scripts of vm_provision (provision.sh,
# provision-kill.sh, provision-reboot.sh), sourced from /test/provision-lib.sh.
# The state tree is /test/salt (tests/vm/provision/salt), the pillar
# /test/pillar (one file per server id, made by test_provision.sh), the data
# service's init script /etc/init.d/brdata (tests/vm/provision/brdata).
# shellcheck shell=sh
# shellcheck source=../guest/lib.sh
. /usr/share/vmtest/lib.sh
set -u

now() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
step() { echo "--- $* (uptime $(now))"; }
T0=$(now)
# Files written from now on are found by -newer in no_secret_files
touch /tmp/provision-start

# pval ID KEY [PILLAR_ROOT]: a value of server ID's pillar (two-space keys)
pval() { sed -n "s/^  $2: //p" "${3:-/test/pillar}/$1.sls"; }

# server ID: sets the server's values from its pillar (never the passphrase)
# shellcheck disable=SC2034 # used by the scripts that source this
server() {
    ID=$1
    DEV=$(pval "$ID" device)
    VG=$(pval "$ID" vg)
    LV=/dev/$VG/$(pval "$ID" lv)
    CRYPT=$(pval "$ID" crypt)
    MAPPER=/dev/mapper/$CRYPT
    MNT=$(pval "$ID" mount)
    SVC=$(pval "$ID" service)
}

# install_service ID: /etc/init.d/brdata-ID with its data directory
install_service() {
    server "$1"
    ln -sf brdata "/etc/init.d/$SVC"
    mkdir -p /etc/default
    echo "DATA=$MNT" >"/etc/default/$SVC"
}

# apply NAME ID [--pillar-root DIR] [test=True]: brine-call's highstate
# output into /results/NAME.out; the exit status is returned and the time
# logged in /results/timings.txt.
apply() {
    _name=$1 _id=$2
    shift 2
    _a=$(now)
    brine-call --local -c /nonexistent --no-color --id "$_id" --file-root /test/salt \
        --pillar-root /test/pillar "$@" state.apply provision >"/results/$_name.out" 2>&1
    _rc=$?
    echo "$_name: brine-call exit $_rc in $(since "$_a") s" | tee -a /results/timings.txt
    return $_rc
}

# states NAME: one line per state of /results/NAME.out: "ID RESULT CHANGED"
# (CHANGED 1 when the state listed changes)
states() {
    awk '/^ +ID: / { id = $2 }
         /^ +Result: / { res = $2 }
         /^ +Changes:/ { n = ""; getline n; print id, res, (n ~ /^ +----------/) ? 1 : 0 }' \
        "/results/$1.out"
}

# state_is NAME ID "RESULT CHANGED": a check on one state of a run
state_is() {
    _got=$(states "$1" | awk -v id="$2" '$1 == id { print $2, $3 }')
    if [ "$_got" = "$3" ]; then
        vm_ok "$1: $2 is $3"
    else
        vm_not_ok "$1: $2 is '$_got', expected '$3'"
    fi
}

# all_states NAME "RESULT CHANGED": every one of the 7 states is so
all_states() {
    _n=$(states "$1" | awk -v want="$2" '$2 " " $3 == want' | wc -l)
    if [ "$_n" = 7 ]; then
        vm_ok "$1: all 7 states $2"
    else
        vm_not_ok "$1: $_n of 7 states are '$2'"
        states "$1"
        cat "/results/$1.out"
    fi
}

# says NAME TEXT: the output of run NAME contains TEXT
says() {
    if grep -q -F -- "$2" "/results/$1.out"; then
        vm_ok "$1: says \"$2\""
    else
        vm_not_ok "$1: does not say \"$2\""
        cat "/results/$1.out"
    fi
}

sum() { sha256sum "$1" | cut -d' ' -f1; }
# The LUKS2 header area of a volume: its first 16 MiB (binary headers,
# JSON areas and keyslots)
header_sum() { dd if="$1" bs=1M count=16 2>/dev/null | sha256sum | cut -d' ' -f1; }
is_mounted() { awk -v d="$1" '$2 == d { found = 1 } END { exit !found }' /proc/mounts; }
svc_running() { "/etc/init.d/$1" status; }

# wait_heartbeat DIR: the data service wrote DIR/heartbeat (a loaded TCG
# guest may take a while to schedule it: up to 20 s)
wait_heartbeat() {
    _i=0
    while [ ! -s "$1/heartbeat" ] && [ $_i -lt 100 ]; do
        sleep 0.2
        _i=$((_i + 1))
    done
    test -s "$1/heartbeat"
}

# close_server ID: the service stopped, the volume unmounted and closed, the
# VG deactivated (what a clean shutdown does)
close_server() {
    server "$1"
    "/etc/init.d/$SVC" stop
    _i=0
    while is_mounted "$MNT" && ! umount "$MNT" 2>/dev/null && [ $_i -lt 20 ]; do
        sleep 0.1
        _i=$((_i + 1))
    done
    ! is_mounted "$MNT" || return 1
    if [ -e "$MAPPER" ]; then cryptsetup close "$CRYPT" || return 1; fi
    vgchange -q -an "$VG" >/dev/null
}

# no_secret_on_disks: no passphrase of any pillar (in /test/pillar*) is on
# a disk, an LV or an open LUKS mapping of the guest, nor in any file but
# the pillar (everything written since the scenario started, and every file
# outside the pseudo-filesystems and the read-only /usr)
no_secret_on_disks() {
    sync
    set --
    for f in /test/pillar*/*.sls; do
        _p=$(sed -n 's/^  passphrase: //p' "$f")
        [ -n "$_p" ] && set -- "$@" -e "$_p"
    done
    if [ $# -lt 2 ]; then
        vm_not_ok "no passphrase found in the pillar to scan for"
        return
    fi
    : >/tmp/leaks
    _devs=""
    for d in /dev/vd? /dev/mapper/*; do
        [ -b "$d" ] && _devs="$_devs $d"
    done
    for d in $_devs; do
        _n=$(grep -a -c -F "$@" "$d" || true)
        [ "$_n" = 0 ] || echo "passphrase bytes on $d ($_n lines)" >>/tmp/leaks
    done
    echo "$(echo "$_devs" | wc -w) block devices scanned:$_devs" >>/results/scans.txt
    find / \( -path /proc -o -path /sys -o -path /dev -o -path '/test/pillar*' \) -prune \
        -o -type f -newer /tmp/provision-start -print >/tmp/written
    _roots=""
    for f in /* /test/*; do
        case $f in
        /proc | /sys | /dev | /test | /test/pillar* | /usr | /bin | /sbin | /lib | /lib64) ;;
        *) _roots="$_roots $f" ;;
        esac
    done
    echo "$(wc -l </tmp/written) files written during the scenario, and every file under$_roots" \
        >>/results/scans.txt
    # shellcheck disable=SC2046,SC2086 # lists of paths without spaces
    grep -l -a -F "$@" -r $_roots $(cat /tmp/written) >>/tmp/leaks 2>/dev/null
    if [ -s /tmp/leaks ]; then
        vm_not_ok "passphrase bytes found: $(tr '\n' ' ' </tmp/leaks)"
        cat /tmp/leaks >>/results/leaks.txt
    else
        vm_ok "no passphrase bytes on$_devs or in any file outside the pillar"
    fi
}

finish() {
    echo "$VMTEST_NAME: scenario took $(since "$T0") s in the guest" | tee -a /results/timings.txt
    vm_done
}
