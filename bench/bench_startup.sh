#!/bin/bash
# From starting brine-minion to its first state running, master on 127.0.0.1.
#   usage: bench/bench_startup.sh [BIN_DIR] [RUNS]
#   e.g.   bench/bench_startup.sh build/bin 11
# Method: a brine-master serves a state tree whose boot.sls has one
# cmd.run state that writes the time (`date +%s%N`). A minion with
# `startup_states: sls` and `sls_list: [boot]` is started once, enrolled and
# accepted; then it is stopped and started again RUNS times, as a server
# whose key is already accepted reboots. Each run measures from the moment
# the script starts brine-minion (bash's $EPOCHREALTIME just before the
# exec) to the time the state wrote: process start, configuration and key
# loading, the CURVE handshakes, enrol, hello, welcome, the subscription,
# the startup request, the master's rendering and sealing, the job's
# opening and its child process, and the start of /bin/sh and date (about
# 1 ms, included). No passphrase is derived (no PBKDF). Median, min and max
# are printed with the load. Never fails on the figures.
# Measured on the 2-core machine: median 12.4 ms (11.3 to 22.9, n 11) at
# load 1.3; 18.4 ms (12.2 to 37.5, n 21) and 21.1 ms (14.1 to 31.2, n 21) at
# load 2.6-3.0. With privilege separation (the default as root): 13.7 ms
# (12.2 to 17.9, n 21) at load 1.8.
set -uo pipefail
name=bench_startup.sh
bin=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/bin}
runs=${2:-11}
. "$(dirname "$0")/bench_lib.sh"

master_start
cat >"$work/salt/boot.sls" <<SLS
first_state:
  cmd.run:
    - name: date +%s%N >>$work/first_state
SLS
minion_conf boot1 "startup_states: sls" "sls_list: [boot]"
minion_start boot1
wait_distinct "is pending" 1 30 || die "the minion did not enrol"
"$bin/brine-key" -c "$work/m" -A -y >/dev/null
for _ in $(seq 200); do [ -s "$work/first_state" ] && break; sleep 0.05; done
[ -s "$work/first_state" ] || die "the startup job did not run after the key was accepted"
times=()
for r in $(seq "$runs"); do
    kill "${pids[0]}"
    wait "${pids[0]}" 2>/dev/null
    pids=()
    : >"$work/first_state"
    sleep 0.5
    t0=${EPOCHREALTIME/[.,]/}
    minion_start boot1
    for _ in $(seq 200); do [ -s "$work/first_state" ] && break; sleep 0.02; done
    [ -s "$work/first_state" ] || die "run $r: the startup job did not run"
    t1=$(($(head -1 "$work/first_state") / 1000))
    times+=($((t1 - t0)))
done
printf 'brine-minion start to its first state (startup job, master on 127.0.0.1): %s (load %s)\n' \
    "$(printf '%s\n' "${times[@]}" | stats 1000 '%.1f ms')" "$(load)"
