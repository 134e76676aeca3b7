# Shared by the mongo test scripts: a scratch directory, the MongoDB
# stand-in (standin.sh), masters with master_job_cache: mongo and minions on
# 127.0.0.1, ok / not ok lines and the summary.
#   . lib.sh; mongo_init NAME BIN_DIR
# shellcheck source=standin.sh
. "$(dirname "${BASH_SOURCE[0]}")/standin.sh"

mongo_init() { # NAME BIN_DIR
    test_name=$1
    bin=$(cd "$2" && pwd)
    work=$(mktemp -d /tmp/brine-mongo.XXXXXX)
    chmod 700 "$work"
    passed=0
    failed=0
    declare -gA pid=() # m1, m2, minion ids -> pid
    trap mongo_cleanup EXIT
    trap 'exit 1' INT TERM
    mkdir -p "$work/pki" "$work/salt" "$work/pillar" "$work/db"
    chmod 700 "$work/pki" "$work/pillar"
    "$bin/brine-key" --gen master --gen-dir "$work/pki" >/dev/null
}

mongo_cleanup() {
    local p
    for p in "${pid[@]}"; do
        [ -n "$p" ] && kill -CONT "$p" 2>/dev/null && kill "$p" 2>/dev/null
    done
    standin_kill
    sleep 0.2
    for p in "${pid[@]}"; do
        [ -n "$p" ] && kill -KILL "$p" 2>/dev/null
    done
    wait 2>/dev/null
    [ -n "${MONGO_KEEP:-}" ] || rm -rf "$work"
}

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() {
    failed=$((failed + 1))
    echo "not ok - $1"
    [ -s "$work/out" ] && { echo "--- last output"; tail -n 20 "$work/out"; }
    local log
    for log in m1 m2; do
        [ -f "$work/$log.log" ] && { echo "--- $log log (tail)"; tail -n 15 "$work/$log.log"; }
    done
}
check() { # WHAT CMD...: ok when CMD succeeds
    local what=$1
    shift
    if "$@"; then ok "$what"; else not_ok "$what"; fi
}
# waits until FILE contains PATTERN (grep -E) COUNT times, at most SECONDS
wait_for() {
    local file=$1 pattern=$2 seconds=$3 want=${4:-1} i=0
    while [ "$(count "$file" "$pattern")" -lt "$want" ]; do
        i=$((i + 1))
        [ "$i" -gt $((seconds * 50)) ] && return 1
        sleep 0.02
    done
}
# (0 while FILE does not exist yet, so that a wait does not end at once)
count() {
    local n
    n=$(grep -cE -- "$2" "$1" 2>/dev/null)
    echo "${n:-0}"
}
lines() { wc -l <"$1" 2>/dev/null || echo 0; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
port() { # a free loopback port, from the kernel
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# master_conf N URI [EXTRA-LINE...]: masters share pki, state tree, pillar
master_conf() {
    local n=$1 uri=$2
    shift 2
    mkdir -p "$work/m$n"
    {
        printf 'interface: 127.0.0.1\npublish_port: %s\nret_port: %s\n' "$(port)" "$(port)"
        printf 'pki_dir: %s/pki\nfile_root: %s/salt\npillar_root: %s/pillar\n' \
            "$work" "$work" "$work"
        printf 'sock_dir: %s/m%s/sock\ncachedir: %s/m%s/cache\njob_ttl: 30\n' \
            "$work" "$n" "$work" "$n"
        printf 'master_job_cache: mongo\nmongo.uri: "%s"\nmongo.db: brine\n' "$uri"
        local line
        for line in "$@"; do printf '%s\n' "$line"; done
    } >"$work/m$n/master"
    chmod 600 "$work/m$n/master"
}
ret_port() { sed -n 's/^ret_port: //p' "$work/m$1/master"; }

minion_conf() { # ID MASTER-LIST
    mkdir -p "$work/$1/pki"
    chmod 700 "$work/$1/pki"
    cp "$work/pki/master.pub" "$work/$1/pki/minion_master.pub"
    printf 'master: %s\nmaster_alive_interval: 2\nid: %s\npki_dir: %s\ncachedir: %s\n' \
        "$2" "$1" "$work/$1/pki" "$work/$1/cache" >"$work/$1/minion"
    printf 'acceptance_wait_time: 1\n' >>"$work/$1/minion"
}

start() { # NAME [MASTER-OPTIONS...]: m1, m2... or a minion id
    local name=$1
    shift
    case $name in
    m[0-9]*) "$bin/brine-master" -c "$work/$name" "$@" >>"$work/$name.log" 2>&1 & ;;
    *) "$bin/brine-minion" -c "$work/$name" >>"$work/$name.log" 2>&1 & ;;
    esac
    pid[$name]=$!
}
stop() { # NAME [SIGNAL]: waits until it is gone; its exit status in $status
    local p=${pid[$1]}
    kill "-${2:-TERM}" "$p" 2>/dev/null
    timeout 15 tail --pid="$p" -f /dev/null
    { wait "$p"; } 2>/dev/null
    status=$?
    pid[$1]=
}
# brine through master N, bounded; output in $work/out, status in $rc
brine() { # N ARGS...
    local n=$1
    shift
    timeout 60 "$bin/brine" -c "$work/m$n" "$@" >"$work/out" 2>&1
    rc=$?
}
# starts master N and minions IDS..., accepts them, waits for their hello
fleet_up() { # N ID...
    local n=$1 id
    shift
    start "m$n"
    wait_for "$work/m$n.log" "publishing on" 20 || not_ok "master $n did not start"
    for id in "$@"; do start "$id"; done
    for id in "$@"; do
        wait_for "$work/m$n.log" "minion $id is pending" 20 &&
            "$bin/brine-key" -c "$work/m$n" -a "$id" -y >/dev/null ||
            not_ok "$id did not enrol"
    done
    for id in "$@"; do
        wait_for "$work/m$n.log" "minion $id subscribed to its jobs" 20 ||
            not_ok "$id did not subscribe"
    done
}
# prints COLLECTION of the stand-in, one JSON document a line
dump() { "$bin/mongo_dump" "$STANDIN_URI" brine "$@"; }
# waits until COLLECTION holds COUNT documents, at most SECONDS
wait_docs() { # COLLECTION COUNT SECONDS
    local i=0
    while [ "$(dump "$1" 2>/dev/null | wc -l)" -lt "$2" ]; do
        i=$((i + 1))
        [ "$i" -gt $(($3 * 5)) ] && return 1
        sleep 0.2
    done
}
# no daemon crashed; the summary
mongo_done() {
    local found
    found=$(grep -hE "AddressSanitizer|LeakSanitizer|runtime error:|Assertion|Segmentation" \
        "$work/"*.log 2>/dev/null | head -5)
    [ -z "$found" ] && ok "no daemon crashed or tripped a sanitizer" || not_ok "daemons: $found"
    echo "$test_name: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
