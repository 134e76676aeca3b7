#!/bin/bash
# mongo_outage: nothing is lost while MongoDB is down. Four minions answer
# a stream of jobs through a master with master_job_cache: mongo; the
# stand-in is stopped in the middle of the stream and started again on the
# same port a few seconds later. Every job still returned (the master kept
# serving), the outage is logged once and the recovery once, and afterwards
# MongoDB holds every job and every return exactly once. Then the master is
# restarted while MongoDB is down: the jobs of that time are spooled in its
# job cache and written once it is back; brine jobs list meanwhile lists the
# master's own job cache and says why.
#   usage: test_outage.sh BIN_DIR
set -uo pipefail
. "$(dirname "$0")/lib.sh"
mongo_init mongo_outage "$1"
minions="a1 a2 a3 a4"
njobs=60

standin_start "$work/db" || { not_ok "the stand-in did not start"; mongo_done; exit 1; }
master_conf 1 "$STANDIN_URI"
for id in $minions; do minion_conf "$id" "127.0.0.1:$(ret_port 1)"; done
# shellcheck disable=SC2086
fleet_up 1 $minions

# N jobs one after the other; "JID-less" lines: one per job, its status
stream() { # N FILE
    local i
    for ((i = 0; i < $1; i++)); do
        timeout 30 "$bin/brine" -c "$work/m1" '*' test.ping --timeout 5 >"$work/stream.out" 2>&1
        echo "$? $(grep -cx "    True" "$work/stream.out")" >>"$2"
    done
}
# every return in MongoDB once, for each job of the job cache of master 1
exactly_once() { # EXPECTED-JOBS
    local want=$1
    dump jobs >"$work/jobs.json"
    dump returns >"$work/returns.json"
    /usr/bin/python3 - "$work" "$want" "$minions" >"$work/out" 2>&1 <<'PY'
import json, os, sys
work, want, minions = sys.argv[1], int(sys.argv[2]), sorted(sys.argv[3].split())
jobs = [json.loads(l) for l in open(work + "/jobs.json")]
rets = [json.loads(l) for l in open(work + "/returns.json")]
local = sorted(f[:20] for f in os.listdir(work + "/m1/cache/jobs") if f.endswith(".bson"))
pairs = [(r["jid"], r["minion"]) for r in rets]
bad = []
if len(jobs) != want: bad.append("%d jobs, not %d" % (len(jobs), want))
if sorted(j["jid"] for j in jobs) != local: bad.append("jobs differ from the job cache")
if len(set(pairs)) != len(pairs): bad.append("a return twice")
expected = sorted((jid, m) for jid in local for m in minions)
if sorted(pairs) != expected:
    bad.append("%d returns, not %d" % (len(pairs), len(expected)))
if any(j.get("returned") != len(minions) or "finished" not in j for j in jobs):
    bad.append("a job without its end")
print("\n".join(bad) if bad else "%d jobs, %d returns, each once" % (len(jobs), len(pairs)))
sys.exit(1 if bad else 0)
PY
}

echo "# the stand-in stopped in the middle of $njobs jobs, started again 3 s later"
: >"$work/stream1"
stream "$njobs" "$work/stream1" &
streamer=$!
wait_for "$work/stream1" "" 60 15 || not_ok "the stream did not start"
standin_stop
down_at=$(now_ms)
sleep 3
standin_start "$work/db" "$STANDIN_PORT" || not_ok "the stand-in did not start again"
echo "# stand-in down for $(($(now_ms) - down_at)) ms"
wait "$streamer"
[ "$(grep -cx "0 4" "$work/stream1")" = "$njobs" ] &&
    ok "all $njobs jobs returned from all 4 minions, during the outage too" ||
    not_ok "jobs during the outage: $(sort "$work/stream1" | uniq -c | tr '\n' ' ')"
wait_docs returns $((njobs * 4)) 60 && wait_docs jobs "$njobs" 30 ||
    not_ok "MongoDB holds $(dump jobs | wc -l) jobs and $(dump returns | wc -l) returns"
exactly_once "$njobs" && ok "every job and return in MongoDB exactly once: $(cat "$work/out")" ||
    not_ok "after the outage: $(cat "$work/out")"
[ "$(count "$work/m1.log" "is unreachable")" = 1 ] &&
    [ "$(count "$work/m1.log" "MongoDB at $STANDIN_URI is back")" = 1 ] &&
    ok "the outage logged once, the recovery once: $(grep -h -e "is unreachable" -e "is back" "$work/m1.log" | cut -c30- | tr '\n' ' ')" ||
    not_ok "outage lines: $(grep -c -e unreachable -e "is back" "$work/m1.log")"
[ -z "$(ls "$work/m1/cache/jobs" | grep "\.mongo$")" ] && ok "nothing left in the spool" ||
    not_ok "spool: $(ls "$work/m1/cache/jobs" | grep "\.mongo$")"

echo "# the master restarted while MongoDB is down"
standin_stop
: >"$work/stream2"
stream 5 "$work/stream2"
[ "$(grep -cx "0 4" "$work/stream2")" = 5 ] && ok "5 jobs returned with MongoDB down" ||
    not_ok "jobs with MongoDB down: $(cat "$work/stream2")"
t0=$(now_ms)
brine 1 jobs list
[ "$rc" = 0 ] && grep -q "MongoDB at $STANDIN_URI: .*; this master's own job cache follows" "$work/out" &&
    [ "$(grep -cE "^[0-9]{20}  test.ping" "$work/out")" = $((njobs + 5)) ] &&
    ok "brine jobs list with MongoDB down: says so, lists the job cache ($(($(now_ms) - t0)) ms)" ||
    not_ok "brine jobs list with MongoDB down: rc $rc"
t0=$(now_ms)
stop m1
[ "$status" = 0 ] && ok "master 1 stops with MongoDB down, in $(($(now_ms) - t0)) ms" ||
    not_ok "stop: $status"
[ "$(ls "$work/m1/cache/jobs" | grep -c "\.mongo$")" = 5 ] && ok "5 jobs spooled in the job cache" ||
    not_ok "spool: $(ls "$work/m1/cache/jobs" | grep "\.mongo$")"
standin_start "$work/db" "$STANDIN_PORT" || not_ok "the stand-in did not start again"
mark=$(lines "$work/m1.log")
start m1
wait_docs jobs $((njobs + 5)) 30 || not_ok "the spooled jobs were not written"
exactly_once $((njobs + 5)) && ok "after the restart: $(cat "$work/out")" ||
    not_ok "after the restart: $(cat "$work/out")"
tail -n +"$((mark + 1))" "$work/m1.log" | grep -q "5 job(s) of an earlier run to write" &&
    ok "the master says it writes the 5 spooled jobs" || not_ok "no word of the spooled jobs"
for id in $minions; do stop "$id"; done
stop m1
mongo_done
