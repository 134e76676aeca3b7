/*  br_msg_model: the one definition of every brine message, for br_msg.c.

    The tables in br_msg_model.c say which fields each message type carries,
    their BSON types, which are required, their size limits and how their
    values are checked. The decoder, the encoder and the setters all read
    them, so a rule is written once and enforced the same way on both sides
    of the wire. The value checks live here too because they are part of
    what a valid message is. Internal to the protocol library. */
#ifndef BR_MSG_MODEL_H
#define BR_MSG_MODEL_H

#include "brine.h"

//  Deepest nesting of documents and arrays, counting the message itself as
//  level 1. Bounds the recursion of libbson's validator and of anything that
//  later walks grains, arguments or returns.
#define BR_MSG_DEPTH_MAX 32
//  A body carries at most this many secrets, each at most this many bytes
#define BR_MSG_SECRETS_MAX 256
#define BR_MSG_SECRET_MAX (64 * 1024)

typedef enum {
    BR_FIELD_ID,
    BR_FIELD_VER,
    BR_FIELD_GRAINS,
    BR_FIELD_STATE,
    BR_FIELD_JID,
    BR_FIELD_EXP,
    BR_FIELD_FUN,
    BR_FIELD_ARG,
    BR_FIELD_KWARG,
    BR_FIELD_SEC,
    BR_FIELD_OK,
    BR_FIELD_RET,
    BR_FIELD_DUR,
    BR_FIELD_CODE,
    BR_FIELD_TEXT,
    BR_FIELD_LOW,
    BR_FIELD_TGT,
    BR_FIELD_TGT_TYPE,
    BR_FIELD_TIMEOUT,
    BR_FIELD_MINIONS,
    BR_FIELD_MISSING,
    BR_FIELD_PUB_PORT,
    BR_FIELD_SEAL,
    BR_FIELD_COUNT
} br_field_t;

#define BR_FIELD_BIT(f) (1u << (f))

//  How a field is stored on the wire; SECRETS is an array of generic binaries
typedef enum {
    BR_KIND_STRING,
    BR_KIND_INT32,
    BR_KIND_INT64,
    BR_KIND_BOOL,
    BR_KIND_DOCUMENT,
    BR_KIND_ARRAY,
    BR_KIND_SECRETS,
} br_kind_t;

typedef enum {
    BR_CHECK_NONE,
    BR_CHECK_ID,     //  br_id_valid_n; failures are BR_ERR_BADID
    BR_CHECK_JID,    //  br_jid_valid_n
    BR_CHECK_STATE,  //  one of the key state names
    BR_CHECK_NONNEG, //  an integer >= 0
    BR_CHECK_TGT_TYPE, //  glob, pcre, list or grain
    BR_CHECK_PORT,   //  a TCP port, 1 to 65535
    BR_CHECK_KEY,    //  a public key: BR_Z85_KEY_LEN Z85 characters
} br_check_t;

typedef struct {
    const char *key;  //  name on the wire
    br_kind_t kind;   //  BSON type
    size_t max;       //  strings: bytes; documents: encoded bytes; secrets: entries
    br_check_t check; //  value check beyond type and size
} br_field_model_t;

typedef struct {
    const char *name;   //  value of "t"
    uint32_t required;  //  BR_FIELD_BIT set of fields that must be present
    uint32_t optional;  //  fields that may be present
    uint32_t empty_doc; //  optional documents that decode as {} when absent
} br_msg_model_t;

//  NULL for a value outside br_msg_type_t
const br_msg_model_t *br_msg_model(br_msg_type_t type);
//  0 when name is not a message type
br_msg_type_t br_msg_model_type(const char *name, size_t len);
const br_field_model_t *br_msg_field(br_field_t field);
//  The field called key, or -1
int br_msg_field_find(const char *key);
bson_type_t br_msg_kind_type(br_kind_t kind);
const char *br_msg_type_label(bson_type_t type);
//  key when it is short and plainly printable, else a placeholder: error
//  messages must not echo arbitrary bytes from the network
const char *br_msg_safe_key(const char *key);

//  Value checks shared by the decoder and the setters: 0 or a negative
//  br_err_t, with err naming message type and field. They never print the
//  value.
int br_msg_check_string(const char *msg, br_field_t field, const char *value, size_t len,
                        br_errmsg_t *err);
int br_msg_check_int(const char *msg, br_field_t field, int64_t value, br_errmsg_t *err);
//  Size, and for arrays keys "0", "1", ... in order. The structure of the
//  document is checked by br_msg_check_structure.
int br_msg_check_document(const char *msg, br_field_t field, const bson_t *doc, br_errmsg_t *err);
//  Walks doc without recursion to reject nesting deeper than max_depth and
//  keys that are not UTF-8, then runs libbson's validator (UTF-8 strings
//  without NUL, no empty keys, no corruption).
int br_msg_check_structure(const bson_t *doc, int max_depth, br_errmsg_t *err);
//  True when the array's keys are "0", "1", ... in order
bool br_msg_array_keys_ok(const bson_t *array);

#endif
