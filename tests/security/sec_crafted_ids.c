/*  sec_crafted_ids: hostile enrolments and hellos (ids with paths, NULs,
    huge lengths and wrong types; grains too deep, too big, of odd types,
    claiming another minion's id) and what an unknown key may not send. */
#include "sec_crafted.h"

//  An enrolment whose id is len bytes, a NUL among them perhaps
static zmsg_t *
s_enrol_id(const char *id, size_t len)
{
    bson_t *doc = sec_doc("enrol");
    bson_append_utf8(doc, "id", 2, id, (int)len);
    return sec_send_doc(doc);
}

static zmsg_t *
c_enrol_dotdot(const sec_ctx_t *ctx)
{
    (void)ctx;
    return s_enrol_id("../../../escaped-rel", 20);
}

static zmsg_t *
c_enrol_etc(const sec_ctx_t *ctx)
{
    (void)ctx;
    const char *id = "../../../../../../../../../../etc/brine-sec-escaped";
    return s_enrol_id(id, strlen(id));
}

static zmsg_t *
c_enrol_into_accepted(const sec_ctx_t *ctx)
{
    (void)ctx;
    return s_enrol_id("../minions/escaped-accepted", 27);
}

static zmsg_t *
c_enrol_absolute(const sec_ctx_t *ctx)
{
    char id[4200];
    snprintf(id, sizeof id, "%s/escaped-abs", ctx->work);
    return s_enrol_id(id, strlen(id));
}

static zmsg_t *
c_enrol_dots(const sec_ctx_t *ctx)
{
    (void)ctx;
    return s_enrol_id("..", 2);
}

static zmsg_t *
c_enrol_hidden(const sec_ctx_t *ctx)
{
    (void)ctx;
    return s_enrol_id(".escaped-hidden", 15);
}

static zmsg_t *
c_enrol_dash(const sec_ctx_t *ctx)
{
    (void)ctx;
    return s_enrol_id("-rf", 3);
}

static zmsg_t *
c_enrol_nul(const sec_ctx_t *ctx)
{
    (void)ctx;
    //  "web" as C sees it, the rest hidden behind a NUL inside the string
    return s_enrol_id("web\0../../../escaped-nul", 24);
}

static zmsg_t *
c_enrol_65(const sec_ctx_t *ctx)
{
    (void)ctx;
    char *id = sec_long(65);
    zmsg_t *msg = s_enrol_id(id, 65);
    free(id);
    return msg;
}

static zmsg_t *
c_enrol_1mib(const sec_ctx_t *ctx)
{
    (void)ctx;
    char *id = sec_long(1 << 20);
    zmsg_t *msg = s_enrol_id(id, 1 << 20);
    free(id);
    return msg;
}

static zmsg_t *
c_enrol_utf8(const sec_ctx_t *ctx)
{
    (void)ctx;
    return s_enrol_id("w\303\251b", 4);
}

static zmsg_t *
c_enrol_bad_utf8(const sec_ctx_t *ctx)
{
    (void)ctx;
    return s_enrol_id("web\xff\xfe", 5);
}

static zmsg_t *
c_enrol_int_id(const sec_ctx_t *ctx)
{
    (void)ctx;
    bson_t *doc = sec_doc("enrol");
    BSON_APPEND_INT32(doc, "id", 42);
    return sec_send_doc(doc);
}

static zmsg_t *
c_enrol_doc_id(const sec_ctx_t *ctx)
{
    (void)ctx;
    bson_t *doc = sec_doc("enrol");
    bson_t sub;
    BSON_APPEND_DOCUMENT_BEGIN(doc, "id", &sub);
    BSON_APPEND_UTF8(&sub, "id", "web1");
    bson_append_document_end(doc, &sub);
    return sec_send_doc(doc);
}

static zmsg_t *
c_enrol_no_id(const sec_ctx_t *ctx)
{
    (void)ctx;
    return sec_send_doc(sec_doc("enrol"));
}

static zmsg_t *
c_enrol_two_ids(const sec_ctx_t *ctx)
{
    (void)ctx;
    bson_t *doc = sec_doc("enrol");
    BSON_APPEND_UTF8(doc, "id", "escaped-first");
    BSON_APPEND_UTF8(doc, "id", "../escaped-second");
    return sec_send_doc(doc);
}

static zmsg_t *
c_enrol_extra(const sec_ctx_t *ctx)
{
    (void)ctx;
    bson_t *doc = sec_doc("enrol");
    BSON_APPEND_UTF8(doc, "id", "escaped-extra");
    BSON_APPEND_UTF8(doc, "state", "accepted");
    return sec_send_doc(doc);
}

// ------------------------------------------- what only accepted keys may send

static zmsg_t *
c_hello(const sec_ctx_t *ctx)
{
    (void)ctx;
    bson_t *doc = sec_doc("hello");
    BSON_APPEND_UTF8(doc, "id", "escaped-hello");
    BSON_APPEND_UTF8(doc, "ver", "1");
    return sec_send_doc(doc);
}

static zmsg_t *
c_startup(const sec_ctx_t *ctx)
{
    (void)ctx;
    bson_t *doc = sec_doc("startup");
    BSON_APPEND_UTF8(doc, "fun", "state.highstate");
    return sec_send_doc(doc);
}

static zmsg_t *
c_return_valid(const sec_ctx_t *ctx)
{
    (void)ctx;
    return sec_return_jid("20260101000000000001");
}

// ------------------------------------------------------------- hello

static zmsg_t *
c_hello_1mib(const sec_ctx_t *ctx)
{
    (void)ctx;
    char *id = sec_long(1 << 20);
    bson_t *doc = sec_doc("hello");
    BSON_APPEND_UTF8(doc, "id", id);
    BSON_APPEND_UTF8(doc, "ver", "1");
    free(id);
    return sec_send_doc(doc);
}

static zmsg_t *
c_hello_dotdot(const sec_ctx_t *ctx)
{
    (void)ctx;
    bson_t *doc = sec_doc("hello");
    BSON_APPEND_UTF8(doc, "id", "../../escaped-hello");
    BSON_APPEND_UTF8(doc, "ver", "1");
    return sec_send_doc(doc);
}

static zmsg_t *
c_hello_deep(const sec_ctx_t *ctx)
{
    bson_t *levels[40];
    levels[0] = bson_new();
    for (int i = 1; i < 40; i++) {
        levels[i] = bson_new();
    }
    BSON_APPEND_UTF8(levels[39], "bottom", "x");
    for (int i = 38; i >= 0; i--) {
        BSON_APPEND_DOCUMENT(levels[i], "d", levels[i + 1]);
    }
    bson_t *doc = sec_doc("hello");
    BSON_APPEND_UTF8(doc, "id", ctx->id);
    BSON_APPEND_UTF8(doc, "ver", "1");
    BSON_APPEND_DOCUMENT(doc, "grains", levels[0]);
    for (int i = 0; i < 40; i++) {
        bson_destroy(levels[i]);
    }
    return sec_send_doc(doc);
}

static zmsg_t *
c_hello_big_grains(const sec_ctx_t *ctx)
{
    char *text = sec_long(70000);
    bson_t grains = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&grains, "big", text);
    bson_t *doc = sec_doc("hello");
    BSON_APPEND_UTF8(doc, "id", ctx->id);
    BSON_APPEND_UTF8(doc, "ver", "1");
    BSON_APPEND_DOCUMENT(doc, "grains", &grains);
    bson_destroy(&grains);
    free(text);
    return sec_send_doc(doc);
}

static zmsg_t *
c_hello_array_grains(const sec_ctx_t *ctx)
{
    bson_t grains = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&grains, "0", "x");
    bson_t *doc = sec_doc("hello");
    BSON_APPEND_UTF8(doc, "id", ctx->id);
    BSON_APPEND_UTF8(doc, "ver", "1");
    BSON_APPEND_ARRAY(doc, "grains", &grains);
    bson_destroy(&grains);
    return sec_send_doc(doc);
}

static zmsg_t *
c_hello_code_grain(const sec_ctx_t *ctx)
{
    bson_t grains = BSON_INITIALIZER;
    BSON_APPEND_CODE(&grains, "os", "function () { return 1; }");
    bson_t *doc = sec_doc("hello");
    BSON_APPEND_UTF8(doc, "id", ctx->id);
    BSON_APPEND_UTF8(doc, "ver", "1");
    BSON_APPEND_DOCUMENT(doc, "grains", &grains);
    bson_destroy(&grains);
    return sec_send_doc(doc);
}

//  Grains of every odd type the protocol lets through, claiming another
//  minion's id too: whatever the master keeps must not trip targeting or
//  the jobs of this minion later
static zmsg_t *
c_hello_odd_grains(const sec_ctx_t *ctx)
{
    bson_t grains = BSON_INITIALIZER, list;
    uint8_t bytes[4] = {0, 1, 2, 3};
    bson_oid_t oid;
    bson_oid_init_from_string(&oid, "0123456789abcdef01234567");
    BSON_APPEND_UTF8(&grains, "id", ctx->victim);
    BSON_APPEND_BINARY(&grains, "bin", BSON_SUBTYPE_BINARY, bytes, sizeof bytes);
    BSON_APPEND_DOUBLE(&grains, "double", 1e308);
    BSON_APPEND_INT64(&grains, "int64", INT64_MIN);
    BSON_APPEND_NULL(&grains, "null");
    BSON_APPEND_OID(&grains, "oid", &oid);
    BSON_APPEND_REGEX(&grains, "regex", "^a.*", "i");
    BSON_APPEND_DATE_TIME(&grains, "date", -1);
    BSON_APPEND_TIMESTAMP(&grains, "ts", 1, 2);
    BSON_APPEND_MINKEY(&grains, "min");
    BSON_APPEND_MAXKEY(&grains, "max");
    BSON_APPEND_ARRAY_BEGIN(&grains, "os", &list);
    BSON_APPEND_INT32(&list, "0", 7);
    bson_append_array_end(&grains, &list);
    bson_t *doc = sec_doc("hello");
    BSON_APPEND_UTF8(doc, "id", ctx->id);
    BSON_APPEND_UTF8(doc, "ver", "1");
    BSON_APPEND_DOCUMENT(doc, "grains", &grains);
    bson_destroy(&grains);
    return sec_send_doc(doc);
}

//  A grain shaped like a body's reference to a secret: grains never hold one
static zmsg_t *
c_hello_secret_ref(const sec_ctx_t *ctx)
{
    bson_t grains = BSON_INITIALIZER, ref;
    BSON_APPEND_DOCUMENT_BEGIN(&grains, "os", &ref);
    BSON_APPEND_INT32(&ref, "$secret", 0);
    bson_append_document_end(&grains, &ref);
    bson_t *doc = sec_doc("hello");
    BSON_APPEND_UTF8(doc, "id", ctx->id);
    BSON_APPEND_UTF8(doc, "ver", "1");
    BSON_APPEND_DOCUMENT(doc, "grains", &grains);
    bson_destroy(&grains);
    return sec_send_doc(doc);
}

//  Claims another minion's id, in the message and in the grains
static zmsg_t *
c_hello_claims_victim(const sec_ctx_t *ctx)
{
    bson_t grains = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&grains, "id", ctx->victim);
    BSON_APPEND_UTF8(&grains, "os", "Debian");
    bson_t *doc = sec_doc("hello");
    BSON_APPEND_UTF8(doc, "id", ctx->victim);
    BSON_APPEND_UTF8(doc, "ver", "1");
    BSON_APPEND_DOCUMENT(doc, "grains", &grains);
    bson_destroy(&grains);
    return sec_send_doc(doc);
}

const sec_case_t sec_cases_ids[] = {
    {"enrol with id '../../../escaped-rel'", true, SEC_DROP, c_enrol_dotdot},
    {"enrol with id '../../../../../../../../../../etc/brine-sec-escaped'", true, SEC_DROP,
     c_enrol_etc},
    {"enrol with id '../minions/escaped-accepted' (into the accepted keys)", true, SEC_DROP,
     c_enrol_into_accepted},
    {"enrol with an absolute path as id", true, SEC_DROP, c_enrol_absolute},
    {"enrol with id '..'", true, SEC_DROP, c_enrol_dots},
    {"enrol with id '.escaped-hidden'", true, SEC_DROP, c_enrol_hidden},
    {"enrol with id '-rf'", true, SEC_DROP, c_enrol_dash},
    {"enrol with a NUL inside the id ('web\\0../../../escaped-nul')", true, SEC_DROP, c_enrol_nul},
    {"enrol with a 65-byte id", true, SEC_DROP, c_enrol_65},
    {"enrol with a 1 MiB id", true, SEC_DROP, c_enrol_1mib},
    {"enrol with a non-ASCII id", true, SEC_DROP, c_enrol_utf8},
    {"enrol with an id that is not UTF-8", true, SEC_DROP, c_enrol_bad_utf8},
    {"enrol with an int32 id", true, SEC_DROP, c_enrol_int_id},
    {"enrol with a document as id", true, SEC_DROP, c_enrol_doc_id},
    {"enrol without an id", true, SEC_DROP, c_enrol_no_id},
    {"enrol with two ids", true, SEC_DROP, c_enrol_two_ids},
    {"enrol with an extra field state: accepted", true, SEC_DROP, c_enrol_extra},
    {"hello from an unknown key", true, SEC_ERROR, c_hello},
    {"startup from an unknown key", true, SEC_ERROR, c_startup},
    {"return from an unknown key", true, SEC_ERROR, c_return_valid},
    {"hello with a 1 MiB id", false, SEC_DROP, c_hello_1mib},
    {"hello with id '../../escaped-hello'", false, SEC_DROP, c_hello_dotdot},
    {"hello with grains nested 40 deep", false, SEC_DROP, c_hello_deep},
    {"hello with 70 KB of grains", false, SEC_DROP, c_hello_big_grains},
    {"hello with grains that are an array", false, SEC_DROP, c_hello_array_grains},
    {"hello with JavaScript code in the grains", false, SEC_DROP, c_hello_code_grain},
    {"hello with a grain that is a secret reference", false, SEC_ANY, c_hello_secret_ref},
    {"hello with grains of every other BSON type, the id another's", false, SEC_ANY,
     c_hello_odd_grains},
    {"hello claiming another minion's id, in the message and the grains", false, SEC_ANY,
     c_hello_claims_victim},
};
const size_t sec_cases_ids_size = sizeof sec_cases_ids / sizeof sec_cases_ids[0];
