/*  sec_crafted_frames: hostile returns (jids with paths, NULs, wrong
    types, for jobs never sent), startup jobs of SLS names with paths,
    versions and types the master must refuse, and broken framing. */
#include "sec_crafted.h"

//  A startup job for these SLS names
static zmsg_t *
s_startup_sls(const char *name)
{
    bson_t *doc = sec_doc("startup");
    bson_t arg;
    BSON_APPEND_UTF8(doc, "fun", "state.apply");
    BSON_APPEND_ARRAY_BEGIN(doc, "arg", &arg);
    BSON_APPEND_UTF8(&arg, "0", name);
    bson_append_array_end(doc, &arg);
    return sec_send_doc(doc);
}

// ------------------------------------------------------------- returns

static zmsg_t *
c_return_dotdot(const sec_ctx_t *ctx)
{
    (void)ctx;
    return sec_return_jid("../x");
}

static zmsg_t *
c_return_padded(const sec_ctx_t *ctx)
{
    (void)ctx;
    return sec_return_jid("2026/../../../../../x");
}

static zmsg_t *
c_return_nul(const sec_ctx_t *ctx)
{
    (void)ctx;
    bson_t *doc = sec_doc("return");
    bson_t ret = BSON_INITIALIZER;
    BSON_APPEND_BOOL(&ret, "return", true);
    bson_append_utf8(doc, "jid", 3, "20260101000000000001\0/../x", 26);
    BSON_APPEND_UTF8(doc, "fun", "test.ping");
    BSON_APPEND_BOOL(doc, "ok", true);
    BSON_APPEND_DOCUMENT(doc, "ret", &ret);
    bson_destroy(&ret);
    return sec_send_doc(doc);
}

static zmsg_t *
c_return_int_jid(const sec_ctx_t *ctx)
{
    (void)ctx;
    bson_t *doc = sec_doc("return");
    bson_t ret = BSON_INITIALIZER;
    BSON_APPEND_INT64(doc, "jid", 2026010100000000000LL);
    BSON_APPEND_UTF8(doc, "fun", "test.ping");
    BSON_APPEND_BOOL(doc, "ok", true);
    BSON_APPEND_DOCUMENT(doc, "ret", &ret);
    bson_destroy(&ret);
    return sec_send_doc(doc);
}

static zmsg_t *
c_return_not_sent(const sec_ctx_t *ctx)
{
    (void)ctx;
    return sec_return_jid("20260101000000000001");
}

static zmsg_t *
c_return_string_ret(const sec_ctx_t *ctx)
{
    (void)ctx;
    bson_t *doc = sec_doc("return");
    BSON_APPEND_UTF8(doc, "jid", "20260101000000000001");
    BSON_APPEND_UTF8(doc, "fun", "test.ping");
    BSON_APPEND_BOOL(doc, "ok", true);
    BSON_APPEND_UTF8(doc, "ret", "True");
    return sec_send_doc(doc);
}

static zmsg_t *
c_return_int_ok(const sec_ctx_t *ctx)
{
    (void)ctx;
    bson_t *doc = sec_doc("return");
    bson_t ret = BSON_INITIALIZER;
    BSON_APPEND_UTF8(doc, "jid", "20260101000000000001");
    BSON_APPEND_UTF8(doc, "fun", "test.ping");
    BSON_APPEND_INT32(doc, "ok", 1);
    BSON_APPEND_DOCUMENT(doc, "ret", &ret);
    bson_destroy(&ret);
    return sec_send_doc(doc);
}

// ------------------------------------------------------ startup with names

static zmsg_t *
c_startup_pillar(const sec_ctx_t *ctx)
{
    (void)ctx;
    return s_startup_sls("../pillar/secret");
}

static zmsg_t *
c_startup_absolute(const sec_ctx_t *ctx)
{
    (void)ctx;
    return s_startup_sls("/etc/passwd");
}

static zmsg_t *
c_startup_dots(const sec_ctx_t *ctx)
{
    (void)ctx;
    return s_startup_sls("...pillar.secret");
}

static zmsg_t *
c_startup_long_fun(const sec_ctx_t *ctx)
{
    (void)ctx;
    char *fun = sec_long(129);
    bson_t *doc = sec_doc("startup");
    BSON_APPEND_UTF8(doc, "fun", fun);
    free(fun);
    return sec_send_doc(doc);
}

// -------------------------------------------------- version, type, framing

static zmsg_t *
c_no_version(const sec_ctx_t *ctx)
{
    (void)ctx;
    bson_t *doc = bson_new();
    BSON_APPEND_UTF8(doc, "t", "enrol");
    BSON_APPEND_UTF8(doc, "id", "escaped-nov");
    return sec_send_doc(doc);
}

static zmsg_t *
c_version_2(const sec_ctx_t *ctx)
{
    (void)ctx;
    bson_t *doc = bson_new();
    BSON_APPEND_INT32(doc, "v", 2);
    BSON_APPEND_UTF8(doc, "t", "enrol");
    BSON_APPEND_UTF8(doc, "id", "escaped-v2");
    return sec_send_doc(doc);
}

static zmsg_t *
c_version_string(const sec_ctx_t *ctx)
{
    (void)ctx;
    bson_t *doc = bson_new();
    BSON_APPEND_UTF8(doc, "v", "1");
    BSON_APPEND_UTF8(doc, "t", "enrol");
    BSON_APPEND_UTF8(doc, "id", "escaped-vs");
    return sec_send_doc(doc);
}

static zmsg_t *
c_type_int(const sec_ctx_t *ctx)
{
    (void)ctx;
    bson_t *doc = bson_new();
    BSON_APPEND_INT32(doc, "v", 1);
    BSON_APPEND_INT32(doc, "t", 3);
    BSON_APPEND_UTF8(doc, "id", "escaped-ti");
    return sec_send_doc(doc);
}

static zmsg_t *
c_type_unknown(const sec_ctx_t *ctx)
{
    (void)ctx;
    bson_t *doc = sec_doc("../enrol");
    BSON_APPEND_UTF8(doc, "id", "escaped-tu");
    return sec_send_doc(doc);
}

static zmsg_t *
c_type_cli_job(const sec_ctx_t *ctx)
{
    (void)ctx;
    bson_t *doc = sec_doc("cli_job");
    BSON_APPEND_UTF8(doc, "tgt", "*");
    BSON_APPEND_UTF8(doc, "tgt_type", "glob");
    BSON_APPEND_UTF8(doc, "fun", "cmd.run");
    return sec_send_doc(doc);
}

static zmsg_t *
c_type_body(const sec_ctx_t *ctx)
{
    (void)ctx;
    bson_t *doc = sec_doc("body");
    bson_t sec;
    uint8_t bytes[8] = {0};
    BSON_APPEND_UTF8(doc, "jid", "20260101000000000001");
    BSON_APPEND_UTF8(doc, "fun", "test.ping");
    BSON_APPEND_ARRAY_BEGIN(doc, "sec", &sec);
    BSON_APPEND_BINARY(&sec, "0", BSON_SUBTYPE_BINARY, bytes, sizeof bytes);
    bson_append_array_end(doc, &sec);
    return sec_send_doc(doc);
}

static zmsg_t *
c_empty_frame(const sec_ctx_t *ctx)
{
    (void)ctx;
    return sec_bytes("", 0);
}

static zmsg_t *
c_four_bytes(const sec_ctx_t *ctx)
{
    (void)ctx;
    return sec_bytes("\x05\x00\x00\x00", 4);
}

//  A document that declares almost 4 GiB in a 12-byte frame
static zmsg_t *
c_huge_declared(const sec_ctx_t *ctx)
{
    (void)ctx;
    static const uint8_t bytes[] = {0xf0, 0xff, 0xff, 0xff, 0x10, 'v', 0, 1, 0, 0, 0, 0};
    return sec_bytes(bytes, sizeof bytes);
}

//  A string element that declares 2 GiB inside a 26-byte document
static zmsg_t *
c_huge_string(const sec_ctx_t *ctx)
{
    (void)ctx;
    static const uint8_t bytes[] = {26,  0, 0,    0,    0x10, 'v',  0,   1,   0,   0, 0, 0x02, 'i',
                                    'd', 0, 0xf0, 0xff, 0xff, 0x7f, 'a', 'b', 'c', 0, 0, 0,    0};
    return sec_bytes(bytes, sizeof bytes);
}

static zmsg_t *
c_unknown_element(const sec_ctx_t *ctx)
{
    (void)ctx;
    static const uint8_t bytes[] = {17, 0, 0, 0, 0x10, 'v', 0, 1, 0, 0, 0, 0x99, 'x', 0, 1, 2, 0};
    return sec_bytes(bytes, sizeof bytes);
}

static zmsg_t *
c_trailing(const sec_ctx_t *ctx)
{
    (void)ctx;
    bson_t *doc = sec_doc("enrol");
    BSON_APPEND_UTF8(doc, "id", "escaped-trailing");
    zmsg_t *msg = zmsg_new();
    zframe_t *frame = zframe_new(NULL, doc->len + 4);
    memcpy(zframe_data(frame), bson_get_data(doc), doc->len);
    memcpy(zframe_data(frame) + doc->len, "junk", 4);
    zmsg_append(msg, &frame);
    bson_destroy(doc);
    return msg;
}

static zmsg_t *
c_two_frames(const sec_ctx_t *ctx)
{
    (void)ctx;
    bson_t *doc = sec_doc("enrol");
    BSON_APPEND_UTF8(doc, "id", "escaped-two");
    zmsg_t *msg = sec_bytes(bson_get_data(doc), doc->len);
    zmsg_addmem(msg, bson_get_data(doc), doc->len);
    bson_destroy(doc);
    return msg;
}

//  Over ZMQ_MAXMSGSIZE: libzmq drops the connection before the master
//  sees anything; the client reconnects
static zmsg_t *
c_oversized(const sec_ctx_t *ctx)
{
    (void)ctx;
    zmsg_t *msg = zmsg_new();
    zframe_t *frame = zframe_new(NULL, BR_MSG_MAX + 1);
    memset(zframe_data(frame), 0, BR_MSG_MAX + 1);
    zmsg_append(msg, &frame);
    return msg;
}

const sec_case_t sec_cases_frames[] = {
    {"return with jid '../x'", false, SEC_DROP, c_return_dotdot},
    {"return with jid '2026/../../../../../x'", false, SEC_DROP, c_return_padded},
    {"return with a NUL inside the jid", false, SEC_DROP, c_return_nul},
    {"return with an int64 jid", false, SEC_DROP, c_return_int_jid},
    {"return for a job never sent to it", false, SEC_DROP, c_return_not_sent},
    {"return with ret a string", false, SEC_DROP, c_return_string_ret},
    {"return with ok an int32", false, SEC_DROP, c_return_int_ok},
    {"startup of SLS '../pillar/secret' (a failed job, no answer)", false, SEC_DROP,
     c_startup_pillar},
    {"startup of SLS '/etc/passwd' (a failed job, no answer)", false, SEC_DROP, c_startup_absolute},
    {"startup of SLS '...pillar.secret' (a failed job, no answer)", false, SEC_DROP,
     c_startup_dots},
    {"startup with a 129-byte function name", false, SEC_DROP, c_startup_long_fun},
    {"a message without a version", false, SEC_DROP, c_no_version},
    {"a message of version 2", false, SEC_DROP, c_version_2},
    {"a version that is a string", false, SEC_DROP, c_version_string},
    {"a type that is an int32", false, SEC_DROP, c_type_int},
    {"a type '../enrol'", false, SEC_DROP, c_type_unknown},
    {"a cli_job over the network", false, SEC_ERROR, c_type_cli_job},
    {"a job body with a secret, sent to the master", false, SEC_ERROR, c_type_body},
    {"an empty frame", false, SEC_DROP, c_empty_frame},
    {"four bytes", false, SEC_DROP, c_four_bytes},
    {"a document that declares 4 GiB in 12 bytes", false, SEC_DROP, c_huge_declared},
    {"a string that declares 2 GiB in 26 bytes", false, SEC_DROP, c_huge_string},
    {"an element of unknown type 0x99", false, SEC_DROP, c_unknown_element},
    {"a document with trailing bytes", false, SEC_DROP, c_trailing},
    {"a request of two frames", false, SEC_DROP, c_two_frames},
    {"a frame of 8 MiB + 1 byte", false, SEC_DROP, c_oversized},
};
const size_t sec_cases_frames_size = sizeof sec_cases_frames / sizeof sec_cases_frames[0];
