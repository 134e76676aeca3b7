#!/bin/bash
# security_privsep: brine-minion started as root separates privileges
# (docs/privsep.md). A real minion on 127.0.0.1: its network child runs as
# the unprivileged user, chrooted, with no_new_privs and no capabilities;
# jobs that need root still run (the startup job, cmd.run, test=True).
# Then the attacker takes the child's socket to the monitor out of the
# running child (sec_attack netchild) and writes what code running in the
# child could: an operation outside the table, frames over their bound or
# cut short, READY again, jobs sealed with keys of its own. Each is refused
# (the protocol breakers killed, and a new child started); the minion keeps
# serving. Also: a missing privsep_user and an unsafe privsep_dir stop the
# minion with the option named, privsep: False and a start as a normal user
# run in one process, SIGTERM stops both processes.
source "$(dirname "$0")/lib.sh"
sec_init security_privsep "$1"

if [ "$(id -u)" != 0 ]; then
    echo "security_privsep: skipped (needs root)"
    exit 77
fi
nobody_uid=$(id -u nobody)
nobody_gid=$(id -g nobody)

master_config
mkdir -p "$work/root-only"
chmod 700 "$work/root-only"
cat >"$work/salt/privsep_root.sls" <<SLS
made-by-root:
  cmd.run:
    - name: id -u > $work/root-only/startup-uid
    - creates: $work/root-only/startup-uid
SLS
start_master || not_ok "the master did not start"
minion_config web1 "startup_states: sls" "sls_list: [privsep_root]"
start_minion web1
accept_minion web1 || not_ok "web1 was not accepted"

echo "# the two processes"
for _ in $(seq 40); do [ -n "$(net_child web1)" ] && break; sleep 0.05; done
monitor=${mpid[web1]}
net=$(net_child web1)
status() { grep -E "^$2:" "/proc/$1/status" | cut -f2- | tr -s '\t ' ' ' | sed 's/ *$//'; }
[ -n "$net" ] && ok "the monitor ($monitor) has a network child ($net), brine-netchild" ||
    not_ok "no network child under $monitor: $(pgrep -a -P "$monitor")"
[ "$(status "$monitor" Uid)" = "0 0 0 0" ] && ok "the monitor runs as root" ||
    not_ok "the monitor: Uid $(status "$monitor" Uid)"
[ "$(status "$net" Uid)" = "$nobody_uid $nobody_uid $nobody_uid $nobody_uid" ] &&
    [ "$(status "$net" Gid)" = "$nobody_gid $nobody_gid $nobody_gid $nobody_gid" ] &&
    [ -z "$(status "$net" Groups)" ] &&
    ok "the network child runs as nobody: every uid $nobody_uid, every gid $nobody_gid, no groups" ||
    not_ok "the network child: Uid $(status "$net" Uid), Gid $(status "$net" Gid), Groups '$(status "$net" Groups)'"
[ "$(status "$net" NoNewPrivs)" = 1 ] && [ "$(status "$net" CapPrm)" = 0000000000000000 ] &&
    [ "$(status "$net" CapEff)" = 0000000000000000 ] &&
    ok "the network child has no_new_privs and no capabilities" ||
    not_ok "the network child: NoNewPrivs $(status "$net" NoNewPrivs), CapPrm $(status "$net" CapPrm)"
[ "$(readlink "/proc/$net/root")" = /run/brine-minion ] && [ "$(readlink "/proc/$net/cwd")" = /run/brine-minion ] &&
    [ -z "$(ls -A /run/brine-minion)" ] &&
    ok "the network child is chrooted to the empty /run/brine-minion" ||
    not_ok "the network child's root: $(readlink "/proc/$net/root"), cwd $(readlink "/proc/$net/cwd")"
grep -qE "^Max open files +256 +256" "/proc/$net/limits" &&
    ok "the network child may hold at most 256 descriptors" ||
    not_ok "the network child's open files: $(grep 'open files' "/proc/$net/limits")"
established=$(ss -tnpH state established 2>/dev/null | grep -E "pid=$monitor," || true)
[ -z "$established" ] && [ -n "$(ss -tnpH 2>/dev/null | grep -E "pid=$net,")" ] &&
    ok "only the network child holds connections to the master" ||
    not_ok "the monitor's connections: $established"

echo "# jobs that need root"
wait_for "$work/web1.log" "ran job .* \(state.apply\): success" 20 &&
    [ "$(cat "$work/root-only/startup-uid" 2>/dev/null)" = 0 ] &&
    ok "the startup job ran, as root, into a directory only root may write" ||
    not_ok "the startup job: $(cat "$work/root-only/startup-uid" 2>&1)"
brine web1 cmd.run "id -u; touch $work/root-only/by-cmd" --out=json
[ "$rc" = 0 ] && grep -q '"stdout": "0"' "$work/out" && [ -f "$work/root-only/by-cmd" ] &&
    ok "cmd.run runs as root (id -u: 0) and writes where only root may" ||
    not_ok "cmd.run as root: rc $rc"
rm -f "$work/root-only/startup-uid"
brine web1 state.apply privsep_root test=True --no-color
[ "$rc" = 0 ] && grep -q "would be run\|Result: None" "$work/out" &&
    [ ! -f "$work/root-only/startup-uid" ] &&
    ok "test=True predicts and changes nothing" || not_ok "test=True: rc $rc"
brine web1 test.ping
[ "$rc" = 0 ] && ok "test.ping" || not_ok "test.ping: rc $rc"

# attack NAME ARGS...: the attacker in the network child's place; output in
# $work/attack.out
attack() {
    "$bin/sec_attack" netchild "$(net_child web1)" "$@" >"$work/attack.out" 2>&1
}
# waits for a new network child after OLD, and for it to serve again
served_again() { # OLD
    local i
    for i in $(seq 200); do
        local now
        now=$(net_child web1)
        [ -n "$now" ] && [ "$now" != "$1" ] && break
        sleep 0.05
    done
    wait_for "$work/master.log" "minion web1 subscribed to its jobs" 20 \
        $(($(count "$work/master.log" "minion web1 subscribed to its jobs") + 0)) &&
        for i in $(seq 40); do brine web1 test.ping -t 2 && [ "$rc" = 0 ] && return 0; sleep 0.25; done
    return 1
}

echo "# a compromised network child: jobs sealed with keys of its own"
mark=$(count "$work/web1.log" "ran job")
before=$(net_child web1)
attack garbage
grep -q "^answer: refused: .*does not open\|^answer: refused: .*malformed\|^answer: refused" "$work/attack.out" &&
    ok "random bytes as a sealed job: refused, not run" ||
    not_ok "random bytes: $(cat "$work/attack.out")"
attack rogue "$work" attacker "$work/web1/pki/minion.pub"
grep -q "^answer: refused: .*does not open with our sealing key" "$work/attack.out" &&
    ok "test.ping sealed with the attacker's own key pair: refused, not run" ||
    not_ok "a job sealed by the attacker: $(cat "$work/attack.out")"
[ "$(count "$work/web1.log" "ran job")" = "$mark" ] && [ "$(net_child web1)" = "$before" ] &&
    ok "nothing ran; a job that does not open is no reason to kill the child" ||
    not_ok "after the forged jobs: child $(net_child web1) (was $before)"
brine web1 test.ping
[ "$rc" = 0 ] && ok "the minion still serves" || not_ok "after the forged jobs: rc $rc"
# The child holds the minion's transport key pair for CURVE; jobs are sealed
# to the sealing key pair, which only the monitor holds (docs/privsep.md):
# a job the attacker seals with the transport key is refused, never run
mark=$(count "$work/web1.log" "ran job")
attack minion-key "$work/web1/pki"
grep -q "^answer: refused: .*does not open with our sealing key" "$work/attack.out" &&
    [ "$(count "$work/web1.log" "ran job")" = "$mark" ] &&
    ok "a job sealed with the minion's transport key (CURVE's, held by the child): refused, not run" ||
    not_ok "a job sealed with the transport key: $(cat "$work/attack.out")"
grep -q "refused a job: .*does not open with our sealing key" "$work/web1.log" &&
    ok "the monitor logs the refusal" || not_ok "no refusal logged: $(tail -3 "$work/web1.log")"

# What the attacker could read in the child: the transport key, not the
# sealing key (scanned for in all of its readable memory); the monitor
# holds it, so the same scan of the monitor is the check that it works
"$bin/sec_attack" netchild "$(net_child web1)" seal-scan "$work/web1/pki" >"$work/scan.out" 2>&1 &&
    grep -q "^sealing secret key: 0 copies" "$work/scan.out" &&
    ok "the network child's memory holds no copy of the sealing secret key" ||
    not_ok "the network child's memory: $(cat "$work/scan.out")"
"$bin/sec_attack" netchild "${mpid[web1]}" seal-scan "$work/web1/pki" >"$work/scan.out" 2>&1
grep -qE "^sealing secret key: [1-9][0-9]* copies" "$work/scan.out" &&
    ok "the monitor's does (the scan finds the key where it is)" ||
    not_ok "the monitor's memory: $(cat "$work/scan.out")"

# With the transport key the child holds, the attacker says hello as web1
# and names a sealing key of its own: were it pinned, the next jobs to web1
# would be sealed to the attacker. The master keeps the key pinned at
# enrolment, refuses the hello, and the next job still opens in the monitor.
mark=$(count "$work/master.log" "is not the one pinned at enrolment")
"$bin/sec_attack" hello "tcp://127.0.0.1:$ret" "$work/m/pki/master.pub" "$work/web1/pki" minion \
    web1 "$work" attacker-seal >"$work/attack.out" 2>&1
grep -q "^hello web1: error .*sealing key differs from the pinned one" "$work/attack.out" &&
    [ "$(count "$work/master.log" "hello from minion web1 ignored: its sealing key .* is not the one pinned at enrolment")" -gt "$mark" ] &&
    ok "a hello with web1's transport key naming another sealing key: refused and logged" ||
    not_ok "a hello naming another sealing key: $(cat "$work/attack.out"); $(tail -2 "$work/master.log")"
brine web1 test.ping
[ "$rc" = 0 ] && ok "the next job is sealed to the pinned key: the monitor opens it" ||
    not_ok "after the hello with another sealing key: rc $rc"

echo "# a compromised network child: frames outside the protocol"
for case in "exec:unknown operation 7" "oversize:over its bound" "truncated:ends after 10 of 100"; do
    name=${case%%:*}
    reason=${case#*:}
    before=$(net_child web1)
    attack "$name"
    if wait_for "$work/web1.log" "network child $before broke the monitor protocol \(.*$reason" 10; then
        ok "$name: the monitor logs '$reason' and kills the child"
    else
        not_ok "$name: $(cat "$work/attack.out"); log: $(grep -E "network child|monitor" "$work/web1.log" | tail -3)"
    fi
    # (the monitor logs, then kills and reaps it)
    for _ in $(seq 100); do kill -0 "$before" 2>/dev/null || break; sleep 0.05; done
    kill -0 "$before" 2>/dev/null && not_ok "$name: the child $before still lives"
    served_again "$before" && ok "$name: a new network child ($(net_child web1)) serves" ||
        not_ok "$name: no new network child serves"
done
[ ! -e /brine-privsep-pwned ] && ok "the operation outside the table did nothing" ||
    { rm -f /brine-privsep-pwned; not_ok "/brine-privsep-pwned was created"; }
grep -qE "the network child [0-9]+ exited with status|starting another in [0-9]+ s" "$work/web1.log" &&
    ok "each new child came after a logged wait (backoff)" || not_ok "no backoff logged"

echo "# a network child that dies"
before=$(net_child web1)
kill -KILL "$before"
wait_for "$work/web1.log" "network child $before was killed by signal 9; starting another" 10 &&
    served_again "$before" && ok "killed: logged, and a new child serves" ||
    not_ok "after SIGKILL of the child: $(tail -3 "$work/web1.log")"

[ "$(count "$work/web1.log" "asked for the startup job")" = 1 ] &&
    ok "the new children did not ask for the startup job again" ||
    not_ok "startup job asked for $(count "$work/web1.log" "asked for the startup job") times"

echo "# SIGTERM to the monitor during a job stops both"
brine web1 cmd.run "sleep 1; touch $work/root-only/finished" &
cli=$!
for _ in $(seq 100); do [ -n "$(job_pid web1)" ] && break; sleep 0.05; done
net=$(net_child web1)
monitor=${mpid[web1]}
kill -TERM "$monitor"
timeout 10 tail --pid="$monitor" -f /dev/null
wait "$monitor"
status=$?
mpid[web1]=
wait "$cli"
[ "$status" = 0 ] && ! kill -0 "$net" 2>/dev/null && [ -f "$work/root-only/finished" ] &&
    ok "SIGTERM: the job finishes, the monitor exits 0, its child is gone" ||
    not_ok "SIGTERM during a job: status $status, child $net $(kill -0 "$net" 2>/dev/null && echo alive)"

echo "# configuration"
minion_config web2 "privsep_user: no-such-user-here"
out=$("$bin/brine-minion" -c "$work/web2" 2>&1)
[ $? = 1 ] && grep -qE "web2/minion:[0-9]+: option 'privsep_user': no user 'no-such-user-here'" <<<"$out" &&
    ok "a privsep_user that does not exist: exit 1, the option named" ||
    not_ok "missing user: $out"
mkdir -p "$work/open-dir"
chmod 777 "$work/open-dir"
minion_config web2 "privsep_dir: $work/open-dir"
out=$("$bin/brine-minion" -c "$work/web2" 2>&1)
[ $? = 1 ] && grep -qE "web2/minion:[0-9]+: option 'privsep_dir': .*writable by nobody else" <<<"$out" &&
    ok "a privsep_dir others may write: exit 1, the option named" ||
    not_ok "unsafe dir: $out"
minion_config web2 "privsep: False"
start_minion web2
wait_for "$work/web2.log" "privsep is off" 10 && sleep 0.3 && [ -z "$(net_child web2)" ] &&
    ok "privsep: False: one process, and a warning" || not_ok "privsep: False: $(tail -2 "$work/web2.log")"
stop_minion web2
# A normal user: no root to keep apart, one process
plain=$(mktemp -d /tmp/brine-privsep-user.XXXXXX)
mkdir -p "$plain/pki"
cp "$work/m/pki/master.pub" "$plain/pki/minion_master.pub"
printf 'master: 127.0.0.1\npublish_port: %s\nret_port: %s\nid: plain\npki_dir: %s\ncachedir: %s\n' \
    "$pub" "$ret" "$plain/pki" "$plain/cache" >"$plain/minion"
chown -R nobody "$plain"
setpriv --reuid=nobody --regid="$nobody_gid" --clear-groups "$bin/brine-minion" -c "$plain" \
    >"$work/plain.log" 2>&1 &
bg_pids+=($!)
wait_for "$work/plain.log" "not started as root: running as uid $nobody_uid in one process" 10 &&
    ok "started as a normal user: one process, without separation, said so" ||
    not_ok "as a normal user: $(cat "$work/plain.log")"
kill "${bg_pids[-1]}" 2>/dev/null
wait "${bg_pids[-1]}" 2>/dev/null
rm -rf "$plain"
sec_done
