#!/bin/bash
# security_s2: a job body is readable only by its target minion, even for a
# minion that subscribes to every topic (invariant S2; in Salt every minion
# holding the session key can read every publish).
#
# A rogue with a key of its own, enrolled and accepted like any minion,
# opens a raw XSUB on the real master's publish socket and asks for every
# topic (the empty subscription), for the victim's topic ("db1.") and its
# prefix ("db1", "d"), and asks to drop the victim's subscription. While it
# listens the victim db1, a real brine-minion, runs a job that carries a
# LUKS passphrase and a test.ping; then a job goes to the rogue itself. The
# rogue tries to open everything it receives with its own key.
#   usage: test_s2_rogue.sh BIN_DIR
set -uo pipefail
. "$(dirname "$0")/lib.sh"
sec_init security_s2 "$1"

secret=$(new_secret S2)
secret_needles "$work/needles" "$secret"
master_config "job_ttl: 30"
printf "base:\n  'db1':\n    - luks\n" >"$work/pillar/top.sls"
printf 'luks:\n  passphrase: %s\n' "$secret" >"$work/pillar/luks.sls"
chmod 600 "$work/pillar/"*.sls
truncate -s 32M "$work/db1.img"
cat >"$work/salt/s2.sls" <<SLS
s2-formatted:
  luks.formatted:
    - name: $work/db1.img
    - passphrase: {{ pillar.luks.passphrase }}
    - pbkdf_iterations: 4
    - pbkdf_memory: 8192
    - pbkdf_parallel: 1
SLS
start_master || not_ok "the master did not start"
minion_config db1
start_minion db1
accept_minion db1 || not_ok "db1 was not accepted"

echo "# the rogue: its own key, accepted as rogue"
req_ep="tcp://127.0.0.1:$ret"
pub_ep="tcp://127.0.0.1:$pub"
mkdir -m 700 "$work/rogue"
"$bin/sec_attack" enrol "$req_ep" "$work/m/pki/master.pub" "$work/rogue" rogue rogue >"$work/out" 2>&1
"$bin/brine-key" -c "$work/m" -a rogue -y >/dev/null &&
    ok "the rogue enrolled and was accepted ($(cat "$work/out"))" || not_ok "rogue not accepted"
attack_bg "$work/rogue.out" sub "$pub_ep" "$work/m/pki/master.pub" "$work/rogue" rogue 6 \
    "db1." db1 d
if wait_for "$work/rogue.out" "handshake ok" 10 &&
    wait_for "$work/master.log" "minion rogue subscribed to its jobs" 10; then
    ok "the rogue's XSUB is connected and its subscriptions reached the master"
else
    not_ok "the rogue did not connect: $(cat "$work/rogue.out")"
fi

echo "# the victim's jobs while the rogue listens"
brine db1 state.apply s2 --no-color
[ "$rc" = 0 ] && grep -q "Succeeded: 1 (changed=1)" "$work/out" &&
    ok "db1 ran its job with the passphrase (a LUKS format)" || not_ok "db1's job: rc $rc"
brine db1 test.ping
[ "$rc" = 0 ] && grep -q True "$work/out" &&
    ok "db1 still gets its jobs while the rogue listens" ||
    not_ok "db1's test.ping: rc $rc"
brine rogue test.ping --timeout 2
wait_for "$work/rogue.out" "received [0-9]+ message" 15 ||
    not_ok "the rogue did not finish: $(tail -3 "$work/rogue.out")"
others=$(grep "received a" "$work/rogue.out" | grep -v "on topic 'rogue.'")
[ -z "$others" ] &&
    ok "the rogue received nothing of db1's: $(grep -c "received a" "$work/rogue.out") message(s), all on its own topic" ||
    not_ok "the rogue received: $others"
grep -q "topic 'rogue.', and opened it" "$work/rogue.out" &&
    ok "control: the rogue did receive and open the job sent to itself" ||
    not_ok "control: the rogue did not get its own job: $(cat "$work/rogue.out")"
[ "$(grep -c "opened it" "$work/rogue.out")" = "$(grep -c "on topic 'rogue.'" "$work/rogue.out")" ] &&
    ok "the rogue opened nothing but its own job" || not_ok "the rogue opened another's job"

echo "# the rogue leaves"
# libzmq reports a closed connection's subscriptions as unsubscriptions
# without a User-Id: the master must not take the victim's topic, asked for
# by the rogue, as the victim leaving
wait_for "$work/master.log" "left the publish socket" 5
sleep 0.5
grep -q "minion db1 left the publish socket" "$work/master.log" &&
    not_ok "the master took the rogue's departure for db1's" ||
    ok "the rogue's departure is not taken for db1's"
brine db1 test.ping --timeout 5
[ "$rc" = 0 ] && grep -q True "$work/out" &&
    ok "db1 still gets its jobs after the rogue left" ||
    not_ok "db1 is cut off by the rogue's departure: $(tail -1 "$work/out")"
# Again, asking to drop db1's topic, and for its own
left=$(count "$work/master.log" "minion rogue left the publish socket")
attack_bg "$work/rogue2.out" sub "$pub_ep" "$work/m/pki/master.pub" "$work/rogue" rogue 1 \
    -db1. rogue.
wait_for "$work/rogue2.out" "received [0-9]+ message" 10
# until the master has seen the rogue's connections close
wait_for "$work/master.log" "minion rogue left the publish socket" 10 $((left + 1))
brine db1 test.ping --timeout 5
[ "$rc" = 0 ] && grep -q True "$work/out" &&
    ok "db1 still gets its jobs after a rogue asked to drop its topic, and left" ||
    not_ok "db1 is cut off by the rogue's unsubscription: $(tail -1 "$work/out")"
t0=$(now_ms)
brine rogue test.ping --timeout 5
t1=$(now_ms)
[ "$rc" != 0 ] && grep -q "did not return" "$work/out" && [ $((t1 - t0)) -lt 4000 ] &&
    ok "the rogue's connections are counted out when they close: a job to it is not published" ||
    not_ok "the rogue still counts as subscribed after leaving ($((t1 - t0)) ms)"
leaks=$(leaks_in "$work/needles" "$work" --exclude-dir=pillar)
[ -z "$leaks" ] && ok "the passphrase is in no file, the rogue's output included" ||
    not_ok "passphrase bytes in: $(echo "$leaks" | tr '\n' ' ')"
sec_done
