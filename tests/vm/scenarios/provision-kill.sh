#!/bin/sh
# Guest side of vm_provision, the kill boot: the first provisioning of a
# fresh disk is killed (SIGKILL) at each step of provision.sls, one server
# and one fresh disk per kill point, then run again, which must converge.
#
# Each kill point waits for a sign that the run is at that point, polling
# while brine-call runs in the background, then SIGKILLs brine-call and
# every process it started (the programs it runs are in their own process
# groups, so this walks /proc; it is what systemd's KillMode=control-group
# does to a minion's cgroup):
#   kpv      state 1 lvm.pv_present: pvcreate is running
#   kvg      state 2 lvm.vg_present: vgcreate is running
#   klv      state 3 lvm.lv_present: lvcreate is running
#   kfmt     state 4 luks.formatted: brine-call holds the new LV open
#   khdr     state 4, mid-format: the LUKS magic is on the LV (the header is
#            written; the key slot may not be yet). This server's pillar
#            raises the argon2 memory cost so that the window between the
#            header and the key slot is wide, as it is with the product's
#            default cost
#   kopen    state 5 luks.opened: the header has key slot 0
#   kmnt     state 6 mount.mounted: /dev/mapper/CRYPT exists
#   kmkfs    state 6, mid-mkfs: mkfs.ext4 is running
#   ksvc     state 7 service.running: the volume is mounted
#   kstart   state 7, mid-start: the init script logged "start"
# Then, per point: what the killed run left is logged; the rerun must exit
# 0 with every state True; a payload written after convergence must read
# back identical after the service is stopped, the volume unmounted and
# closed, and brine-call opens and mounts it again.
# The kill points to run come from PROVISION_KILLS (comma separated; the
# host makes a disk with that serial and a pillar for each). test_provision.sh
# runs one per state and khdr by default; kmnt and kstart are extra points
# (BRINE_VM_PROVISION_KILLS) that land at the ends of states 5 and 7.
# shellcheck source=provision-lib.sh
. /test/provision-lib.sh

# proc_named NAME...: a process of that name (comm) exists. Builtins only:
# this runs in a tight loop.
proc_named() {
    for _f in /proc/[0-9]*/comm; do
        read -r _c 2>/dev/null <"$_f" || continue
        for _n; do
            [ "$_c" = "$_n" ] && return 0
        done
    done
    return 1
}

# alive PID: PID runs (a zombie does not count)
alive() {
    read -r _s 2>/dev/null <"/proc/$1/stat" || return 1
    # shellcheck disable=SC2086
    set -- $_s
    [ "$3" != Z ]
}

# holds PID DEV: PID has the block device DEV open
holds() {
    _node=$(readlink -f "$2" 2>/dev/null) || return 1
    [ -b "$_node" ] || return 1
    # shellcheck disable=SC2010 # the link targets are /dev paths
    ls -l "/proc/$1/fd" 2>/dev/null | grep -q -- "-> $_node\$"
}

# mounted_at DIR: something is mounted at DIR (builtins only)
mounted_at() {
    while read -r _d _m _r; do
        [ "$_m" = "$1" ] && return 0
    done </proc/mounts
    return 1
}

# at POINT PID: the run PID has reached POINT
at() {
    case $1 in
    kpv) proc_named pvcreate ;;
    kvg) proc_named vgcreate ;;
    klv) proc_named lvcreate ;;
    kfmt) holds "$2" "$LV" ;;
    khdr) [ -b "$LV" ] && [ "$(dd if="$LV" bs=4 count=1 2>/dev/null)" = LUKS ] ;;
    kopen) [ -b "$LV" ] && dd if="$LV" bs=4096 skip=1 count=3 2>/dev/null | grep -q -F '"keyslots":{"0"' ;;
    kmnt) [ -b "$MAPPER" ] ;;
    kmkfs) proc_named mkfs.ext4 mke2fs ;;
    ksvc) mounted_at "$MNT" ;;
    kstart) [ -s "/run/$SVC.log" ] ;;
    *) echo "unknown kill point $1" >&2; return 2 ;;
    esac
}

# killtree PID: SIGSTOP PID and every descendant (so none starts another),
# then SIGKILL them all
killtree() {
    kill -STOP "$1" 2>/dev/null
    _all=" $1 "
    _more=1
    while [ $_more = 1 ]; do
        _more=0
        for _f in /proc/[0-9]*/stat; do
            read -r _s 2>/dev/null <"$_f" || continue
            # shellcheck disable=SC2086
            set -- $_s
            case $_all in *" $1 "*) continue ;; esac
            case $_all in
            *" $4 "*)
                kill -STOP "$1" 2>/dev/null
                _all="$_all$1 "
                _more=1
                ;;
            esac
        done
    done
    # shellcheck disable=SC2086
    kill -KILL $_all 2>/dev/null
    KILLED=$(echo "$_all" | wc -w)
}

# left: what the killed run left behind, in a few words
left() {
    _l=""
    _vg=$(pvs --noheadings -o vg_name "$DEV" 2>/dev/null) && _l="$_l pv"
    [ -n "$(echo "$_vg" | tr -d ' ')" ] && _l="$_l vg"
    _attr=$(lvs --noheadings -o lv_attr "$VG/data" 2>/dev/null) && _l="$_l lv($(echo "$_attr" | tr -d ' '))"
    if [ -b "$LV" ] && [ "$(dd if="$LV" bs=4 count=1 2>/dev/null)" = LUKS ]; then
        if cryptsetup isLuks "$LV" 2>/dev/null; then
            _l="$_l luks(keyslots=$(cryptsetup luksDump "$LV" | grep -c ': luks2$'))"
        else
            _l="$_l luks-magic(unloadable)"
        fi
    fi
    [ -e "$MAPPER" ] && _l="$_l mapping"
    mounted_at "$MNT" && _l="$_l mounted"
    svc_running "$SVC" >/dev/null 2>&1 && _l="$_l running"
    echo "${_l:- nothing}"
}

# failures NAME: "ID: comment" of every state of run NAME that failed
failures() {
    awk '/^ +ID: / { id = $2 }
         /^ +Result: / { res = $2 }
         /^ +Comment: / { if (res == "False") { sub(/^ +Comment: /, ""); printf "%s: %s; ", id, $0 } }' \
        "/results/$1.out"
}

points=$(echo "${PROVISION_KILLS:-}" | tr ',' ' ')
[ -n "$points" ] || vm_not_ok "PROVISION_KILLS names no kill point"
for k in $points; do
    step "kill point $k"
    install_service "$k"
    _t=$(now)
    vm_check "$k: $DEV is a fresh disk" sh -c "[ -b $DEV ] && [ -z \"\$(blkid -p $DEV)\" ]"
    # A run can pass a short point between two polls (mkfs of a small
    # volume, a service's start): then it is undone to a fresh disk and
    # tried again, at most three times in all
    try=1
    while :; do
        brine-call --local -c /nonexistent --no-color --id "$k" --file-root /test/salt \
            --pillar-root /test/pillar state.apply provision >"/results/$k-killed.out" 2>&1 &
        bc=$!
        # Poll until the point is reached, brine-call ends, or 60 s pass.
        # The guest has one CPU: a pause between polls leaves it to
        # brine-call.
        reached=no
        read -r _up _ </proc/uptime
        deadline=$((${_up%.*} + 60))
        while alive $bc; do
            if at "$k" $bc; then
                reached=yes
                break
            fi
            read -r _up _ </proc/uptime
            [ "${_up%.*}" -lt $deadline ] || break
            usleep 30000
        done
        [ $reached = no ] || killtree $bc
        wait $bc
        rc=$?
        [ $reached = no ] && [ $rc = 0 ] && [ $try -lt 3 ] || break
        echo "$k: try $try passed the point between two polls (brine-call exit 0); undone, tried again" |
            tee -a /results/kills.txt
        # (zeroed whole: a new LV at the same place would show the old
        # LUKS header's secondary copy otherwise)
        close_server "$k" >/dev/null 2>&1
        vgremove -q -f "$VG" >/dev/null 2>&1
        pvremove -q -f "$DEV" >/dev/null 2>&1
        dd if=/dev/zero of="$DEV" bs=1M conv=fsync 2>/dev/null
        [ -z "$(blkid -p "$DEV")" ] || break
        try=$((try + 1))
    done
    if [ $reached = yes ] && [ $rc = 137 ]; then
        vm_ok "$k: killed at its point ($KILLED processes, after $(since "$_t") s, try $try)"
    else
        vm_not_ok "$k: the point was not reached before brine-call ended (exit $rc, try $try)"
        killtree $bc
        cat "/results/$k-killed.out"
    fi
    what=$(left)
    echo "$k: the killed run left:$what" | tee -a /results/kills.txt

    apply "$k-converge" "$k"
    rc=$?
    n=$(states "$k-converge" | awk '$2 == "True"' | wc -l)
    if [ $rc = 0 ] && [ "$n" = 7 ]; then
        vm_ok "$k: the rerun converged: exit 0, all 7 states True"
        echo "$k: the rerun changed:$(states "$k-converge" | awk '$3 == 1 { printf " %s", $1 }')" >>/results/kills.txt
    else
        vm_not_ok "$k: the rerun did not converge (exit $rc, $n of 7 states True); the kill left:$what; failed: $(failures "$k-converge")"
        echo "$k: NOT CONVERGED: $(failures "$k-converge")" >>/results/kills.txt
        cat "/results/$k-converge.out"
        close_server "$k" >/dev/null 2>&1
        continue
    fi
    vm_check "$k: $SVC runs and writes on the volume" wait_heartbeat "$MNT"
    vm_check "$k: a payload written on the volume" \
        sh -c "dd if=/dev/urandom of=$MNT/payload bs=64k count=4 2>/dev/null && sync"
    want=$(sum "$MNT/payload")
    "/etc/init.d/$SVC" stop
    vm_check "$k: unmounted and closed by hand" sh -c "umount $MNT && cryptsetup close $CRYPT"
    vm_check "$k: brine-call opens and mounts it again" apply "$k-reopen" "$k"
    state_is "$k-reopen" data_luks "True 0"
    state_is "$k-reopen" data_open "True 1"
    state_is "$k-reopen" data_mount "True 1"
    state_is "$k-reopen" data_service "True 1"
    vm_check "$k: the payload reads back identical" test "$(sum "$MNT/payload" 2>/dev/null)" = "$want"
    vm_check "$k: service stopped, unmounted, closed, VG deactivated" close_server "$k"
    echo "$k: $(since "$_t") s" >>/results/timings.txt
done

step "the passphrases are nowhere but in the pillar"
no_secret_on_disks
finish
