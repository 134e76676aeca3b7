#!/bin/bash
# Failover between masters on 127.0.0.1: two brine-master processes share one
# pki directory (one key pair, the same accepted minions), one state tree and
# one pillar, on different ports, each with its own sock_dir and job cache.
# One brine-minion lists both (master: [127.0.0.1:RET1, 127.0.0.1:RET2]) and
# learns each master's publish port from its welcome. Master 1 is killed:
# the minion moves to master 2 and a job through master 2 returns; the times
# from the kill to that job's answer are measured and printed. Then master 1
# comes back and master 2 is killed (back to master 1), a master is frozen
# (SIGSTOP: noticed within master_alive_interval), both are down for a while,
# and an impostor master listed first is refused (S5).
#   usage: test_failover.sh BIN_DIR
set -uo pipefail
bin=$1
work=$(mktemp -d /tmp/brine-failover.XXXXXX)
passed=0
failed=0
declare -A pid # m1, m2, m3, web1, web2 -> pid
cleanup() {
    local p
    for p in "${pid[@]}"; do
        [ -n "$p" ] && kill -CONT "$p" 2>/dev/null && kill "$p" 2>/dev/null
    done
    sleep 0.2
    for p in "${pid[@]}"; do
        [ -n "$p" ] && kill -KILL "$p" 2>/dev/null
    done
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() {
    failed=$((failed + 1))
    echo "not ok - $1"
    [ -s "$work/out" ] && { echo "--- last brine output"; tail -n 20 "$work/out"; }
    local log
    for log in web1 m1 m2; do
        echo "--- $log log (tail)"
        tail -n 25 "$work/$log.log" 2>/dev/null
    done
}
# waits until FILE contains PATTERN (grep -E) COUNT times, at most SECONDS
wait_for() {
    local file=$1 pattern=$2 seconds=$3 count=${4:-1} i=0 n
    # (no FILE yet counts as 0 matches, so that the wait does not end at once)
    while n=$(grep -cE -- "$pattern" "$file" 2>/dev/null); [ "${n:-0}" -lt "$count" ]; do
        i=$((i + 1))
        [ "$i" -gt $((seconds * 50)) ] && return 1
        sleep 0.02
    done
}
# how many lines of FILE match PATTERN (grep -E)
count() { # 0 while FILE does not exist yet
    local n
    n=$(grep -cE -- "$2" "$1" 2>/dev/null)
    echo "${n:-0}"
}
# waits until the lines of FILE after line MARK match PATTERN, at most SECONDS
wait_new() {
    local file=$1 mark=$2 pattern=$3 seconds=$4 i=0
    until tail -n +"$((mark + 1))" "$file" 2>/dev/null | grep -qE "$pattern"; do
        i=$((i + 1))
        [ "$i" -gt $((seconds * 50)) ] && return 1
        sleep 0.02
    done
}
lines() { wc -l <"$1" 2>/dev/null || echo 0; }
port() { # a free loopback port, below the kernel's ephemeral range (32768
    # and up), so that no outgoing connection of this machine can take it
    local p
    while :; do
        p=$(shuf -i 20000-32767 -n 1)
        ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && { echo "$p"; return; }
    done
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# brine through master N, bounded; output in $work/out, status in $rc
brine() { # N ARGS...
    local n=$1
    shift
    timeout 30 "$bin/brine" -c "$work/m$n" "$@" >"$work/out" 2>&1
    rc=$?
}
# test.ping of ID through master N until it answers True, at most SECONDS
ping_until() { # N ID SECONDS
    local deadline=$(($(now_ms) + $3 * 1000))
    while :; do
        brine "$1" "$2" test.ping --timeout 2
        [ "$rc" = 0 ] && grep -qx "    True" "$work/out" && return 0
        [ "$(now_ms)" -ge "$deadline" ] && return 1
        sleep 0.05
    done
}

pub1=$(port)
ret1=$(port)
pub2=$(port)
ret2=$(port)
pub3=$(port)
ret3=$(port)
nopub=$(port) # the minion's own publish_port: it must use what the master announces
mkdir -p "$work/pki" "$work/salt" "$work/pillar" "$work/m3/pki"
chmod 700 "$work/pki" "$work/m3/pki" "$work/pillar"
master_conf() { # N PUB RET PKI_DIR
    mkdir -p "$work/m$1"
    cat >"$work/m$1/master" <<CONF
interface: 127.0.0.1
publish_port: $2
ret_port: $3
pki_dir: $4
job_ttl: 30
file_root: $work/salt
pillar_root: $work/pillar
sock_dir: $work/m$1/sock
cachedir: $work/m$1/cache
CONF
}
master_conf 1 "$pub1" "$ret1" "$work/pki"
master_conf 2 "$pub2" "$ret2" "$work/pki"
master_conf 3 "$pub3" "$ret3" "$work/m3/pki" # an impostor: a key of its own
"$bin/brine-key" --gen master --gen-dir "$work/pki" >/dev/null
"$bin/brine-key" --gen master --gen-dir "$work/m3/pki" >/dev/null

minion_conf() { # ID MASTER-LIST
    mkdir -p "$work/$1/pki"
    chmod 700 "$work/$1/pki"
    cp "$work/pki/master.pub" "$work/$1/pki/minion_master.pub"
    cat >"$work/$1/minion" <<CONF
master: $2
publish_port: $nopub
master_alive_interval: 2
id: $1
pki_dir: $work/$1/pki
cachedir: $work/$1/cache
acceptance_wait_time: 1
startup_states: highstate
CONF
}
minion_conf web1 "[127.0.0.1:$ret1, 127.0.0.1:$ret2]"
minion_conf web2 "[127.0.0.1:$ret3, 127.0.0.1:$ret2]"

printf "base:\n  'web*':\n    - web\n" >"$work/salt/top.sls"
printf 'web_up:\n  cmd.run:\n    - name: echo "{{ grains.id }} is {{ pillar.role }}"\n' \
    >"$work/salt/web.sls"
printf "base:\n  '*':\n    - roles\n" >"$work/pillar/top.sls"
printf "role: frontend\n" >"$work/pillar/roles.sls"
chmod -R o-rwx "$work/pillar"

start() { # NAME: m1, m2, m3 or a minion id
    case $1 in
    m*) "$bin/brine-master" -c "$work/$1" >>"$work/$1.log" 2>&1 & ;;
    *) "$bin/brine-minion" -c "$work/$1" -l debug >>"$work/$1.log" 2>&1 & ;;
    esac
    pid[$1]=$!
}
stop() { # NAME [SIGNAL]: waits until it is gone; its exit status in $status
    local p=${pid[$1]}
    kill "-${2:-TERM}" "$p" 2>/dev/null
    timeout 10 tail --pid="$p" -f /dev/null
    { wait "$p"; } 2>/dev/null # no "Killed" notice from bash
    status=$?
    pid[$1]=
}
alive() { [ -n "${pid[$1]}" ] && kill -0 "${pid[$1]}" 2>/dev/null; }
# "minion ID subscribed to its jobs" in master N's log after line MARK
subscribed() { wait_new "$work/m$1.log" "$2" "minion $3 subscribed to its jobs" "$4"; }

###########################################################################
echo "# a bad master entry stops the minion with file, line and option"
mkdir -p "$work/bad"
printf 'id: bad\nmaster:\n  - 127.0.0.1:%s\n  - 127.0.0.1:0\n' "$ret1" >"$work/bad/minion"
if "$bin/brine-minion" -c "$work/bad" >"$work/out" 2>&1; then
    not_ok "a minion with the entry 127.0.0.1:0 started"
elif grep -q "$work/bad/minion:4: option 'master': '127.0.0.1:0': the port" "$work/out"; then
    ok "master entry 127.0.0.1:0 refused: $(cat "$work/out")"
else
    not_ok "unclear error for a bad master entry: $(cat "$work/out")"
fi

###########################################################################
echo "# the first master that answers, in list order"
start m1
start m2
wait_for "$work/m1.log" "publishing on" 20 && wait_for "$work/m2.log" "publishing on" 20 ||
    not_ok "the masters did not start"
start web1
wait_for "$work/m1.log" "minion web1 is pending" 20 &&
    "$bin/brine-key" -c "$work/m1" -a web1 -y >/dev/null &&
    wait_for "$work/m1.log" "return from web1 for job [0-9]{20} \(state.highstate\): success" 20 &&
    ok "web1 enrols on master 1, is accepted there and runs its startup job" ||
    not_ok "web1 on master 1"
"$bin/brine-key" -c "$work/m2" -L | grep -qx "web1" &&
    ok "master 2 sees web1 accepted too (shared pki_dir)" || not_ok "web1 accepted on master 2"
grep -q "web1" "$work/m2.log" && not_ok "web1 talked to master 2 as well" ||
    ok "web1 talks to master 1 only"
brine 1 '*' test.ping
[ "$rc" = 0 ] && grep -qx "    True" "$work/out" && ok "brine test.ping through master 1" ||
    not_ok "test.ping through master 1: rc $rc"

###########################################################################
echo "# master 1 killed: failover to master 2"
mark2=$(lines "$work/m2.log")
markw=$(lines "$work/web1.log")
stop m1 KILL
t0=$(now_ms)
subscribed 2 "$mark2" web1 20 && t_sub=$(now_ms) || t_sub=
if ping_until 2 web1 20; then
    t1=$(now_ms)
    ms=$((t1 - t0))
    echo "# failover time (SIGKILL of master 1 -> job through master 2 answered): $ms ms" \
        "(subscribed to master 2 after $((${t_sub:-$t1} - t0)) ms)"
    [ "$ms" -le 5000 ] &&
        ok "failover to master 2: a job through master 2 answered $ms ms after the kill" ||
        not_ok "failover took $ms ms"
else
    not_ok "no job through master 2 after master 1 was killed"
fi
tail -n +"$((markw + 1))" "$work/web1.log" | grep -q "was lost; failing over to 127.0.0.1:$ret2" &&
    ok "web1 says it fails over, and to which master" || not_ok "web1's log of the failover"
grep -qE "web1 asks for its startup job|return from web1 for job [0-9]+ \(state.highstate\)" \
    "$work/m2.log" && not_ok "web1 ran its startup job again on master 2" ||
    ok "web1 does not run its startup job again after the failover"
"$bin/brine" -c "$work/m2" jobs list | grep -qE "test.ping +web1 +1/1 returned" &&
    ok "master 2's own job cache holds the job" || not_ok "job in master 2's cache"

###########################################################################
echo "# master 1 back, master 2 killed: back to master 1"
mark1=$(lines "$work/m1.log")
start m1
wait_new "$work/m1.log" "$mark1" "publishing on" 20 || not_ok "master 1 did not restart"
sleep 1
grep -q "web1" <(tail -n +"$((mark1 + 1))" "$work/m1.log") &&
    not_ok "web1 left master 2, which works, for master 1" ||
    ok "web1 stays on master 2 while it works"
stop m2 KILL
t0=$(now_ms)
subscribed 1 "$mark1" web1 20 && t_sub=$(now_ms) || t_sub=
if ping_until 1 web1 20; then
    t1=$(now_ms)
    ms=$((t1 - t0))
    echo "# failover time (SIGKILL of master 2 -> job through master 1 answered): $ms ms" \
        "(subscribed to master 1 after $((${t_sub:-$t1} - t0)) ms)"
    [ "$ms" -le 5000 ] && ok "back to master 1: a job answered $ms ms after master 2 was killed" ||
        not_ok "failing back took $ms ms"
else
    not_ok "no job through master 1 after master 2 was killed"
fi

###########################################################################
echo "# a frozen master (SIGSTOP) is left within master_alive_interval (2 s)"
mark2=$(lines "$work/m2.log")
start m2
wait_new "$work/m2.log" "$mark2" "publishing on" 20 || not_ok "master 2 did not restart"
kill -STOP "${pid[m1]}"
t0=$(now_ms)
if subscribed 2 "$mark2" web1 20 && ping_until 2 web1 20; then
    t1=$(now_ms)
    ms=$((t1 - t0))
    echo "# failover time (SIGSTOP of master 1 -> job through master 2 answered): $ms ms"
    [ "$ms" -le 5000 ] && ok "master 1 frozen: a job through master 2 answered after $ms ms" ||
        not_ok "leaving a frozen master took $ms ms"
else
    not_ok "web1 did not leave the frozen master 1"
fi
# A minion starting while the first master of its list is frozen: that
# master accepts the TCP connection (the kernel does) but never answers
mark2=$(lines "$work/m2.log")
markw=$(lines "$work/web1.log")
stop web1
t0=$(now_ms)
start web1
if subscribed 2 "$mark2" web1 20 && ping_until 2 web1 20; then
    ms=$(($(now_ms) - t0))
    tail -n +"$((markw + 1))" "$work/web1.log" |
        grep -q "127.0.0.1:$ret1 did not answer within 2 s (master_alive_interval); failing over" &&
        [ "$ms" -le 6000 ] &&
        ok "web1 started with master 1 frozen: skips it after 2 s, answers through master 2 after $ms ms" ||
        not_ok "web1 started with master 1 frozen: $ms ms, log: $(tail -n +"$((markw + 1))" "$work/web1.log" | grep -E "answer|fail")"
else
    not_ok "web1 started with master 1 frozen did not reach master 2"
fi
kill -CONT "${pid[m1]}"

###########################################################################
echo "# both masters down: the minion waits, and takes whichever comes back"
stop m1
stop m2
sleep 3
alive web1 && ok "web1 keeps running with no master" || not_ok "web1 died without masters"
mark2=$(lines "$work/m2.log")
t0=$(now_ms)
start m2
if subscribed 2 "$mark2" web1 20 && ping_until 2 web1 20; then
    ok "master 2 back: web1 answers through it after $(($(now_ms) - t0)) ms"
else
    not_ok "web1 did not come back to master 2"
fi

###########################################################################
echo "# S5: an impostor master listed first is refused, never believed"
mark2=$(lines "$work/m2.log")
start m3
wait_for "$work/m3.log" "publishing on" 20 || not_ok "master 3 did not start"
start web2
wait_for "$work/web2.log" "failed the handshake" 20 &&
    wait_new "$work/m2.log" "$mark2" "minion web2 is pending" 20 &&
    "$bin/brine-key" -c "$work/m2" -a web2 -y >/dev/null &&
    subscribed 2 "$mark2" web2 20 && ping_until 2 web2 20 &&
    ok "web2 refuses the impostor (another key) and uses master 2" ||
    not_ok "web2 with an impostor first in its list"
grep -qE "web2" "$work/m3.log" && not_ok "the impostor heard from web2: $(grep web2 "$work/m3.log")" ||
    ok "the impostor never hears web2's enrolment or hello"

###########################################################################
echo "# the end: every daemon stops cleanly on SIGTERM"
stops=""
for n in web1 web2 m2 m3; do
    alive "$n" || not_ok "$n is not running at the end"
    stop "$n"
    stops="$stops $n:$status"
done
[ "$stops" = " web1:0 web2:0 m2:0 m3:0" ] && ok "SIGTERM: every daemon exits 0" ||
    not_ok "exit statuses on SIGTERM:$stops"
grep -qE "Assertion|Segmentation|Aborted|AddressSanitizer|LeakSanitizer|runtime error:" \
    "$work/"*.log && not_ok "a daemon crashed: $(grep -hE "Assertion|Segmentation|Aborted|Sanitizer|runtime error:" "$work/"*.log | head -5)" ||
    ok "no daemon crashed"

echo "e2e_failover: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
