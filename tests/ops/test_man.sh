#!/bin/bash
# unit_man: every man page renders without a warning (groff -ww, and man -l
# where man-db is installed), and each program's --help and its man page
# name the same long options and the same short ones.
#   usage: test_man.sh BIN_DIR MAN_DIR
set -uo pipefail
bin=${1:?usage: test_man.sh BIN_DIR MAN_DIR}
man=${2:?usage: test_man.sh BIN_DIR MAN_DIR}
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; [ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/    /'; }

if ! command -v groff >/dev/null; then
    echo "unit_man: groff is not installed (tools/deps installs groff-base)"
    exit 77
fi
export LC_ALL=C.UTF-8 MANWIDTH=80

pages=$(ls "$man")
[ "$(echo "$pages" | wc -w)" -ge 8 ] && ok "8 man pages or more" || not_ok "8 man pages or more" "$pages"
for page in $pages; do
    warnings=$(groff -man -Tutf8 -ww -z "$man/$page" 2>&1)
    [ -z "$warnings" ] && ok "$page renders without a warning" ||
        not_ok "$page renders without a warning" "$warnings"
    if command -v man >/dev/null; then
        warnings=$(man --warnings -l "$man/$page" 2>&1 >/dev/null)
        [ -z "$warnings" ] && ok "man -l $page" || not_ok "man -l $page" "$warnings"
    fi
    # No line left in the page that roff would take for an unknown request
    bad=$(grep -nE "^\.[A-Za-z]" "$man/$page" | grep -vE "^[0-9]+:\.(TH|SH|SS|TP|PP|RS|RE|B|I|BR|BI|IR|RB|RI|IB|nf|fi|br|\\\\\")( |$)")
    [ -z "$bad" ] && ok "$page uses only man macros" || not_ok "$page uses only man macros" "$bad"
done

# The options a text names: long ones (--name), short ones (-X)
long_options() { sed 's/\\-/-/g' | grep -oE -- '(^|[^a-z-])--[a-z][a-z-]*' | sed 's/^[^-]*//' | sort -u; }
help_short() { grep -oE -- '^ +-[A-Za-z],' | tr -d ' ,' | sort -u; }

for program in brine.1 brine-call.1 brine-key.1 brine-master.8 brine-minion.8; do
    name=${program%.*}
    help=$("$bin/$name" --help 2>&1)
    in_help=$(printf '%s\n' "$help" | long_options)
    in_man=$(long_options < "$man/$program")
    if [ "$in_help" = "$in_man" ]; then
        ok "$name: --help and $program name the same long options"
    else
        not_ok "$name: --help and $program name the same long options" \
            "$(diff <(echo "$in_help") <(echo "$in_man") | grep '^[<>]' | sed 's/^</only in --help:/; s/^>/only in the page:/')"
    fi
    missing=""
    for short in $(printf '%s\n' "$help" | help_short); do
        grep -qF -- "\\${short}" "$man/$program" || missing="$missing $short"
    done
    [ -z "$missing" ] && ok "$name: the page has every short option of --help" ||
        not_ok "$name: the page has every short option of --help" "missing:$missing"
    version=$("$bin/$name" --version 2>&1)
    grep -qF "\"brine ${version##* }\"" "$man/$program" && ok "$name: the page is of version ${version##* }" ||
        not_ok "$name: the page is of version ${version##* }"
done

echo "unit_man: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
