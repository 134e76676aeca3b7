#!/bin/bash
# mongo_available: mongodb.available against the MongoDB stand-in server on
# 127.0.0.1, through brine-call and through a real master and minion.
#   - the database starts 2 s after the state: the state waits, succeeds,
#     and the cmd.run that requires it runs;
#   - no database: the state fails at its timeout with a clear comment, and
#     the dependent cmd.run does not run;
#   - a password, in a URI from a secret pillar value, in a URI from an
#     ordinary pillar value, and as the password argument: logins work,
#     a wrong password fails at once, and no password appears in any output
#     (highstate, JSON, test=True), log or the master's job cache (S6).
#   usage: test_available.sh BIN_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../security/lib.sh"
. "$here/standin.sh"
sec_init mongo_available "$1"
trap 'standin_kill; sec_cleanup' EXIT

port=$("$bin/sec_attack" port 1)
db=$work/db
tree=$work/call
mkdir -p "$db" "$tree/salt" "$tree/pillar"
chmod 700 "$tree/pillar"
password=$(new_secret MongoA)
plain_password=$(new_secret MongoB)
secret_needles "$work/needles" "$password" "$plain_password"
printf 'brine:%s\nplain:%s\n' "$password" "$plain_password" >"$db/users"
chmod 600 "$db/users"

# The pillar: where the database is, and its credentials three ways
write_pillar() { # DIR TIMEOUT
    printf "base:\n  '*':\n    - mongo\n" >"$1/top.sls"
    cat >"$1/mongo.sls" <<EOF
mongo:
  port: $port
  timeout: $2
  marker: $work/dependent-ran
  uri_secret: mongodb://brine:$password@127.0.0.1:$port/admin
  uri: mongodb://plain:$plain_password@127.0.0.1:$port/admin
  wrong_secret: mongodb://brine:x$password@127.0.0.1:$port/admin
  password: $password
EOF
    chmod 600 "$1/"*.sls
}
write_states() { # DIR
    cat >"$1/ready.sls" <<'EOF'
db_ready:
  mongodb.available:
    - uri: mongodb://127.0.0.1:{{ pillar.mongo.port }}
    - timeout: {{ pillar.mongo.timeout }}
use_db:
  cmd.run:
    - name: touch {{ pillar.mongo.marker }}
    - require:
      - mongodb: db_ready
EOF
    cat >"$1/auth.sls" <<'EOF'
uri_from_secret:
  mongodb.available:
    - uri: {{ pillar.mongo.uri_secret }}
    - timeout: {{ pillar.mongo.timeout }}
uri_from_pillar:
  mongodb.available:
    - uri: {{ pillar.mongo.uri }}
    - timeout: {{ pillar.mongo.timeout }}
user_and_password:
  mongodb.available:
    - uri: mongodb://127.0.0.1:{{ pillar.mongo.port }}/admin
    - user: brine
    - password: {{ pillar.mongo.password }}
    - timeout: {{ pillar.mongo.timeout }}
EOF
    cat >"$1/wrong.sls" <<'EOF'
wrong_password:
  mongodb.available:
    - uri: {{ pillar.mongo.wrong_secret }}
    - timeout: {{ pillar.mongo.timeout }}
EOF
}
write_states "$tree/salt"

# brine-call, output in $work/out (and $work/cli.out), status in $rc, time in $took_ms
call() { # SLS [ARGS...]
    local t0
    t0=$(now_ms)
    timeout 120 "$bin/brine-call" --local state.apply "$1" --file-root "$tree/salt" \
        --pillar-root "$tree/pillar" --id db1 "${@:2}" >"$work/out" 2>"$work/call.log"
    rc=$?
    took_ms=$(($(now_ms) - t0))
    cat "$work/out" >>"$work/cli.out"
    cat "$work/call.log" >>"$work/brine-call.log"
}
has() { grep -qF -- "$1" "$work/out"; }

echo "# the database comes up 2 s after the state starts waiting"
write_pillar "$tree/pillar" 20
rm -f "$work/dependent-ran"
standin_start "$db" "$port" 2 --users "$db/users"
call ready
check "the state waited and succeeded, and the dependent state ran (${took_ms} ms)" \
    test "$rc" = 0 -a -e "$work/dependent-ran" -a "$took_ms" -ge 1500 -a "$took_ms" -lt 15000
check "its comment says who answered and after how long" \
    grep -qE "MongoDB at 127.0.0.1:$port answered ping after [0-9.]+ s \(attempt [0-9]+\)" "$work/out"
standin_wait 10

echo "# credentials"
call auth
check "a URI from a secret pillar value, from an ordinary one, and user + password log in" \
    test "$rc" = 0 -a "$(grep -c "answered ping" "$work/out")" = 3
call auth --out=json
check "the same in JSON" test "$rc" = 0 -a "$(grep -c "answered ping" "$work/out")" = 3
call auth test=True
check "test=True predicts without waiting" \
    test "$rc" = 0 -a "$(grep -c "would be pinged until it answers" "$work/out")" = 3
call wrong
check "a wrong password fails at once (${took_ms} ms), naming the user" \
    test "$rc" != 0 -a "$took_ms" -lt 5000
check "... with the server's reason" has "refused the credentials of user 'brine'"

echo "# no database"
standin_stop
write_pillar "$tree/pillar" 2
rm -f "$work/dependent-ran"
call ready
check "the state fails at its timeout (${took_ms} ms)" \
    test "$rc" != 0 -a "$took_ms" -ge 2000 -a "$took_ms" -lt 6000
check "its comment says who did not answer, within how long, and why" \
    grep -qE "No answer from 127.0.0.1:$port within 2 s \([0-9]+ attempts\): last error: .*connection refused" "$work/out"
check "the dependent state did not run" \
    test ! -e "$work/dependent-ran" -a "$(grep -c "One or more requisite failed" "$work/out")" = 1
call auth --out=json
check "with credentials too, and JSON output" \
    test "$rc" != 0 -a "$(grep -c "No answer from 127.0.0.1:$port within 2 s" "$work/out")" = 3

echo "# through a master and a minion: outputs, logs, the job cache"
master_config "job_ttl: 300"
write_pillar "$work/pillar" 3
write_states "$work/salt"
start_master
minion_config db1
start_minion db1
accept_minion db1
standin_start "$db" "$port" 0 --users "$db/users"
brine db1 state.apply auth
check "state.apply through the master logs in three ways" \
    test "$rc" = 0 -a "$(grep -c "answered ping" "$work/out")" = 3
brine db1 state.apply auth --out=json
brine db1 state.apply auth test=True
check "test=True through the master" test "$(grep -c "would be pinged" "$work/out")" = 3
brine db1 state.apply wrong
check "a wrong password through the master fails" \
    has "refused the credentials of user 'brine'"
brine jobs list
jids=$(grep -oE '[0-9]{20}' "$work/out" | sort -u)
for jid in $jids; do brine jobs show "$jid"; done
check "brine jobs shows the jobs" test -n "$jids"
standin_stop
brine db1 state.apply auth --timeout 40
check "no database: the master's job fails after the timeout" \
    test "$rc" != 0 -a "$(grep -c "No answer from 127.0.0.1:$port within 3 s" "$work/out")" = 3
stop_minion db1
stop_master

check "the needles are right: the pillar holds both passwords" \
    test "$(leaks_in "$work/needles" "$work/pillar" | wc -l)" = 1
check "the job cache holds the jobs" test "$(grep -rlF "answered ping" "$work/m/cache" | wc -l)" -ge 1
leaks=$(leaks_in "$work/needles" "$work/cli.out" "$work/"*.log "$work/m/cache" "$work/db1")
check "no password in any output, log, the job cache or the minion's files" test -z "$leaks"
[ -z "$leaks" ] || echo "leaks: $leaks"
sec_done
