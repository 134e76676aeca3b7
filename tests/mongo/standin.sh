# standin.sh: start and stop the MongoDB wire-compatible stand-in server
# (mongo_standin.py: python3-mockupdb + python3-mongomock) from a test
# script. Debian 12 packages no MongoDB server; this is a test double, it
# binds 127.0.0.1 only.
#
#   . tests/mongo/standin.sh
#   standin_start DIR [PORT [DELAY_S [ARGS...]]]
#                                       # DIR: data and port file; PORT 0 or
#                                       # absent: a free port. Without a delay
#                                       # it returns once the server accepts.
#                                       # ARGS go to mongo_standin.py (e.g.
#                                       # --users FILE). Sets STANDIN_PID,
#                                       # STANDIN_PORT, STANDIN_URI.
#   standin_wait [SECONDS]              # after a delayed start: until it accepts
#   standin_stop                        # SIGTERM: the server saves DIR, exits
#   standin_kill                        # SIGKILL: a crash, nothing saved
#
# The data in DIR survives standin_stop and a later standin_start DIR PORT.
# $BRINE_MONGO_STANDIN overrides the script's path; it runs under
# /usr/bin/python3, which sees Debian's Python packages.

STANDIN_SCRIPT=${BRINE_MONGO_STANDIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/mongo_standin.py}
STANDIN_PID=
STANDIN_PORT=
STANDIN_URI=
STANDIN_DIR=

standin_start() {
    STANDIN_DIR=$1
    local port=${2:-0} delay=${3:-0}
    shift $(($# < 3 ? $# : 3))
    rm -f "$STANDIN_DIR/standin.port"
    if [ "$delay" != 0 ] && [ "$port" = 0 ]; then
        echo "standin_start: a delayed start needs a fixed port" >&2
        return 1
    fi
    (
        [ "$delay" = 0 ] || sleep "$delay"
        exec /usr/bin/python3 "$STANDIN_SCRIPT" --port "$port" \
            --port-file "$STANDIN_DIR/standin.port" --dbpath "$STANDIN_DIR" "$@" >/dev/null
    ) &
    STANDIN_PID=$!
    STANDIN_PORT=$port
    STANDIN_URI=mongodb://127.0.0.1:$port
    [ "$delay" != 0 ] || standin_wait 10
}

standin_wait() {
    local limit=$(( ${1:-10} * 100 )) i=0
    while [ ! -s "$STANDIN_DIR/standin.port" ]; do
        if ! kill -0 "$STANDIN_PID" 2>/dev/null; then
            echo "standin: the server exited before accepting" >&2
            return 1
        fi
        i=$((i + 1))
        if [ "$i" -gt "$limit" ]; then
            echo "standin: the server did not accept within ${1:-10} s" >&2
            return 1
        fi
        sleep 0.01
    done
    STANDIN_PORT=$(cat "$STANDIN_DIR/standin.port")
    STANDIN_URI=mongodb://127.0.0.1:$STANDIN_PORT
}

standin_stop() {
    [ -n "$STANDIN_PID" ] || return 0
    kill -TERM "$STANDIN_PID" 2>/dev/null || true
    wait "$STANDIN_PID" 2>/dev/null
    local rc=$?
    STANDIN_PID=
    return $rc
}

standin_kill() {
    [ -n "$STANDIN_PID" ] || return 0
    kill -KILL "$STANDIN_PID" 2>/dev/null || true
    wait "$STANDIN_PID" 2>/dev/null || true
    STANDIN_PID=
}
