#!/bin/bash
# Golden tests of brine-call's output: each case runs brine-call --local on a
# tree under tests/data and compares what it prints (times, durations and
# pids normalised) and its exit status with tests/data/golden/NAME.out.
#   usage: test_brine_call.sh BIN_DIR DATA_DIR [--update]
set -uo pipefail
bin=$1
data=$2
update=${3:-}
passed=0
failed=0

normalise() {
    sed -E -e 's/(Started: +)[0-9:.]+/\1<time>/' \
        -e 's/(Duration: +)[0-9.]+ ms/\1<n> ms/' \
        -e 's/Total run time: +[0-9.]+ ms/Total run time: <n> ms/' \
        -e 's/("start_time": )"[0-9:.]+"/\1"<time>"/' \
        -e 's/("duration": )[0-9.]+/\1<n>/' \
        -e 's/("pid": )[0-9]+/\1<pid>/' \
        -e 's/(Started: - )[0-9:.]+/\1<time>/' \
        -e "s/^( +start_time: )'[0-9:.]+'/\\1'<time>'/" \
        -e 's/^( +duration: )[0-9.]+$/\1<n>/' \
        -e 's/^( +pid: )[0-9]+$/\1<pid>/' \
        -e "s#$data#DATA#g" |
        awk '/^ +pid:$/ { print; getline; sub(/[0-9]+/, "<pid>"); print; next } { print }'
}

# case NAME EXPECTED_STATUS ARGS...
case_() {
    local name=$1 expected=$2
    shift 2
    local out status
    out=$("$bin/brine-call" --local -c /nonexistent --no-color "$@" 2>&1)
    status=$?
    out=$(printf '%s\nexit status: %s\n' "$out" "$status" | normalise)
    local golden="$data/golden/$name.out"
    if [ "$update" = "--update" ]; then
        printf '%s\n' "$out" > "$golden"
    fi
    if [ "$status" != "$expected" ]; then
        failed=$((failed + 1))
        echo "not ok - $name: exit status $status, expected $expected"
        printf '%s\n' "$out"
    elif ! diff -u "$golden" <(printf '%s\n' "$out"); then
        failed=$((failed + 1))
        echo "not ok - $name: output differs from $golden"
    else
        passed=$((passed + 1))
        echo "ok - $name"
    fi
}

salt=$data/golden/salt
pillar=$data/golden/pillar
states=$data/states
case_ highstate_web1 0 state.highstate --file-root "$salt" --pillar-root "$pillar" --id web1
case_ highstate_db1 0 state.highstate --file-root "$salt" --pillar-root "$pillar" --id db1
case_ highstate_web1_test 0 state.highstate test=True --file-root "$salt" --pillar-root "$pillar" --id web1
case_ highstate_web1_json 0 state.apply --out=json --file-root "$salt" --pillar-root "$pillar" --id web1
case_ highstate_web1_terse 0 state.highstate --out=terse --file-root "$salt" --pillar-root "$pillar" --id web1
case_ highstate_web1_yaml 0 state.highstate --out=yaml --file-root "$salt" --pillar-root "$pillar" --id web1
case_ ping_yaml 0 test.ping --out=yaml
case_ ping_json 0 test.ping --out=json
case_ bad_out 1 test.ping --out=nested
case_ require_chain_quiet 2 state.apply req.chain --state-verbose=False --file-root "$states" --pillar-root /nonexistent --id t1
case_ require_chain_terse 2 state.apply req.chain --out=terse --file-root "$states" --pillar-root /nonexistent --id t1
case_ require_chain 2 state.apply req.chain --file-root "$states" --pillar-root /nonexistent --id t1
case_ watch_test 2 state.apply req.watch test=True --file-root "$states" --pillar-root /nonexistent --id t1
case_ onchanges_onfail 2 state.apply req.onchanges --file-root "$states" --pillar-root /nonexistent --id t1
case_ order_json 0 state.apply order --out=json --file-root "$states" --pillar-root /nonexistent --id t1
case_ forms 0 state.apply forms --file-root "$states" --pillar-root /nonexistent --id t1
case_ failhard 2 state.apply failhard --file-root "$states" --pillar-root /nonexistent --id t1
case_ cycle 1 state.apply cycle --file-root "$states" --pillar-root /nonexistent --id t1
case_ secret_refused 1 state.apply secret --file-root "$states" --pillar-root "$states/secret_pillar" --id t1
case_ no_such_sls 1 state.apply nothere --file-root "$states" --pillar-root /nonexistent --id t1
case_ bad_sls_name 1 state.apply ../etc --file-root "$states" --pillar-root /nonexistent --id t1

# The secret's bytes appear in no output at all
if "$bin/brine-call" --local -c /nonexistent state.apply secret --file-root "$states" \
    --pillar-root "$states/secret_pillar" --id t1 2>&1 | grep -q "correct-horse"; then
    failed=$((failed + 1))
    echo "not ok - the secret pillar value appeared in brine-call's output"
else
    passed=$((passed + 1))
    echo "ok - the secret pillar value appears in no output"
fi

echo "e2e_brine_call: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
