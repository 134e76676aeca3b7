#!/bin/bash
# Idle resident memory of brine-minion and brine-master on 127.0.0.1.
#   usage: bench/bench_rss.sh [BIN_DIR] [MINIONS]
#   e.g.   bench/bench_rss.sh build/bin 10
# Method: a brine-master is started and left idle 2 s: its VmRSS with no
# minion. Then MINIONS brine-minion processes (default 10) are started,
# enrolled, accepted and subscribed, each runs one test.ping, and all are
# left idle 2 s. Printed: the minions' VmRSS (median, min, max), split as
# the kernel counts it (RssAnon: the process's own memory; RssFile: pages
# of the program and its shared libraries, shared with every other process
# mapping them; Pss: the process's share), the master's VmRSS with the
# minions, and the mappings of one minion that hold the most resident
# memory (from /proc/PID/smaps). The target is VmRSS: under 6 MiB for an
# idle minion, under 20 MiB for an idle master. Never fails on the figures.
# Measured on the 2-core machine: minion VmRSS 8.36 MiB (8.26-8.45, n 10;
# before: 10.92), of which RssAnon 0.89 MiB and Pss 1.30 MiB; master 7.72 MiB
# alone (before: 9.98), 18.5-18.6 MiB with 100 minions (before: 21.0).
# With privilege separation (the default as root) the network children are
# measured too: monitor 7.23 MiB, network child 6.10 MiB, Pss of the pair
# 1.75 MiB.
set -uo pipefail
name=bench_rss.sh
bin=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/bin}
count=${2:-10}
. "$(dirname "$0")/bench_lib.sh"

field() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/${3:-status}" 2>/dev/null; }
master_start
sleep 2
master_alone=$(rss_kib "$master_pid")
fleet_grow "$count"
"$bin/bench_ping" "$work/m/sock" '*' 1 >/dev/null || die "test.ping got no answer"
sleep 2
echo "idle resident memory (load $(load))"
for f in VmRSS RssAnon RssFile; do
    printf '  brine-minion %-8s %s\n' "$f" "$(for p in "${pids[@]}"; do field "$p" "$f"; done | stats 1024 '%.2f MiB')"
done
printf '  brine-minion %-8s %s\n' Pss "$(for p in "${pids[@]}"; do field "$p" Pss smaps_rollup; done | stats 1024 '%.2f MiB')"
# With privilege separation (the default when started as root) each pid
# above is the monitor, and its network child is a second process
kids=()
for p in "${pids[@]}"; do
    k=$(pgrep -P "$p" | head -n 1)
    [ -n "$k" ] && kids+=("$k")
done
if [ "${#kids[@]}" -gt 0 ]; then
    echo "  privilege separation: the figures above are the monitors'; their network children:"
    for f in VmRSS RssAnon RssFile; do
        printf '  network child %-8s %s\n' "$f" "$(for p in "${kids[@]}"; do field "$p" "$f"; done | stats 1024 '%.2f MiB')"
    done
    printf '  network child %-8s %s\n' Pss "$(for p in "${kids[@]}"; do field "$p" Pss smaps_rollup; done | stats 1024 '%.2f MiB')"
    printf '  both processes VmRSS  %s\n' "$(for i in "${!kids[@]}"; do
        echo $(($(field "${pids[$i]}" VmRSS) + $(field "${kids[$i]}" VmRSS))); done | stats 1024 '%.2f MiB')"
    printf '  both processes Pss    %s\n' "$(for i in "${!kids[@]}"; do
        echo $(($(field "${pids[$i]}" Pss smaps_rollup) + $(field "${kids[$i]}" Pss smaps_rollup))); done | stats 1024 '%.2f MiB')"
fi
printf '  brine-master VmRSS    %.2f MiB alone, %.2f MiB with %d minions (RssAnon %.2f MiB, RssFile %.2f MiB)\n' \
    "$(echo "$master_alone / 1024" | bc -l)" "$(echo "$(rss_kib "$master_pid") / 1024" | bc -l)" "$count" \
    "$(echo "$(field "$master_pid" RssAnon) / 1024" | bc -l)" "$(echo "$(field "$master_pid" RssFile) / 1024" | bc -l)"
echo "  the mappings of one minion that hold the most (KiB resident, private dirty):"
awk '/^[0-9a-f]+-[0-9a-f]+ / { name = NF >= 6 ? $6 : "[anon]" }
     $1 == "Rss:" { rss[name] += $2 } $1 == "Private_Dirty:" { dirty[name] += $2 }
     END { for (n in rss) printf "%8d %8d  %s\n", rss[n], dirty[n], n }' "/proc/${pids[0]}/smaps" |
    sort -rn | head -12
