# Shared by the attack scripts (test_s*.sh): a scratch directory, a master
# and minions on 127.0.0.1 with ports from the kernel, ok / not ok lines and
# the summary. Source it, then call sec_init NAME BIN_DIR.

# A sanitizer build must let a job process that a test crashes on purpose
# die of its signal
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0
export ZSYS_SIGHANDLER=false

sec_init() { # NAME BIN_DIR
    sec_name=$1
    bin=$(cd "$2" && pwd)
    work=$(mktemp -d /tmp/brine-sec.XXXXXX)
    chmod 700 "$work"
    passed=0
    failed=0
    master_pid=
    declare -gA mpid=() # minion id -> pid
    bg_pids=()          # attack processes started in the background
    trap sec_cleanup EXIT
    trap 'exit 1' INT TERM
    read -r pub ret < <("$bin/sec_attack" port 2 | tr '\n' ' ')
}

sec_cleanup() {
    local p
    for p in "${mpid[@]}" $master_pid "${bg_pids[@]}"; do
        [ -n "$p" ] && kill "$p" 2>/dev/null
    done
    sleep 0.2
    for p in "${mpid[@]}" $master_pid "${bg_pids[@]}"; do
        [ -n "$p" ] && kill -KILL "$p" 2>/dev/null
    done
    wait 2>/dev/null
    [ -n "${SEC_KEEP:-}" ] || rm -rf "$work"
}

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() {
    failed=$((failed + 1))
    echo "not ok - $1"
    if [ -s "$work/out" ]; then
        echo "--- last output"
        tail -n 20 "$work/out"
    fi
    echo "--- master log (tail)"
    tail -n 15 "$work/master.log" 2>/dev/null
}
# check WHAT CMD...: ok when CMD succeeds
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else not_ok "$what"; fi
}
# Stops the daemons (a sanitizer reports leaks as they exit), checks that
# none crashed or tripped a sanitizer, and prints the summary
sec_done() {
    local id
    for id in "${!mpid[@]}"; do stop_minion "$id"; done
    stop_master
    local found
    found=$(grep -hE "AddressSanitizer|LeakSanitizer|runtime error:|Assertion|Segmentation" \
        "$work/"*.log 2>/dev/null | head -5)
    [ -z "$found" ] && ok "no daemon crashed or tripped a sanitizer" || not_ok "daemons: $found"
    echo "$sec_name: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

# waits until FILE contains PATTERN (grep -E) COUNT times, at most SECONDS
wait_for() {
    local file=$1 pattern=$2 seconds=$3 want=${4:-1} i=0
    while [ "$(count "$file" "$pattern")" -lt "$want" ]; do
        i=$((i + 1))
        [ "$i" -gt $((seconds * 20)) ] && return 1
        sleep 0.05
    done
}
# how many lines of FILE match PATTERN (grep -E)
# (0 while FILE does not exist yet, so that a wait does not end at once)
count() {
    local n
    n=$(grep -cE -- "$2" "$1" 2>/dev/null)
    echo "${n:-0}"
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# The master's configuration; extra lines (e.g. "job_ttl: 3") are appended
master_config() {
    mkdir -p "$work/m/pki" "$work/salt" "$work/pillar"
    chmod 700 "$work/m" "$work/m/pki" "$work/pillar"
    {
        printf 'interface: 127.0.0.1\npublish_port: %s\nret_port: %s\n' "$pub" "$ret"
        printf 'pki_dir: %s\nfile_root: %s\npillar_root: %s\n' "$work/m/pki" "$work/salt" "$work/pillar"
        printf 'sock_dir: %s\ncachedir: %s\n' "$work/m/sock" "$work/m/cache"
        printf '%s\n' "$@"
    } >"$work/m/master"
    [ -f "$work/m/pki/master.key" ] ||
        "$bin/brine-key" --gen master --gen-dir "$work/m/pki" >/dev/null
}
start_master() { # [ARGS...]
    local mark
    mark=$(count "$work/master.log" "publishing on")
    "$bin/brine-master" -c "$work/m" -l debug "$@" >>"$work/master.log" 2>&1 &
    master_pid=$!
    wait_for "$work/master.log" "publishing on" 20 $((mark + 1))
}
stop_master() {
    [ -n "$master_pid" ] || return 0
    kill "$master_pid" 2>/dev/null
    timeout 10 tail --pid="$master_pid" -f /dev/null
    wait "$master_pid" 2>/dev/null
    master_pid=
}
# A minion ID whose master is ours (or PUB_PORT and REQ_PORT when given
# through MINION_PUB / MINION_RET); extra config lines follow the id
minion_config() { # ID [LINES...]
    local id=$1
    shift
    mkdir -p "$work/$id/pki"
    chmod 700 "$work/$id" "$work/$id/pki"
    cp "$work/m/pki/master.pub" "$work/$id/pki/minion_master.pub"
    {
        printf 'master: 127.0.0.1\npublish_port: %s\nret_port: %s\nid: %s\n' \
            "${MINION_PUB:-$pub}" "${MINION_RET:-$ret}" "$id"
        printf 'pki_dir: %s\ncachedir: %s\nacceptance_wait_time: 1\n' "$work/$id/pki" "$work/$id/cache"
        printf '%s\n' "$@"
    } >"$work/$id/minion"
}
start_minion() { # ID: runs in $work, so that a core file would land there
    (cd "$work" && exec "$bin/brine-minion" -c "$work/$1" -l debug) >>"$work/$1.log" 2>&1 &
    mpid[$1]=$!
}
stop_minion() { # ID [SIGNAL]
    local p=${mpid[$1]}
    [ -n "$p" ] || return 0
    kill "-${2:-TERM}" "$p" 2>/dev/null
    timeout 10 tail --pid="$p" -f /dev/null
    wait "$p" 2>/dev/null
    mpid[$1]=
}
# Started as root, a minion is two processes (docs/privsep.md): the
# monitor, whose pid start_minion keeps, and its network child
net_child() { # ID: the network child's pid, or nothing
    local p
    for p in $(pgrep -P "${mpid[$1]}"); do
        [ "$(cat "/proc/$p/comm" 2>/dev/null)" = brine-netchild ] && echo "$p" && return
    done
}
minion_pids() { echo "${mpid[$1]}" $(net_child "$1"); } # ID: the monitor and its child
job_pid() { # ID: the process of the job the minion runs now, or nothing
    local p
    for p in $(pgrep -P "${mpid[$1]}"); do
        [ "$(cat "/proc/$p/comm" 2>/dev/null)" != brine-netchild ] && echo "$p" && return
    done
}
# Accepts a minion that has enrolled and waits until it is subscribed
accept_minion() { # ID
    wait_for "$work/master.log" "minion $1 is pending" 20 &&
        "$bin/brine-key" -c "$work/m" -a "$1" -y >/dev/null &&
        wait_for "$work/master.log" "minion $1 subscribed to its jobs" 20
}
# brine with this master's configuration, bounded; output in $work/out
# (and appended to $work/cli.out), status in $rc
brine() {
    timeout 60 "$bin/brine" -c "$work/m" "$@" >"$work/out" 2>&1
    rc=$?
    cat "$work/out" >>"$work/cli.out"
}
# Starts an attack in the background, its output in FILE
attack_bg() { # FILE ARGS...
    local file=$1
    shift
    "$bin/sec_attack" "$@" >"$file" 2>&1 &
    bg_pids+=($!)
}

# Random secrets: NAME=VALUE lines for the pillar are up to the script;
# secrets_needles FILE VALUE... writes each value and its two halves (a
# leak may be cut short) one per line, for grep -f and vm_memscan
new_secret() { printf '%s-%s' "$1" "$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"; }
secret_needles() { # FILE VALUE...
    local file=$1 v
    shift
    : >"$file"
    chmod 600 "$file"
    for v in "$@"; do
        printf '%s\n%s\n%s\n' "$v" "${v:0:$((${#v} / 2))}" "${v:$((${#v} / 2))}" >>"$file"
    done
}
# Files under DIR... holding any needle of FILE, one per line (none: empty)
leaks_in() { # NEEDLES DIR_OR_FILE...
    local needles=$1
    shift
    grep -rlaF -f "$needles" "$@" 2>/dev/null | grep -v -x -F "$needles"
}
