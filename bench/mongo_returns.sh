#!/bin/bash
# Returns stored per second by the mongo returner into the MongoDB
# stand-in (tests/mongo/mongo_standin.py, started here on 127.0.0.1): the
# stand-in is Python over mongomock, so this measures the returner against a
# slow server; a real mongod takes the same requests (bulk upserts of up to
# 1,000 returns).
#   usage: bench/mongo_returns.sh [BUILD_DIR]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
. "$(dirname "$0")/../tests/mongo/standin.sh"
dir=$(mktemp -d /tmp/brine-bench-standin.XXXXXX)
trap 'standin_stop; rm -rf "$dir"' EXIT
standin_start "$dir"
for shape in "10 1000" "100 100" "1000 1"; do
    # shellcheck disable=SC2086
    "$build/bin/bench_mongo" "$STANDIN_URI" $shape
done
