#!/usr/bin/env bash
# End-to-end test of brine-key: the real binary against a temporary key
# store, checking salt-key's workflow and exact output.
# Usage: test_brine_key.sh path/to/brine-key
set -euo pipefail

BK=${1:?usage: test_brine_key.sh path/to/brine-key}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
PKI=$TMP/pki
GEN=$TMP/gen
mkdir -m 700 "$PKI" "$GEN"
export NO_COLOR=
passed=0
failed=0
trap 'echo "e2e_brine_key: aborted at line $LINENO ($passed passed, $failed failed)"' ERR

check() { # name, expected, actual
    if [[ "$2" == "$3" ]]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        printf 'FAIL: %s\n--- expected\n%s\n--- got\n%s\n' "$1" "$2" "$3" >&2
    fi
}

check_has() { # name, needle, haystack
    if [[ "$3" == *"$2"* ]]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        printf 'FAIL: %s: [%s] not in [%s]\n' "$1" "$2" "$3" >&2
    fi
}

# Prints the names in a directory other than the allowed ones.
extra_files() { # dir, allowed names...
    local dir=$1 f name
    shift
    for f in "$dir"/* "$dir"/.[!.]*; do
        [[ -e $f || -L $f ]] || continue
        name=${f##*/}
        [[ " $* " == *" $name "* ]] || printf '%s\n' "$name"
    done
}

# Runs brine-key with stdin not a terminal; sets out, err and rc.
run() {
    set +e
    out=$("$BK" "$@" 2>"$TMP/stderr" </dev/null)
    rc=$?
    set -e
    err=$(<"$TMP/stderr")
}

empty_list=$'Accepted Keys:\nDenied Keys:\nUnaccepted Keys:\nRejected Keys:'

# --gen: a key pair with the right modes, never overwritten
run --gen minion1 --gen-dir "$GEN"
check "gen rc" 0 "$rc"
check "gen pub mode" 644 "$(stat -c %a "$GEN/minion1.pub")"
check "gen key mode" 600 "$(stat -c %a "$GEN/minion1.key")"
check "gen pub size" 41 "$(stat -c %s "$GEN/minion1.pub")"
check_has "gen prints pub path" "$GEN/minion1.pub" "$out"
check_has "gen prints key path" "$GEN/minion1.key" "$out"
fp1=$(sed -n 's/^Fingerprint: //p' <<<"$out")
check "gen fingerprint length" 95 "${#fp1}"
before=$(cat "$GEN/minion1.key" 2>/dev/null || true)
run --gen minion1 --gen-dir "$GEN"
check "gen refuses overwrite rc" 1 "$rc"
check_has "gen refuses overwrite message" "refusing to overwrite existing $GEN/minion1.pub" "$err"
check "gen kept the key" "$before" "$(cat "$GEN/minion1.key")"
run --gen ../evil --gen-dir "$GEN"
check "gen bad name rc" 2 "$rc"
check "gen bad name wrote nothing" "" "$(extra_files "$TMP" pki gen stderr)"
run --gen minion2 --gen-dir "$GEN"
fp2=$(sed -n 's/^Fingerprint: //p' <<<"$out")

# -L on an empty store, then with two pending minions
run --pki-dir "$PKI" -L
check "empty list" "$empty_list" "$out"
check "empty list rc" 0 "$rc"
cp "$GEN/minion1.pub" "$PKI/minions_pre/web1"
cp "$GEN/minion2.pub" "$PKI/minions_pre/db1"
run --pki-dir "$PKI" -L
check "list pending" $'Accepted Keys:\nDenied Keys:\nUnaccepted Keys:\ndb1\nweb1\nRejected Keys:' "$out"
run --pki-dir "$PKI"
check "no action lists" $'Accepted Keys:\nDenied Keys:\nUnaccepted Keys:\ndb1\nweb1\nRejected Keys:' "$out"

# -a
run --pki-dir "$PKI" -a web1 -y
check "accept rc" 0 "$rc"
check "accept output" $'The following keys are going to be accepted:\nUnaccepted Keys:\nweb1\nKey for minion web1 accepted.' "$out"
run --pki-dir "$PKI" -L
check "list after accept" $'Accepted Keys:\nweb1\nDenied Keys:\nUnaccepted Keys:\ndb1\nRejected Keys:' "$out"
check "accepted file mode" 644 "$(stat -c %a "$PKI/minions/web1")"
run --pki-dir "$PKI" -a web1 -y
check "accept again rc" 1 "$rc"
check "accept again output" "The key glob 'web1' does not match any unaccepted keys." "$out"
run --pki-dir "$PKI" -a nobody --include-rejected
check "accept unknown" "The key glob 'nobody' does not match any unaccepted or rejected keys." "$out"

# -f and -F
run --pki-dir "$PKI" -f web1
check "finger rc" 0 "$rc"
check "finger output" "Accepted Keys:"$'\n'"web1:  $fp1" "$out"
run --pki-dir "$PKI" -f nobody
check "finger unknown rc" 1 "$rc"

# -r, --include-accepted, --include-rejected
run --pki-dir "$PKI" -r db1 -y
check "reject output" $'The following keys are going to be rejected:\nUnaccepted Keys:\ndb1\nKey for minion db1 rejected.' "$out"
run --pki-dir "$PKI" -r web1 -y
check "reject accepted without flag rc" 1 "$rc"
check "reject accepted without flag" "The key glob 'web1' does not match any unaccepted keys." "$out"
run --pki-dir "$PKI" -r web1 -y --include-accepted
check "reject accepted output" $'The following keys are going to be rejected:\nAccepted Keys:\nweb1\nKey for minion web1 rejected.' "$out"
run --pki-dir "$PKI" -L
check "list after reject" $'Accepted Keys:\nDenied Keys:\nUnaccepted Keys:\nRejected Keys:\ndb1\nweb1' "$out"
run --pki-dir "$PKI" -a web1 -y --include-rejected
check "accept rejected output" $'The following keys are going to be accepted:\nRejected Keys:\nweb1\nKey for minion web1 accepted.' "$out"

# -F, with the master's own key shown as Salt shows it
run --gen master --gen-dir "$PKI"
fpm=$(sed -n 's/^Fingerprint: //p' <<<"$out")
run --pki-dir "$PKI" -F
check "finger all" "Local Keys:"$'\n'"master.pub:  $fpm"$'\n'"Accepted Keys:"$'\n'"web1:  $fp1"$'\n'"Rejected Keys:"$'\n'"db1:  $fp2" "$out"

# -d needs -y without a terminal; then removes the id from every state
run --pki-dir "$PKI" -d web1
check "delete unconfirmed rc" 1 "$rc"
check_has "delete unconfirmed message" "add -y" "$err"
check "delete unconfirmed kept the key" "yes" "$([[ -f $PKI/minions/web1 ]] && echo yes)"
cp "$GEN/minion2.pub" "$PKI/minions_denied/web1"
run --pki-dir "$PKI" -d web1 -y
check "delete output" $'The following keys are going to be deleted:\nAccepted Keys:\nweb1\nDenied Keys:\nweb1\nKey for minion web1 deleted.' "$out"
run --pki-dir "$PKI" -L
check "list after delete" $'Accepted Keys:\nDenied Keys:\nUnaccepted Keys:\nRejected Keys:\ndb1' "$out"
run --pki-dir "$PKI" -d web1 -y
check "delete again rc" 1 "$rc"

# Invalid ids never reach a path
for bad in ../x x/y .hidden '' -x "$(printf 'a\033b')" "$(printf '%065d' 0)"; do
    run --pki-dir "$PKI" -a "$bad" -y
    check "bad id '$bad' rc" 2 "$rc"
    check_has "bad id '$bad' message" "invalid minion id" "$err"
done
check "bad id escaped" "yes" "$([[ $err != *$'\033'* ]] && echo yes)"
check "bad id wrote nothing" "" "$(extra_files "$TMP" pki gen stderr)"
check "bad id wrote nothing in the store" "" \
    "$(extra_files "$PKI" minions minions_pre minions_rejected minions_denied master.pub master.key)"
for dir in minions minions_pre minions_rejected minions_denied; do
    check "bad id wrote nothing in $dir" "" "$(extra_files "$PKI/$dir" db1)"
done

# -D, usage errors, --help and --version
run --pki-dir "$PKI" -D -y
check "delete all rc" 0 "$rc"
run --pki-dir "$PKI" -L
check "list after delete all" "$empty_list" "$out"
run --pki-dir "$PKI" -A
check "accept all with nothing pending rc" 0 "$rc"
check "accept all with nothing pending" "The key glob '*' does not match any unaccepted keys." "$out"
run --bogus
check "unknown option rc" 2 "$rc"
check_has "unknown option usage" "Usage: brine-key" "$err"
run -L -A
check "two actions rc" 2 "$rc"
run -L extra
check "extra argument rc" 2 "$rc"
run --help
check "help rc" 0 "$rc"
check_has "help says no globs" "no globs" "$out"
run --version
check_has "version" "brine-key " "$out"
mkdir "$TMP/conf"
printf 'pki_dir: %s\n' "$TMP/nowhere" >"$TMP/conf/master"
run -c "$TMP/conf" -L
check "missing store rc" 1 "$rc"
check_has "missing store message" "$TMP/nowhere" "$err"
check "missing store not created" "no" "$([[ -e $TMP/nowhere ]] && echo yes || echo no)"
printf 'pki_dir: %s\n' "$PKI" >"$TMP/conf/master"
run -c "$TMP/conf" -L
check "pki_dir from the config" "$empty_list" "$out"
run -c "$TMP/conf" --pki-dir "$TMP/nowhere" -L
check "--pki-dir overrides the config" 1 "$rc"

echo "e2e_brine_key: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
