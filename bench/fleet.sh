#!/bin/bash
# Fleet benchmark on 127.0.0.1 (not a test: it prints numbers, and fails only
# when the fleet cannot be set up): the wall time of `brine '*' test.ping` to
# 1, 10 and 100 real brine-minion processes (median of RUNS runs each), and
# the idle resident memory (VmRSS) of brine-minion and brine-master.
#   usage: bench/fleet.sh [BIN_DIR] [RUNS] [SIZES]
#   e.g.   bench/fleet.sh build/bin 5 "1 10 100"
# The fleet grows in steps: the minions of a step are started, enrol, are
# accepted with brine-key -A -y, say hello and subscribe; then the pings run.
set -uo pipefail
bin=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/bin}
runs=${2:-5}
sizes=${3:-1 10 100}
work=$(mktemp -d /tmp/brine-bench-fleet.XXXXXX)
pids=()
master_pid=
cleanup() {
    local p
    for p in "${pids[@]}" $master_pid; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
die() { echo "bench/fleet.sh: $*" >&2; tail -n 20 "$work/master.log" >&2; exit 1; }
port() {
    local p
    while :; do
        p=$(shuf -i 20000-60000 -n 1)
        ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && { echo "$p"; return; }
    done
}
now_us() { echo $(($(date +%s%N) / 1000)); }
# distinct minions that match "minion ID PATTERN" in the master's log
distinct() { grep -oE "minion [A-Za-z0-9._-]+ $1" "$work/master.log" | sort -u | wc -l; }
wait_distinct() { # PATTERN COUNT SECONDS
    local i=0
    while [ "$(distinct "$1")" -lt "$2" ]; do
        i=$((i + 1))
        [ "$i" -gt $(($3 * 10)) ] && return 1
        sleep 0.1
    done
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# CPU time in clock ticks (utime + stime + waited-for children) of PIDS
cpu_ticks() {
    local p sum=0
    for p in "$@"; do
        sum=$((sum + $(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
    done
    echo "$sum"
}
hz=$(getconf CLK_TCK)
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

pub=$(port)
ret=$(port)
mkdir -p "$work/m/pki" "$work/salt" "$work/pillar"
chmod 700 "$work/m/pki" "$work/pillar"
cat >"$work/m/master" <<CONF
interface: 127.0.0.1
publish_port: $pub
ret_port: $ret
pki_dir: $work/m/pki
file_root: $work/salt
pillar_root: $work/pillar
sock_dir: $work/m/sock
cachedir: $work/m/cache
CONF
"$bin/brine-key" --gen master --gen-dir "$work/m/pki" >/dev/null || die "cannot create the master key"
"$bin/brine-master" -c "$work/m" >>"$work/master.log" 2>&1 &
master_pid=$!
for _ in $(seq 100); do grep -q "publishing on" "$work/master.log" && break; sleep 0.1; done
grep -q "publishing on" "$work/master.log" || die "the master did not start"

start_minion() { # N
    local id d
    id=$(printf 'm%04d' "$1")
    d=$work/$id
    mkdir -p "$d/pki"
    chmod 700 "$d/pki"
    cp "$work/m/pki/master.pub" "$d/pki/minion_master.pub"
    printf 'master: 127.0.0.1\npublish_port: %s\nret_port: %s\nid: %s\npki_dir: %s\ncachedir: %s\nacceptance_wait_time: 1\n' \
        "$pub" "$ret" "$id" "$d/pki" "$d/cache" >"$d/minion"
    "$bin/brine-minion" -c "$d" >>"$work/minions.log" 2>&1 &
    pids+=($!)
}

echo "brine '*' test.ping on loopback, wall time of the brine process (median of $runs runs)"
started=0
for n in $sizes; do
    while [ "$started" -lt "$n" ]; do
        started=$((started + 1))
        start_minion "$started"
    done
    wait_distinct "is pending" "$n" 120 || die "only $(distinct "is pending") of $n minions enrolled"
    "$bin/brine-key" -c "$work/m" -A -y >/dev/null
    wait_distinct "subscribed to its jobs" "$n" 120 ||
        die "only $(distinct "subscribed to its jobs") of $n minions subscribed"
    sleep 1
    "$bin/brine" -c "$work/m" '*' test.ping >/dev/null 2>&1 # warm-up
    times=()
    c0=$(cpu_ticks "${pids[@]}")
    m0=$(cpu_ticks "$master_pid")
    for r in $(seq "$runs"); do
        t0=$(now_us)
        "$bin/brine" -c "$work/m" '*' test.ping >"$work/out" 2>&1
        rc=$?
        t1=$(now_us)
        answered=$(grep -c "^    True$" "$work/out")
        [ "$rc" = 0 ] && [ "$answered" = "$n" ] || die "run $r to $n minions: exit $rc, $answered answered"
        times+=($(((t1 - t0))))
    done
    c1=$(cpu_ticks "${pids[@]}")
    m1=$(cpu_ticks "$master_pid")
    med=$(printf '%s\n' "${times[@]}" | median)
    printf '  N=%-4s median %7.1f ms   runs (ms): %s\n' "$n" "$(echo "$med / 1000" | bc -l)" \
        "$(for t in "${times[@]}"; do printf '%.1f ' "$(echo "$t / 1000" | bc -l)"; done)"
    printf '         CPU per ping: minions %.2f ms each (%d ms in all), master %.1f ms\n' \
        "$(echo "($c1 - $c0) * 1000 / $hz / $runs / $n" | bc -l)" \
        "$(((c1 - c0) * 1000 / hz / runs))" "$(echo "($m1 - $m0) * 1000 / $hz / $runs" | bc -l)"
done
# The floor: the same CLI round trip to the master with no minion at all
times=()
for r in $(seq "$runs"); do
    t0=$(now_us)
    "$bin/brine" -c "$work/m" 'nomatch' test.ping >/dev/null 2>&1
    t1=$(now_us)
    times+=($((t1 - t0)))
done
printf '  no minion (brine start + master round trip, "No minions matched"): median %.1f ms\n' \
    "$(echo "$(printf '%s\n' "${times[@]}" | median) / 1000" | bc -l)"

sleep 2
rss=()
for p in "${pids[@]}"; do
    v=$(rss_kib "$p")
    [ -n "$v" ] && rss+=("$v")
done
[ "${#rss[@]}" -gt 0 ] || die "no minion is running"
printf 'idle VmRSS, %d brine-minion processes: median %d KiB (min %d, max %d)\n' "${#rss[@]}" \
    "$(printf '%s\n' "${rss[@]}" | median | cut -d. -f1)" \
    "$(printf '%s\n' "${rss[@]}" | sort -n | head -1)" "$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)"
printf 'idle VmRSS, brine-master with %d minions: %d KiB\n' "$started" "$(rss_kib "$master_pid")"
for p in "${pids[0]}" "$master_pid"; do
    printf '  %s pid %s: %s\n' "$(cat "/proc/$p/comm")" "$p" "$(awk '/^(RssAnon|RssFile|RssShmem):/ { printf "%s %s KiB  ", $1, $2 }' "/proc/$p/status")"
done
