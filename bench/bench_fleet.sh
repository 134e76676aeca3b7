#!/bin/bash
# test.ping to real brine-minion processes on 127.0.0.1.
#   usage: bench/bench_fleet.sh [BIN_DIR] [RUNS] [SIZES]
#   e.g.   bench/bench_fleet.sh build/bin 21 "1 10 100"
# Method: one brine-master and N brine-minion processes (N = 1, 10, 100;
# the fleet grows in steps, each minion enrolled, accepted with
# brine-key -A -y and subscribed) on this machine. bench_ping sends
# `test.ping` to '*' through the master's local socket as brine does and
# times, from the send: the last return, and the master's "done" (every
# return in, the job stored in the job cache): that is the figure of the
# target (under 35 ms for 100). One warm-up job, then RUNS jobs one after
# the other; the median, min and max are printed, with the CPU time of the
# minions and of the master per job and the load average. The wall time of
# the whole `brine '*' test.ping` command (process start included) is
# printed beside it. A benchmark: it fails only when the fleet cannot be set
# up, never on speed.
# Every minion makes the job's jid durable (fdatasync of its replay cache)
# before it runs the job; here the 100 minions share one disk, whose cache
# flushes queue up. BENCH_MINION_CACHE=tmpfs runs the same with the minions'
# caches in /dev/shm, as if each minion had a disk of its own.
# Measured on the 2-core machine, load 1-3 from other builds, 21 jobs a run:
# N=100, caches on the shared disk: medians of five runs 30.7 to 49.2 ms
# (min 26.0, max 58.9; 30.7 at load 1.4); on tmpfs: 21.8 and 23.9 ms (20.0
# to 27.8). N=10:
# 3.8 ms, N=1: 1.6 ms. CPU per job: 0.21-0.29 ms a minion, 15-17 ms the
# master for 100 (before: 1.27 ms and 37-44 ms; 123.6 ms for 100).
# With privilege separation (the default as root), at load 0.3-1.8: N=100
# 30.5, 27.3 and 26.6 ms on the shared disk, 22.4 ms on tmpfs.
set -uo pipefail
name=bench_fleet.sh
bin=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/bin}
runs=${2:-21}
sizes=${3:-1 10 100}
. "$(dirname "$0")/bench_lib.sh"

master_start
echo "test.ping to '*' on 127.0.0.1, $runs jobs per size, minion caches on ${BENCH_MINION_CACHE:-disk} (load before: $(load))"
for n in $sizes; do
    fleet_grow "$n"
    sleep 1
    "$bin/bench_ping" "$work/m/sock" '*' 1 >/dev/null || die "the warm-up job got no answer"
    # every process of every minion: with privilege separation (the
    # default as root) each has a network child beside the monitor
    procs=("${pids[@]}" $(for p in "${pids[@]}"; do pgrep -P "$p"; done))
    c0=$(cpu_ticks "${procs[@]}")
    m0=$(cpu_ticks "$master_pid")
    "$bin/bench_ping" "$work/m/sock" '*' "$runs" >"$work/ping" || die "a job to $n minions got no answer"
    c1=$(cpu_ticks "${procs[@]}")
    m1=$(cpu_ticks "$master_pid")
    bad=$(awk -v n="$n" '$5 != n || $6 != 0' "$work/ping" | wc -l)
    [ "$bad" = 0 ] || die "$bad of $runs jobs to $n minions missed returns"
    printf '  N=%-4s all returned and stored: %s\n' "$n" "$(awk '{ print $4 }' "$work/ping" | stats 1000 '%.1f ms')"
    printf '         last return:               %s\n' "$(awk '{ print $3 }' "$work/ping" | stats 1000 '%.1f ms')"
    printf '         CPU per job: minions %.3f ms each, master %.1f ms (load %s)\n' \
        "$(echo "($c1 - $c0) * 1000 / $hz / $runs / $n" | bc -l)" \
        "$(echo "($m1 - $m0) * 1000 / $hz / $runs" | bc -l)" "$(load)"
    times=()
    for r in $(seq 5); do
        t0=$(now_us)
        "$bin/brine" -c "$work/m" '*' test.ping >"$work/out" 2>&1 || die "brine '*' test.ping failed"
        times+=($(($(now_us) - t0)))
    done
    printf '         the whole brine command:   %s\n' "$(printf '%s\n' "${times[@]}" | stats 1000 '%.1f ms')"
done
# The floor: the CLI round trip to the master with no minion at all
times=()
for r in $(seq 5); do
    t0=$(now_us)
    "$bin/brine" -c "$work/m" 'nomatch' test.ping >/dev/null 2>&1
    times+=($(($(now_us) - t0)))
done
printf '  brine with no minion matched (process start + master round trip): %s\n' \
    "$(printf '%s\n' "${times[@]}" | stats 1000 '%.1f ms')"
# Idle memory with the whole fleet (bench_rss.sh says more)
sleep 2
printf '  idle VmRSS with %d minions: brine-master %.2f MiB; brine-minion %s\n' "${#pids[@]}" \
    "$(echo "$(rss_kib "$master_pid") / 1024" | bc -l)" \
    "$(for p in "${pids[@]}"; do rss_kib "$p"; done | stats 1024 '%.2f MiB')"
