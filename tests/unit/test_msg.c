/*  Unit tests for br_msg: every message type survives encode and decode;
    the decoder rejects each kind of bad input with its own error code and
    never crashes (run under ASan to catch over-reads); secrets in a body
    leave no trace in memory once the message is gone. */
#include "brine.h"
#include "testutil.h"

#include <sodium.h>

#define JID "20240102030405123456"

static const br_msg_type_t s_types[] = {BR_MSG_HELLO,     BR_MSG_WELCOME,    BR_MSG_ENROL,
                                        BR_MSG_STARTUP,   BR_MSG_JOB,        BR_MSG_BODY,
                                        BR_MSG_RETURN,    BR_MSG_ERROR,      BR_MSG_CLI_JOB,
                                        BR_MSG_CLI_START, BR_MSG_CLI_RETURN, BR_MSG_CLI_DONE};
#define NTYPES (sizeof s_types / sizeof s_types[0])

//  What docs/protocol.md says is required, written down independently of
//  the model so that the test checks the model
static const char *s_required[][5] = {
    [BR_MSG_HELLO] = {"id", "ver"},
    [BR_MSG_WELCOME] = {"state", "ver"},
    [BR_MSG_ENROL] = {"id"},
    [BR_MSG_STARTUP] = {NULL},
    [BR_MSG_JOB] = {"jid", "exp"},
    [BR_MSG_BODY] = {"jid", "fun"},
    [BR_MSG_RETURN] = {"jid", "fun", "ok", "ret"},
    [BR_MSG_ERROR] = {"code", "text"},
    [BR_MSG_CLI_JOB] = {"tgt", "tgt_type", "fun"},
    [BR_MSG_CLI_START] = {"jid", "minions"},
    [BR_MSG_CLI_RETURN] = {"jid", "id", "ok", "ret"},
    [BR_MSG_CLI_DONE] = {"jid", "missing"},
};

static bool
s_is_required(br_msg_type_t type, const char *key)
{
    if (strcmp(key, "v") == 0 || strcmp(key, "t") == 0) {
        return true;
    }
    for (size_t i = 0; i < 5 && s_required[type][i]; i++) {
        if (strcmp(s_required[type][i], key) == 0) {
            return true;
        }
    }
    return false;
}

static br_secret_t *
s_random_secret(size_t size)
{
    br_secret_t *secret = br_secret_new(size);
    randombytes_buf(br_secret_data(secret), size);
    return secret;
}

//  A message of the given type with every field it can carry
static br_msg_t *
s_full(br_msg_type_t type, bool with_secrets)
{
    br_msg_t *msg = br_msg_new(type);
    bson_t *grains = BCON_NEW("os", "Linux", "cpus", BCON_INT32(4), "disks", "[", "sda", "sdb", "]",
                              "mem", "{", "total", BCON_INT64(1 << 30), "}");
    bson_t *arg = BCON_NEW("0", "first", "1", BCON_INT32(2), "2", "{", "k", "v", "}");
    bson_t *kwarg = BCON_NEW("timeout", BCON_INT32(5), "env", "{", "LANG", "C", "}");
    bson_t *ret = BCON_NEW("return", BCON_BOOL(true), "out", "hello\nworld");
    bson_t *low = BCON_NEW("0", "{", "id", "a", "mod", "test", "fun", "nop", "}");
    bson_t *ids = BCON_NEW("0", "web1", "1", "web2");
    int rc = 0;
    switch (type) {
    case BR_MSG_HELLO:
        rc |= br_msg_set_id(msg, "minion-1.example_org");
        rc |= br_msg_set_ver(msg, "0.1.0");
        rc |= br_msg_set_grains(msg, grains);
        break;
    case BR_MSG_WELCOME:
        rc |= br_msg_set_state(msg, "accepted");
        rc |= br_msg_set_ver(msg, "0.1.0");
        rc |= br_msg_set_pub_port(msg, 4605);
        break;
    case BR_MSG_ENROL:
        rc |= br_msg_set_id(msg, "web01");
        break;
    case BR_MSG_STARTUP:
        break;
    case BR_MSG_JOB:
        rc |= br_msg_set_jid(msg, JID);
        rc |= br_msg_set_exp(msg, INT64_C(1700000000123));
        break;
    case BR_MSG_BODY:
        rc |= br_msg_set_jid(msg, JID);
        rc |= br_msg_set_fun(msg, "state.apply");
        rc |= br_msg_set_arg(msg, arg);
        rc |= br_msg_set_kwarg(msg, kwarg);
        rc |= br_msg_set_low(msg, low);
        for (int i = 0; with_secrets && i < 2; i++) {
            br_secret_t *secret = s_random_secret(32 + (size_t)i);
            rc |= br_msg_add_secret(msg, &secret);
        }
        break;
    case BR_MSG_RETURN:
        rc |= br_msg_set_jid(msg, JID);
        rc |= br_msg_set_fun(msg, "test.ping");
        rc |= br_msg_set_ok(msg, true);
        rc |= br_msg_set_ret(msg, ret);
        rc |= br_msg_set_dur(msg, 1234567);
        break;
    case BR_MSG_ERROR:
        rc |= br_msg_set_code(msg, BR_ERR_DENIED);
        rc |= br_msg_set_text(msg, "key not accepted: ünïcode is fine");
        rc |= br_msg_set_jid(msg, JID);
        break;
    case BR_MSG_CLI_JOB:
        rc |= br_msg_set_tgt(msg, "web*");
        rc |= br_msg_set_tgt_type(msg, "glob");
        rc |= br_msg_set_fun(msg, "state.apply");
        rc |= br_msg_set_arg(msg, arg);
        rc |= br_msg_set_kwarg(msg, kwarg);
        rc |= br_msg_set_timeout(msg, 30);
        break;
    case BR_MSG_CLI_START:
        rc |= br_msg_set_jid(msg, JID);
        rc |= br_msg_set_minions(msg, ids);
        break;
    case BR_MSG_CLI_RETURN:
        rc |= br_msg_set_jid(msg, JID);
        rc |= br_msg_set_id(msg, "web1");
        rc |= br_msg_set_ok(msg, false);
        rc |= br_msg_set_ret(msg, ret);
        rc |= br_msg_set_dur(msg, 42);
        break;
    case BR_MSG_CLI_DONE:
        rc |= br_msg_set_jid(msg, JID);
        rc |= br_msg_set_missing(msg, ids);
        break;
    }
    CHECK_EQ_INT(rc, 0);
    bson_destroy(grains);
    bson_destroy(arg);
    bson_destroy(kwarg);
    bson_destroy(ret);
    bson_destroy(low);
    bson_destroy(ids);
    return msg;
}

static bool
s_same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool
s_same_doc(const bson_t *a, const bson_t *b)
{
    return (!a && !b) || (a && b && bson_equal(a, b));
}

static bool
s_same(br_msg_t *a, br_msg_t *b)
{
    bool same =
        br_msg_type(a) == br_msg_type(b) && s_same_str(br_msg_id(a), br_msg_id(b)) &&
        s_same_str(br_msg_ver(a), br_msg_ver(b)) &&
        s_same_doc(br_msg_grains(a), br_msg_grains(b)) &&
        s_same_str(br_msg_state(a), br_msg_state(b)) && br_msg_pub_port(a) == br_msg_pub_port(b) &&
        s_same_str(br_msg_jid(a), br_msg_jid(b)) &&
        br_msg_exp(a) == br_msg_exp(b) && s_same_str(br_msg_fun(a), br_msg_fun(b)) &&
        s_same_doc(br_msg_arg(a), br_msg_arg(b)) && s_same_doc(br_msg_kwarg(a), br_msg_kwarg(b)) &&
        s_same_doc(br_msg_ret(a), br_msg_ret(b)) && br_msg_ok(a) == br_msg_ok(b) &&
        br_msg_dur(a) == br_msg_dur(b) && br_msg_code(a) == br_msg_code(b) &&
        s_same_str(br_msg_text(a), br_msg_text(b)) && s_same_doc(br_msg_low(a), br_msg_low(b)) &&
        s_same_str(br_msg_tgt(a), br_msg_tgt(b)) &&
        s_same_str(br_msg_tgt_type(a), br_msg_tgt_type(b)) &&
        br_msg_timeout(a) == br_msg_timeout(b) &&
        s_same_doc(br_msg_minions(a), br_msg_minions(b)) &&
        s_same_doc(br_msg_missing(a), br_msg_missing(b)) &&
        br_msg_secret_count(a) == br_msg_secret_count(b);
    for (size_t i = 0; same && i < br_msg_secret_count(a); i++) {
        same = br_secret_equal(br_msg_secret(a, i), br_msg_secret(b, i));
    }
    return same;
}

//  Decodes from a heap block of exactly size bytes, so ASan sees any read
//  past the end; returns the decoder's code and keeps nothing
static int
s_try(const uint8_t *data, size_t size, br_errmsg_t *err)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (size) {
        memcpy(copy, data, size);
    }
    br_msg_t *msg = (br_msg_t *)1;
    err->text[0] = '\0';
    int rc = br_msg_decode(&msg, copy, size, err);
    CHECK(rc == 0 ? msg != NULL : msg == NULL && rc < 0 && err->text[0]);
    br_msg_destroy(&msg);
    free(copy);
    return rc;
}

static int
s_try_doc(const bson_t *doc, br_errmsg_t *err)
{
    return s_try(bson_get_data(doc), doc->len, err);
}

//  A message of a type with "v" and "t", ready for more fields
static bson_t *
s_raw(const char *type)
{
    bson_t *doc = bson_new();
    BSON_APPEND_INT32(doc, "v", BR_PROTO_VERSION);
    BSON_APPEND_UTF8(doc, "t", type);
    return doc;
}

//  The encoding of a full message in a heap buffer; bodies carry secrets
static uint8_t *
s_encoding(br_msg_type_t type, size_t *size)
{
    br_msg_t *msg = s_full(type, true);
    br_secret_t *enc = br_msg_encode_secret(msg);
    *size = br_secret_size(enc);
    uint8_t *data = malloc(*size);
    memcpy(data, br_secret_cdata(enc), *size);
    br_secret_destroy(&enc);
    br_msg_destroy(&msg);
    return data;
}

static void
s_test_round_trip(void)
{
    for (size_t i = 0; i < NTYPES; i++) {
        br_msg_t *msg = s_full(s_types[i], false);
        zframe_t *frame = br_msg_encode(msg);
        CHECK(frame);
        br_msg_t *back = NULL;
        br_errmsg_t err;
        int rc = br_msg_decode(&back, zframe_data(frame), zframe_size(frame), &err);
        CHECK_EQ_INT(rc, 0);
        CHECK(back && s_same(msg, back));
        CHECK_STR(br_msg_type_name(br_msg_type(back)), br_msg_type_name(s_types[i]));
        zframe_destroy(&frame);
        br_msg_destroy(&back);
        br_msg_destroy(&msg);
    }
    br_msg_t *msg = s_full(BR_MSG_RETURN, false);
    CHECK_EQ_INT(br_msg_dur(msg), 1234567);
    CHECK(br_msg_ok(msg));
    CHECK_EQ_INT(br_msg_set_ok(msg, false), 0); //  setters replace
    CHECK(!br_msg_ok(msg));
    CHECK_EQ_INT(br_msg_set_fun(msg, "cmd.run"), 0);
    CHECK_STR(br_msg_fun(msg), "cmd.run");
    br_msg_destroy(&msg);
    br_msg_destroy(&msg);

    //  A hello without grains decodes with empty grains
    bson_t *doc = s_raw("hello");
    BSON_APPEND_UTF8(doc, "id", "m1");
    BSON_APPEND_UTF8(doc, "ver", "1");
    br_errmsg_t err;
    CHECK_EQ_INT(br_msg_decode(&msg, bson_get_data(doc), doc->len, &err), 0);
    CHECK(msg && br_msg_grains(msg) && bson_count_keys(br_msg_grains(msg)) == 0);
    br_msg_destroy(&msg);
    bson_destroy(doc);

    //  Field order on the wire does not matter, even for "v" and "t"
    doc = bson_new();
    BSON_APPEND_UTF8(doc, "id", "m1");
    BSON_APPEND_UTF8(doc, "t", "enrol");
    BSON_APPEND_INT32(doc, "v", 1);
    CHECK_EQ_INT(s_try_doc(doc, &err), 0);
    bson_destroy(doc);

    CHECK(br_msg_new(0) == NULL && br_msg_new(BR_MSG_CLI_DONE + 1) == NULL);
    CHECK_STR(br_msg_type_name(0), "?");
    CHECK_STR(br_msg_type_name(BR_MSG_CLI_DONE + 1), "?");
    CHECK(br_msg_id(NULL) == NULL && br_msg_exp(NULL) == 0 && !br_msg_ok(NULL));
}

static void
s_test_encode_refusals(void)
{
    //  Every required field, when missing, stops the encoder
    br_msg_t *msg = br_msg_new(BR_MSG_HELLO);
    CHECK_EQ_INT(br_msg_set_id(msg, "m1"), 0);
    CHECK(br_msg_encode(msg) == NULL && br_msg_encode_secret(msg) == NULL);
    CHECK_EQ_INT(br_msg_set_ver(msg, "1"), 0);
    zframe_t *frame = br_msg_encode(msg);
    CHECK(frame);
    zframe_destroy(&frame);
    br_msg_destroy(&msg);

    msg = br_msg_new(BR_MSG_RETURN);
    CHECK_EQ_INT(br_msg_set_jid(msg, JID), 0);
    CHECK_EQ_INT(br_msg_set_fun(msg, "f"), 0);
    bson_t *ret = bson_new();
    CHECK_EQ_INT(br_msg_set_ret(msg, ret), 0);
    CHECK(br_msg_encode(msg) == NULL); //  ok is required, false is a value
    CHECK_EQ_INT(br_msg_set_ok(msg, false), 0);
    frame = br_msg_encode(msg);
    CHECK(frame);
    zframe_destroy(&frame);
    bson_destroy(ret);
    br_msg_destroy(&msg);

    //  A body bigger than BR_MSG_MAX once encoded
    msg = s_full(BR_MSG_BODY, false);
    for (int i = 0; i < 130; i++) {
        br_secret_t *secret = br_secret_new(64 * 1024);
        CHECK_EQ_INT(br_msg_add_secret(msg, &secret), 0);
    }
    CHECK(br_msg_encode_secret(msg) == NULL);
    br_msg_destroy(&msg);
}

static void
s_test_setters(void)
{
    br_msg_t *msg = br_msg_new(BR_MSG_HELLO);
    char long_id[BR_ID_MAX + 2];
    memset(long_id, 'a', sizeof long_id);
    long_id[BR_ID_MAX] = '\0';
    CHECK_EQ_INT(br_msg_set_id(msg, long_id), 0);
    long_id[BR_ID_MAX] = 'a';
    long_id[BR_ID_MAX + 1] = '\0';
    CHECK_EQ_INT(br_msg_set_id(msg, long_id), BR_ERR_BADID);
    CHECK_EQ_INT(br_msg_set_id(msg, "../etc"), BR_ERR_BADID);
    CHECK_EQ_INT(br_msg_set_id(msg, "a/b"), BR_ERR_BADID);
    CHECK_EQ_INT(br_msg_set_id(msg, ""), BR_ERR_BADID);
    CHECK_EQ_INT(br_msg_set_id(msg, NULL), BR_ERR_INVALID);
    CHECK_EQ_INT(br_msg_set_ver(msg, "\xff\xfe"), BR_ERR_MALFORMED);
    CHECK_EQ_INT(br_msg_set_fun(msg, "test.ping"), BR_ERR_FIELD);
    CHECK_EQ_INT(br_msg_set_jid(msg, JID), BR_ERR_FIELD);
    CHECK_EQ_INT(br_msg_set_code(msg, 1), BR_ERR_FIELD);
    br_secret_t *secret = br_secret_new(8);
    CHECK_EQ_INT(br_msg_add_secret(msg, &secret), BR_ERR_FIELD);
    CHECK(secret == NULL); //  taken and destroyed even on failure
    CHECK_EQ_INT(br_msg_set_id(NULL, "m1"), BR_ERR_INVALID);
    br_msg_destroy(&msg);

    msg = br_msg_new(BR_MSG_WELCOME);
    CHECK_EQ_INT(br_msg_set_state(msg, "pending"), 0);
    CHECK_EQ_INT(br_msg_set_state(msg, "bogus"), BR_ERR_INVALID);
    CHECK_EQ_INT(br_msg_set_state(msg, "acceptedx"), BR_ERR_INVALID);
    CHECK_STR(br_msg_state(msg), "pending");
    CHECK_EQ_INT(br_msg_pub_port(msg), 0);
    CHECK_EQ_INT(br_msg_set_pub_port(msg, 0), BR_ERR_INVALID);
    CHECK_EQ_INT(br_msg_set_pub_port(msg, 65536), BR_ERR_INVALID);
    CHECK_EQ_INT(br_msg_set_pub_port(msg, 65535), 0);
    CHECK_EQ_INT(br_msg_pub_port(msg), 65535);
    br_msg_destroy(&msg);

    msg = br_msg_new(BR_MSG_BODY);
    CHECK_EQ_INT(br_msg_set_jid(msg, "2024010203040512345"), BR_ERR_INVALID);
    CHECK_EQ_INT(br_msg_set_jid(msg, "202401020304051234567"), BR_ERR_INVALID);
    CHECK_EQ_INT(br_msg_set_jid(msg, "2024010203040512345x"), BR_ERR_INVALID);
    char fun[130];
    memset(fun, 'f', sizeof fun);
    fun[128] = '\0';
    CHECK_EQ_INT(br_msg_set_fun(msg, fun), 0);
    fun[128] = 'f';
    fun[129] = '\0';
    CHECK_EQ_INT(br_msg_set_fun(msg, fun), BR_ERR_TOOBIG);
    bson_t *arg = BCON_NEW("1", "x");
    CHECK_EQ_INT(br_msg_set_arg(msg, arg), BR_ERR_MALFORMED);
    bson_destroy(arg);
    for (int i = 0; i < 256; i++) {
        secret = br_secret_new(1);
        CHECK_EQ_INT(br_msg_add_secret(msg, &secret), 0);
    }
    secret = br_secret_new(1);
    CHECK_EQ_INT(br_msg_add_secret(msg, &secret), BR_ERR_TOOBIG);
    CHECK(secret == NULL && br_msg_secret_count(msg) == 256 && br_msg_secret(msg, 256) == NULL);
    br_msg_destroy(&msg);

    msg = br_msg_new(BR_MSG_BODY);
    secret = br_secret_new(64 * 1024 + 1);
    CHECK_EQ_INT(br_msg_add_secret(msg, &secret), BR_ERR_TOOBIG);
    br_msg_destroy(&msg);

    msg = br_msg_new(BR_MSG_RETURN);
    CHECK_EQ_INT(br_msg_set_dur(msg, -1), BR_ERR_INVALID);
    br_msg_destroy(&msg);
    msg = br_msg_new(BR_MSG_JOB);
    CHECK_EQ_INT(br_msg_set_exp(msg, -1), BR_ERR_INVALID);
    br_msg_destroy(&msg);
}

//  Rebuilds an encoding with one key dropped, given the wrong type, or
//  repeated, keeping every other element as it was
typedef enum { EDIT_DROP, EDIT_WRONG, EDIT_DUP } edit_t;

static bson_t *
s_edit(const uint8_t *data, size_t size, const char *key, edit_t edit)
{
    bson_t src;
    bson_iter_t it;
    bson_t *out = bson_new();
    CHECK(bson_init_static(&src, data, size) && bson_iter_init(&it, &src));
    while (bson_iter_next(&it)) {
        if (strcmp(bson_iter_key(&it), key) != 0) {
            bson_append_iter(out, NULL, 0, &it);
        } else if (edit == EDIT_WRONG && BSON_ITER_HOLDS_UTF8(&it)) {
            BSON_APPEND_INT32(out, key, 7);
        } else if (edit == EDIT_WRONG) {
            BSON_APPEND_UTF8(out, key, "x");
        } else if (edit == EDIT_DUP) {
            bson_append_iter(out, NULL, 0, &it);
            bson_append_iter(out, NULL, 0, &it);
        }
    }
    return out;
}

//  For every field of every type: missing, wrong type, duplicate
static void
s_test_field_edits(void)
{
    for (size_t i = 0; i < NTYPES; i++) {
        size_t size;
        uint8_t *data = s_encoding(s_types[i], &size);
        bson_t doc;
        bson_iter_t it;
        CHECK(bson_init_static(&doc, data, size) && bson_iter_init(&it, &doc));
        while (bson_iter_next(&it)) {
            const char *key = bson_iter_key(&it);
            br_errmsg_t err;
            bson_t *edited = s_edit(data, size, key, EDIT_DROP);
            int want = s_is_required(s_types[i], key) ? BR_ERR_FIELD : 0;
            CHECK_EQ_INT(s_try_doc(edited, &err), want);
            bson_destroy(edited);

            edited = s_edit(data, size, key, EDIT_WRONG);
            CHECK_EQ_INT(s_try_doc(edited, &err), BR_ERR_TYPE);
            CHECK(strstr(err.text, key) && strstr(err.text, "expected"));
            bson_destroy(edited);

            edited = s_edit(data, size, key, EDIT_DUP);
            CHECK_EQ_INT(s_try_doc(edited, &err), BR_ERR_FIELD);
            bson_destroy(edited);
        }
        free(data);
    }
    br_errmsg_t err;
    bson_t *doc = s_raw("job");
    BSON_APPEND_UTF8(doc, "jid", JID);
    BSON_APPEND_INT32(doc, "exp", 5); //  int32 is not int64
    CHECK_EQ_INT(s_try_doc(doc, &err), BR_ERR_TYPE);
    CHECK_STR(err.text, "job: field 'exp' has type int32, expected int64");
    bson_destroy(doc);
}

static void
s_test_header(void)
{
    br_errmsg_t err;
    int32_t versions[] = {0, 2, -1, INT32_MAX};
    for (size_t i = 0; i < 4; i++) {
        bson_t *doc = bson_new();
        BSON_APPEND_INT32(doc, "v", versions[i]);
        BSON_APPEND_UTF8(doc, "t", "startup");
        CHECK_EQ_INT(s_try_doc(doc, &err), BR_ERR_VERSION);
        bson_destroy(doc);
    }
    bson_t *doc = bson_new();
    BSON_APPEND_INT64(doc, "v", 1);
    BSON_APPEND_UTF8(doc, "t", "startup");
    CHECK_EQ_INT(s_try_doc(doc, &err), BR_ERR_TYPE);
    bson_destroy(doc);
    doc = bson_new();
    BSON_APPEND_UTF8(doc, "t", "startup");
    CHECK_EQ_INT(s_try_doc(doc, &err), BR_ERR_FIELD);
    bson_destroy(doc);
    //  The version wins over everything else that is wrong
    doc = bson_new();
    BSON_APPEND_INT32(doc, "v", 2);
    BSON_APPEND_UTF8(doc, "t", "whatever");
    BSON_APPEND_UTF8(doc, "new-field", "x");
    CHECK_EQ_INT(s_try_doc(doc, &err), BR_ERR_VERSION);
    bson_destroy(doc);

    const char *bad_types[] = {"nope", "", "Hello", "hello ", "startupx"};
    for (size_t i = 0; i < 5; i++) {
        doc = s_raw(bad_types[i]);
        CHECK_EQ_INT(s_try_doc(doc, &err), BR_ERR_MALFORMED);
        CHECK(strstr(err.text, "unknown message type"));
        bson_destroy(doc);
    }
    doc = bson_new();
    BSON_APPEND_INT32(doc, "v", 1);
    bson_append_utf8(doc, "t", 1, "hello\0x", 7);
    CHECK_EQ_INT(s_try_doc(doc, &err), BR_ERR_MALFORMED);
    bson_destroy(doc);

    //  Unknown fields, and fields of other types
    doc = s_raw("startup");
    BSON_APPEND_UTF8(doc, "x", "y");
    CHECK_EQ_INT(s_try_doc(doc, &err), BR_ERR_FIELD);
    CHECK_STR(err.text, "startup: unknown field 'x'");
    bson_destroy(doc);
    doc = s_raw("startup");
    BSON_APPEND_UTF8(doc, "id", "m1");
    CHECK_EQ_INT(s_try_doc(doc, &err), BR_ERR_FIELD);
    bson_destroy(doc);
    doc = s_raw("enrol");
    BSON_APPEND_UTF8(doc, "id", "m1");
    BSON_APPEND_UTF8(doc, "key with spaces and 'quotes'", "y");
    CHECK_EQ_INT(s_try_doc(doc, &err), BR_ERR_FIELD);
    CHECK(!strstr(err.text, "quotes"));
    bson_destroy(doc);
}

static int
s_try_string(const char *type, const char *key, const char *value, size_t len, br_errmsg_t *err)
{
    bson_t *doc = s_raw(type);
    if (strcmp(type, "hello") == 0 || strcmp(type, "enrol") == 0) {
        if (strcmp(key, "id") != 0) {
            BSON_APPEND_UTF8(doc, "id", "m1");
        }
        if (strcmp(type, "hello") == 0 && strcmp(key, "ver") != 0) {
            BSON_APPEND_UTF8(doc, "ver", "1");
        }
    } else if (strcmp(type, "job") == 0) {
        BSON_APPEND_INT64(doc, "exp", 1);
    } else if (strcmp(type, "welcome") == 0) {
        BSON_APPEND_UTF8(doc, "ver", "1");
    } else if (strcmp(type, "body") == 0 && strcmp(key, "jid") != 0) {
        BSON_APPEND_UTF8(doc, "jid", JID);
    } else if (strcmp(type, "body") == 0) {
        BSON_APPEND_UTF8(doc, "fun", "f");
    } else if (strcmp(type, "error") == 0) {
        BSON_APPEND_INT32(doc, "code", 1);
    }
    bson_append_utf8(doc, key, -1, value, (int)len);
    int rc = s_try_doc(doc, err);
    bson_destroy(doc);
    return rc;
}

static void
s_test_values(void)
{
    br_errmsg_t err;
    char big[1100];
    memset(big, 'a', sizeof big);
    CHECK_EQ_INT(s_try_string("hello", "id", big, BR_ID_MAX, &err), 0);
    CHECK_EQ_INT(s_try_string("hello", "id", big, BR_ID_MAX + 1, &err), BR_ERR_BADID);
    CHECK_EQ_INT(s_try_string("enrol", "id", "../etc", 6, &err), BR_ERR_BADID);
    CHECK(!strstr(err.text, "etc"));
    CHECK_EQ_INT(s_try_string("enrol", "id", "a/b", 3, &err), BR_ERR_BADID);
    CHECK_EQ_INT(s_try_string("enrol", "id", "", 0, &err), BR_ERR_BADID);
    CHECK_EQ_INT(s_try_string("enrol", "id", "ab\0cd", 5, &err), BR_ERR_MALFORMED);
    CHECK_EQ_INT(s_try_string("hello", "ver", big, 64, &err), 0);
    CHECK_EQ_INT(s_try_string("hello", "ver", big, 65, &err), BR_ERR_TOOBIG);
    CHECK_EQ_INT(s_try_string("hello", "ver", "\xc3\x28", 2, &err), BR_ERR_MALFORMED);
    CHECK_EQ_INT(s_try_string("job", "jid", JID, 20, &err), 0);
    CHECK_EQ_INT(s_try_string("job", "jid", JID, 19, &err), BR_ERR_INVALID);
    CHECK_EQ_INT(s_try_string("job", "jid", "2024010203040512345a", 20, &err), BR_ERR_INVALID);
    CHECK_EQ_INT(s_try_string("job", "jid", "abcdefghijklmnopqrst", 20, &err), BR_ERR_INVALID);
    CHECK_EQ_INT(s_try_string("job", "jid", "20241302030405123456", 20, &err), BR_ERR_INVALID);
    CHECK_EQ_INT(s_try_string("welcome", "state", "denied", 6, &err), 0);
    CHECK_EQ_INT(s_try_string("welcome", "state", "root", 4, &err), BR_ERR_INVALID);
    CHECK_EQ_INT(s_try_string("welcome", "state", big, 17, &err), BR_ERR_INVALID);
    CHECK_EQ_INT(s_try_string("body", "fun", big, 128, &err), 0);
    CHECK_EQ_INT(s_try_string("body", "fun", big, 129, &err), BR_ERR_TOOBIG);
    CHECK_EQ_INT(s_try_string("error", "text", big, 1024, &err), 0);
    CHECK_EQ_INT(s_try_string("error", "text", big, 1025, &err), BR_ERR_TOOBIG);
    CHECK_EQ_INT(s_try_string("error", "text", "a\0b", 3, &err), BR_ERR_MALFORMED);

    bson_t *doc = s_raw("job");
    BSON_APPEND_UTF8(doc, "jid", JID);
    BSON_APPEND_INT64(doc, "exp", -5);
    CHECK_EQ_INT(s_try_doc(doc, &err), BR_ERR_INVALID);
    bson_destroy(doc);

    //  welcome.pub_port: optional, an int32 port
    int32_t ports[] = {4605, 0, -1, 65536};
    int expect[] = {0, BR_ERR_INVALID, BR_ERR_INVALID, BR_ERR_INVALID};
    for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) {
        doc = s_raw("welcome");
        BSON_APPEND_UTF8(doc, "state", "accepted");
        BSON_APPEND_UTF8(doc, "ver", "1");
        BSON_APPEND_INT32(doc, "pub_port", ports[i]);
        CHECK_EQ_INT(s_try_doc(doc, &err), expect[i]);
        bson_destroy(doc);
    }
    doc = s_raw("welcome");
    BSON_APPEND_UTF8(doc, "state", "accepted");
    BSON_APPEND_UTF8(doc, "ver", "1");
    BSON_APPEND_INT64(doc, "pub_port", 4605);
    CHECK_EQ_INT(s_try_doc(doc, &err), BR_ERR_TYPE);
    bson_destroy(doc);

    //  A bool byte other than 0 or 1 is not BSON
    doc = s_raw("return");
    BSON_APPEND_UTF8(doc, "jid", JID);
    BSON_APPEND_UTF8(doc, "fun", "f");
    BSON_APPEND_BOOL(doc, "ok", true);
    bson_t empty = BSON_INITIALIZER;
    BSON_APPEND_DOCUMENT(doc, "ret", &empty);
    CHECK_EQ_INT(s_try_doc(doc, &err), 0);
    uint32_t size = 0;
    uint8_t *raw = bson_destroy_with_steal(doc, true, &size);
    for (size_t i = 0; i + 5 <= size; i++) {
        if (memcmp(raw + i, "\x08ok\0\x01", 5) == 0) {
            raw[i + 4] = 2;
        }
    }
    CHECK_EQ_INT(s_try(raw, size, &err), BR_ERR_MALFORMED);
    bson_free(raw);
}

static bson_t *
s_big_doc(const char *key, size_t bytes)
{
    char *value = malloc(bytes + 1);
    memset(value, 'x', bytes);
    value[bytes] = '\0';
    bson_t *doc = bson_new();
    bson_append_utf8(doc, key, -1, value, -1);
    free(value);
    return doc;
}

static bson_t *
s_nested(int levels)
{
    bson_t *inner = bson_new();
    for (int i = 1; i < levels; i++) {
        bson_t *outer = bson_new();
        BSON_APPEND_DOCUMENT(outer, "a", inner);
        bson_destroy(inner);
        inner = outer;
    }
    return inner;
}

//  A document nested levels deep, as raw bytes: each level is a length, an
//  element of type 3 called "a", the next level, and a NUL
static uint8_t *
s_nested_raw(size_t levels, size_t *size_p)
{
    size_t size = 5 + 8 * levels;
    uint8_t *buf = calloc(size, 1);
    for (size_t k = 0; k <= levels; k++) {
        uint32_t len = (uint32_t)(size - 8 * k);
        uint8_t *at = buf + 7 * k;
        at[0] = (uint8_t)len;
        at[1] = (uint8_t)(len >> 8);
        at[2] = (uint8_t)(len >> 16);
        at[3] = (uint8_t)(len >> 24);
        if (k < levels) {
            memcpy(at + 4,
                   "\x03"
                   "a",
                   3);
        }
    }
    *size_p = size;
    return buf;
}

//  Code with scope nested levels deep, as raw bytes: each level is a
//  length, an element of type 0x0F called "c" (its length, the code "x",
//  the scope: the next level), and a NUL
static uint8_t *
s_cws_raw(size_t levels, size_t *size_p)
{
    size_t size = 5 + 18 * levels;
    uint8_t *buf = calloc(size, 1);
    for (size_t k = 0; k <= levels; k++) {
        uint8_t *at = buf + 17 * k;
        uint32_t len = (uint32_t)(size - 18 * k);
        uint32_t cws = len - 8; //  4 + 4 + 2 + the scope, which is len - 18
        uint8_t head[17] = {(uint8_t)len,
                            (uint8_t)(len >> 8),
                            (uint8_t)(len >> 16),
                            0,
                            0x0F,
                            'c',
                            0,
                            (uint8_t)cws,
                            (uint8_t)(cws >> 8),
                            (uint8_t)(cws >> 16),
                            0,
                            2,
                            0,
                            0,
                            0,
                            'x',
                            0};
        memcpy(at, head, k < levels ? 17 : 4);
    }
    *size_p = size;
    return buf;
}

//  Types brine never uses are refused anywhere in a message; code with
//  scope hides a document from the depth check, so it must be
static void
s_test_bson_types(void)
{
    br_errmsg_t err;
    bson_t *scope = BCON_NEW("a", "b");
    for (int i = 0; i < 5; i++) {
        bson_t *grains = bson_new();
        bson_t *inner = bson_new();
        switch (i) {
        case 0:
            bson_append_code_with_scope(inner, "x", -1, "1", scope);
            break;
        case 1:
            bson_append_code(inner, "x", -1, "1");
            break;
        case 2:
            bson_append_symbol(inner, "x", -1, "s", -1);
            break;
        case 3:
            bson_append_undefined(inner, "x", -1);
            break;
        case 4:
            BSON_APPEND_NULL(inner, "x");
            break;
        }
        BSON_APPEND_DOCUMENT(grains, "g", inner);
        bson_t *doc = s_raw("hello");
        BSON_APPEND_UTF8(doc, "id", "m1");
        BSON_APPEND_UTF8(doc, "ver", "1");
        BSON_APPEND_DOCUMENT(doc, "grains", grains);
        CHECK_EQ_INT(s_try_doc(doc, &err), (i == 4 ? 0 : BR_ERR_TYPE));
        br_msg_t *msg = br_msg_new(BR_MSG_HELLO);
        CHECK_EQ_INT(br_msg_set_grains(msg, grains), (i == 4 ? 0 : BR_ERR_TYPE));
        br_msg_destroy(&msg);
        bson_destroy(doc);
        bson_destroy(inner);
        bson_destroy(grains);
    }
    bson_destroy(scope);
    size_t size;
    uint8_t *raw = s_cws_raw(400000, &size);
    CHECK(size <= BR_MSG_MAX);
    CHECK_EQ_INT(s_try(raw, size, &err), BR_ERR_TYPE);
    raw[4] = 0x03; //  the first level as a plain document: corrupt, not a crash
    CHECK_EQ_INT(s_try(raw, size, &err), BR_ERR_MALFORMED);
    free(raw);
}

//  libbson 1.23's validator passes a document once it meets a string that
//  is not UTF-8; the decoder must catch that, and what follows it, anywhere
static void
s_test_utf8(void)
{
    br_errmsg_t err;
    for (int i = 0; i < 8; i++) {
        bson_t *grains = bson_new();
        bson_t *inner = bson_new();
        switch (i) {
        case 0:
            bson_append_utf8(inner, "s", -1, "\xff", 1);
            break;
        case 1:
            bson_append_utf8(inner, "s", -1, "ok", 2);
            bson_append_utf8(inner, "t", -1, "\xc3\x28", 2);
            break;
        case 2:
            bson_append_utf8(inner, "s", -1, "x\0y", 3);
            break;
        case 3:
            BSON_APPEND_INT32(inner, "", 1);
            break;
        case 4:
            BSON_APPEND_INT32(inner, "\xff", 1);
            break;
        case 5:
            bson_append_regex(inner, "r", -1, "a\xff", "i");
            break;
        case 6:
            bson_append_regex(inner, "r", -1, "^a.*$", "i");
            break;
        case 7:
            BSON_APPEND_UTF8(inner, "s", "caf\xc3\xa9");
            break;
        }
        //  Behind a valid string, so a validator that stops early misses it
        BSON_APPEND_UTF8(grains, "first", "fine");
        BSON_APPEND_DOCUMENT(grains, "g", inner);
        bson_t *doc = s_raw("hello");
        BSON_APPEND_UTF8(doc, "id", "m1");
        BSON_APPEND_UTF8(doc, "ver", "1");
        if (i == 2) {
            bson_append_utf8(doc, "x", -1, "\xff", 1);
        }
        BSON_APPEND_DOCUMENT(doc, "grains", grains);
        int want = i >= 6 ? 0 : BR_ERR_MALFORMED;
        CHECK_EQ_INT(s_try_doc(doc, &err), want);
        br_msg_t *msg = br_msg_new(BR_MSG_HELLO);
        CHECK_EQ_INT(br_msg_set_grains(msg, grains), want);
        br_msg_destroy(&msg);
        bson_destroy(doc);
        bson_destroy(inner);
        bson_destroy(grains);
    }
    //  Top-level strings: structure is checked before any field
    CHECK_EQ_INT(s_try_string("enrol", "id", "a\xff", 2, &err), BR_ERR_MALFORMED);
    CHECK_EQ_INT(s_try_string("error", "text", "\xed\xa0\x80", 3, &err), BR_ERR_MALFORMED);
}

static void
s_test_sizes(void)
{
    br_errmsg_t err;
    uint8_t *huge = calloc(BR_MSG_MAX + 1, 1);
    CHECK_EQ_INT(s_try(huge, BR_MSG_MAX + 1, &err), BR_ERR_TOOBIG);
    free(huge);

    struct {
        const char *type, *field;
        size_t limit;
    } limits[] = {
        {"hello", "grains", 64 * 1024},
        {"body", "kwarg", 1024 * 1024},
        {"body", "arg", 1024 * 1024},
        {"return", "ret", 4 * 1024 * 1024},
    };
    for (size_t i = 0; i < 4; i++) {
        for (size_t over = 0; over < 2; over++) {
            //  A document of one string: 4 + 1 + key + 1 + 4 + string + 1 + 1
            bool array = strcmp(limits[i].field, "arg") == 0;
            bson_t *value = s_big_doc(array ? "0" : "k", limits[i].limit - 13 + over);
            CHECK_EQ_INT(value->len, limits[i].limit + over);
            bson_t *doc = s_raw(limits[i].type);
            if (strcmp(limits[i].type, "hello") == 0) {
                BSON_APPEND_UTF8(doc, "id", "m1");
                BSON_APPEND_UTF8(doc, "ver", "1");
            } else {
                BSON_APPEND_UTF8(doc, "jid", JID);
                BSON_APPEND_UTF8(doc, "fun", "f");
            }
            if (strcmp(limits[i].type, "return") == 0) {
                BSON_APPEND_BOOL(doc, "ok", true);
            }
            if (array) {
                BSON_APPEND_ARRAY(doc, limits[i].field, value);
            } else {
                BSON_APPEND_DOCUMENT(doc, limits[i].field, value);
            }
            CHECK_EQ_INT(s_try_doc(doc, &err), over ? BR_ERR_TOOBIG : 0);
            bson_destroy(doc);
            bson_destroy(value);
        }
    }

    //  Nesting: the message is level 1, so grains may hold 31 levels
    br_msg_t *msg = br_msg_new(BR_MSG_HELLO);
    bson_t *deep = s_nested(31);
    CHECK_EQ_INT(br_msg_set_grains(msg, deep), 0);
    bson_t *doc = s_raw("hello");
    BSON_APPEND_UTF8(doc, "id", "m1");
    BSON_APPEND_UTF8(doc, "ver", "1");
    BSON_APPEND_DOCUMENT(doc, "grains", deep);
    CHECK_EQ_INT(s_try_doc(doc, &err), 0);
    bson_destroy(doc);
    bson_destroy(deep);
    deep = s_nested(32);
    CHECK_EQ_INT(br_msg_set_grains(msg, deep), BR_ERR_TOOBIG);
    doc = s_raw("hello");
    BSON_APPEND_UTF8(doc, "id", "m1");
    BSON_APPEND_UTF8(doc, "ver", "1");
    BSON_APPEND_DOCUMENT(doc, "grains", deep);
    CHECK_EQ_INT(s_try_doc(doc, &err), BR_ERR_TOOBIG);
    bson_destroy(doc);
    bson_destroy(deep);
    br_msg_destroy(&msg);

    //  A million levels would overflow the stack of a recursive validator
    size_t size;
    uint8_t *raw = s_nested_raw(1000000, &size);
    CHECK(size <= BR_MSG_MAX);
    CHECK_EQ_INT(s_try(raw, size, &err), BR_ERR_TOOBIG);
    free(raw);
}

static void
s_test_secrets_array(void)
{
    br_errmsg_t err;
    const uint8_t bytes[4] = {1, 2, 3, 4};
    struct {
        int count;
        bson_subtype_t subtype;
        uint32_t size;
        bool as_string;
        int want;
    } cases[] = {
        {2, BSON_SUBTYPE_BINARY, 4, false, 0},
        {0, BSON_SUBTYPE_BINARY, 4, false, 0},
        {256, BSON_SUBTYPE_BINARY, 1, false, 0},
        {257, BSON_SUBTYPE_BINARY, 1, false, BR_ERR_TOOBIG},
        {1, BSON_SUBTYPE_UUID, 4, false, BR_ERR_TYPE},
        {1, BSON_SUBTYPE_USER, 4, false, BR_ERR_TYPE},
        {1, BSON_SUBTYPE_BINARY, 4, true, BR_ERR_TYPE},
        {1, BSON_SUBTYPE_BINARY, 64 * 1024, false, 0},
        {1, BSON_SUBTYPE_BINARY, 64 * 1024 + 1, false, BR_ERR_TOOBIG},
    };
    uint8_t *zeros = calloc(64 * 1024 + 1, 1);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bson_t *doc = s_raw("body");
        BSON_APPEND_UTF8(doc, "jid", JID);
        BSON_APPEND_UTF8(doc, "fun", "f");
        bson_t array;
        bson_append_array_begin(doc, "sec", -1, &array);
        for (int j = 0; j < cases[i].count; j++) {
            char buf[16];
            const char *key;
            bson_uint32_to_string((uint32_t)j, &key, buf, sizeof buf);
            if (cases[i].as_string) {
                BSON_APPEND_UTF8(&array, key, "secret");
            } else {
                bson_append_binary(&array, key, -1, cases[i].subtype,
                                   cases[i].size > 4 ? zeros : bytes, cases[i].size);
            }
        }
        bson_append_array_end(doc, &array);
        CHECK_EQ_INT(s_try_doc(doc, &err), cases[i].want);
        CHECK(!strstr(err.text, "secret\""));
        bson_destroy(doc);
    }
    free(zeros);

    //  Array keys must count from 0
    bson_t *doc = s_raw("body");
    BSON_APPEND_UTF8(doc, "jid", JID);
    BSON_APPEND_UTF8(doc, "fun", "f");
    bson_t array;
    bson_append_array_begin(doc, "sec", -1, &array);
    bson_append_binary(&array, "1", -1, BSON_SUBTYPE_BINARY, bytes, 4);
    bson_append_array_end(doc, &array);
    CHECK_EQ_INT(s_try_doc(doc, &err), BR_ERR_MALFORMED);
    bson_destroy(doc);
    doc = s_raw("body");
    BSON_APPEND_UTF8(doc, "jid", JID);
    BSON_APPEND_UTF8(doc, "fun", "f");
    bson_t *arg = BCON_NEW("0", "a", "2", "b");
    BSON_APPEND_ARRAY(doc, "arg", arg);
    CHECK_EQ_INT(s_try_doc(doc, &err), BR_ERR_MALFORMED);
    bson_destroy(arg);
    bson_destroy(doc);
}

static void
s_test_framing(void)
{
    for (size_t i = 0; i < NTYPES; i++) {
        size_t size;
        uint8_t *data = s_encoding(s_types[i], &size);
        br_errmsg_t err;
        //  Every proper prefix is truncated, down to nothing
        for (size_t len = 0; len < size; len++) {
            CHECK_EQ_INT(s_try(data, len, &err), BR_ERR_TRUNCATED);
        }
        CHECK_EQ_INT(s_try(data, size, &err), 0);
        //  Trailing garbage
        uint8_t *longer = malloc(size + 1);
        memcpy(longer, data, size);
        longer[size] = 0;
        CHECK_EQ_INT(s_try(longer, size + 1, &err), BR_ERR_MALFORMED);
        free(longer);
        //  A declared length too small for any document
        uint8_t saved = data[0];
        data[0] = 4;
        data[1] = data[2] = data[3] = 0;
        CHECK_EQ_INT(s_try(data, size, &err), BR_ERR_MALFORMED);
        data[0] = saved;
        free(data);
    }
    br_errmsg_t err;
    br_msg_t *msg = (br_msg_t *)1;
    CHECK_EQ_INT(br_msg_decode(&msg, NULL, 10, &err), BR_ERR_INVALID);
    CHECK(msg == NULL);
    CHECK_EQ_INT(br_msg_decode(NULL, (const uint8_t *)"x", 1, NULL), BR_ERR_INVALID);
    //  The last byte of a document must be NUL
    const uint8_t bad_end[] = {5, 0, 0, 0, 1};
    CHECK_EQ_INT(s_try(bad_end, 5, &err), BR_ERR_MALFORMED);
}

//  Decodes a mutated encoding; what decodes must encode again and decode to
//  the same message
static void
s_fuzz_one(const uint8_t *data, size_t size)
{
    br_errmsg_t err;
    uint8_t *copy = malloc(size);
    memcpy(copy, data, size);
    br_msg_t *msg = NULL;
    int rc = br_msg_decode(&msg, copy, size, &err);
    CHECK(rc == 0 ? msg != NULL : msg == NULL && rc >= BR_ERR_CONFIG && rc < 0);
    if (msg) {
        br_secret_t *again = br_msg_encode_secret(msg);
        br_msg_t *back = NULL;
        CHECK(again &&
              br_msg_decode(&back, br_secret_cdata(again), br_secret_size(again), &err) == 0);
        CHECK(back && s_same(msg, back));
        br_msg_destroy(&back);
        br_secret_destroy(&again);
    }
    br_msg_destroy(&msg);
    free(copy);
}

static void
s_test_fuzz(void)
{
    br_msg_type_t types[] = {BR_MSG_HELLO, BR_MSG_BODY, BR_MSG_RETURN, BR_MSG_ERROR};
    uint32_t seed = 12345;
    for (size_t t = 0; t < 4; t++) {
        size_t size;
        uint8_t *data = s_encoding(types[t], &size);
        for (size_t i = 0; i < size; i++) {
            uint8_t saved = data[i];
            const uint8_t values[] = {0x00,
                                      0x01,
                                      0x02,
                                      0x7f,
                                      0x80,
                                      0xff,
                                      (uint8_t)(saved ^ 1),
                                      (uint8_t)(saved + 1),
                                      (uint8_t)(saved - 1)};
            for (size_t v = 0; v < sizeof values; v++) {
                data[i] = values[v];
                s_fuzz_one(data, size);
            }
            data[i] = saved;
        }
        //  Several random bytes at once
        for (int round = 0; round < 3000; round++) {
            uint8_t *mutated = malloc(size);
            memcpy(mutated, data, size);
            for (int n = 0; n < 4; n++) {
                seed = seed * 1103515245u + 12345u;
                mutated[(seed >> 8) % size] = (uint8_t)(seed >> 24);
            }
            s_fuzz_one(mutated, size);
            free(mutated);
        }
        free(data);
    }
}

//  Clears the stack below the caller: the test's own comparisons (s_same)
//  leave bytes of the secrets in dead stack frames, which are not the
//  library's copies; the scan after it must see only what the library left
static void __attribute__((noinline))
s_scrub_stack(void)
{
    volatile uint8_t room[256 * 1024];
    memset((void *)room, 0, sizeof room);
}

//  Two secrets go through a body and back; once the message, the decoded
//  copy and the encoding are destroyed, neither is anywhere in memory
static void
s_test_secret_leak(void)
{
    enum { N1 = 48, N2 = 40 };
    uint8_t inverted1[N1], inverted2[N2];
    br_secret_t *one = s_random_secret(N1), *two = s_random_secret(N2);
    for (size_t i = 0; i < N1; i++) {
        inverted1[i] = (uint8_t)~br_secret_cdata(one)[i];
    }
    for (size_t i = 0; i < N2; i++) {
        inverted2[i] = (uint8_t)~br_secret_cdata(two)[i];
    }
    br_msg_t *msg = s_full(BR_MSG_BODY, false);
    CHECK_EQ_INT(br_msg_add_secret(msg, &one), 0);
    CHECK_EQ_INT(br_msg_add_secret(msg, &two), 0);
    CHECK(one == NULL && two == NULL && br_msg_secret_count(msg) == 2);
    CHECK(br_msg_encode(msg) == NULL);

    br_secret_t *encoded = br_msg_encode_secret(msg);
    CHECK(encoded);
    br_msg_t *back = NULL;
    br_errmsg_t err;
    CHECK_EQ_INT(br_msg_decode(&back, br_secret_cdata(encoded), br_secret_size(encoded), &err), 0);
    CHECK(back && s_same(msg, back));
    CHECK_EQ_INT(br_secret_size(br_msg_secret(back, 0)), N1);
    CHECK_EQ_INT(br_secret_size(br_msg_secret(back, 1)), N2);
    //  Original, encoding, decoded copy: the scanner does find live secrets
    CHECK(test_memscan(0, inverted1, N1) >= 3);
    CHECK(test_memscan(0, inverted2, N2) >= 3);

    br_msg_destroy(&msg);
    br_msg_destroy(&back);
    br_secret_destroy(&encoded);
    s_scrub_stack();
    CHECK_EQ_INT(test_memscan(0, inverted1, N1), 0);
    CHECK_EQ_INT(test_memscan(0, inverted2, N2), 0);
}

int
main(void)
{
    CHECK(sodium_init() >= 0);
    s_test_secret_leak();
    s_test_round_trip();
    s_test_encode_refusals();
    s_test_setters();
    s_test_field_edits();
    s_test_header();
    s_test_values();
    s_test_sizes();
    s_test_bson_types();
    s_test_utf8();
    s_test_secrets_array();
    s_test_framing();
    s_test_fuzz();
    return test_done("unit_msg");
}
