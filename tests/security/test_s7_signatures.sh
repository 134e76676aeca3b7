#!/bin/bash
# security_s7: no device that holds a signature is formatted or given a
# filesystem unless the state says force: True, and a LUKS header never
# (invariant S7; Salt's blockdev.formatted and Ansible's luks_device format
# over other filesystems).
#
# A job from a real master asks the minion to LUKS-format image files that
# hold an ext4 filesystem, a swap area and a LUKS1 header (the last with
# force: True). Every image must come out byte for byte as it went in; an
# empty image beside them is formatted, so the job did reach the probe.
# (mkfs: True needs a block device: unit_mount and the guest tests.)
#   usage: test_s7_signatures.sh BIN_DIR
set -uo pipefail
. "$(dirname "$0")/lib.sh"
sec_init security_s7 "$1"
for tool in mkfs.ext4 mkswap cryptsetup; do
    command -v "$tool" >/dev/null || { echo "security_s7: no $tool, skipped"; exit 77; }
done

secret=$(new_secret S7)
master_config
printf "base:\n  '*':\n    - luks\n" >"$work/pillar/top.sls"
printf 'luks:\n  passphrase: %s\n' "$secret" >"$work/pillar/luks.sls"
chmod 600 "$work/pillar/"*.sls
img="$work/img"
mkdir "$img"
for name in ext4 swap luks1 empty; do truncate -s 32M "$img/$name.img"; done
mkfs.ext4 -q -F "$img/ext4.img"
mkswap -q "$img/swap.img" >/dev/null 2>&1 || mkswap "$img/swap.img" >/dev/null
printf 'not-the-pillar-passphrase' | cryptsetup luksFormat -q --type luks1 \
    --pbkdf-force-iterations 1000 --key-file - "$img/luks1.img"
(cd "$img" && sha256sum ext4.img swap.img luks1.img) >"$work/before.sum"
fmt() { # ID IMAGE [extra argument lines]
    printf '%s:\n  luks.formatted:\n    - name: %s\n' "$1" "$img/$2"
    printf '    - passphrase: {{ pillar.luks.passphrase }}\n'
    printf '    - pbkdf_iterations: 4\n    - pbkdf_memory: 8192\n    - pbkdf_parallel: 1\n'
    shift 2
    [ $# -gt 0 ] && printf '    - %s\n' "$@"
}
{
    fmt s7-ext4 ext4.img
    fmt s7-swap swap.img
    fmt s7-luks1 luks1.img "force: True"
    fmt s7-empty empty.img
} >"$work/salt/s7.sls"
start_master || not_ok "the master did not start"
minion_config web1
start_minion web1
accept_minion web1 || not_ok "web1 was not accepted"

brine web1 state.apply s7 --no-color
[ "$rc" != 0 ] && ok "the job fails (exit $rc)" || not_ok "the job succeeded"
block() { awk -v id="$1" '/^ *ID: / { on = ($2 == id) } on' "$work/out"; }
block s7-ext4 | grep -q "holds an ext4 filesystem: refusing to format it without force: True" &&
    ok "ext4: refused ($(block s7-ext4 | grep -m1 Comment | sed 's/^ *Comment: //'))" ||
    not_ok "ext4 not refused: $(block s7-ext4 | tr '\n' ' ')"
block s7-swap | grep -q "holds a swap area" &&
    ok "swap: refused ($(block s7-swap | grep -m1 Comment | sed 's/^ *Comment: //'))" ||
    not_ok "swap not refused: $(block s7-swap | tr '\n' ' ')"
block s7-luks1 | grep -q "never reformatted" &&
    ok "LUKS1 with force: True: left as it is ($(block s7-luks1 | grep -m1 Comment | sed 's/^ *Comment: //'))" ||
    not_ok "LUKS1: $(block s7-luks1 | tr '\n' ' ')"
block s7-empty | grep -q "Result: True" && cryptsetup isLuks "$img/empty.img" &&
    ok "control: the empty image was formatted as LUKS" ||
    not_ok "the empty image: $(block s7-empty | tr '\n' ' ')"
(cd "$img" && sha256sum -c --quiet "$work/before.sum") >/dev/null 2>&1 &&
    ok "the ext4, swap and LUKS1 images are byte for byte as they were" ||
    not_ok "an image changed: $(cd "$img" && sha256sum -c "$work/before.sum" 2>&1 | tr '\n' ' ')"
sec_done
