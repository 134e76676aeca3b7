# Shared by the fleet benchmarks (bench_fleet.sh, bench_rss.sh,
# bench_startup.sh): a brine-master and brine-minion processes on 127.0.0.1
# in a temporary directory, and the statistics they print. Sourced, not run;
# the caller sets bin (the directory of the programs) and name (its own).
work=$(mktemp -d /tmp/brine-bench.XXXXXX)
# BENCH_MINION_CACHE=tmpfs puts the minions' cachedir (their replay caches,
# made durable with fdatasync before every job) in /dev/shm: as if each
# minion had a disk of its own, instead of all flushing the same one
cache_root=$work
if [ "${BENCH_MINION_CACHE:-disk}" = tmpfs ]; then
    cache_root=$(mktemp -d /dev/shm/brine-bench.XXXXXX)
fi
pids=()
master_pid=
bench_cleanup() {
    local p
    for p in "${pids[@]}" $master_pid; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$work"
    [ "$cache_root" = "$work" ] || rm -rf "$cache_root"
}
trap bench_cleanup EXIT
trap 'exit 1' INT TERM
die() { echo "$name: $*" >&2; tail -n 20 "$work/master.log" >&2; exit 1; }
port() { # a free loopback port, below the kernel's ephemeral range (32768
    # and up), where a swarm's thousands of outgoing connections take theirs
    local p
    while :; do
        p=$(shuf -i 20000-32767 -n 1)
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
        [ "$i" -gt $(($3 * 20)) ] && return 1
        sleep 0.05
    done
}
# "median M (min A, max B, n N)" of the numbers on stdin, divided by DIV
# and printed with FMT (e.g. %.1f)
stats() { # DIV FMT
    sort -g | awk -v div="$1" -v fmt="$2" '{ v[NR] = $1 / div }
        END { if (NR == 0) { print "no data"; exit }
              m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
              printf "median " fmt " (min " fmt ", max " fmt ", n %d)\n", m, v[1], v[NR], NR }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# CPU time in clock ticks (user + system, and waited-for children) of PIDS
cpu_ticks() {
    local p sum=0
    for p in "$@"; do
        sum=$((sum + $(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
    done
    echo "$sum"
}
hz=$(getconf CLK_TCK)
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
# the load average when a figure was taken, to judge it by
load() { cut -d' ' -f1-3 /proc/loadavg; }

# A master with an empty state tree on two free ports
master_start() {
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
    [ -f "$work/m/pki/master.key" ] ||
        "$bin/brine-key" --gen master --gen-dir "$work/m/pki" >/dev/null || die "cannot create the master key"
    "$bin/brine-master" -c "$work/m" >>"$work/master.log" 2>&1 &
    master_pid=$!
    local i
    for i in $(seq 100); do grep -qs "publishing on" "$work/master.log" && return; sleep 0.05; done
    die "the master did not start"
}

# The configuration directory of minion ID, with EXTRA config lines
minion_conf() { # ID [EXTRA...]
    local id=$1 d=$work/$1
    shift
    mkdir -p "$d/pki"
    chmod 700 "$d/pki"
    cp "$work/m/pki/master.pub" "$d/pki/minion_master.pub"
    {
        printf 'master: 127.0.0.1\npublish_port: %s\nret_port: %s\nid: %s\n' "$pub" "$ret" "$id"
        printf 'pki_dir: %s\ncachedir: %s\nacceptance_wait_time: 1\n' "$d/pki" "$cache_root/$id/cache"
        printf '%s\n' "$@"
    } >"$d/minion"
}
minion_start() { # ID
    "$bin/brine-minion" -c "$work/$1" >>"$work/minions.log" 2>&1 &
    pids+=($!)
}

# Minions m0001..mN started, enrolled, accepted and subscribed; those
# already running are kept
fleet_grow() { # N
    local n=$1 id
    while [ "${#pids[@]}" -lt "$n" ]; do
        id=$(printf 'm%04d' $((${#pids[@]} + 1)))
        minion_conf "$id"
        minion_start "$id"
    done
    wait_distinct "is pending" "$n" 120 || die "only $(distinct "is pending") of $n minions enrolled"
    "$bin/brine-key" -c "$work/m" -A -y >/dev/null
    wait_distinct "subscribed to its jobs" "$n" 120 ||
        die "only $(distinct "subscribed to its jobs") of $n minions subscribed"
}
