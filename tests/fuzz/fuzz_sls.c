/*  fuzz_sls: a state file through the whole master-side path: rendering
 *  (the Jinja subset, with a pillar that holds a secret), YAML, the SLS
 *  forms, includes, and the compiler with its requisites, order and secret
 *  checks. The input is fuzz.sls; common.sls is there to be included. */
#include "brine.h"
#include "br_sls.h"
#include "br_state.h"
#include "br_vault.h"
#include "br_yaml.h"
#include "fuzz_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char s_common[] =
    "common_dir:\n  cmd.run:\n    - name: echo common\n"
    "common_wait:\n  test.nop:\n    - require:\n      - cmd: common_dir\n";

static const char s_pillar[] =
    "pillar:\n"
    "  data_volume: {device: /dev/vdb, vg: vg0, lv: data, mount: /srv}\n"
    "  volumes: [{name: a, size: 1G}, {name: b}]\n"
    "  role: db\n"
    "grains: {id: fuzz1, os: Debian, num_cpus: 2}\n";

static br_value_t *
s_context(void)
{
    static br_value_t *context;
    if (!context) {
        br_errmsg_t err = {""};
        if (br_yaml_parse("context", s_pillar, sizeof s_pillar - 1, &context, &err) != BR_OK) {
            abort();
        }
        //  A secret in the pillar, as the master marks passphrases
        br_secret_t *secret = br_secret_from_bytes("fuzz-passphrase", 15);
        br_value_t *value = br_value_secret(&secret);
        br_value_t *luks = br_value_map();
        if (!value || !luks || br_value_map_set(luks, "passphrase", &value) != BR_OK ||
            br_value_map_set(br_value_map_get(context, "pillar"), "luks", &luks) != BR_OK) {
            abort();
        }
        fuzz_write("common.sls", (const uint8_t *)s_common, sizeof s_common - 1);
    }
    return context;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    br_value_t *context = s_context();
    fuzz_write("fuzz.sls", data, size);
    zlistx_t *names = zlistx_new();
    zlistx_add_end(names, "fuzz");
    br_vault_t *vault = br_vault_new();
    br_high_t *high = NULL;
    br_errmsg_t err = {""};
    if (br_high_load(fuzz_dir(), names, context, vault, &high, &err) == BR_OK) {
        br_low_t *low = NULL;
        if (br_compile(high, vault, &low, &err) == BR_OK) {
            br_low_destroy(&low);
        }
        br_high_destroy(&high);
    }
    br_vault_destroy(&vault);
    zlistx_destroy(&names);
    return 0;
}
