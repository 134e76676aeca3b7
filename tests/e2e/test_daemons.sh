#!/bin/bash
# End to end with the real programs on 127.0.0.1: brine-master, brine-minion
# and brine-key, each in its own process, as an operator would run them.
#   usage: test_daemons.sh BIN_DIR
set -uo pipefail
bin=$1
work=$(mktemp -d /tmp/brine-e2e.XXXXXX)
passed=0
failed=0
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() {
    failed=$((failed + 1))
    echo "not ok - $1"
    echo "--- master log"; cat "$work/master.log" 2>/dev/null
    echo "--- minion log"; cat "$work/minion.log" 2>/dev/null
}
# waits until FILE contains PATTERN (grep -E) COUNT times, at most SECONDS
wait_for() {
    local file=$1 pattern=$2 seconds=$3 count=${4:-1} i=0 n
    # (no FILE yet counts as 0 matches, so that the wait does not end at once)
    while n=$(grep -cE -- "$pattern" "$file" 2>/dev/null); [ "${n:-0}" -lt "$count" ]; do
        i=$((i + 1))
        [ "$i" -gt $((seconds * 20)) ] && return 1
        sleep 0.05
    done
}
port() { # a free loopback port, below the kernel's ephemeral range (32768
    # and up), so that no outgoing connection of this machine can take it
    local p
    while :; do
        p=$(shuf -i 20000-32767 -n 1)
        ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && { echo "$p"; return; }
    done
}

pub=$(port)
ret=$(port)
mkdir -p "$work/m/pki" "$work/n/pki" "$work/salt" "$work/pillar"
chmod 700 "$work/m/pki" "$work/n/pki" "$work/pillar"
cat > "$work/m/master" <<CONF
interface: 127.0.0.1
publish_port: $pub
ret_port: $ret
pki_dir: $work/m/pki
job_ttl: 5
file_root: $work/salt
pillar_root: $work/pillar
sock_dir: $work/m/sock
cachedir: $work/m/cache
CONF
cat > "$work/n/minion" <<CONF
master: 127.0.0.1
publish_port: $pub
ret_port: $ret
id: web1
pki_dir: $work/n/pki
acceptance_wait_time: 1
startup_states: highstate
cachedir: $work/n/cache
CONF
# The startup job: the top file gives every minion a state with its pillar
printf "base:\n  '*':\n    - boot\n" > "$work/salt/top.sls"
printf "booted:\n  cmd.run:\n    - name: echo {{ grains.id }} is {{ pillar.role }}\n" \
    > "$work/salt/boot.sls"
printf "base:\n  '*':\n    - roles\n" > "$work/pillar/top.sls"
printf "role: database\n" > "$work/pillar/roles.sls"
chmod 644 "$work/pillar/roles.sls"

start_master() {
    "$bin/brine-master" -c "$work/m" >>"$work/master.log" 2>&1 &
    master_pid=$!
    pids+=("$master_pid")
}
start_minion() {
    "$bin/brine-minion" -c "$work/n" >>"$work/minion.log" 2>&1 &
    minion_pid=$!
    pids+=("$minion_pid")
}

# 1. A minion without the master's public key refuses to start, and says why
if "$bin/brine-minion" -c "$work/n" >"$work/out" 2>&1; then
    not_ok "minion starts without minion_master.pub"
elif grep -q "minion_master.pub" "$work/out"; then
    ok "minion refuses to start without the pinned master key"
else
    not_ok "no clear message without minion_master.pub: $(cat "$work/out")"
fi

# 2. S6: a pillar file others can read stops the master, and says why
if "$bin/brine-master" -c "$work/m" >"$work/out" 2>&1; then
    not_ok "master started with a world-readable pillar"
elif grep -q "is readable by others" "$work/out"; then
    ok "master refuses a pillar file readable by others"
else
    not_ok "no clear message for a readable pillar: $(cat "$work/out")"
fi
chmod -R o-rwx "$work/pillar"

# 3. The master creates its key pair on first start; the minion pins it
start_master
wait_for "$work/master.log" "publishing on" 20 && [ -f "$work/m/pki/master.pub" ] &&
    ok "master created its key pair" || not_ok "master key pair"
cp "$work/m/pki/master.pub" "$work/n/pki/minion_master.pub"

# 3. An unknown minion enrols and waits as pending
start_minion
wait_for "$work/master.log" "minion web1 is pending" 20 &&
    "$bin/brine-key" -c "$work/m" -L | grep -qx "web1" &&
    ok "unknown minion is pending" || not_ok "unknown minion is pending"
sleep 1.5
grep -q "published job" "$work/master.log" && not_ok "a pending minion got a job" ||
    ok "a pending minion gets no job"

# 4. Accepted: hello, startup job sealed to it, return
"$bin/brine-key" -c "$work/m" -a web1 -y >/dev/null
wait_for "$work/master.log" "hello from minion web1" 20 &&
    wait_for "$work/master.log" "return from web1 for job [0-9]{20} \(state.highstate\): success" 20 &&
    ok "accepted minion says hello and returns its sealed startup job" ||
    not_ok "hello and startup job"
"$bin/brine" -c "$work/m" jobs list | grep -q "state.highstate .*1/1 returned" &&
    "$bin/brine" -c "$work/m" jobs show "$("$bin/brine" -c "$work/m" jobs list | head -1 | cut -c1-20)" \
        --no-color | grep -q "web1 is database" &&
    ok "the startup job's return is in the job cache, with its pillar value" ||
    not_ok "startup job in the job cache"
"$bin/brine" -c "$work/m" '*' test.ping | grep -q "True" &&
    ok "brine '*' test.ping" || not_ok "brine test.ping"

# 5. A minion restart: it subscribes again and gets a new startup job
kill "$minion_pid"; wait "$minion_pid" 2>/dev/null
start_minion
wait_for "$work/master.log" "return from web1 for job [0-9]+ \(state.highstate\): success" 20 2 &&
    ok "restarted minion gets its startup job again" || not_ok "restart"

# 6. The master restarts while the minion waits: the minion comes back
kill "$master_pid"; wait "$master_pid" 2>/dev/null
start_master
wait_for "$work/master.log" "hello from minion web1" 30 3 &&
    ok "minion reconnects to a restarted master" || not_ok "master restart"

# 7. Deleted key: the minion is refused and gets nothing; the master says so
kill "$minion_pid"; wait "$minion_pid" 2>/dev/null
"$bin/brine-key" -c "$work/m" -r web1 --include-accepted -y >/dev/null
start_minion
wait_for "$work/master.log" "refused rejected key .* for minion web1" 20 &&
    wait_for "$work/minion.log" "refused the key of minion web1" 20 &&
    ok "rejected key is refused, and both sides log it" || not_ok "rejected key refused"
returns=$(grep -c "return from web1" "$work/master.log")
sleep 1.5
[ "$(grep -c "return from web1" "$work/master.log")" = "$returns" ] &&
    ok "rejected minion runs nothing" || not_ok "rejected minion ran a job"

# 8. An impostor master (another key on the same address) is never believed
kill "$minion_pid" "$master_pid"; wait 2>/dev/null
mv "$work/m/pki/master.key" "$work/m/pki/master.key.orig"
mv "$work/m/pki/master.pub" "$work/m/pki/master.pub.orig"
"$bin/brine-key" -c "$work/m" -a web1 --include-rejected -y >/dev/null
start_master
start_minion
wait_for "$work/minion.log" "does not hold the pinned master key" 20 &&
    ! grep -q "ran job" <(tail -n +1 "$work/minion.log" | sed -n '/does not hold/,$p') &&
    ok "minion refuses an impostor master" || not_ok "impostor master"

# 9. Core dumps are off in both daemons
for p in "$master_pid" "$minion_pid"; do
    grep -qE "^Max core file size +0 +0" "/proc/$p/limits" || { not_ok "core dumps on in $p"; continue; }
    ok "core dumps disabled in pid $p"
done

echo "e2e_daemons: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
