#!/bin/bash
# security_s5: the minion pins its master's public key (invariant S5).
#
# The real master stops and an impostor takes its two ports: a master with
# a key of its own that admits every client, welcomes every request and
# publishes, every 200 ms, a job sealed with its key to the minion's (which
# it knows: public keys are public). A minion that was running and one that
# starts afresh must both refuse it, say why in their logs, send it nothing
# and run nothing. Then an impostor without CURVE at all. Then the real
# master comes back and the minion serves again.
#   usage: test_s5_impostor.sh BIN_DIR
set -uo pipefail
. "$(dirname "$0")/lib.sh"
sec_init security_s5 "$1"

master_config
start_master || not_ok "the master did not start"
minion_config web1
start_minion web1
accept_minion web1 || not_ok "web1 was not accepted"
brine web1 test.ping
[ "$rc" = 0 ] && ok "web1 answers its real master" || not_ok "baseline test.ping: rc $rc"

impostor() { # LABEL [null]: runs the impostor for 5 s against a running minion and a fresh one
    local label=$1 mode=${2:-} mark
    mark=$(wc -l <"$work/web1.log")
    "$bin/sec_attack" impostor "$pub" "$ret" 5 "$work/web1/pki/minion.pub" web1 $mode \
        >"$work/impostor.out" 2>&1 &
    local ipid=$!
    bg_pids+=("$ipid")
    wait_for "$work/impostor.out" "impostor: listening" 5 ||
        not_ok "$label: the impostor did not start: $(cat "$work/impostor.out")"
    sleep 2
    stop_minion web1
    start_minion web1
    wait "$ipid"
    tail -n +"$((mark + 1))" "$work/web1.log" >"$work/since"
    if grep -q "does not hold the pinned master key" "$work/since"; then
        ok "$label: the minion refuses it and says why: $(grep -m1 "does not hold" "$work/since" | sed 's/^[A-Z]: ([^)]*) [0-9-]* [0-9:]* //')"
    else
        not_ok "$label: no refusal in the minion's log: $(tail -5 "$work/since")"
    fi
    grep -qE "ran job|welcomed this minion" "$work/since" &&
        not_ok "$label: the minion ran a job or took a welcome from the impostor" ||
        ok "$label: the minion took no welcome and ran none of its jobs"
    grep -q "0 handshake(s) completed, [1-9][0-9]* failed, 0 request(s), 0 subscription(s), [1-9]" \
        "$work/impostor.out" &&
        ok "$label: $(cat "$work/impostor.out" | tail -1 | sed 's/^impostor: //')" ||
        not_ok "$label: $(cat "$work/impostor.out")"
}

stop_master
echo "# an impostor with its own key on the master's address"
impostor "impostor with its own key"
echo "# an impostor without CURVE"
impostor "impostor without CURVE" null

echo "# the real master again"
mark=$(wc -l <"$work/web1.log")
start_master || not_ok "the master did not restart"
wait_for "$work/master.log" "minion web1 subscribed to its jobs" 20 2
brine web1 test.ping
[ "$rc" = 0 ] && ok "web1 serves its real master again" || not_ok "after the impostors: rc $rc"
sec_done
