/*  Unit tests for br_wire: a compiled low state survives the trip through a
    sealed job body (encode, BSON, decode) and runs the same; results round
    trip; malformed or hostile low states are refused. */
#include "br_sls.h"
#include "br_state.h"
#include "br_wire.h"
#include "testutil.h"

#define ROOT BRINE_SOURCE_DIR "/tests/data/states"

static br_low_t *
s_compile(const char *sls)
{
    br_value_t *context = br_value_map(), *grains = br_value_map(), *pillar = br_value_map();
    br_value_t *id = br_value_str("t1");
    br_value_map_set(grains, "id", &id);
    br_value_map_set(context, "grains", &grains);
    br_value_map_set(context, "pillar", &pillar);
    br_vault_t *vault = br_vault_new();
    zlistx_t *names = zlistx_new();
    zlistx_add_end(names, (void *) sls);
    br_high_t *high = NULL;
    br_low_t *low = NULL;
    br_errmsg_t err;
    if (br_high_load(ROOT, names, context, vault, &high, &err) != 0 ||
        br_compile(high, vault, &low, &err) != 0) {
        fprintf(stderr, "%s\n", err.text);
    }
    br_high_destroy(&high);
    zlistx_destroy(&names);
    br_vault_destroy(&vault);
    br_value_destroy(&context);
    return low;
}

//  Through a body, encoded in locked memory and decoded as a minion would
static br_low_t *
s_round_trip(const br_low_t *low)
{
    br_msg_t *body = br_msg_new(BR_MSG_BODY);
    br_msg_set_jid(body, "20261128000000000001");
    br_msg_set_fun(body, "state.apply");
    br_errmsg_t err;
    CHECK_EQ_INT(br_wire_low_encode(low, body, &err), 0);
    br_secret_t *wire = br_msg_encode_secret(body);
    br_msg_destroy(&body);
    br_msg_t *decoded = NULL;
    CHECK_EQ_INT(br_msg_decode(&decoded, br_secret_cdata(wire), br_secret_size(wire), &err), 0);
    br_secret_destroy(&wire);
    br_low_t *copy = NULL;
    if (decoded) {
        CHECK_EQ_INT(br_wire_low_decode(decoded, &copy, &err), 0);
    }
    br_msg_destroy(&decoded);
    return copy;
}

static void
test_same_run(const char *sls)
{
    br_low_t *low = s_compile(sls);
    CHECK(low);
    if (!low) {
        return;
    }
    br_low_t *copy = s_round_trip(low);
    CHECK(copy && br_low_size(copy) == br_low_size(low));
    br_run_opts_t opts = {false, false};
    br_run_t *a = br_execute(low, &opts);
    br_run_t *b = copy ? br_execute(copy, &opts) : NULL;
    CHECK(b && br_run_size(a) == br_run_size(b));
    for (size_t i = 0; b && i < br_run_size(a); i++) {
        const br_state_result_t *x = br_run_at(a, i), *y = br_run_at(b, i);
        CHECK_STR(y->id, x->id);
        CHECK_EQ_INT(y->result, x->result);
        CHECK_STR(y->comment, x->comment);
    }
    //  Results round trip through BSON, as a return carries them
    br_value_t *results = br_run_results(a);
    bson_t *doc = br_wire_to_bson(results);
    br_value_t *back = doc ? br_wire_from_bson(doc) : NULL;
    CHECK(back && br_value_map_size(back) == br_value_map_size(results));
    CHECK(br_results_failed(back) == br_results_failed(results));
    bson_destroy(doc);
    br_value_destroy(&back);
    br_value_destroy(&results);
    br_run_destroy(&a);
    br_run_destroy(&b);
    br_low_destroy(&copy);
    br_low_destroy(&low);
}

//  A hostile body: each must be refused by the decoder
static void
test_refusals(void)
{
    const char *bad[] = {
        //  a requisite pointing forward (a cycle would need one)
        "{\"0\": {\"id\": \"a\", \"name\": \"a\", \"sls\": \"s\", \"file\": \"f\", \"line\": 1,"
        " \"mod\": \"test\", \"fun\": \"nop\", \"args\": {}, \"require\": [0]}}",
        //  unknown module
        "{\"0\": {\"id\": \"a\", \"name\": \"a\", \"sls\": \"s\", \"file\": \"f\", \"line\": 1,"
        " \"mod\": \"shell\", \"fun\": \"run\", \"args\": {}}}",
        //  argument of the wrong type, and an unknown argument
        "{\"0\": {\"id\": \"a\", \"name\": \"a\", \"sls\": \"s\", \"file\": \"f\", \"line\": 1,"
        " \"mod\": \"cmd\", \"fun\": \"run\", \"args\": {\"cwd\": 3}}}",
        "{\"0\": {\"id\": \"a\", \"name\": \"a\", \"sls\": \"s\", \"file\": \"f\", \"line\": 1,"
        " \"mod\": \"cmd\", \"fun\": \"run\", \"args\": {\"rm\": \"-rf\"}}}",
        //  a secret reference with nothing to refer to
        "{\"0\": {\"id\": \"a\", \"name\": \"a\", \"sls\": \"s\", \"file\": \"f\", \"line\": 1,"
        " \"mod\": \"cmd\", \"fun\": \"run\", \"args\": {\"cwd\": {\"$secret\": 0}}}}",
        //  an unknown field
        "{\"0\": {\"id\": \"a\", \"name\": \"a\", \"sls\": \"s\", \"file\": \"f\", \"line\": 1,"
        " \"mod\": \"test\", \"fun\": \"nop\", \"args\": {}, \"exec\": \"x\"}}",
        //  not a document
        "{\"0\": 7}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bson_error_t error;
        bson_t *array = bson_new_from_json((const uint8_t *) bad[i], -1, &error);
        CHECK(array);
        br_msg_t *body = br_msg_new(BR_MSG_BODY);
        br_msg_set_jid(body, "20261128000000000001");
        br_msg_set_fun(body, "state.apply");
        br_msg_set_low(body, array);
        br_low_t *low = NULL;
        br_errmsg_t err;
        int rc = br_wire_low_decode(body, &low, &err);
        if (rc == 0) {
            fprintf(stderr, "accepted hostile low state %zu\n", i);
            test_failures++;
        }
        CHECK(low == NULL);
        br_low_destroy(&low);
        br_msg_destroy(&body);
        bson_destroy(array);
    }
}

int
main(void)
{
    test_same_run("req.chain");
    test_same_run("req.watch");
    test_same_run("order");
    test_same_run("cmd");
    test_refusals();
    return test_done("unit_wire");
}
