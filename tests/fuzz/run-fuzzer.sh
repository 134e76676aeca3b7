#!/bin/bash
# One libFuzzer run, as ctest -L fuzz does it in a -DBRINE_FUZZ=ON build:
#   run-fuzzer.sh FUZZER SEED_CORPUS SECONDS OUT
# The fuzzer starts from the seeds (read-only, in the repo) and a working
# corpus in OUT/corpus that grows across runs; a crash, leak or timeout
# leaves its input in OUT/ (crash-*, leak-*, timeout-*) and fails the test.
# Copy such an input into the seed corpus once it is fixed: every build
# then replays it.
set -euo pipefail
fuzzer=$1 seeds=$2 seconds=$3 out=$4
mkdir -p "$out/corpus"
name=$(basename "$fuzzer")
# -timeout: one input may take 10 s (a loaded machine); -rss_limit_mb: ASan
# doubles memory; -max_len: room for state files with long lines
set +e
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2560 -max_len=16384 \
    -print_final_stats=1 -artifact_prefix="$out/" "$out/corpus" "$seeds" >"$out/log" 2>&1
rc=$?
set -e
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/log" | tail -n 1)
speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/log" | tail -n 1)
cov=$(grep -o 'cov: [0-9]*' "$out/log" | tail -n 1)
echo "$name: ${execs:-?} executions in $seconds s (${speed:-?}/s), ${cov:-cov: ?}, corpus $(ls "$out/corpus" | wc -l) inputs"
if [ "$rc" -ne 0 ]; then
    echo "$name: the fuzzer failed (exit $rc); last lines of $out/log:"
    tail -n 60 "$out/log"
    ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-* 2>/dev/null || true
fi
exit "$rc"
