/*  br_msg_model: the message model (fields, types, limits, checks) that
    br_msg.c enforces. docs/protocol.md describes the same rules for other
    implementations; change both together. */
#include "br_msg_model.h"

#define KIB 1024
#define MIB (1024 * 1024)

//  Indexed by br_field_t. Fields mean the same in every message that
//  carries them, so their type and limits are defined once.
static const br_field_model_t s_fields[BR_FIELD_COUNT] = {
    [BR_FIELD_ID] = {"id", BR_KIND_STRING, BR_ID_MAX, BR_CHECK_ID},
    [BR_FIELD_VER] = {"ver", BR_KIND_STRING, 64, BR_CHECK_NONE},
    [BR_FIELD_GRAINS] = {"grains", BR_KIND_DOCUMENT, 64 * KIB, BR_CHECK_NONE},
    [BR_FIELD_STATE] = {"state", BR_KIND_STRING, 16, BR_CHECK_STATE},
    [BR_FIELD_JID] = {"jid", BR_KIND_STRING, BR_JID_LEN, BR_CHECK_JID},
    [BR_FIELD_EXP] = {"exp", BR_KIND_INT64, 0, BR_CHECK_NONNEG},
    [BR_FIELD_FUN] = {"fun", BR_KIND_STRING, 128, BR_CHECK_NONE},
    [BR_FIELD_ARG] = {"arg", BR_KIND_ARRAY, 1 * MIB, BR_CHECK_NONE},
    [BR_FIELD_KWARG] = {"kwarg", BR_KIND_DOCUMENT, 1 * MIB, BR_CHECK_NONE},
    [BR_FIELD_SEC] = {"sec", BR_KIND_SECRETS, BR_MSG_SECRETS_MAX, BR_CHECK_NONE},
    [BR_FIELD_OK] = {"ok", BR_KIND_BOOL, 0, BR_CHECK_NONE},
    [BR_FIELD_RET] = {"ret", BR_KIND_DOCUMENT, 4 * MIB, BR_CHECK_NONE},
    [BR_FIELD_DUR] = {"dur", BR_KIND_INT64, 0, BR_CHECK_NONNEG},
    [BR_FIELD_CODE] = {"code", BR_KIND_INT32, 0, BR_CHECK_NONE},
    [BR_FIELD_TEXT] = {"text", BR_KIND_STRING, 1024, BR_CHECK_NONE},
    [BR_FIELD_LOW] = {"low", BR_KIND_ARRAY, 6 * MIB, BR_CHECK_NONE},
    [BR_FIELD_TGT] = {"tgt", BR_KIND_STRING, 1024, BR_CHECK_NONE},
    [BR_FIELD_TGT_TYPE] = {"tgt_type", BR_KIND_STRING, 8, BR_CHECK_TGT_TYPE},
    [BR_FIELD_TIMEOUT] = {"timeout", BR_KIND_INT32, 0, BR_CHECK_NONNEG},
    [BR_FIELD_MINIONS] = {"minions", BR_KIND_ARRAY, 1 * MIB, BR_CHECK_NONE},
    [BR_FIELD_MISSING] = {"missing", BR_KIND_ARRAY, 1 * MIB, BR_CHECK_NONE},
    [BR_FIELD_PUB_PORT] = {"pub_port", BR_KIND_INT32, 0, BR_CHECK_PORT},
    [BR_FIELD_SEAL] = {"seal", BR_KIND_STRING, BR_Z85_KEY_LEN, BR_CHECK_KEY},
};

#define F(name) BR_FIELD_BIT(BR_FIELD_##name)

//  Indexed by br_msg_type_t; index 0 is not a type. "v" and "t" are
//  required on every message and handled by the decoder itself.
static const br_msg_model_t s_msgs[] = {
    //  seal: the minion's sealing public key, filed with its key at
    //  enrolment; a hello's must match what was filed
    [BR_MSG_HELLO] = {"hello", F(ID) | F(VER), F(GRAINS) | F(SEAL), F(GRAINS)},
    //  pub_port: the master's publish port, so that a minion configured
    //  with its request port alone finds the other socket
    [BR_MSG_WELCOME] = {"welcome", F(STATE) | F(VER), F(PUB_PORT), 0},
    [BR_MSG_ENROL] = {"enrol", F(ID), F(SEAL), 0},
    [BR_MSG_STARTUP] = {"startup", 0, F(FUN) | F(ARG), 0},
    [BR_MSG_JOB] = {"job", F(JID) | F(EXP), 0, 0},
    [BR_MSG_BODY] = {"body", F(JID) | F(FUN), F(ARG) | F(KWARG) | F(SEC) | F(LOW), 0},
    [BR_MSG_RETURN] = {"return", F(JID) | F(FUN) | F(OK) | F(RET), F(DUR), 0},
    [BR_MSG_ERROR] = {"error", F(CODE) | F(TEXT), F(JID), 0},
    [BR_MSG_CLI_JOB] = {"cli_job", F(TGT) | F(TGT_TYPE) | F(FUN), F(ARG) | F(KWARG) | F(TIMEOUT),
                        0},
    [BR_MSG_CLI_START] = {"cli_start", F(JID) | F(MINIONS), 0, 0},
    [BR_MSG_CLI_RETURN] = {"cli_return", F(JID) | F(ID) | F(OK) | F(RET), F(DUR), 0},
    [BR_MSG_CLI_DONE] = {"cli_done", F(JID) | F(MISSING), 0, 0},
};

#define MSG_COUNT (sizeof s_msgs / sizeof s_msgs[0])

//  What the master may say about a minion's key (welcome.state)
static const char *s_states[] = {"accepted", "pending", "rejected", "denied", "unknown"};

//  How a CLI names its target (cli_job.tgt_type)
static const char *s_tgt_types[] = {"glob", "pcre", "list", "grain"};

const br_msg_model_t *
br_msg_model(br_msg_type_t type)
{
    if ((size_t)type == 0 || (size_t)type >= MSG_COUNT) {
        return NULL;
    }
    return &s_msgs[type];
}

br_msg_type_t
br_msg_model_type(const char *name, size_t len)
{
    for (size_t i = 1; i < MSG_COUNT; i++) {
        if (strlen(s_msgs[i].name) == len && memcmp(s_msgs[i].name, name, len) == 0) {
            return (br_msg_type_t)i;
        }
    }
    return 0;
}

const br_field_model_t *
br_msg_field(br_field_t field)
{
    return &s_fields[field];
}

int
br_msg_field_find(const char *key)
{
    for (int i = 0; i < BR_FIELD_COUNT; i++) {
        if (strcmp(s_fields[i].key, key) == 0) {
            return i;
        }
    }
    return -1;
}

bson_type_t
br_msg_kind_type(br_kind_t kind)
{
    switch (kind) {
    case BR_KIND_STRING:
        return BSON_TYPE_UTF8;
    case BR_KIND_INT32:
        return BSON_TYPE_INT32;
    case BR_KIND_INT64:
        return BSON_TYPE_INT64;
    case BR_KIND_BOOL:
        return BSON_TYPE_BOOL;
    case BR_KIND_DOCUMENT:
        return BSON_TYPE_DOCUMENT;
    case BR_KIND_ARRAY:
    case BR_KIND_SECRETS:
        return BSON_TYPE_ARRAY;
    }
    return BSON_TYPE_EOD;
}

const char *
br_msg_type_label(bson_type_t type)
{
    switch (type) {
    case BSON_TYPE_DOUBLE:
        return "double";
    case BSON_TYPE_UTF8:
        return "string";
    case BSON_TYPE_DOCUMENT:
        return "document";
    case BSON_TYPE_ARRAY:
        return "array";
    case BSON_TYPE_BINARY:
        return "binary";
    case BSON_TYPE_UNDEFINED:
        return "undefined";
    case BSON_TYPE_OID:
        return "objectid";
    case BSON_TYPE_BOOL:
        return "bool";
    case BSON_TYPE_DATE_TIME:
        return "datetime";
    case BSON_TYPE_NULL:
        return "null";
    case BSON_TYPE_REGEX:
        return "regex";
    case BSON_TYPE_DBPOINTER:
        return "dbpointer";
    case BSON_TYPE_CODE:
        return "javascript";
    case BSON_TYPE_SYMBOL:
        return "symbol";
    case BSON_TYPE_CODEWSCOPE:
        return "javascript with scope";
    case BSON_TYPE_INT32:
        return "int32";
    case BSON_TYPE_TIMESTAMP:
        return "timestamp";
    case BSON_TYPE_INT64:
        return "int64";
    case BSON_TYPE_DECIMAL128:
        return "decimal128";
    case BSON_TYPE_MAXKEY:
        return "maxkey";
    case BSON_TYPE_MINKEY:
        return "minkey";
    case BSON_TYPE_EOD:
        break;
    }
    return "unknown";
}

const char *
br_msg_safe_key(const char *key)
{
    size_t len = strnlen(key, 33);
    if (len == 0 || len > 32) {
        return "(unprintable)";
    }
    for (size_t i = 0; i < len; i++) {
        char c = key[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.')) {
            return "(unprintable)";
        }
    }
    return key;
}

static bool
s_state_valid(const char *value, size_t len)
{
    for (size_t i = 0; i < sizeof s_states / sizeof s_states[0]; i++) {
        if (strlen(s_states[i]) == len && memcmp(s_states[i], value, len) == 0) {
            return true;
        }
    }
    return false;
}

int
br_msg_check_string(const char *msg, br_field_t field, const char *value, size_t len,
                    br_errmsg_t *err)
{
    const br_field_model_t *f = &s_fields[field];
    if (strnlen(value, len) != len) {
        return br_errmsg_set(err, BR_ERR_MALFORMED, "%s: field '%s' contains a NUL byte", msg,
                             f->key);
    }
    //  Fields with a format check reject over-long values with the check's
    //  own code: a 65-byte id is a bad id before it is a big one
    switch (f->check) {
    case BR_CHECK_ID:
        if (!br_id_valid_n(value, len)) {
            return br_errmsg_set(err, BR_ERR_BADID, "%s: field '%s' is not a valid minion id", msg,
                                 f->key);
        }
        return 0;
    case BR_CHECK_JID:
        if (len > f->max || !br_jid_valid_n(value, len)) {
            return br_errmsg_set(err, BR_ERR_INVALID, "%s: field '%s' is not a valid job id", msg,
                                 f->key);
        }
        return 0;
    case BR_CHECK_STATE:
        if (len > f->max || !s_state_valid(value, len)) {
            return br_errmsg_set(err, BR_ERR_INVALID,
                                 "%s: field '%s' is not accepted, pending, rejected, denied or "
                                 "unknown",
                                 msg, f->key);
        }
        return 0;
    case BR_CHECK_TGT_TYPE: {
        bool known = false;
        for (size_t i = 0; i < sizeof s_tgt_types / sizeof s_tgt_types[0]; i++) {
            known =
                known || (strlen(s_tgt_types[i]) == len && memcmp(s_tgt_types[i], value, len) == 0);
        }
        if (len > f->max || !known) {
            return br_errmsg_set(err, BR_ERR_INVALID,
                                 "%s: field '%s' is not glob, pcre, list or grain", msg, f->key);
        }
        return 0;
    }
    case BR_CHECK_KEY: {
        uint8_t key[BR_KEY_SIZE];
        if (len != BR_Z85_KEY_LEN || br_pubkey_from_z85(key, value, len) != 0) {
            return br_errmsg_set(err, BR_ERR_INVALID, "%s: field '%s' is not a public key (%d Z85 "
                                 "characters)", msg, f->key, BR_Z85_KEY_LEN);
        }
        return 0;
    }
    case BR_CHECK_NONE:
    case BR_CHECK_NONNEG:
    case BR_CHECK_PORT:
        break;
    }
    if (len > f->max) {
        return br_errmsg_set(err, BR_ERR_TOOBIG, "%s: field '%s' is %zu bytes, limit %zu", msg,
                             f->key, len, f->max);
    }
    //  The decoder's input passed br_msg_check_structure already; a
    //  setter's has not, and the peer would reject it
    if (!bson_utf8_validate(value, len, false)) {
        return br_errmsg_set(err, BR_ERR_MALFORMED, "%s: field '%s' is not valid UTF-8", msg,
                             f->key);
    }
    return 0;
}

int
br_msg_check_int(const char *msg, br_field_t field, int64_t value, br_errmsg_t *err)
{
    const br_field_model_t *f = &s_fields[field];
    if (f->check == BR_CHECK_NONNEG && value < 0) {
        return br_errmsg_set(err, BR_ERR_INVALID, "%s: field '%s' is negative", msg, f->key);
    }
    if (f->check == BR_CHECK_PORT && (value < 1 || value > 65535)) {
        return br_errmsg_set(err, BR_ERR_INVALID, "%s: field '%s' is not a port (1-65535)", msg,
                             f->key);
    }
    return 0;
}

bool
br_msg_array_keys_ok(const bson_t *array)
{
    bson_iter_t it;
    if (!bson_iter_init(&it, array)) {
        return false;
    }
    uint32_t index = 0;
    while (bson_iter_next(&it)) {
        char buf[16];
        const char *want;
        bson_uint32_to_string(index++, &want, buf, sizeof buf);
        if (strcmp(bson_iter_key(&it), want) != 0) {
            return false;
        }
    }
    return true;
}

int
br_msg_check_document(const char *msg, br_field_t field, const bson_t *doc, br_errmsg_t *err)
{
    const br_field_model_t *f = &s_fields[field];
    if (doc->len > f->max) {
        return br_errmsg_set(err, BR_ERR_TOOBIG, "%s: field '%s' is %u bytes, limit %zu", msg,
                             f->key, (unsigned)doc->len, f->max);
    }
    //  libbson warns on stderr when it appends an array that does not start
    //  at "0"; other readers may index by key
    if (f->kind == BR_KIND_ARRAY && !br_msg_array_keys_ok(doc)) {
        return br_errmsg_set(err, BR_ERR_MALFORMED, "%s: field '%s' has keys other than 0, 1, ...",
                             msg, f->key);
    }
    return 0;
}

//  Deprecated types, and JavaScript, which brine never sends. Code with
//  scope matters most: it nests a document that this walk would not see and
//  libbson's validator would recurse into without limit.
static bool
s_type_allowed(bson_type_t type)
{
    switch (type) {
    case BSON_TYPE_UNDEFINED:
    case BSON_TYPE_DBPOINTER:
    case BSON_TYPE_CODE:
    case BSON_TYPE_SYMBOL:
    case BSON_TYPE_CODEWSCOPE:
        return false;
    default:
        return true;
    }
}

//  The checks libbson 1.23 should make but does not reliably: its validator
//  stops at the first string that is not UTF-8 and reports the whole
//  document valid, unchecked past that point (CDRIVER-4448)
static int
s_check_element(const bson_iter_t *it, br_errmsg_t *err)
{
    const char *key = bson_iter_key(it);
    if (!key[0] || !bson_utf8_validate(key, strlen(key), false)) {
        return br_errmsg_set(err, BR_ERR_MALFORMED, "message: a key is empty or not UTF-8");
    }
    bson_type_t type = bson_iter_type(it);
    if (!s_type_allowed(type)) {
        return br_errmsg_set(err, BR_ERR_TYPE, "message: BSON type %s is not allowed",
                             br_msg_type_label(type));
    }
    bool valid = true;
    if (type == BSON_TYPE_UTF8) {
        uint32_t len;
        const char *value = bson_iter_utf8(it, &len);
        valid = bson_utf8_validate(value, len, false);
    } else if (type == BSON_TYPE_REGEX) {
        const char *options;
        const char *pattern = bson_iter_regex(it, &options);
        valid = bson_utf8_validate(pattern, strlen(pattern), false) &&
                bson_utf8_validate(options, strlen(options), false);
    }
    if (!valid) {
        return br_errmsg_set(err, BR_ERR_MALFORMED,
                             "message: a string is not UTF-8 or holds a NUL");
    }
    return 0;
}

int
br_msg_check_structure(const bson_t *doc, int max_depth, br_errmsg_t *err)
{
    //  libbson 1.x validates nested documents by recursion with no depth
    //  limit: an 8 MiB message of nested documents would exhaust the stack.
    //  This walk keeps its own stack of iterators, bounded by max_depth.
    //  (bson_iter_t is over-aligned: wrapped, it can form an array)
    struct {
        bson_iter_t it;
    } stack[BR_MSG_DEPTH_MAX];
    if (max_depth < 1 || max_depth > BR_MSG_DEPTH_MAX) {
        return br_errmsg_set(err, BR_ERR_INTERNAL, "message: bad depth limit");
    }
    if (!bson_iter_init(&stack[0].it, doc)) {
        return br_errmsg_set(err, BR_ERR_MALFORMED, "message: not a BSON document");
    }
    int depth = 0;
    while (depth >= 0) {
        bson_iter_t *it = &stack[depth].it;
        if (!bson_iter_next(it)) {
            //  bson_iter_next refuses an element that overruns its document
            if (it->err_off) {
                return br_errmsg_set(err, BR_ERR_MALFORMED, "message: corrupt BSON at offset %u",
                                     (unsigned)it->err_off);
            }
            depth--;
            continue;
        }
        int rc = s_check_element(it, err);
        if (rc) {
            return rc;
        }
        if (BSON_ITER_HOLDS_DOCUMENT(it) || BSON_ITER_HOLDS_ARRAY(it)) {
            if (depth + 1 >= max_depth) {
                return br_errmsg_set(err, BR_ERR_TOOBIG,
                                     "message: documents nested deeper than %d levels", max_depth);
            }
            if (!bson_iter_recurse(it, &stack[depth + 1].it)) {
                return br_errmsg_set(err, BR_ERR_MALFORMED, "message: corrupt nested document");
            }
            depth++;
        }
    }
    //  A second opinion, now that its recursion is bounded. Its error text
    //  is not used: it can quote keys from the input.
    bson_error_t error;
    if (!bson_validate_with_error(doc, BSON_VALIDATE_UTF8 | BSON_VALIDATE_EMPTY_KEYS, &error)) {
        return br_errmsg_set(err, BR_ERR_MALFORMED, "message: invalid BSON");
    }
    return 0;
}
