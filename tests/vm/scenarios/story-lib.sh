# Helpers of vm_story's guest scripts (story-*.sh): a master and a minion
# both in the guest, on its loopback, as brine-master and brine-minion run on
# two machines. Sourced from /test/story-lib.sh, after provision-lib.sh.
#
# What stands for what:
#   /srv/salt            the master's state tree: examples/salt, as shipped
#   /test/pillar         the master's pillar (one file per server, with its
#                        passphrase), private to the master: it stands for
#                        another machine, so the scans below skip it
#   /etc/brine/          master and minion configuration (written here)
#   virtio-sys           the servers' system disk (ext4, kept between boots):
#                        /var/lib/brine/master (master keys, job cache) and
#                        /var/lib/brine/minion (minion keys, replay cache)
#   virtio-data*         the encrypted data disks
# shellcheck shell=sh
# shellcheck source=provision-lib.sh
. /test/provision-lib.sh

SYS=/dev/disk/by-id/virtio-sys
VARLIB=/var/lib/brine
MASTER_PID=
MINION_PID=

# sys_disk [format]: the system disk mounted on /var/lib/brine (formatted
# first on the first boot)
sys_disk() {
    if [ "${1:-}" = format ]; then
        mkfs.ext4 -q -F "$SYS" || return 1
    fi
    mkdir -p "$VARLIB" && mount -t ext4 "$SYS" "$VARLIB"
}

# configs ID: /etc/brine/master and /etc/brine/minion (minion id ID)
configs() {
    mkdir -p /etc/brine
    cat >/etc/brine/master <<EOF
interface: 127.0.0.1
pki_dir: $VARLIB/master/pki
cachedir: $VARLIB/master/cache
file_root: /srv/salt
pillar_root: /test/pillar
sock_dir: /run/brine
EOF
    cat >/etc/brine/minion <<EOF
master: 127.0.0.1
id: $1
pki_dir: $VARLIB/minion/pki
cachedir: $VARLIB/minion/cache
startup_states: highstate
acceptance_wait_time: 1
EOF
}

# start_master NAME: brine-master in the background, its log in
# /results/NAME-master.log; waits until it serves
start_master() {
    brine-master -l debug 2>"/results/$1-master.log" &
    MASTER_PID=$!
    wait_log "/results/$1-master.log" "publishing on" 20
}

# start_minion NAME: brine-minion in the background, its log in
# /results/NAME-minion.log; MINION_T0 is the uptime just before
start_minion() {
    MINION_T0=$(now)
    brine-minion -l debug 2>"/results/$1-minion.log" &
    MINION_PID=$!
}

# stop PID: SIGTERM and wait (a clean shutdown)
stop() {
    [ -n "$1" ] || return 0
    kill -TERM "$1" 2>/dev/null
    _i=0
    while kill -0 "$1" 2>/dev/null && [ $_i -lt 100 ]; do
        sleep 0.1
        _i=$((_i + 1))
    done
    ! kill -0 "$1" 2>/dev/null
}

# wait_log FILE TEXT SECONDS: FILE contains TEXT within SECONDS
wait_log() {
    _i=0
    while ! grep -q -F -- "$2" "$1" 2>/dev/null; do
        _i=$((_i + 1))
        [ $_i -le $(($3 * 10)) ] || return 1
        sleep 0.1
    done
}

# install_redis ID: the server's data service, Debian's redis-server with
# its data on the server's volume (/etc/init.d/SVC, /etc/default/SVC)
install_redis() {
    server "$1"
    ln -sf redis-data "/etc/init.d/$SVC"
    mkdir -p /etc/default
    echo "DATA=$MNT" >"/etc/default/$SVC"
}

# ready_at SVC: the uptime at which the data service last answered after a
# start (its init script logs "ready UPTIME" in /run/SVC.log), or nothing
ready_at() { sed -n 's/^ready \([0-9.]*\)$/\1/p' "/run/$1.log" 2>/dev/null | tail -n 1; }

# wait_ready SVC SECONDS: the data service has started and answers within
# SECONDS
wait_ready() {
    _i=0
    while [ -z "$(ready_at "$1")" ]; do
        _i=$((_i + 1))
        [ $_i -le $(($2 * 10)) ] || return 1
        sleep 0.1
    done
}

# last_job NAME: the newest job in the master's job cache; its highstate
# output in /results/NAME.out (the format provision-lib.sh's states reads),
# its listing in /results/NAME.jobs
last_job() {
    brine jobs list >"/results/$1.jobs" 2>&1
    JID=$(tail -n 1 "/results/$1.jobs" | cut -d' ' -f1)
    brine --no-color jobs show "$JID" >"/results/$1.out" 2>&1
}

# duration NAME ID: the duration in ms of state ID in /results/NAME.out
duration() {
    awk -v want="$2" '/^ +ID: / { id = $2 }
        /^ +Duration: / && id == want { print $2; exit }' "/results/$1.out"
}

# passphrases: every passphrase of the pillar, one per line (for vm_memscan)
passphrases() { sed -n 's/^ *passphrase: //p' /test/pillar/*.sls; }

# minion_memory NAME: no passphrase in brine-minion's memory (every readable
# mapping, through /proc/PID/mem), nor in that of any process it left
minion_memory() {
    _pids=$(pidof brine-minion)
    if [ -z "$_pids" ]; then
        vm_not_ok "$1: no brine-minion process to scan"
        return
    fi
    if passphrases | vm_memscan $_pids >"/results/$1.memscan" 2>&1; then
        vm_ok "$1: no passphrase in the memory of brine-minion ($(echo $_pids | wc -w) process(es), $(grep -c copies "/results/$1.memscan") scans)"
    else
        vm_not_ok "$1: brine-minion's memory: $(tr '\n' ';' <"/results/$1.memscan")"
    fi
}

# payload_sum: sha256 of the payload the data service holds
payload_sum() { redis-cli --raw GET payload 2>/dev/null | sha256sum | cut -d' ' -f1; }

# shutdown_all ID: what a clean shutdown does: the daemons stopped, the
# service stopped, the volume unmounted and closed, the VG deactivated, the
# system disk unmounted
shutdown_all() {
    vm_check "brine-minion stops on SIGTERM" stop "$MINION_PID"
    vm_check "brine-master stops on SIGTERM" stop "$MASTER_PID"
    vm_check "service stopped, unmounted, closed, VG deactivated" close_server "$1"
    sync
    umount "$VARLIB"
}
