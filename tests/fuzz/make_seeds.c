/*  make_seeds: writes the seed corpora of fuzz_msg and fuzz_open.
 *
 *      fuzz_make_seeds SOURCE_DIR/tests/fuzz/corpus
 *
 *  One valid message of every type (fuzz_msg), and for fuzz_open the
 *  [header length][job header][body] layout with bodies that carry a
 *  secret and a compiled low state, so that the fuzzers start from inputs
 *  that reach deep. Run it again when the message model changes. */
#include "brine.h"
#include "br_jid.h"
#include "br_msg.h"
#include "br_sls.h"
#include "br_state.h"
#include "br_vault.h"
#include "br_wire.h"
#include "br_yaml.h"

#include <stdio.h>
#include <unistd.h>

static void
s_save(const char *dir, const char *name, const uint8_t *data, size_t size)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *file = fopen(path, "wb");
    if (!file || fwrite(data, 1, size, file) != size || fclose(file) != 0) {
        fprintf(stderr, "make_seeds: cannot write %s\n", path);
        exit(1);
    }
}

static void
s_save_msg(const char *dir, const char *name, br_msg_t **msg_p)
{
    zframe_t *frame = br_msg_encode(*msg_p);
    if (!frame) {
        fprintf(stderr, "make_seeds: %s does not encode\n", name);
        exit(1);
    }
    s_save(dir, name, zframe_data(frame), zframe_size(frame));
    zframe_destroy(&frame);
    br_msg_destroy(msg_p);
}

static bson_t *
s_bson(const char *json)
{
    bson_error_t error;
    bson_t *doc = bson_new_from_json((const uint8_t *)json, -1, &error);
    if (!doc) {
        fprintf(stderr, "make_seeds: %s\n", error.message);
        exit(1);
    }
    return doc;
}

//  A body with a compiled low state: two states, a requisite, a secret
static br_msg_t *
s_body(const char *jid)
{
    char root[] = "/tmp/brine-seeds.XXXXXX";
    if (!mkdtemp(root)) {
        exit(1);
    }
    char path[256];
    snprintf(path, sizeof path, "%s/seed.sls", root);
    FILE *file = fopen(path, "w");
    fputs("data_luks:\n  luks.formatted:\n    - name: /dev/vg0/data\n"
          "    - passphrase: {{ pillar.luks.passphrase }}\n"
          "data_open:\n  luks.opened:\n    - name: data_crypt\n    - device: /dev/vg0/data\n"
          "    - passphrase: {{ pillar.luks.passphrase }}\n    - require:\n"
          "      - luks: data_luks\n"
          "greet:\n  cmd.run:\n    - name: echo {{ grains.id }}\n    - unless: test -e /x\n",
          file);
    fclose(file);
    br_value_t *context = NULL;
    br_errmsg_t err = {""};
    static const char text[] = "pillar: {luks: {}}\ngrains: {id: seed1}\n";
    if (br_yaml_parse("context", text, sizeof text - 1, &context, &err) != BR_OK) {
        exit(1);
    }
    br_secret_t *secret = br_secret_from_bytes("seed-passphrase", 15);
    br_value_t *value = br_value_secret(&secret);
    br_value_map_set(br_value_path(context, "pillar:luks"), "passphrase", &value);
    zlistx_t *names = zlistx_new();
    zlistx_add_end(names, "seed");
    br_vault_t *vault = br_vault_new();
    br_high_t *high = NULL;
    br_low_t *low = NULL;
    br_msg_t *body = br_msg_new(BR_MSG_BODY);
    if (br_high_load(root, names, context, vault, &high, &err) != BR_OK ||
        br_compile(high, vault, &low, &err) != BR_OK || br_msg_set_jid(body, jid) != BR_OK ||
        br_msg_set_fun(body, "state.apply") != BR_OK ||
        br_wire_low_encode(low, body, &err) != BR_OK) {
        fprintf(stderr, "make_seeds: %s\n", err.text);
        exit(1);
    }
    br_low_destroy(&low);
    br_high_destroy(&high);
    br_vault_destroy(&vault);
    zlistx_destroy(&names);
    br_value_destroy(&context);
    unlink(path);
    rmdir(root);
    return body;
}

//  fuzz_open's layout: [header length][header][body]
static void
s_save_job(const char *dir, const char *name, const char *jid, br_msg_t **body_p)
{
    br_msg_t *header = br_msg_new(BR_MSG_JOB);
    br_msg_set_jid(header, jid);
    br_msg_set_exp(header, 1893456000000);
    zframe_t *clear = br_msg_encode(header);
    br_secret_t *plain = br_msg_encode_secret(*body_p);
    if (!clear || !plain || zframe_size(clear) > 255) {
        fprintf(stderr, "make_seeds: %s does not encode\n", name);
        exit(1);
    }
    size_t size = 1 + zframe_size(clear) + br_secret_size(plain);
    uint8_t *data = malloc(size);
    data[0] = (uint8_t)zframe_size(clear);
    memcpy(data + 1, zframe_data(clear), zframe_size(clear));
    memcpy(data + 1 + zframe_size(clear), br_secret_cdata(plain), br_secret_size(plain));
    s_save(dir, name, data, size);
    free(data);
    br_secret_destroy(&plain);
    zframe_destroy(&clear);
    br_msg_destroy(&header);
    br_msg_destroy(body_p);
}

int
main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fuzz_make_seeds CORPUS_DIR\n");
        return 2;
    }
    char msg_dir[4096], open_dir[4096];
    snprintf(msg_dir, sizeof msg_dir, "%s/fuzz_msg", argv[1]);
    snprintf(open_dir, sizeof open_dir, "%s/fuzz_open", argv[1]);
    const char *jid = "20261204183530022987";

    br_msg_t *msg = br_msg_new(BR_MSG_HELLO);
    br_msg_set_id(msg, "web1");
    br_msg_set_ver(msg, "0.1.0");
    bson_t *grains = s_bson("{\"os\": \"Debian\", \"num_cpus\": 2, \"roles\": [\"db\"]}");
    br_msg_set_grains(msg, grains);
    bson_destroy(grains);
    s_save_msg(msg_dir, "hello", &msg);

    msg = br_msg_new(BR_MSG_WELCOME);
    br_msg_set_state(msg, "accepted");
    br_msg_set_ver(msg, "0.1.0");
    br_msg_set_pub_port(msg, 4605);
    s_save_msg(msg_dir, "welcome", &msg);

    msg = br_msg_new(BR_MSG_ENROL);
    br_msg_set_id(msg, "web1");
    s_save_msg(msg_dir, "enrol", &msg);

    msg = br_msg_new(BR_MSG_STARTUP);
    br_msg_set_fun(msg, "state.apply");
    bson_t *arg = s_bson("{\"0\": \"luks\"}");
    br_msg_set_arg(msg, arg);
    s_save_msg(msg_dir, "startup", &msg);

    msg = br_msg_new(BR_MSG_JOB);
    br_msg_set_jid(msg, jid);
    br_msg_set_exp(msg, 1893456000000);
    s_save_msg(msg_dir, "job", &msg);

    msg = br_msg_new(BR_MSG_RETURN);
    br_msg_set_jid(msg, jid);
    br_msg_set_fun(msg, "test.ping");
    br_msg_set_ok(msg, true);
    bson_t *ret = s_bson("{\"return\": true}");
    br_msg_set_ret(msg, ret);
    br_msg_set_dur(msg, 12);
    s_save_msg(msg_dir, "return", &msg);

    msg = br_msg_new(BR_MSG_ERROR);
    br_msg_set_code(msg, -3);
    br_msg_set_text(msg, "key not accepted: enrol first");
    s_save_msg(msg_dir, "error", &msg);

    msg = br_msg_new(BR_MSG_CLI_JOB);
    br_msg_set_tgt(msg, "web*");
    br_msg_set_tgt_type(msg, "glob");
    br_msg_set_fun(msg, "state.apply");
    br_msg_set_arg(msg, arg);
    bson_t *kwarg = s_bson("{\"test\": true}");
    br_msg_set_kwarg(msg, kwarg);
    br_msg_set_timeout(msg, 10);
    s_save_msg(msg_dir, "cli_job", &msg);

    msg = br_msg_new(BR_MSG_CLI_START);
    br_msg_set_jid(msg, jid);
    bson_t *minions = s_bson("{\"0\": \"web1\", \"1\": \"web2\"}");
    br_msg_set_minions(msg, minions);
    s_save_msg(msg_dir, "cli_start", &msg);

    msg = br_msg_new(BR_MSG_CLI_RETURN);
    br_msg_set_jid(msg, jid);
    br_msg_set_id(msg, "web1");
    br_msg_set_ok(msg, false);
    br_msg_set_ret(msg, ret);
    s_save_msg(msg_dir, "cli_return", &msg);

    msg = br_msg_new(BR_MSG_CLI_DONE);
    br_msg_set_jid(msg, jid);
    br_msg_set_missing(msg, minions);
    s_save_msg(msg_dir, "cli_done", &msg);

    //  A body without secrets is a fuzz_msg seed too
    msg = br_msg_new(BR_MSG_BODY);
    br_msg_set_jid(msg, jid);
    br_msg_set_fun(msg, "cmd.run");
    br_msg_set_arg(msg, arg);
    br_msg_set_kwarg(msg, kwarg);
    s_save_msg(msg_dir, "body", &msg);

    msg = br_msg_new(BR_MSG_BODY);
    br_msg_set_jid(msg, jid);
    br_msg_set_fun(msg, "test.ping");
    s_save_job(open_dir, "ping", jid, &msg);

    msg = s_body(jid);
    s_save_job(open_dir, "states", jid, &msg);

    bson_destroy(arg);
    bson_destroy(ret);
    bson_destroy(kwarg);
    bson_destroy(minions);
    printf("make_seeds: seeds written under %s\n", argv[1]);
    return 0;
}
