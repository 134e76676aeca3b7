#!/bin/bash
# security_hardening: every program is built hardened: position-independent
# (PIE), full RELRO (GNU_RELRO and BIND_NOW: the GOT is read-only once the
# program runs), a stack protector, and, in optimised builds without
# sanitizers, fortified libc calls (_FORTIFY_SOURCE).
#   usage: test_hardening.sh BIN_DIR FORTIFIED(0|1)
set -euo pipefail
bin=${1:?usage: test_hardening.sh BIN_DIR FORTIFIED}
fortified=${2:?usage: test_hardening.sh BIN_DIR FORTIFIED}
passed=0
failed=0
check() { # WHAT CMD...
    local what=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
        echo "ok - $what"
    else
        failed=$((failed + 1))
        echo "not ok - $what"
    fi
}
for p in brine-master brine-minion brine brine-key brine-call; do
    f=$bin/$p
    [ -x "$f" ] || { check "$p exists" false; continue; }
    check "$p is PIE" sh -c "readelf -h '$f' | grep -q 'Type: *DYN'"
    check "$p has GNU_RELRO" sh -c "readelf -lW '$f' | grep -q GNU_RELRO"
    check "$p binds now (full RELRO)" sh -c "readelf -dW '$f' | grep -Eq 'BIND_NOW|FLAGS_1.*NOW'"
    check "$p has a stack protector" sh -c "nm -D '$f' | grep -q __stack_chk_fail"
    if [ "$fortified" = 1 ]; then
        check "$p uses fortified libc calls" sh -c "nm -D '$f' | grep -q '__[a-z]*_chk@'"
    fi
    check "$p has no executable stack" sh -c "! readelf -lW '$f' | grep GNU_STACK | grep -q RWE"
done
echo "security_hardening: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
