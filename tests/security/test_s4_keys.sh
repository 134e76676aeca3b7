#!/bin/bash
# security_s4: only accepted keys receive jobs; unknown keys can only enrol;
# rejected and deleted keys get nothing (invariant S4; CVE-2020-11651 let
# unauthenticated clients call the Salt master's methods).
#
# Raw XSUB clients with an unknown key, a pending one, a rejected one, a
# denied one (another key for an accepted id) and a deleted one ask the
# real master's publish socket for every topic and for the accepted
# minion's topic while that minion runs a job with a passphrase, and a
# client whose key is deleted while it is connected stays on, also once its
# id is accepted again under a new key. Then a flood
# of fresh keys enrols as fast as it can while the accepted minion is
# pinged: it must answer within the ping's timeout.
#   usage: test_s4_keys.sh BIN_DIR [FLOOD_COUNT]
set -uo pipefail
. "$(dirname "$0")/lib.sh"
sec_init security_s4 "$1"
flood_count=${2:-300}

secret=$(new_secret S4)
secret_needles "$work/needles" "$secret"
master_config "job_ttl: 30"
printf "base:\n  '*':\n    - luks\n" >"$work/pillar/top.sls"
printf 'luks:\n  passphrase: %s\n' "$secret" >"$work/pillar/luks.sls"
chmod 600 "$work/pillar/"*.sls
cat >"$work/salt/s4.sls" <<SLS
s4-formatted:
  luks.formatted:
    - name: $work/no-such-disk
    - passphrase: {{ pillar.luks.passphrase }}
SLS
start_master || not_ok "the master did not start"
minion_config web1
start_minion web1
accept_minion web1 || not_ok "web1 was not accepted"

req_ep="tcp://127.0.0.1:$ret"
pub_ep="tcp://127.0.0.1:$pub"
mpub="$work/m/pki/master.pub"
att="$work/attackers"
mkdir -m 700 "$att"
key() { "$bin/brine-key" -c "$work/m" "$@" -y >/dev/null; }
enrol() { "$bin/sec_attack" enrol "$req_ep" "$mpub" "$att" "$@"; } # NAME ID

echo "# the attackers' keys"
enrol pending pend1 | grep -q "welcome pending" &&
    enrol rejected rej1 | grep -q "welcome pending" && key -r rej1 &&
    enrol denied web1 | grep -q "welcome denied" &&
    enrol deleted del1 | grep -q "welcome pending" && key -a del1 &&
    enrol live live1 | grep -q "welcome pending" && key -a live1 &&
    ok "keys: pend1 pending, rej1 rejected, a second key for web1 denied, del1 and live1 accepted" ||
    not_ok "attackers' keys: $("$bin/brine-key" -c "$work/m" -L | tr '\n' ' ')"
# live1 connects while accepted, and stays connected when its key goes
attack_bg "$work/live.out" sub "$pub_ep" "$mpub" "$att" live 12 "" "web1." "live1."
wait_for "$work/live.out" "handshake ok" 10 &&
    wait_for "$work/master.log" "minion live1 subscribed to its jobs" 10 ||
    not_ok "live1 did not connect: $(cat "$work/live.out")"
key -d del1 && key -d live1
for who in unknown pending rejected denied deleted; do
    attack_bg "$work/$who.out" sub "$pub_ep" "$mpub" "$att" "$who" 5 "" "web1."
done
all=1
for who in unknown pending rejected denied deleted; do
    wait_for "$work/$who.out" "handshake (refused|failed)" 10 || all=0
done
[ "$all" = 1 ] &&
    ok "the publish socket refuses unknown, pending, rejected, denied and deleted keys at the handshake" ||
    not_ok "handshakes: $(cat "$work/"{unknown,pending,rejected,denied,deleted}.out | tr '\n' ' ')"

echo "# jobs while they listen"
brine '*' state.apply s4 test=True --no-color
[ "$rc" = 0 ] && grep -q "^web1:" "$work/out" && ! grep -qE "^(pend1|rej1|del1|live1):" "$work/out" &&
    ok "'*' with a passphrase targets web1 alone" || not_ok "'*' state.apply: rc $rc"
brine '*' test.ping
[ "$rc" = 0 ] && ! grep -qE "^(pend1|rej1|del1|live1):" "$work/out" &&
    ok "'*' test.ping targets web1 alone" || not_ok "'*' test.ping: rc $rc"
for id in pend1 rej1 del1 live1; do
    brine "$id" test.ping
    [ "$rc" != 0 ] && grep -q "No minions matched" "$work/out" || not_ok "$id was targeted"
done
ok "pend1, rej1, del1 and live1 cannot be targeted by name"
# The id of the deleted, still connected key is taken by a new key
enrol renewed live1 | grep -q "welcome pending" && key -a live1 &&
    ok "live1's id is accepted again, under a new key" || not_ok "live1 renewed"
brine live1 test.ping --timeout 2
[ "$rc" != 0 ] && [ "$(count "$work/live.out" "received a")" = 0 ] &&
    ok "a job for the new live1, not connected: not published, so the old connection gets nothing" ||
    not_ok "the old connection of live1: $(grep "received a" "$work/live.out")"
# The new key connects: its jobs are published on live1's topic, to which
# the old connection is subscribed too
joined=$(count "$work/master.log" "minion live1 subscribed to its jobs")
attack_bg "$work/renewed.out" sub "$pub_ep" "$mpub" "$att" renewed 3 "live1."
wait_for "$work/renewed.out" "handshake ok" 10 &&
    wait_for "$work/master.log" "minion live1 subscribed to its jobs" 10 $((joined + 1))
brine live1 test.ping --timeout 1
wait_for "$work/renewed.out" "received [0-9]+ message" 15
wait_for "$work/live.out" "received [0-9]+ message" 15
grep -q "received 1 message(s), opened 1" "$work/renewed.out" &&
    grep -q "opened 0" "$work/live.out" &&
    ok "the new key gets live1's job and opens it; the old connection opens nothing ($(grep -c "received a" "$work/live.out") sealed message(s) reached it)" ||
    not_ok "live1 renewed: $(tail -1 "$work/renewed.out"); old: $(tail -1 "$work/live.out")"
for who in unknown pending rejected denied deleted; do
    wait_for "$work/$who.out" "received [0-9]+ message" 15
    grep -q "received 0 message(s), opened 0" "$work/$who.out" &&
        ok "$who key: received nothing" || not_ok "$who key: $(grep received "$work/$who.out")"
done
calls=$(grep -E "(asks for its startup job|return from|hello from minion) (pend1|rej1|del1|live1)" "$work/master.log")
[ -z "$calls" ] && ok "the master ran nothing for them" || not_ok "the master: $calls"

echo "# an enrolment flood of $flood_count fresh keys"
attack_bg "$work/flood.out" flood "$req_ep" "$mpub" "$flood_count"
worst=0
pings=0
for _ in 1 2 3; do
    sleep 0.3
    t0=$(now_ms)
    brine web1 test.ping --timeout 10
    t1=$(now_ms)
    [ "$rc" = 0 ] && grep -q True "$work/out" && pings=$((pings + 1))
    [ $((t1 - t0)) -gt "$worst" ] && worst=$((t1 - t0))
done
wait_for "$work/flood.out" "enrolment\(s\) sent" 120 ||
    not_ok "the flood did not finish: $(cat "$work/flood.out")"
flooded=$("$bin/brine-key" -c "$work/m" -L | grep -c "^flood-")
[ "$pings" = 3 ] &&
    ok "during the flood web1 answered 3 pings of 3, the slowest in $worst ms ($(cat "$work/flood.out"))" ||
    not_ok "during the flood: $pings of 3 pings answered (slowest $worst ms)"
[ "$flooded" -ge $((flood_count * 9 / 10)) ] &&
    ok "the flood's keys are pending ($flooded of $flood_count), none accepted" ||
    not_ok "only $flooded flood keys pending"
"$bin/brine-key" -c "$work/m" -L | sed -n '/^Accepted/,/^Denied/p' | grep -q "^flood-" &&
    not_ok "a flood key was accepted"
t0=$(now_ms)
brine web1 test.ping
t1=$(now_ms)
[ "$rc" = 0 ] && ok "after the flood web1 answers in $((t1 - t0)) ms" || not_ok "after the flood: rc $rc"
leaks=$(leaks_in "$work/needles" "$work" --exclude-dir=pillar)
[ -z "$leaks" ] && ok "the passphrase is in no file" ||
    not_ok "passphrase bytes in: $(echo "$leaks" | tr '\n' ' ')"
sec_done
