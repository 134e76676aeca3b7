#!/bin/bash
# mongo_masters: two masters on 127.0.0.1 share one pki_dir, state tree,
# pillar and the MongoDB stand-in (master_job_cache: mongo); one minion lists
# both. The master the minion uses is killed (SIGKILL), the minion fails
# over, and its next job, through the other master, succeeds; the killed
# master comes back and lists that job too. Five rounds, alternating
# masters; the failover times (kill -> the job answered) are printed with
# their median and spread.
#   usage: test_masters.sh BIN_DIR [ROUNDS]
set -uo pipefail
. "$(dirname "$0")/lib.sh"
mongo_init mongo_masters "$1"
rounds=${2:-5}

standin_start "$work/db" || { not_ok "the stand-in did not start"; mongo_done; exit 1; }
master_conf 1 "$STANDIN_URI"
master_conf 2 "$STANDIN_URI"
minion_conf web1 "[127.0.0.1:$(ret_port 1), 127.0.0.1:$(ret_port 2)]"
printf "base:\n  '*':\n    - web\n" >"$work/salt/top.sls"
printf 'web:\n  cmd.run:\n    - name: echo "{{ grains.id }} is {{ pillar.role }}"\n' \
    >"$work/salt/web.sls"
printf "base:\n  '*':\n    - roles\n" >"$work/pillar/top.sls"
printf "role: frontend\n" >"$work/pillar/roles.sls"
chmod -R o-rwx "$work/pillar"

# test.ping of web1 through master N until it answers, at most SECONDS
ping_until() { # N SECONDS
    local deadline=$(($(now_ms) + $2 * 1000))
    while :; do
        brine "$1" web1 test.ping --timeout 2
        [ "$rc" = 0 ] && grep -qx "    True" "$work/out" && return 0
        [ "$(now_ms)" -ge "$deadline" ] && return 1
        sleep 0.02
    done
}
# the jid of the last job master N started
last_jid() { grep -oE "job [0-9]{20}: " "$work/m$1.log" | tail -1 | cut -c5-24; }

start m2
fleet_up 1 web1
wait_for "$work/m2.log" "publishing on" 20 || not_ok "master 2 did not start"
ping_until 1 10 && ok "web1 answers through master 1" || not_ok "web1 through master 1"

times=()
cur=1
for ((round = 1; round <= rounds; round++)); do
    other=$((3 - cur))
    stop "m$cur" KILL
    t0=$(now_ms)
    if ping_until "$other" 20; then
        ms=$(($(now_ms) - t0))
        times+=("$ms")
        jid=$(last_jid "$other")
        echo "# round $round: master $cur killed, web1's job $jid through master $other after $ms ms"
    else
        not_ok "round $round: no job through master $other after master $cur was killed"
        break
    fi
    mark=$(lines "$work/m$cur.log")
    start "m$cur"
    wait_for "$work/m$cur.log" "publishing on" 20 || not_ok "master $cur did not restart"
    # the job is in MongoDB once its return is; each master lists it
    for n in 1 2; do
        for _ in $(seq 50); do
            brine "$n" jobs list
            grep -qE "^$jid  test.ping +web1 +1/1 returned$" "$work/out" && break
            sleep 0.1
        done
        grep -qE "^$jid  test.ping +web1 +1/1 returned$" "$work/out" ||
            not_ok "round $round: master $n does not list job $jid: $(cat "$work/out")"
    done
    cur=$other
done
[ "${#times[@]}" = "$rounds" ] &&
    ok "$rounds failovers: each time the next job succeeded on the other master, and both list it"
if [ "${#times[@]}" -gt 0 ]; then
    read -r min med max < <(printf '%s\n' "${times[@]}" | sort -n |
        awk '{v[NR]=$1} END {m = NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; print v[1], m, v[NR]}')
    echo "# failover time (SIGKILL -> next job answered on the other master), ms:" \
        "${times[*]}; median $med, min $min, max $max"
    [ "$max" -le 8000 ] && ok "failover within 8 s every time (median $med ms)" ||
        not_ok "a failover took $max ms"
fi
grep -qE "web1 asks for its startup job" "$work/m1.log" "$work/m2.log" &&
    not_ok "web1 asked for a startup job" || ok "no startup job again after a failover"
brine 1 jobs list
cp "$work/out" "$work/list1"
brine 2 jobs list
diff -q "$work/list1" "$work/out" >/dev/null && ok "both masters list the same $(wc -l <"$work/out") jobs" ||
    not_ok "the lists differ: $(diff "$work/list1" "$work/out")"
stop web1
stop m1
stop m2
mongo_done
