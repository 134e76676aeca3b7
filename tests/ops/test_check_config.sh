#!/bin/bash
# e2e_check_config: brine-master --check-config finds a planted error in each
# of the configuration, a state file, a pillar file and a requisite (and a
# few more), each named by file and line, on its own and all at once; passes
# a clean tree and examples/ as shipped; never prints a secret; writes
# nothing.
#   usage: test_check_config.sh BIN_DIR SOURCE_DIR
set -uo pipefail
bin=${1:?usage: test_check_config.sh BIN_DIR SOURCE_DIR}
src=${2:?usage: test_check_config.sh BIN_DIR SOURCE_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
secret=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; printf '%s\n' "$out" | sed 's/^/    /'; }

# A small tree: two minions' pillars (one with a LUKS passphrase), states
# with requisites, a file no top file assigns
tree() { # DIR
    local d=$1
    mkdir -p "$d/etc" "$d/salt/web" "$d/pillar"
    cat > "$d/etc/master" <<EOT
# check-config test
file_root: $d/salt
pillar_root: $d/pillar
pki_dir: $d/pki
cachedir: $d/cache
sock_dir: $d/sock
EOT
    cat > "$d/salt/top.sls" <<'EOT'
base:
  'web*':
    - web
  'db1':
    - db
EOT
    cat > "$d/salt/web/init.sls" <<'EOT'
include:
  - web.vhosts
motd:
  cmd.run:
    - name: echo {{ pillar.greeting }}
    - require:
      - cmd: vhost
EOT
    cat > "$d/salt/web/vhosts.sls" <<'EOT'
vhost:
  cmd.run:
    - name: echo vhost
    - creates: /nonexistent
EOT
    cat > "$d/salt/db.sls" <<'EOT'
data_open:
  luks.opened:
    - name: data_crypt
    - device: /dev/vg/data
    - passphrase: {{ pillar.luks.passphrase }}
data_mount:
  mount.mounted:
    - name: /srv/data
    - device: /dev/mapper/data_crypt
    - fstype: ext4
    - require:
      - luks: data_open
EOT
    cat > "$d/salt/extra.sls" <<'EOT'
lonely:
  test.nop:
    - name: alone
EOT
    cat > "$d/pillar/top.sls" <<'EOT'
base:
  'web1':
    - web
  'db1':
    - db
EOT
    printf 'greeting: hello\n' > "$d/pillar/web.sls"
    printf 'luks:\n  passphrase: %s\n' "$secret" > "$d/pillar/db.sls"
    chmod -R go-rwx "$d/pillar"
}

run() { # DIR -> $out, $status
    out=$("$bin/brine-master" --check-config -c "$1/etc" 2>&1)
    status=$?
}

# expect NAME STATUS PATTERN...: exit status and each extended regex
expect() {
    local name=$1 want=$2
    shift 2
    if [ "$status" != "$want" ]; then
        not_ok "$name: exit status $status, expected $want"
        return
    fi
    for pattern in "$@"; do
        if ! printf '%s\n' "$out" | grep -Eq -- "$pattern"; then
            not_ok "$name: no line matches /$pattern/"
            return
        fi
    done
    if printf '%s\n' "$out" | grep -q -- "$secret"; then
        not_ok "$name: the secret passphrase appears in the output"
        return
    fi
    ok "$name"
}

line_of() { # FILE TEXT: the line number of the first line holding TEXT
    grep -nF -- "$2" "$1" | head -1 | cut -d: -f1
}

# A clean tree, and examples/ as shipped
d=$tmp/clean
tree "$d"
run "$d"
expect "a clean tree has no problems" 0 "no problems" \
    "minion web1 .*: 2 states compiled \(web\)" "minion db1 .*: 2 states compiled \(db\)" \
    "extra.sls .*: 1 state compiled"
mkdir -p "$tmp/examples/etc"
cp -r "$src/examples/salt" "$src/examples/pillar" "$tmp/examples/"
chmod -R go-rwx "$tmp/examples/pillar"
printf 'file_root: %s\npillar_root: %s\npki_dir: %s\n' "$tmp/examples/salt" \
    "$tmp/examples/pillar" "$tmp/examples/pki" > "$tmp/examples/etc/master"
run "$tmp/examples"
expect "examples/ as shipped has no problems" 0 "no problems"

# Configuration: an unknown option, a wrong type (fatal: nothing else runs)
d=$tmp/config
tree "$d"
echo "publsh_port: 4605" >> "$d/etc/master"
n=$(line_of "$d/etc/master" "publsh_port")
run "$d"
expect "config: unknown option" 1 "^brine-master: $d/etc/master:$n: unknown option 'publsh_port'$"
sed -i 's/^publsh_port: 4605$/publish_port: abc/' "$d/etc/master"
run "$d"
expect "config: wrong type" 1 \
    "^brine-master: $d/etc/master:$n: option 'publish_port': expected an integer between 1 and 65535, got 'abc'$"

# A state file: an argument the module does not have
d=$tmp/state
tree "$d"
sed -i 's/^    - fstype: ext4$/    - fstype: ext4\n    - mkfz: True/' "$d/salt/db.sls"
run "$d"
n=$(line_of "$d/salt/db.sls" "mkfz")
expect "state file: unknown argument" 1 \
    "^minion db1 .*: $d/salt/db.sls:$n: state 'data_mount' \(mount.mounted\): unknown argument 'mkfz'" \
    "1 problem$"

# A state file that no top file assigns: a YAML error, still found
d=$tmp/lone
tree "$d"
printf 'broken:\n  test.nop: [\n' >> "$d/salt/extra.sls"
run "$d"
expect "state file in no top file: YAML error" 1 "^$d/salt/extra.sls .*: $d/salt/extra.sls:[0-9]+:[0-9]+: YAML syntax error"

# A pillar file: a YAML error (in the file that holds the passphrase)
d=$tmp/pillar
tree "$d"
printf 'luks:\n  passphrase: %s\n  pbkdf: [argon2id\n' "$secret" > "$d/pillar/db.sls"
chmod go-rwx "$d/pillar/db.sls"
run "$d"
expect "pillar: YAML error" 1 "^minion db1 .*: $d/pillar/db.sls:[0-9]+:[0-9]+: YAML syntax error" \
    "minion web1 .*: 2 states compiled"

# A requisite on a state that does not exist
d=$tmp/requisite
tree "$d"
sed -i 's/      - cmd: vhost/      - cmd: vhosts/' "$d/salt/web/init.sls"
run "$d"
n=$(line_of "$d/salt/web/init.sls" "cmd: vhosts")
expect "requisite: no such state" 1 \
    "^minion web1 .*: $d/salt/web/init.sls:$n: state 'motd' \(cmd.run\): require: no state matches 'cmd: vhosts'"

# A requisite cycle
d=$tmp/cycle
tree "$d"
printf '    - require:\n      - cmd: motd\n' >> "$d/salt/web/vhosts.sls"
run "$d"
expect "requisite: a cycle" 1 "^minion web1 .*cycle"

# The passphrase where no secret may go: refused, and not shown
d=$tmp/leak
tree "$d"
printf 'leak:\n  cmd.run:\n    - name: echo {{ pillar.luks.passphrase }}\n' >> "$d/salt/db.sls"
run "$d"
expect "a secret in a command line is refused without showing it" 1 "^minion db1 .*: $d/salt/db.sls:[0-9]+: .*leak"

# A pillar tree others can read: the master would refuse to start
d=$tmp/private
tree "$d"
chmod o+r "$d/pillar/db.sls"
run "$d"
expect "pillar readable by others" 1 "$d/pillar/db.sls is readable by others"

# An accepted minion the top file gives states that need a pillar it lacks
d=$tmp/accepted
tree "$d"
mkdir -p "$d/pki/minions"
touch "$d/pki/minions/web2"
run "$d"
expect "accepted minion without its pillar" 1 \
    "^minion web2 \(accepted\): $d/salt/web/init.sls:[0-9]+: 'pillar.greeting' is undefined"

# Everything at once (a pillar file, a state file, a requisite): each
# problem found, counted once
d=$tmp/all
tree "$d"
printf 'luks:\n  passphrase: %s\n  pbkdf: [argon2id\n' "$secret" > "$d/pillar/db.sls"
printf '    - mkfz: True\n' >> "$d/salt/extra.sls"
sed -i 's/      - cmd: vhost/      - cmd: vhosts/' "$d/salt/web/init.sls"
chmod -R go-rwx "$d/pillar"
before=$(find "$d" | sort)
n=$(line_of "$d/salt/extra.sls" "mkfz")
run "$d"
expect "all at once" 1 "^minion db1 .*: $d/pillar/db.sls:[0-9]+:[0-9]+: YAML syntax error" \
    "^$d/salt/extra.sls .*: $d/salt/extra.sls:$n: state 'lonely' \(test.nop\): unknown argument 'mkfz'" \
    "^minion web1 .*: $d/salt/web/init.sls:[0-9]+: .*no state matches 'cmd: vhosts'" "3 problems$"

# Nothing was written: no key pair, no job cache, no socket directory
after=$(find "$d" | sort)
if [ "$before" = "$after" ] && [ ! -e "$tmp/clean/pki" ] && [ ! -e "$tmp/clean/cache" ] &&
    [ ! -e "$tmp/clean/sock" ]; then
    ok "nothing written"
else
    out="$(diff <(echo "$before") <(echo "$after"))"
    not_ok "nothing written"
fi

echo "e2e_check_config: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
