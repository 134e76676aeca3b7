#!/bin/bash
# security_s8: input from peers is checked before any path, allocation or
# action is based on it, and malformed input is an error, never a crash
# (invariant S8; CVE-2020-11652 let Salt's clients reach paths outside its
# directories).
#
# sec_attack crafted sends a real brine-master, over real CURVE
# connections, requests built by hand: ids, jids and SLS names with "../",
# absolute paths, a NUL inside, 65 bytes and 1 MiB; wrong BSON types,
# missing and repeated fields, bad versions, deep and oversized grains,
# declared lengths of 2 and 4 GiB, trailing bytes, two frames, 8 MiB + 1
# byte; requests an unknown key may not send; messages only the master
# sends. Afterwards: no file appeared outside what enrolment may create, the
# key store holds only valid ids, the master's memory peak stayed small,
# every refusal is in its log, and it still serves. A hello claiming
# another minion's id (in the message and in its grains) must not make the
# claimant that minion for targeting. Then brine-key and brine are given
# the same kind of names.
#   usage: test_s8_malformed.sh BIN_DIR
set -uo pipefail
. "$(dirname "$0")/lib.sh"
sec_init security_s8 "$1"

secret=$(new_secret S8)
secret_needles "$work/needles" "$secret"
master_config
# db1's pillar goes by a grain match on its id, as an operator may write it
printf "base:\n  'id:db1':\n    - match: grain\n    - secret\n" >"$work/pillar/top.sls"
printf 'secret: %s\n' "$secret" >"$work/pillar/secret.sls"
chmod 600 "$work/pillar/"*.sls
printf 'booted:\n  test.nop\n' >"$work/salt/boot.sls"
truncate -s 32M "$work/disk.img"
cat >"$work/salt/uses_secret.sls" <<SLS
s8-formatted:
  luks.formatted:
    - name: $work/disk.img
    - passphrase: {{ pillar.secret }}
    - pbkdf_iterations: 4
    - pbkdf_memory: 8192
    - pbkdf_parallel: 1
SLS
printf "base:\n  '*':\n    - boot\n" >"$work/salt/top.sls"
start_master || not_ok "the master did not start"
minion_config db1
start_minion db1
accept_minion db1 || not_ok "db1 was not accepted"
req_ep="tcp://127.0.0.1:$ret"
mpub="$work/m/pki/master.pub"
mkdir -m 700 "$work/rogue"
"$bin/sec_attack" enrol "$req_ep" "$mpub" "$work/rogue" rogue rogue >/dev/null
"$bin/brine-key" -c "$work/m" -a rogue -y >/dev/null || not_ok "rogue not accepted"

snapshot() { (cd "$work" && find . -printf '%P\n' | sort); }
snapshot >"$work/before.list"
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$master_pid/status"; }
hwm_before=$(hwm)

echo "# crafted requests"
"$bin/sec_attack" crafted "$req_ep" "$mpub" "$work/rogue" rogue rogue "$work" db1 \
    >"$work/crafted.out" 2>&1
while IFS= read -r line; do
    case "$line" in
    "ok - "*) ok "${line#ok - }" ;;
    "not ok - "*) not_ok "${line#not ok - }" ;;
    esac
done <"$work/crafted.out"
grep -q "^crafted: " "$work/crafted.out" || not_ok "the attack did not finish: $(tail -3 "$work/crafted.out")"

echo "# afterwards"
kill -0 "$master_pid" 2>/dev/null && ok "the master is still running" || not_ok "the master died"
snapshot >"$work/after.list"
new=$(comm -13 "$work/before.list" "$work/after.list" |
    grep -vE '^(m/cache/jobs/[0-9]{20}\.bson|m/pki/minions_pre/sec-probe-unknown|[a-z]+\.(out|log|list))$')
escaped=$(find "$work" /etc -name '*escaped*' 2>/dev/null)
[ -z "$new" ] && [ -z "$escaped" ] &&
    ok "no file appeared but the probe's pending key (no escaped-*, no /etc/brine-sec-escaped)" ||
    not_ok "new files: $new $escaped"
keys=$("$bin/brine-key" -c "$work/m" -L | tr '\n' ' ')
[ "$keys" = "Accepted Keys: db1 rogue Denied Keys: Unaccepted Keys: sec-probe-unknown Rejected Keys: " ] &&
    ok "the key store holds db1, rogue and the probe's pending key, nothing else" ||
    not_ok "key store: $keys"
hwm_after=$(hwm)
[ $((hwm_after - hwm_before)) -lt 65536 ] &&
    ok "the master's memory peak grew by $(((hwm_after - hwm_before) / 1024)) MiB (nothing sized from a declared length)" ||
    not_ok "the master's memory peak grew from $hwm_before to $hwm_after kB"
dropped=$(count "$work/master.log" "dropped request from")
[ "$dropped" -ge 30 ] && ! grep -qE "Assertion|Sanitizer|runtime error|Segmentation" "$work/master.log" &&
    ok "the master logged $dropped dropped requests with their reasons, and no crash" ||
    not_ok "$dropped dropped requests logged"
"$bin/brine" -c "$work/m" jobs list >"$work/jobs.out" 2>&1
for jid in $(grep -E "state.apply +rogue " "$work/jobs.out" | cut -c1-20); do
    "$bin/brine" -c "$work/m" jobs show "$jid" --no-color >>"$work/jobs.out" 2>&1
done
[ "$(grep -c "invalid SLS name '\(../pillar/secret\|/etc/passwd\|...pillar.secret\)'" "$work/jobs.out")" = 3 ] &&
    ok "the startup jobs of SLS '../pillar/secret', '/etc/passwd', '...pillar.secret' failed on the name (job cache: invalid SLS name), nothing read" ||
    not_ok "startup jobs with paths: $(grep -A1 "^rogue:" "$work/jobs.out" | tr '\n' ' ')"
brine -L db1 test.ping
[ "$rc" = 0 ] && ok "db1 is still served" || not_ok "db1 after the attack: rc $rc"

echo "# the claimed id"
brine -G 'id:db1' test.ping --timeout 3
grep -q "^db1:" "$work/out" && ! grep -q "^rogue:" "$work/out" &&
    ok "-G 'id:db1' targets db1 alone, not the rogue that claimed its id" ||
    not_ok "-G 'id:db1' targeted: $(grep -E '^[a-z0-9]+:' "$work/out" | tr '\n' ' ')"
# The rogue, subscribed, asks for states that use db1's pillar
attack_bg "$work/rogue-sub.out" sub "tcp://127.0.0.1:$pub" "$mpub" "$work/rogue" rogue 4 rogue.
wait_for "$work/rogue-sub.out" "handshake ok" 10 &&
    wait_for "$work/master.log" "minion rogue subscribed to its jobs" 10
brine rogue state.apply uses_secret test=True --timeout 3
wait_for "$work/rogue-sub.out" "received [0-9]+ message" 10
! grep -q "opened it" "$work/rogue-sub.out" && grep -qiE "undefined|secret" "$work/out" &&
    ok "the rogue does not get db1's pillar by claiming its id: $(grep -m1 -iE "undefined|secret" "$work/out" | sed 's/^ *//' | cut -c1-120)" ||
    not_ok "the rogue got a job with db1's pillar: $(tail -2 "$work/rogue-sub.out" | tr '\n' ' ')"
all=1
for grain in os bin regex date oid min double int64 null; do
    brine -G "$grain:*" test.ping --timeout 2
    kill -0 "$master_pid" 2>/dev/null || all=0
done
[ "$all" = 1 ] && ok "targeting on grains after hellos with odd grains (binary, regular expressions, dates...) does not crash" ||
    not_ok "the master died targeting odd grains"

echo "# brine-key and brine with such names"
touch "$work/victim"
bk() { timeout 10 "$bin/brine-key" -c "$work/m" "$@" >"$work/out" 2>&1; }
bk -a "../../escaped-key" -y
r1=$?
bk -d "../../../victim" -y
r2=$?
bk -d "$work/victim" -y
r3=$?
bk -f "../../../../etc/passwd"
r4=$?
[ "$r1" != 0 ] && [ "$r2" != 0 ] && [ "$r3" != 0 ] && [ "$r4" != 0 ] && [ -e "$work/victim" ] &&
    [ -z "$(find "$work" -name '*escaped-key*')" ] &&
    ok "brine-key -a/-d/-f refuse ids with a path; nothing created or deleted" ||
    not_ok "brine-key with paths: exits $r1 $r2 $r3 $r4"
long=$(head -c 100000 /dev/zero | tr '\0' a)
brine "$long" test.ping --timeout 2
r1=$rc
brine -E '((((' test.ping --timeout 2
r2=$rc
brine -L "$long,db1" test.ping --timeout 2
r3=$rc
brine -G "$long" test.ping --timeout 2
r4=$rc
kill -0 "$master_pid" 2>/dev/null && [ "$r1" != 0 ] && [ "$r2" != 0 ] && [ "$r4" != 0 ] &&
    ok "brine with a 100 KB target, a broken regex, a 100 KB list and grain: errors ($r1 $r2 $r3 $r4), the master runs" ||
    not_ok "brine with bad targets: $r1 $r2 $r3 $r4"
leaks=$(leaks_in "$work/needles" "$work" --exclude-dir=pillar)
[ -z "$leaks" ] && ok "db1's pillar secret is in no file, no log, no answer" ||
    not_ok "secret bytes in: $(echo "$leaks" | tr '\n' ' ')"
sec_done
