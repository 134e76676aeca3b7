#!/bin/bash
# security_s6: pillar files are not readable by others, and no secret
# reaches the job cache, a log or the CLI's output, test=True included
# (invariant S6; Salt issues #16672 and #59113 showed passwords in test=True
# output and minion logs, CVE-2021-25284 wrote credentials to logs).
#
# The master is started on a pillar that others can read in four ways (a
# file, a file deep in the tree, the directory itself, a symbolic link to a
# readable file elsewhere). Then, on a private pillar, jobs that use the
# passphrase run with test=True and for real, in highstate and JSON output,
# and state files try to move the secret where it would be shown: a
# command line, an unless, a state ID, a label, a name through a default
# filter, a longer string, the map that holds it, the whole pillar. Both
# daemons log at debug level. Afterwards no file but the pillar holds the
# secret: logs, the job cache, every output of brine and brine jobs.
#   usage: test_s6_leaks.sh BIN_DIR
set -uo pipefail
. "$(dirname "$0")/lib.sh"
sec_init security_s6 "$1"

secret=$(new_secret S6a)
password=$(new_secret S6b)
secret_needles "$work/needles" "$secret" "$password"
master_config "job_ttl: 30"
printf "base:\n  '*':\n    - luks\n" >"$work/pillar/top.sls"
printf 'luks:\n  passphrase: %s\n  device: %s/no-disk\ndb_password: %s\n' \
    "$secret" "$work" "$password" >"$work/pillar/luks.sls"
chmod 600 "$work/pillar/"*.sls

echo "# a pillar that others can read"
refuses() { # WHAT NAMED: the master must exit and name NAMED, and so must its check
    timeout 20 "$bin/brine-master" -c "$work/m" >"$work/out" 2>&1
    local status=$?
    timeout 20 "$bin/brine-master" -c "$work/m" --check-config >"$work/check.out" 2>&1
    local checked=$?
    if [ "$status" != 0 ] && [ "$status" != 124 ] && grep -q "is readable by others" "$work/out" &&
        grep -qF "$2" "$work/out" && [ "$checked" != 0 ] &&
        grep -q "is readable by others" "$work/check.out"; then
        ok "$1: the master refuses to start, and --check-config says so ($(head -1 "$work/out" | cut -c1-120))"
    else
        not_ok "$1: exit $status: $(head -3 "$work/out"); --check-config: exit $checked"
    fi
}
chmod 644 "$work/pillar/luks.sls"
refuses "a pillar file of mode 0644" "$work/pillar/luks.sls"
chmod 600 "$work/pillar/luks.sls"
mkdir -m 700 "$work/pillar/deep" "$work/pillar/deep/er"
printf 'x: 1\n' >"$work/pillar/deep/er/more.sls"
chmod 604 "$work/pillar/deep/er/more.sls"
refuses "a file of mode 0604 two directories down" "$work/pillar/deep/er/more.sls"
rm -r "$work/pillar/deep"
chmod 755 "$work/pillar"
refuses "the pillar directory of mode 0755, its files 0600" "$work/pillar"
chmod 700 "$work/pillar"
printf 'extra_secret: %s\n' "$secret" >"$work/outside.sls"
chmod 644 "$work/outside.sls"
ln -s "$work/outside.sls" "$work/pillar/linked.sls"
refuses "a symbolic link to a file others can read" "linked.sls"
rm "$work/pillar/linked.sls" "$work/outside.sls"

echo "# jobs with the passphrase, and states that try to show it"
luks() { # ID [extra argument lines]
    printf '%s:\n  luks.formatted:\n    - name: {{ pillar.luks.device }}\n' "$1"
    printf '    - passphrase: {{ pillar.luks.passphrase }}\n'
    shift
    [ $# -gt 0 ] && printf '    - %s\n' "$@"
}
luks s6-formatted >"$work/salt/s6.sls"
printf 's6-cmd:\n  cmd.run:\n    - name: echo {{ pillar.luks.passphrase }}\n' >"$work/salt/leak_cmd.sls"
printf "s6-get:\n  cmd.run:\n    - name: echo {{ salt['pillar.get']('luks:passphrase') }}\n" \
    >"$work/salt/leak_get.sls"
printf 's6-unless:\n  cmd.run:\n    - name: "true"\n    - unless: test {{ pillar.db_password }} = x\n' \
    >"$work/salt/leak_unless.sls"
printf '{{ pillar.luks.passphrase }}:\n  test.nop\n' >"$work/salt/leak_id.sls"
luks s6-label "label: {{ pillar.luks.passphrase }}" >"$work/salt/leak_label.sls"
printf "s6-default:\n  test.succeed_with_changes:\n    - name: {{ pillar.luks.passphrase | default('none') }}\n" \
    >"$work/salt/leak_default.sls"
printf 's6-concat:\n  luks.formatted:\n    - name: {{ pillar.luks.device }}\n    - passphrase: "x{{ pillar.luks.passphrase }}"\n' \
    >"$work/salt/leak_concat.sls"
printf 's6-map:\n  cmd.run:\n    - name: echo {{ pillar.luks }}\n' >"$work/salt/leak_map.sls"
printf 's6-pillar:\n  cmd.run:\n    - name: echo {{ pillar }}\n' >"$work/salt/leak_pillar.sls"

start_master || not_ok "the master did not start on a private pillar"
minion_config web1 "startup_states: sls" "sls_list: [s6]"
start_minion web1
accept_minion web1 || not_ok "web1 was not accepted"
wait_for "$work/master.log" "return from web1 for job [0-9]+ \(state.apply\)" 10 &&
    ok "web1's startup job with the passphrase returned" || not_ok "startup job"
brine web1 state.apply s6 test=True --no-color
[ "$rc" = 0 ] && grep -q "Result: None" "$work/out" &&
    ok "test=True, highstate output: predicted (Result: None)" || not_ok "test=True: rc $rc"
brine web1 state.apply s6 test=True --out=json
[ "$rc" = 0 ] && grep -q '"result": null' "$work/out" &&
    ok "test=True, --out=json: predicted (result null)" || not_ok "test=True json: rc $rc"
brine web1 state.apply s6 --no-color
[ "$rc" != 0 ] && grep -q "does not exist" "$work/out" &&
    ok "for real, highstate output: fails on a missing device" || not_ok "real run: rc $rc"
brine web1 state.apply s6 --out=json
[ "$rc" != 0 ] && ok "for real, --out=json" || not_ok "real run json: rc $rc"
for leak in cmd get unless id label default concat map pillar; do
    brine web1 state.apply "leak_$leak" --no-color
    if [ "$rc" != 0 ]; then
        ok "leak_$leak is refused: $(grep -m1 -iE "secret|error|invalid|fail" "$work/out" | sed 's/^ *//' | cut -c1-160)"
    else
        not_ok "leak_$leak ran"
    fi
    brine web1 state.apply "leak_$leak" test=True --out=json
done
"$bin/brine" -c "$work/m" jobs list >"$work/jobs.out" 2>&1
for jid in $(cut -c1-20 "$work/jobs.out"); do
    "$bin/brine" -c "$work/m" jobs show "$jid" --no-color >>"$work/jobs.out" 2>&1
    "$bin/brine" -c "$work/m" jobs show "$jid" --out=json >>"$work/jobs.out" 2>&1
done
[ "$(ls "$work/m/cache/jobs" | wc -l)" -ge 20 ] && grep -q "^D: " "$work/web1.log" &&
    ok "what is scanned is there: $(ls "$work/m/cache/jobs" | wc -l) jobs in the job cache, shown by brine jobs; debug lines in the minion's log" ||
    not_ok "job cache: $(ls "$work/m/cache/jobs" | wc -l) jobs"

echo "# where the secrets are"
leaks=$(leaks_in "$work/needles" "$work" --exclude-dir=pillar)
[ -z "$leaks" ] &&
    ok "no secret outside the pillar: job cache, master and minion logs (debug), every brine output" ||
    not_ok "secret bytes in: $(echo "$leaks" | tr '\n' ' ')"
sec_done
