#!/bin/bash
# mongo_returner: a master with master_job_cache: mongo, two minions and the
# MongoDB stand-in on 127.0.0.1. Jobs (test.ping, state.apply with pillar
# secrets in its states, cmd.run) land in the jobs and returns collections
# with the documented schema and indexes; brine jobs list/show read them back
# from MongoDB, also through a second master's configuration that never ran
# a job; bad job cache options are refused with file, line and option. S6: a
# master logs in with a password in its URI (a stand-in that requires SCRAM
# logins) and another with a wrong one; no pillar secret and no password of
# the URI in any document, job cache file, log (at debug level, libmongoc's
# messages included) or output.
#   usage: test_returner.sh BIN_DIR
set -uo pipefail
. "$(dirname "$0")/lib.sh"
mongo_init mongo_returner "$1"
secret="S6mongoPillar$(od -An -tx8 -N8 /dev/urandom | tr -d ' ')"
password="S6mongoUri$(od -An -tx8 -N8 /dev/urandom | tr -d ' ')"
outputs=$work/outputs
: >"$outputs"
keep() { cat "$work/out" >>"$outputs"; }

printf "base:\n  '*':\n    - app\n" >"$work/salt/top.sls"
cat >"$work/salt/app.sls" <<'SLS'
hello:
  cmd.run:
    - name: echo hello from {{ grains.id }}
/tmp/brine.$dotted:
  cmd.run:
    - name: echo dotted.name $HOME
leak:
  luks.formatted:
    - name: /nonexistent/brine-mongo-test-disk
    - passphrase: {{ pillar.db.password }}
SLS
printf "base:\n  '*':\n    - db\n" >"$work/pillar/top.sls"
printf 'db:\n  password: %s\n' "$secret" >"$work/pillar/db.sls"
chmod -R o-rwx "$work/pillar"

standin_start "$work/db" || { not_ok "the stand-in did not start"; mongo_done; exit 1; }
master_conf 1 "$STANDIN_URI"
master_conf 2 "$STANDIN_URI"
# master 3 logs in to a second stand-in that requires SCRAM logins; web1
# fails over to it at the end
port2=$(port)
master_conf 3 "mongodb://brine:$password@127.0.0.1:$port2/?authSource=admin"
master_conf 4 "mongodb://brine:wrong$password@127.0.0.1:$port2/?authSource=admin"
printf 'brine:%s\n' "$password" >"$work/users"
minion_conf web1 "[127.0.0.1:$(ret_port 1), 127.0.0.1:$(ret_port 3)]"
minion_conf db1 "127.0.0.1:$(ret_port 1)"

echo "# --check-config shows the job cache, and refuses bad options"
"$bin/brine-master" -c "$work/m1" --check-config >"$work/out" 2>&1
keep
grep -q "job cache: mongo, database brine at $STANDIN_URI, write concern majority" "$work/out" &&
    ok "--check-config names the job cache" || not_ok "--check-config of a mongo master"
bad() { # WHAT LINE EXPECTED: m9's config with LINE in place of its option is refused
    master_conf 9 "$STANDIN_URI"
    sed -i "s|^${2%%:*}: .*|$2|" "$work/m9/master"
    "$bin/brine-master" -c "$work/m9" --check-config >"$work/out" 2>&1
    keep
    grep -qF "$3" "$work/out" && ok "$1 refused: $(grep -F "$3" "$work/out" | head -1)" ||
        not_ok "$1 not refused clearly"
}
bad "master_job_cache: mongodb" "master_job_cache: mongodb" \
    "m9/master:10: option 'master_job_cache': 'mongodb' is not a job cache (local_cache or mongo)"
master_conf 9 "$STANDIN_URI" "mongo.write_concern: 0"
"$bin/brine-master" -c "$work/m9" >"$work/out" 2>&1
keep
grep -qF "m9/master:13: option 'mongo.write_concern': '0' is not a write concern" "$work/out" &&
    ok "mongo.write_concern: 0 refused: $(cat "$work/out")" || not_ok "write concern 0"
bad "mongo.db: a.b" "mongo.db: a.b" "option 'mongo.db': 'a.b' is not a database name"
bad "mongo.uri: http://x" 'mongo.uri: "http://x"' "option 'mongo.uri': not a MongoDB URI (mongodb://"

echo "# jobs through master 1 land in MongoDB"
fleet_up 1 web1 db1
brine 1 '*' test.ping
keep
[ "$rc" = 0 ] && [ "$(grep -cx "    True" "$work/out")" = 2 ] && ok "test.ping: both minions" ||
    not_ok "test.ping: rc $rc"
brine 1 '*' state.apply app
keep
grep -q "hello from web1" "$work/out" && grep -q "hello from db1" "$work/out" &&
    grep -q "/nonexistent/brine-mongo-test-disk" "$work/out" && grep -q "dotted.name" "$work/out" &&
    ok "state.apply app ran on both (status $rc)" || not_ok "state.apply app"
brine 1 -L web1 cmd.run 'echo plain'
keep
[ "$rc" = 0 ] && grep -q "plain" "$work/out" && ok "cmd.run on web1" || not_ok "cmd.run: rc $rc"
wait_docs jobs 3 20 && wait_docs returns 5 20 &&
    ok "3 jobs and 5 returns in MongoDB" ||
    not_ok "MongoDB holds $(dump jobs | wc -l) jobs, $(dump returns | wc -l) returns"
dump jobs >"$work/jobs.json"
dump returns >"$work/returns.json"
dump jobs --indexes >"$work/jobs.idx"
dump returns --indexes >"$work/returns.idx"

/usr/bin/python3 - "$work" "$(ret_port 1)" >"$work/out" 2>&1 <<'PY'
import json, sys
work, port = sys.argv[1], sys.argv[2]
jobs = [json.loads(l) for l in open(work + "/jobs.json")]
rets = [json.loads(l) for l in open(work + "/returns.json")]
bad = []
job_keys = {"_id", "jid", "fun", "arg", "tgt", "tgt_type", "minions", "started", "finished",
            "returned", "missing", "master"}
ret_keys = {"_id", "jid", "minion", "fun", "return", "success", "duration", "time", "master"}
for j in jobs:
    if set(j) != job_keys: bad.append("job fields %s" % sorted(set(j) ^ job_keys))
    if j["_id"] != j["jid"] or len(j["jid"]) != 20: bad.append("job _id %s" % j["_id"])
    if not (isinstance(j["started"], dict) and "$date" in j["started"]): bad.append("started")
    if not (isinstance(j["finished"], dict) and "$date" in j["finished"]): bad.append("finished")
    if not j["master"].endswith(":" + port): bad.append("master %s" % j["master"])
    if j["returned"] != len(j["minions"]) or j["missing"]: bad.append("counts %s" % j)
funs = sorted((j["fun"], j["tgt"], j["arg"] and j["arg"][0] or "") for j in jobs)
if funs != [("cmd.run", "web1", "echo plain"), ("state.apply", "*", "app"), ("test.ping", "*", "")]:
    bad.append("jobs %s" % funs)
for r in rets:
    if set(r) != ret_keys: bad.append("return fields %s" % sorted(set(r) ^ ret_keys))
    if r["_id"] != r["jid"] + "/" + r["minion"]: bad.append("return _id %s" % r["_id"])
    if not isinstance(r["success"], bool) or not isinstance(r["duration"], (int, float)):
        bad.append("success/duration %s" % r)
    if not (isinstance(r["time"], dict) and "$date" in r["time"]): bad.append("time")
pings = [r for r in rets if r["fun"] == "test.ping"]
if sorted(r["minion"] for r in pings) != ["db1", "web1"] or any(r["return"] is not True for r in pings):
    bad.append("ping returns %s" % pings)
states = [r for r in rets if r["fun"] == "state.apply"]
if len(states) != 2 or not all(isinstance(r["return"], dict) for r in states):
    bad.append("state returns %s" % states)
print("\n".join(bad) if bad else "schema ok")
sys.exit(1 if bad else 0)
PY
[ $? = 0 ] && ok "job and return documents have the documented fields and values" ||
    not_ok "schema: $(cat "$work/out")"
grep -qF 'cmd_|-/tmp/brine%2E%24dotted_|-echo dotted%2Ename %24HOME_|-run' "$work/returns.json" &&
    ok "a state id with a dot and a dollar is stored with its key escaped" ||
    not_ok "the dotted state's result in MongoDB"
grep -q '"jid" : 1' "$work/returns.idx" && grep -q '"minion" : 1' "$work/returns.idx" &&
    grep -q '"time" : -1' "$work/returns.idx" && grep -q '"started" : -1' "$work/jobs.idx" &&
    ok "indexes: returns on jid, minion and time; jobs on started" ||
    not_ok "indexes: $(cat "$work/returns.idx" "$work/jobs.idx")"

echo "# brine jobs reads MongoDB"
brine 1 jobs list
keep
cp "$work/out" "$work/list1"
[ "$(grep -cE "^[0-9]{20}  " "$work/list1")" = 3 ] && ok "brine jobs list: 3 jobs" ||
    not_ok "brine jobs list through master 1"
mv "$work/m1/cache/jobs" "$work/m1/cache/jobs.away"
brine 1 jobs list
keep
diff -q "$work/list1" "$work/out" >/dev/null &&
    ok "the same list with master 1's own job cache moved away (read from MongoDB)" ||
    not_ok "list without the local job cache: $(diff "$work/list1" "$work/out")"
ping_jid=$(grep "test.ping" "$work/list1" | cut -c1-20)
brine 1 jobs show "$ping_jid"
keep
[ "$rc" = 0 ] && grep -q "^web1:" "$work/out" && grep -q "^db1:" "$work/out" &&
    ok "brine jobs show $ping_jid from MongoDB" || not_ok "jobs show from MongoDB: rc $rc"
brine 2 jobs list
keep
diff -q "$work/list1" "$work/out" >/dev/null &&
    ok "master 2, which ran no job, lists the same jobs" || not_ok "master 2's list"
app_jid=$(grep "state.apply" "$work/list1" | cut -c1-20)
brine 2 jobs show "$app_jid" --out=json
keep
grep -q "hello from web1" "$work/out" &&
    grep -qF '"cmd_|-/tmp/brine.$dotted_|-echo dotted.name $HOME_|-run"' "$work/out" &&
    ok "master 2 shows state.apply's results, keys as they were" ||
    not_ok "master 2's jobs show"
brine 2 jobs show 20200101000000000000
keep
[ "$rc" = 1 ] && grep -q "job 20200101000000000000 is not in the job cache" "$work/out" &&
    ok "an unknown job: a clear error" || not_ok "unknown job: rc $rc"
mv "$work/m1/cache/jobs.away" "$work/m1/cache/jobs"

echo "# S6: a password in the URI: a real login, and never shown"
"$bin/brine-master" -c "$work/m3" --check-config >"$work/out" 2>&1
keep
grep -q "at mongodb://\*\*\*@127.0.0.1:$port2/?authSource=\.\.\." "$work/out" &&
    ok "--check-config shows the URI masked" || not_ok "--check-config with a password"
chmod 644 "$work/m3/master"
"$bin/brine-master" -c "$work/m3" >"$work/out" 2>&1
keep
grep -q "option 'mongo.uri': holds a password, and .* is readable by others" "$work/out" &&
    ok "a readable configuration holding a password is refused" ||
    not_ok "readable config with a password: $(cat "$work/out")"
chmod 600 "$work/m3/master"
standin_stop
mkdir -p "$work/db2"
standin_start "$work/db2" "$port2" 0 --users "$work/users" ||
    not_ok "the stand-in with logins did not start"
start m3 -l debug # libmongoc's messages too
start m4 -l debug
wait_for "$work/m3.log" "publishing on" 20 && wait_for "$work/m4.log" "publishing on" 20 ||
    not_ok "masters 3 and 4 did not start"
stop m1
for _ in $(seq 100); do
    brine 3 -L web1 test.ping --timeout 2
    [ "$rc" = 0 ] && break
    sleep 0.1
done
keep
[ "$rc" = 0 ] && ok "web1 fails over to master 3 and answers there" || not_ok "web1 on master 3"
brine 4 -L web1 test.ping --timeout 1 # not connected there: ends at once
keep
auth="mongodb://brine:$password@127.0.0.1:$port2/?authSource=admin"
for _ in $(seq 50); do
    "$bin/mongo_dump" "$auth" brine returns >"$work/returns3.json" 2>&1
    grep -q '"master" : "[^"]*:'"$(ret_port 3)"'"' "$work/returns3.json" && break
    sleep 0.2
done
grep -q '"minion" : "web1"' "$work/returns3.json" &&
    ok "master 3 logged in and wrote web1's return" ||
    not_ok "master 3's return in MongoDB: $(cat "$work/returns3.json")"
"$bin/mongo_dump" "$auth" brine jobs >"$work/jobs3.json" 2>&1
wait_for "$work/m4.log" "MongoDB at .* is unreachable" 20 &&
    ok "master 4 with a wrong password: $(grep -m1 -o "MongoDB at .* is unreachable ([^)]*)" "$work/m4.log")" ||
    not_ok "master 4's outage"
brine 4 jobs list
keep
grep -q "this master's own job cache follows" "$work/out" &&
    ok "brine jobs list with a wrong password: says so, lists the job cache" ||
    not_ok "jobs list through master 4"
stop m3
stop m4

echo "# S6: no secret anywhere"
stop web1
stop db1
leaks=$(grep -lF -e "$secret" -e "$password" "$work"/*.log "$work"/*.json "$outputs" \
    "$work"/m[1-4]/cache/jobs/* 2>/dev/null)
[ -z "$leaks" ] && ok "neither secret in documents, job cache, logs or outputs" ||
    not_ok "a secret in: $leaks"
grep -q "brine-mongo-test-disk" "$work/returns.json" &&
    ok "the state that was given the secret is in MongoDB, without it" ||
    not_ok "the luks state's return"
mongo_done
