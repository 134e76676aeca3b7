#!/bin/bash
# security_s3: a replayed, edited or expired job is refused and never runs
# twice (invariant S3; CVE-2022-22936 replayed Salt's publishes).
#
# The relay of sec_attack sits on the wire between a real brine-minion and
# its master (see sec_relay.c: it holds both ends' keys, so it can inject
# into the minion's session, which an outsider cannot) and captures every
# job. It sends a job that ran again, as it was and with a new jid or a
# later expiry in its header; sends it again after the minion restarts;
# withholds two jobs and sends them with a flipped bit, with each other's
# headers and with a new jid; and once they have expired, as they were and
# with a later expiry. The jobs append to a file: it must hold one line.
#   usage: test_s3_replay.sh BIN_DIR
set -uo pipefail
. "$(dirname "$0")/lib.sh"
sec_init security_s3 "$1"

read -r rpub rret < <("$bin/sec_attack" port 2 | tr '\n' ' ')
master_config "job_ttl: 6"
start_master || not_ok "the master did not start"
MINION_PUB=$rpub MINION_RET=$rret minion_config web1
"$bin/brine-key" --gen minion --gen-dir "$work/web1/pki" >/dev/null
mkfifo "$work/relay.ctl"
"$bin/sec_attack" relay "tcp://127.0.0.1:$pub" "tcp://127.0.0.1:$ret" "$rpub" "$rret" \
    "$work/m/pki" "$work/web1/pki" <"$work/relay.ctl" >"$work/relay.out" 2>&1 &
bg_pids+=($!)
exec 3>"$work/relay.ctl"
relay() { echo "$*" >&3; }
start_minion web1
accept_minion web1 && wait_for "$work/relay.out" "relay: minion subscribed" 10 &&
    ok "web1 is accepted and talks to its master through the relay" ||
    not_ok "web1 behind the relay: $(cat "$work/relay.out")"

runs() { cat "$work/runs" 2>/dev/null | wc -l; }
refusals=0
# sends captured job N with a mutation; the minion must log REASON for it
refused() { # WHAT REASON N MUTATION [M]
    local what=$1 reason=$2
    shift 2
    relay send "$@"
    refusals=$((refusals + 1))
    if wait_for "$work/web1.log" "refused a job" 5 "$refusals" &&
        grep "refused a job" "$work/web1.log" | tail -1 | grep -qE "$reason"; then
        ok "$what: refused ($(grep "refused a job" "$work/web1.log" | tail -1 | sed 's/.*refused a job: //'))"
    else
        not_ok "$what: not refused as '$reason': $(grep "refused a job" "$work/web1.log" | tail -1)"
        refusals=$(count "$work/web1.log" "refused a job")
    fi
}

echo "# a job that ran, sent again"
brine web1 cmd.run "echo ran >>$work/runs"
[ "$rc" = 0 ] && [ "$(runs)" = 1 ] && wait_for "$work/relay.out" "captured job 0" 5 &&
    ok "job 0 captured on its way and run once" || not_ok "job 0: rc $rc, runs $(runs)"
refused "the same job again" "was already run" 0 exact
refused "with a new jid in its header" "does not open" 0 jid
refused "with its expiry an hour later" "was already run|does not open" 0 exp
stop_minion web1
start_minion web1
wait_for "$work/relay.out" "relay: minion subscribed" 10 2 &&
    wait_for "$work/web1.log" "welcomed this minion" 10 2
refused "again, after the minion restarted (its replay cache is on disk)" "was already run" 0 exact

echo "# jobs withheld, then sent edited, late, or both"
relay hold
wait_for "$work/relay.out" "holding jobs" 5
brine web1 cmd.run "echo held-1 >>$work/runs" --timeout 1
brine web1 cmd.run "echo held-2 >>$work/runs" --timeout 1
wait_for "$work/relay.out" "captured job 2 .*held" 5 &&
    ok "jobs 1 and 2 captured and withheld (brine: not returned)" || not_ok "held jobs"
refused "job 1 with one bit of its sealed body flipped" "does not open" 1 flip
refused "job 1's body under job 2's header" "does not open" 1 swap 2
refused "job 1 with a new jid in its header" "does not open" 1 jid
sleep 6.5 # past job 1's expiry (job_ttl 6)
refused "job 1, expired, as it was" "expired" 1 exact
refused "job 1, expired, with its expiry an hour later" "does not open" 1 exp
refused "job 2, expired, with a new jid and a later expiry" "does not open" 2 jid+exp

echo "# what ran"
relay pass
wait_for "$work/relay.out" "forwarding jobs" 5
brine web1 test.ping
[ "$rc" = 0 ] && ok "control: a fresh job through the relay still runs" ||
    not_ok "test.ping through the relay: rc $rc"
[ "$(runs)" = 1 ] && [ "$(count "$work/relay.out" "return for job")" = 2 ] &&
    [ "$(count "$work/web1.log" "ran job")" = 2 ] &&
    ok "nothing ran twice: one line in the file, two returns (job 0 and the ping)" ||
    not_ok "ran: $(runs) line(s), $(count "$work/relay.out" "return for job") return(s)"
relay quit
sec_done
